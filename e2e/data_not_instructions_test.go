//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwtray/bwtray/session"
)

// runWithin runs bwtray and fails the test if it has not ended within d:
// a FIFO where a file should be must never make it wait.
func runWithin(t *testing.T, d time.Duration, e []string, args ...string) result {
	t.Helper()
	s := start(t, e, args...)
	select {
	case r := <-s.done:
		return r
	case <-time.After(d):
		t.Fatalf("bwtray %s did not end within %v", strings.Join(args, " "), d)
	}
	return result{}
}

// A sessions folder other users can write to (a shared --dir or --out)
// holds planted links and FIFOs. bwtray follows none of them, opens none
// of them, never waits on one, and says the folder is exposed.
func TestPlantedLinksAndFIFOsAreNotFollowed(t *testing.T) {
	e := env(t)
	shared := t.TempDir()
	os.Chmod(shared, 0o777)
	victimDir := t.TempDir()
	victim := filepath.Join(victimDir, "notes.txt")
	const precious = "line one\nline two, no newline at the end"
	os.WriteFile(victim, []byte(precious), 0o644)
	elsewhere := filepath.Join(victimDir, "created-through-a-link")

	// 1. samples.csv -> the victim, in a session marked running: recovery
	//    would trim the victim's "torn" last line.
	deadSessions(t, shared, 1, 5)
	linked := filepath.Join(shared, "2026-01-01T00-00-00")
	os.Remove(filepath.Join(linked, "samples.csv"))
	os.Symlink(victim, filepath.Join(linked, "samples.csv"))
	// 2. .lock -> a path elsewhere: taking the lock would create it.
	deadSessionsAt(t, shared, 1, 5, time.Date(2026, 1, 5, 0, 0, 0, 0, time.Local))
	os.Symlink(elsewhere, filepath.Join(shared, "2026-01-05T00-00-00", ".lock"))
	// 3. A FIFO named session.json, and one named samples.csv.
	deadSessionsAt(t, shared, 1, 5, time.Date(2026, 1, 2, 0, 0, 0, 0, time.Local))
	fifoInfo := filepath.Join(shared, "2026-01-02T00-00-00")
	os.Remove(filepath.Join(fifoInfo, "session.json"))
	syscall.Mkfifo(filepath.Join(fifoInfo, "session.json"), 0o666)
	deadSessionsAt(t, shared, 1, 5, time.Date(2026, 1, 3, 0, 0, 0, 0, time.Local))
	fifoSamples := filepath.Join(shared, "2026-01-03T00-00-00")
	os.Remove(filepath.Join(fifoSamples, "samples.csv"))
	syscall.Mkfifo(filepath.Join(fifoSamples, "samples.csv"), 0o666)
	// 4. A finished session whose chart.svg is a link to the victim.
	r := run(t, e, "record", "--for", "1s", "--interval", "250ms", "--iface", "lo", "--json", "--out", t.TempDir())
	good := decodeInfo(t, r.stdout)
	moved := filepath.Join(shared, filepath.Base(good.Dir))
	os.Rename(good.Dir, moved)
	os.Remove(filepath.Join(moved, "chart.svg"))
	os.Symlink(victim, filepath.Join(moved, "chart.svg"))
	// 5. A session folder that is itself a link to a folder elsewhere.
	os.Symlink(victimDir, filepath.Join(shared, "2026-01-04T00-00-00"))
	// 6. Crashed sessions whose apps.csv is a FIFO (recovery reads it) or
	//    a link to the victim; and a chart.png that links to the victim.
	deadSessionsAt(t, shared, 1, 5, time.Date(2026, 1, 6, 0, 0, 0, 0, time.Local))
	syscall.Mkfifo(filepath.Join(shared, "2026-01-06T00-00-00", "apps.csv"), 0o666)
	deadSessionsAt(t, shared, 1, 5, time.Date(2026, 1, 7, 0, 0, 0, 0, time.Local))
	os.Symlink(victim, filepath.Join(shared, "2026-01-07T00-00-00", "apps.csv"))
	os.Symlink(victim, filepath.Join(moved, "chart.png"))

	ls := runWithin(t, 20*time.Second, e, "sessions", "--dir", shared)
	if ls.code != 0 {
		t.Errorf("sessions: exit %d\n%s", ls.code, ls.stderr)
	}
	if !strings.Contains(ls.stderr, "can be written by other users") {
		t.Errorf("no warning that the folder is exposed:\n%s", ls.stderr)
	}
	for _, want := range []string{"samples.csv is a symbolic link", "session.json is a FIFO", ".lock is a symbolic link", "samples.csv is a FIFO"} {
		if !strings.Contains(ls.stderr, want) {
			t.Errorf("no warning saying %q:\n%s", want, ls.stderr)
		}
	}
	ch := runWithin(t, 20*time.Second, e, "chart", "--png", moved)
	if ch.code != 0 {
		t.Errorf("chart: exit %d\n%s", ch.code, ch.stderr)
	}
	for _, name := range []string{"chart.svg", "chart.png"} {
		fi, err := os.Lstat(filepath.Join(moved, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s after re-rendering: %v %v, want a regular 0600 file", name, fi.Mode(), err)
		}
	}
	for _, day := range []string{"2026-01-06T00-00-00", "2026-01-07T00-00-00"} {
		if info, err := session.Load(filepath.Join(shared, day)); err != nil || info.Status != session.Interrupted || info.Apps != nil {
			t.Errorf("%s with a planted apps.csv: %+v, %v; want recovered without apps", day, info, err)
		}
	}
	runWithin(t, 20*time.Second, e, "chart", fifoSamples)
	rec := runWithin(t, 20*time.Second, e, "record", "--for", "1s", "--interval", "250ms", "--iface", "lo", "--out", shared)
	if rec.code != 0 {
		t.Errorf("record into the shared folder: exit %d\n%s", rec.code, rec.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != precious {
		t.Errorf("the victim file was changed through a link: %q", b)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Errorf("the victim file's mode changed: %v", fi.Mode())
	}
	if _, err := os.Lstat(elsewhere); err == nil {
		t.Error("the lock was created through a planted link")
	}
}

// Settings files that are huge, deeply nested, or not files at all are
// reported quickly, naming the file (and the line), and the defaults used.
func TestHostileSettingsFile(t *testing.T) {
	tests := []struct {
		name, want string
		make       func(path string)
	}{
		{"nested inline tables", "line 1: nested more than 4 levels deep", func(p string) {
			os.WriteFile(p, []byte("presets = "+strings.Repeat("{a=", 10000)+"1"+strings.Repeat("}", 10000)), 0o600)
		}},
		{"nested arrays", "line 2: nested more than 4 levels deep", func(p string) {
			os.WriteFile(p, []byte("\nuntil = "+strings.Repeat("[", 60000)), 0o600)
		}},
		{"huge", "larger than 64 kB", func(p string) {
			os.WriteFile(p, []byte(strings.Repeat("# comment\n", 1<<20)), 0o600)
		}},
		{"a link to /dev/zero", "is a device, not a regular file", func(p string) { os.Symlink("/dev/zero", p) }},
		{"a FIFO", "is a FIFO, not a regular file", func(p string) { syscall.Mkfifo(p, 0o600) }},
	}
	for _, tt := range tests {
		e := env(t)
		cfg := filepath.Join(homeOf(e), "config", "bwtray", "config.toml")
		os.MkdirAll(filepath.Dir(cfg), 0o700)
		tt.make(cfg)
		r := runWithin(t, 10*time.Second, e, "sessions")
		want := "bwtray: config " + cfg
		if r.code != 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "using default settings") {
			t.Errorf("%s: exit %d, stderr %q; want one line starting %q saying %q", tt.name, r.code, r.stderr, want, tt.want)
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
			t.Errorf("%s: %d lines on stderr, want one", tt.name, n+1)
		}
	}
}

// Absurd totals in damaged files saturate (or are skipped, with a word)
// and never wrap round to small numbers.
func TestAbsurdTotalsSaturate(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	for i := range 3 {
		dir := filepath.Join(out, fmt.Sprintf("2026-01-0%dT00-00-00", i+1))
		os.Mkdir(dir, 0o700)
		js := fmt.Sprintf(`{"start":"2026-01-0%dT00:00:00Z","status":"completed","bytes_recv":18400000000000000000,"bytes_sent":1,"version":1}`, i+1)
		os.WriteFile(filepath.Join(dir, "session.json"), []byte(js), 0o600)
	}
	r := run(t, e, "sessions", "--dir", out)
	if r.code != 0 || strings.Contains(r.stdout, "↓ 2.") || !strings.Contains(r.stdout, "too large to add up") || !strings.Contains(r.stdout, "↓ 18.4 EB") {
		t.Errorf("summary of three 18.4 EB sessions:\n%s", r.stdout)
	}
	// A samples row claiming 2^64-1 bytes is damage: skipped, with a word.
	dead := t.TempDir()
	deadSessions(t, dead, 1, 3)
	samples := filepath.Join(dead, "2026-01-01T00-00-00", "samples.csv")
	f, _ := os.OpenFile(samples, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "2026-01-01T00:00:04.000Z,4.000,1.000,18446744073709551615,0,0,0,0,1\n2026-01-01T00:00:05.000Z,5.000,1.000,18446744073709551615,0,0,0,0,1\n")
	f.Close()
	r = run(t, e, "sessions", "--json", "--dir", dead)
	var list []sessionInfo
	json.Unmarshal([]byte(r.stdout), &list)
	if len(list) != 1 || list[0].BytesRecv != 6 || !strings.Contains(r.stderr, "rows=2") {
		t.Errorf("rows of 2^64-1 bytes: %+v\n%s", list, r.stderr)
	}
}

// Names and strings from the system or from files are printed with their
// control characters escaped: an interface named \x1b[31mRED, a session
// status with an escape in it, a folder name with a bell.
func TestControlCharactersEscaped(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	dir := filepath.Join(out, "2026-01-01T00-00-00\a")
	os.Mkdir(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "session.json"), []byte(`{"start":"2026-01-01T00:00:00Z","status":"completed\u001b[2J","version":1}`), 0o600)
	dir2 := filepath.Join(out, "2026-01-02T00-00-00\x1b]0;pwned\a")
	os.Mkdir(dir2, 0o700)
	os.WriteFile(filepath.Join(dir2, "session.json"), []byte(`{"start":"2026-01-02T00:00:00Z","status":"completed","interfaces":["\u001b[31mRED"],"version":1}`), 0o600)
	r := run(t, e, "sessions", "--dir", out)
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.ContainsAny(s, "\x1b\a") {
			t.Errorf("control characters reached the terminal:\n%q", s)
		}
	}
	if !strings.Contains(r.stdout, `2026-01-02T00-00-00\x1b]0;pwned\a/chart.svg`) {
		t.Errorf("the folder name is not shown escaped:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "unknown status") && !strings.Contains(r.stderr, "not a bwtray session") {
		t.Errorf("the damaged status is not reported:\n%s", r.stderr)
	}
}

// A real interface named with an escape sequence is counted, and shown
// escaped in every line bwtray prints about it.
func TestInterfaceNameEscaped(t *testing.T) {
	p := newNetnsPair(t)
	const odd = "\x1b[31mRED"
	p.ip("-n", p.a, "link", "set", p.ifA, "name", odd)
	out := t.TempDir()
	r := runCmd(t, env(t), "ip", "netns", "exec", p.a, bin, "record", "--iface", odd, "--for", "1s", "--interval", "250ms", "--out", out, "--verbose")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, "\x1b") {
			t.Errorf("an escape sequence reached the terminal:\n%q", s)
		}
	}
	if !strings.Contains(r.stdout, `interfaces  \x1b[31mRED`) {
		t.Errorf("the name is not shown escaped:\n%s", r.stdout)
	}
}
