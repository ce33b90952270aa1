//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func waitSession(t *testing.T, out string) string {
	t.Helper()
	var dir string
	waitFor(t, "the session to start", func() bool {
		m, _ := filepath.Glob(filepath.Join(out, "*", "session.json"))
		if len(m) == 1 {
			dir = filepath.Dir(m[0])
		}
		return len(m) == 1
	})
	return dir
}

// A process stopped past its deadline (like a machine asleep) ends the
// session as soon as it runs again, with the stall recorded as a gap.
func TestStallPastDeadlineEndsOnResume(t *testing.T) {
	out := t.TempDir()
	s := start(t, env(t), "record", "--for", "2s", "--interval", "200ms", "--iface", "lo", "--json", "--out", out)
	waitSession(t, out)
	s.cmd.Process.Signal(syscall.SIGSTOP)
	time.Sleep(3 * time.Second) // the stall under test
	resumed := time.Now()
	s.cmd.Process.Signal(syscall.SIGCONT)
	r := s.wait(t)
	if took := time.Since(resumed); took > 1500*time.Millisecond {
		t.Errorf("the session ended %v after resuming; it was already due", took)
	}
	var info struct {
		Status          string  `json:"status"`
		Gaps            int     `json:"gaps"`
		DurationSeconds float64 `json:"duration_seconds"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if info.Status != "completed" || info.Gaps != 1 || info.DurationSeconds < 3 {
		t.Errorf("after the stall: %+v", info)
	}
}

// A selected interface deleted and recreated mid-session adds no phantom
// bytes: the totals are what the kernel counted on both incarnations.
func TestInterfaceRecreatedMidSession(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	p.transfer(5101, 2_000_000, 100_000) // before: not counted
	rx0, tx0 := p.counters(p.a, p.ifA)
	out := t.TempDir()
	rec := startCmd(t, append(env(t), "PATH="+os.Getenv("PATH")), "ip", "netns", "exec", p.a, bin,
		"record", "--iface", p.ifA, "--for", "6s", "--interval", "200ms", "--json", "--out", out, "--verbose")
	waitSession(t, out)
	dir := filepath.Join(out, "*")
	p.transfer(5102, 1_000_000, 300_000)
	rx1, tx1 := p.counters(p.a, p.ifA)
	// Bytes between bwtray's last reading and the deletion vanish with the
	// interface's counters; no meter can see them. Let one reading happen.
	waitFor(t, "bwtray to read the traffic before the deletion", func() bool {
		return csvTotal(dir) >= rx1-rx0
	})
	// Delete and recreate the pair; wait until bwtray has seen it gone.
	p.ip("-n", p.a, "link", "del", p.ifA)
	rec.waitLine(t, "is gone")
	p.ip("link", "add", p.ifA, "netns", p.a, "type", "veth", "peer", "name", p.ifB, "netns", p.b)
	p.setup(p.a, p.ifA, p.addrA, p.addrB)
	p.setup(p.b, p.ifB, p.addrB, p.addrA)
	p.pinNeighbours()
	p.transfer(5103, 1_500_000, 200_000)
	r := rec.wait(t)
	rx2, tx2 := p.counters(p.a, p.ifA) // the new incarnation, from zero
	info := decodeInfo(t, r.stdout)
	wantRecv, wantSent := (rx1-rx0)+rx2, (tx1-tx0)+tx2
	if info.BytesRecv != wantRecv || info.BytesSent != wantSent {
		t.Errorf("bwtray counted recv=%d sent=%d; the kernel counted %d and %d", info.BytesRecv, info.BytesSent, wantRecv, wantSent)
	}
	if !strings.Contains(r.stderr, "was recreated") {
		t.Errorf("no word about the interface being recreated:\n%s", r.stderr)
	}
}

// With every selected interface gone the session goes on, says so, and
// counts again when it returns.
func TestNoInterfaceIsShown(t *testing.T) {
	p := newNetnsPair(t)
	out := t.TempDir()
	rec := startCmd(t, append(env(t), "PATH="+os.Getenv("PATH")), "ip", "netns", "exec", p.a, bin,
		"record", "--iface", p.ifA, "--for", "1h", "--interval", "100ms", "--out", out)
	rec.waitLine(t, "recording")
	p.ip("-n", p.a, "link", "del", p.ifA)
	dir := waitSession(t, out)
	waitFor(t, "a sample with no interface", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "samples.csv"))
		return strings.Contains(string(b), ",0\n")
	})
	rec.cmd.Process.Signal(syscall.SIGINT)
	r := rec.wait(t)
	if r.code != 0 || !strings.Contains(r.stderr, "no counted interface is present") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// A disk that fills mid-session does not stop it or lose a sample.
func TestDiskFullMidSession(t *testing.T) {
	requireRoot(t, "mount a small tmpfs")
	out := t.TempDir()
	if o, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", out).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v %s", err, o)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	s := start(t, env(t), "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--json", "--out", out)
	dir := waitSession(t, out)
	// Fill the disk completely.
	filler := filepath.Join(out, "filler")
	exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=4k").Run()
	s.waitLine(t, "cannot write samples")
	// Let a few samples pile up in memory: the line after the warning is
	// not printed until the disk takes rows again, so wait on the clock.
	time.Sleep(500 * time.Millisecond)
	os.Remove(filler)
	// Space is back: the rows kept in memory are written with the next one.
	s.waitLine(t, "written again")
	s.cmd.Process.Signal(syscall.SIGINT)
	r := s.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	info := decodeInfo(t, r.stdout)
	b, _ := os.ReadFile(filepath.Join(dir, "samples.csv"))
	rows := strings.Count(string(b), "\n") - 1
	if info.Status != "stopped" || rows != info.SampleCount || rows < 3 {
		t.Errorf("%d rows on disk, %d samples taken: %+v", rows, info.SampleCount, info)
	}
	checkChart(t, info.Chart)
}

// A disk still full at the end damages nothing already saved; the next
// command, with space back, finalizes the session from its samples.
func TestDiskFullAtTheEnd(t *testing.T) {
	requireRoot(t, "mount a small tmpfs")
	out := t.TempDir()
	if o, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", out).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v %s", err, o)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	e := env(t)
	s := start(t, e, "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--out", out)
	dir := waitSession(t, out)
	waitFor(t, "two samples", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "samples.csv"))
		return strings.Count(string(b), "\n") >= 3
	})
	filler := filepath.Join(out, "filler")
	exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=4k").Run()
	s.waitLine(t, "cannot write samples")
	s.cmd.Process.Signal(syscall.SIGINT)
	r := s.wait(t)
	if r.code != 1 || !strings.Contains(r.stderr, "not saved completely") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	// session.json is intact (still "running"); samples.csv has whole rows.
	b, err := os.ReadFile(filepath.Join(dir, "session.json"))
	var v map[string]any
	if err != nil || json.Unmarshal(b, &v) != nil || v["status"] != "running" {
		t.Fatalf("session.json damaged: %v %s", err, b)
	}
	os.Remove(filler)
	ls := run(t, e, "sessions", "--json", "--dir", out)
	var list []sessionInfo
	if err := json.Unmarshal([]byte(ls.stdout), &list); err != nil || len(list) != 1 || list[0].Status != "interrupted" || list[0].SampleCount < 2 {
		t.Fatalf("sessions after the disk freed up: %v %s %s", err, ls.stdout, ls.stderr)
	}
	checkChart(t, list[0].Chart)
}

// A damaged session.json is reported and skipped; the others still list.
func TestCorruptSessionIsSkipped(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	var dirs []string
	for range 2 {
		r := run(t, e, "record", "--for", "1s", "--interval", "500ms", "--iface", "lo", "--json", "--out", out)
		dirs = append(dirs, decodeInfo(t, r.stdout).Dir)
	}
	b, _ := os.ReadFile(filepath.Join(dirs[0], "session.json"))
	os.WriteFile(filepath.Join(dirs[0], "session.json"), b[:len(b)/3], 0o600)
	r := run(t, e, "sessions", "--dir", out)
	if r.code != 0 || !strings.Contains(r.stdout, dirs[1]) || strings.Contains(r.stdout, dirs[0]) || !strings.Contains(r.stderr, "skipping a damaged session: reading "+dirs[0]) {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

// Names with XML and shell metacharacters reach the SVG, the CSV and the
// JSON intact and escaped: a real veth named a&b<c>, in a folder named
// with quotes, ampersands and spaces.
func TestHostileNames(t *testing.T) {
	p := newNetnsPair(t)
	const odd = "a&b<c>"
	p.ip("-n", p.a, "link", "set", p.ifA, "down")
	p.ip("-n", p.a, "link", "set", p.ifA, "name", odd)
	p.ifA = odd
	p.ip("-n", p.a, "link", "set", odd, "up")
	out := filepath.Join(t.TempDir(), `we&ird <dir> "q" 'q' $(touch pwned)`)
	r := runCmd(t, env(t), "ip", "netns", "exec", p.a, bin, "record", "--iface", odd, "--for", "1s", "--interval", "250ms", "--json", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	info := decodeInfo(t, r.stdout)
	if len(info.Interfaces) != 1 || info.Interfaces[0] != odd || !strings.HasPrefix(info.Dir, out) {
		t.Errorf("JSON: %+v", info)
	}
	checkChart(t, info.Chart)
	svg, _ := os.ReadFile(info.Chart)
	if !strings.Contains(string(svg), "a&amp;b&lt;c&gt;") {
		t.Errorf("the SVG does not carry the escaped interface name")
	}
	if _, err := os.Stat("pwned"); err == nil {
		t.Error("a folder name ran a command")
	}
	// sessions --json of that folder parses too.
	ls := run(t, env(t), "sessions", "--json", "--dir", out)
	var list []sessionInfo
	if err := json.Unmarshal([]byte(ls.stdout), &list); err != nil || len(list) != 1 || list[0].Interfaces[0] != odd {
		t.Errorf("sessions --json: %v %s", err, ls.stdout)
	}
}

// csvTotal adds up recv_bytes in the samples.csv matched by the glob dir.
func csvTotal(dir string) uint64 {
	m, _ := filepath.Glob(filepath.Join(dir, "samples.csv"))
	if len(m) != 1 {
		return 0
	}
	b, _ := os.ReadFile(m[0])
	var total uint64
	for _, line := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Split(line, ","); len(f) > 3 {
			n, _ := strconv.ParseUint(f[3], 10, 64)
			total += n
		}
	}
	return total
}

func runCmd(t *testing.T, e []string, name string, args ...string) result {
	t.Helper()
	s := startCmd(t, e, name, args...)
	return s.wait(t)
}

// bwtray opens no network listener: the sockets it holds while recording
// are not TCP or UDP sockets, nor listening Unix sockets.
func TestNoNetworkListener(t *testing.T) {
	out := t.TempDir()
	s := start(t, env(t), "record", "--for", "1h", "--iface", "lo", "--out", out)
	s.waitLine(t, "recording")
	pid := s.cmd.Process.Pid
	inodes := socketInodes(t, pid)
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6", "raw", "raw6"} {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/" + table)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 9 && inodes[f[9]] {
				t.Errorf("bwtray holds a %s socket: %s", table, line)
			}
		}
	}
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/unix")
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 6 && inodes[f[6]] && f[3] == "00010000" {
			t.Errorf("bwtray listens on a unix socket: %s", line)
		}
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	s.wait(t)
}

func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if ino, ok := strings.CutPrefix(link, "socket:["); ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	return inodes
}
