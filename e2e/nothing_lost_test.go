//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests in this file back the README's promise that a session is never
// lost or corrupted, whatever the terminal, the reader, other processes or
// the file system do. Each one failed before the fix it covers.

// onDisk reads the one session.json under out.
func onDisk(t *testing.T, out string) (sessionInfo, bool) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(out, "*", "session.json"))
	if len(m) != 1 {
		return sessionInfo{}, false
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		return sessionInfo{}, false
	}
	var info sessionInfo
	if json.Unmarshal(b, &info) != nil {
		return sessionInfo{}, false
	}
	return info, true
}

// waitFinishedOnDisk waits until the session under out is saved as
// finished, and returns it with the time that took.
func waitFinishedOnDisk(t *testing.T, out string, within time.Duration) sessionInfo {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if info, ok := onDisk(t, out); ok && info.Status != "running" {
			return info
		}
		if time.Now().After(deadline) {
			info, _ := onDisk(t, out)
			t.Fatalf("the session was not saved as finished within %v: %+v", within, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A terminal paused with Ctrl-S blocks every write to it; the session
// still ends on time, complete on disk, and the summary follows once the
// terminal resumes.
func TestPausedTerminalLosesNoSample(t *testing.T) {
	p := openPty(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "record", "--for", "4s", "--interval", "100ms", "--iface", "lo", "--out", out)
	cmd.Env = env(t)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.tty, p.tty, p.tty
	shown := p.drain()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	waitSession(t, out)
	time.Sleep(500 * time.Millisecond) // the live line is being drawn
	p.pause(t)
	start := time.Now()
	info := waitFinishedOnDisk(t, out, 8*time.Second)
	t.Logf("saved %v after the pause, with %d samples", time.Since(start).Round(time.Millisecond), info.SampleCount)
	if info.Status != "completed" || info.SampleCount < 35 || info.DurationSeconds < 3.9 {
		t.Errorf("with the terminal paused the session was saved as %+v; want completed with ~40 samples", info)
	}
	p.resume(t)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after resuming: %v", err)
	}
	p.master.SetReadDeadline(time.Now().Add(time.Second))
	p.tty.Close()
	if screen := <-shown; !bytes.Contains(screen, []byte("session completed")) {
		t.Errorf("the summary never reached the terminal:\n%q", screen)
	}
}

// A pipe nobody reads fills up; the session still ends on time on disk.
func TestFullPipeLosesNoSample(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Fill the pipe, so bwtray's first write blocks. (Fd puts the file in
	// blocking mode; the raw writes below stop at EAGAIN instead.)
	fd := int(w.Fd())
	unix.SetNonblock(fd, true)
	junk := make([]byte, 4096)
	for {
		if _, err := unix.Write(fd, junk); err != nil {
			break
		}
	}
	unix.SetNonblock(fd, false)
	out := t.TempDir()
	cmd := exec.Command(bin, "record", "--for", "3s", "--interval", "100ms", "--iface", "lo", "--out", out)
	cmd.Env = env(t)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill() })
	info := waitFinishedOnDisk(t, out, 8*time.Second)
	if info.Status != "completed" || info.SampleCount < 25 {
		t.Errorf("with stdout blocked the session was saved as %+v; want completed with ~30 samples", info)
	}
	// Now read: the summary the process was waiting to write arrives.
	all, _ := bytesFrom(r)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, stderr.String())
	}
	if !bytes.Contains(all, []byte("session completed")) {
		t.Errorf("summary missing from the pipe")
	}
}

func bytesFrom(r *os.File) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// Closing the terminal (a hangup, with bwtray the terminal's session
// leader) stops and saves the session; so does SIGHUP sent by hand, even
// twice in a row.
func TestHangupSavesSession(t *testing.T) {
	t.Run("terminal closed", func(t *testing.T) {
		p := openPty(t)
		out := t.TempDir()
		cmd := exec.Command(bin, "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--out", out)
		cmd.Env = env(t)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = p.tty, p.tty, p.tty
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		shown := p.drain()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		waitSession(t, out)
		time.Sleep(300 * time.Millisecond)
		p.tty.Close()
		p.master.Close() // the terminal window closes: the kernel hangs up
		<-shown
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("bwtray did not end after the terminal closed")
		}
		info, _ := onDisk(t, out)
		if info.Status != "stopped" || info.SampleCount < 3 {
			t.Errorf("after the terminal closed: %+v", info)
		}
		checkChart(t, info.Chart)
	})
	t.Run("SIGHUP twice", func(t *testing.T) {
		out := t.TempDir()
		s := start(t, env(t), "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--out", out)
		s.waitLine(t, "recording lo")
		s.cmd.Process.Signal(syscall.SIGHUP)
		s.cmd.Process.Signal(syscall.SIGHUP)
		r := s.wait(t)
		info, _ := onDisk(t, out)
		if r.code != 0 || info.Status != "stopped" || !strings.Contains(r.stdout, "session stopped") {
			t.Errorf("after SIGHUP: exit %d, %+v\n%s", r.code, info, r.stderr)
		}
	})
}

// A reader that goes away (| head -1) or an output that fails (/dev/full)
// does not end the recording: it runs to its planned end, and the exit
// status says the output failed.
func TestClosedOutputDoesNotEndRecording(t *testing.T) {
	t.Run("reader gone", func(t *testing.T) {
		out := t.TempDir()
		cmd := exec.Command(bin, "record", "--for", "3s", "--interval", "100ms", "--iface", "lo", "--out", out)
		cmd.Env = env(t)
		stdout, _ := cmd.StdoutPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		first, _ := bufio.NewReader(stdout).ReadString('\n')
		stdout.Close() // like head -1
		start := time.Now()
		err := cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		info, _ := onDisk(t, out)
		if !strings.HasPrefix(first, "recording lo") || code != 1 || time.Since(start) < 2*time.Second {
			t.Errorf("first line %q; exit %d (%v) after %v", first, code, err, time.Since(start))
		}
		if !strings.Contains(stderr.String(), "the session was saved in "+info.Dir+", but writing to standard output failed") {
			t.Errorf("stderr: %q", stderr.String())
		}
		if info.Status != "completed" || info.SampleCount < 25 {
			t.Errorf("session %+v", info)
		}
	})
	t.Run("/dev/full", func(t *testing.T) {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer full.Close()
		out := t.TempDir()
		cmd := exec.Command(bin, "record", "--for", "2s", "--interval", "100ms", "--iface", "lo", "--out", out)
		cmd.Env = env(t)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		cmd.Run()
		info, _ := onDisk(t, out)
		if cmd.ProcessState.ExitCode() != 1 || info.Status != "completed" || info.SampleCount < 15 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("exit %d, %+v\n%s", cmd.ProcessState.ExitCode(), info, stderr.String())
		}
	})
}

// deadSessions makes n session folders marked running with nobody
// recording them (sessions whose recorder died, waiting to be finalized),
// started on 1 January 2026.
func deadSessions(t *testing.T, out string, n, rows int) {
	t.Helper()
	deadSessionsAt(t, out, n, rows, time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local))
}

func deadSessionsAt(t *testing.T, out string, n, rows int, at time.Time) {
	t.Helper()
	var b strings.Builder
	b.WriteString("time,elapsed_s,interval_s,recv_bytes,sent_bytes,recv_bps,sent_bps,gap,interfaces\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%s,%d.000,1.000,%d,%d,0,0,0,1\n", at.Add(time.Duration(i)*time.Second).Format("2006-01-02T15:04:05.000Z07:00"), i, i%1000, i%100)
	}
	info := map[string]any{"start": at, "status": "running", "interval_seconds": 1, "interfaces": []string{"lo"}, "version": 1}
	js, _ := json.Marshal(info)
	for i := range n {
		dir := filepath.Join(out, at.Format("2006-01-02T15-04-05")+fmt.Sprintf("-%d", i+1))
		if i == 0 {
			dir = filepath.Join(out, at.Format("2006-01-02T15-04-05"))
		}
		os.Mkdir(dir, 0o700)
		os.WriteFile(filepath.Join(dir, "samples.csv"), []byte(b.String()), 0o600)
		os.WriteFile(filepath.Join(dir, "session.json"), js, 0o600)
	}
}

// A 'sessions' that starts while a session records, and reaches it after
// it has finished, leaves it as it was saved: completed, with its alert.
func TestRecoveryNeverRewritesAFinishedSession(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	// Dead sessions, older than the live one, so that 'sessions' reaches
	// the live one last, after finalizing them all. They are moved in
	// after the recorder started: record finalizes those it finds first.
	// Half are older and half newer than the live one, so that whichever
	// order 'sessions' takes them in, it reaches the live one only after
	// finalizing 150 others.
	staged := t.TempDir()
	const dead = 300
	deadSessionsAt(t, staged, dead/2, 3000, time.Now().Add(-24*time.Hour))
	deadSessionsAt(t, staged, dead/2, 3000, time.Now().Add(24*time.Hour))
	rec := start(t, e, "record", "--for", "1500ms", "--interval", "100ms", "--iface", "lo", "--alert-at", "1B", "--out", out)
	rec.waitLine(t, "recording lo")
	sendLoopback(t, 10_000)
	rec.waitLine(t, "bwtray: alert:")
	names, _ := os.ReadDir(staged)
	for _, n := range names {
		os.Rename(filepath.Join(staged, n.Name()), filepath.Join(out, n.Name()))
	}
	ls := start(t, e, "sessions", "--json", "--dir", out)
	type ended struct {
		r  result
		at time.Time
	}
	recDone, lsDone := make(chan ended, 1), make(chan ended, 1)
	go func() { r := rec.wait(t); recDone <- ended{r, time.Now()} }()
	go func() { r := ls.wait(t); lsDone <- ended{r, time.Now()} }()
	re, le := <-recDone, <-lsDone
	if re.r.code != 0 || le.r.code != 0 {
		t.Fatalf("record exit %d, sessions exit %d\n%s\n%s", re.r.code, le.r.code, re.r.stderr, le.r.stderr)
	}
	if !le.at.After(re.at.Add(100 * time.Millisecond)) {
		t.Fatalf("'sessions' ended %v before the live session did: the race was not exercised; give it more dead sessions", re.at.Sub(le.at))
	}
	if n := strings.Count(le.r.stderr, "finalized a session"); n != dead {
		t.Errorf("finalized %d dead sessions, want %d", n, dead)
	}
	var list []sessionInfo
	if err := json.Unmarshal([]byte(le.r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	var live sessionInfo
	for _, in := range list {
		if in.SampleCount != 3000 {
			live = in
		}
	}
	final := readInfo(t, live.Dir)
	t.Logf("live session %s: %s, %d samples, alerted at %v", filepath.Base(live.Dir), final.Status, final.SampleCount, final.AlertedAt)
	if final.Status != "completed" || final.AlertedAt == nil {
		t.Errorf("the live session on disk after the race: status %s, alerted_at %v", final.Status, final.AlertedAt)
	}
}

func readInfo(t *testing.T, dir string) sessionInfo {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "session.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info sessionInfo
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

// A damaged line of any length in samples.csv is skipped and counted, the
// rows after it are kept, and a long torn tail is trimmed whole.
func TestDamagedSamplesKeepLaterRows(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	deadSessions(t, out, 1, 10)
	dir := filepath.Join(out, "2026-01-01T00-00-00")
	path := filepath.Join(dir, "samples.csv")
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	// Rows 1-5, a 2 MiB junk line, rows 6-10, then a 200 kB torn tail.
	damaged := strings.Join(lines[:6], "") + strings.Repeat("x", 2<<20) + "\n" + strings.Join(lines[6:], "") + strings.Repeat("9", 200<<10)
	os.WriteFile(path, []byte(damaged), 0o600)
	r := run(t, e, "sessions", "--json", "--dir", out)
	var list []sessionInfo
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("sessions: %v %s %s", err, r.stdout, r.stderr)
	}
	// Rows carry recv = row number: 1+...+10.
	if list[0].SampleCount != 10 || list[0].BytesRecv != 55 {
		t.Errorf("after damage: %d samples, %d bytes; want all 10 rows, 55 bytes", list[0].SampleCount, list[0].BytesRecv)
	}
	if !strings.Contains(r.stderr, "skipped damaged sample rows") || !strings.Contains(r.stderr, "rows=1") {
		t.Errorf("no warning about the damaged row: %s", r.stderr)
	}
	after, _ := os.ReadFile(path)
	if !bytes.HasSuffix(after, []byte("\n")) || bytes.Contains(after, []byte("999999")) {
		t.Errorf("the torn tail was not trimmed whole (%d bytes, ends %q)", len(after), after[max(0, len(after)-20):])
	}
	c := run(t, e, "chart", dir)
	if c.code != 0 {
		t.Errorf("chart after damage: exit %d %s", c.code, c.stderr)
	}
	checkChart(t, filepath.Join(dir, "chart.svg"))
}

// fsShutdown simulates a power cut on the file system holding path: the
// ext4 (and XFS) shutdown ioctl with "no log flush" drops everything not
// yet on disk, as fstests' godown does.
func fsShutdown(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const fsIOCShutdown = 0x8004587D // _IOR('X', 125, __u32)
	const noLogFlush = 2             // FS_SHUTDOWN_FLAGS_NOLOGFLUSH
	flags := uint32(noLogFlush)
	if err := unix.IoctlSetPointerInt(int(f.Fd()), fsIOCShutdown, int(flags)); err != nil {
		t.Fatalf("shutting the file system down: %v", err)
	}
}

// A power cut 1.5 s into a session leaves a session the next bwtray finds
// and finalizes: the folder, its header and session.json were made durable
// when the session started.
func TestPowerCutEarlyInSession(t *testing.T) {
	requireRoot(t, "mount an ext4 image and shut it down")
	requireTool(t, "mkfs.ext4")
	img := filepath.Join(t.TempDir(), "fs.img")
	mnt := t.TempDir()
	if o, err := exec.Command("truncate", "-s", "64M", img).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, o)
	}
	if o, err := exec.Command("mkfs.ext4", "-q", img).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, o)
	}
	mount := func() {
		if o, err := exec.Command("mount", "-o", "loop", img, mnt).CombinedOutput(); err != nil {
			t.Fatalf("mount: %v %s", err, o)
		}
	}
	mount()
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	out := filepath.Join(mnt, "sessions")
	e := env(t)
	s := start(t, e, "record", "--for", "1h", "--interval", "250ms", "--iface", "lo", "--out", out)
	s.waitLine(t, "recording lo")
	time.Sleep(1500 * time.Millisecond)
	fsShutdown(t, mnt)
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	s.wait(t)
	if o, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v %s", err, o)
	}
	mount() // the journal replays what was durable
	r := run(t, e, "sessions", "--json", "--dir", out)
	var list []sessionInfo
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("after the power cut, sessions found %d: %v\n%s\n%s", len(list), err, r.stdout, r.stderr)
	}
	if list[0].Status != "interrupted" {
		t.Errorf("after the power cut: %+v", list[0])
	}
	checkChart(t, list[0].Chart)
}

// A folder with samples but no session.json (it never reached the disk)
// is rebuilt from the samples and listed.
func TestSamplesWithoutSessionJSONAreRecovered(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	deadSessions(t, out, 1, 10)
	dir := filepath.Join(out, "2026-01-01T00-00-00")
	os.Remove(filepath.Join(dir, "session.json"))
	r := run(t, e, "sessions", "--json", "--dir", out)
	var list []sessionInfo
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("sessions: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	in := list[0]
	if in.Status != "interrupted" || in.SampleCount != 10 || in.BytesRecv != 55 || in.IntervalSeconds != 1 || !strings.Contains(in.Warning, "rebuilt") {
		t.Errorf("rebuilt session %+v", in)
	}
	checkChart(t, in.Chart)
}
