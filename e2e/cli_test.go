//go:build linux

package e2e

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

func TestBadInputExitsTwoAndRecordsNothing(t *testing.T) {
	e := env(t)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"record", "--for", "-5m"}, "--for must be longer than zero"},
		{[]string{"record", "--for", "0"}, "--for must be longer than zero"},
		{[]string{"record", "--for", "10"}, `invalid --for "10": use a duration like`},
		{[]string{"record", "--until", "25:00"}, "hour must be 0 to 23"},
		{[]string{"record", "--until", "5pm"}, "use a 24-hour clock time"},
		{[]string{"record"}, "say how long to record: --for 10m, or --until 17:30"},
		{[]string{"record", "--for", "1m", "--until", "17:30"}, "give --for or --until, not both"},
		{[]string{"record", "--for", "1m", "--frobnicate"}, "unknown option --frobnicate"},
		{[]string{"record", "--for", "1m", "--iface", "nosuch0"}, `unknown interface "nosuch0": this machine has`},
		{[]string{"record", "--for", "1m", "--out", file}, "it is a file, not a folder"},
		{[]string{"record", "--for", "1m", "--out", filepath.Join(file, "sub")}, "choose another folder with --out"},
		{[]string{"record", "--for", "1m", "--interval", "1ms"}, "--interval 1ms is out of range"},
		{[]string{"record", "--for", "1m", "--units", "binary"}, `unknown units "binary"`},
		{[]string{"record", "--for", "1m", "--all", "--iface", "lo"}, "cannot be combined"},
		{[]string{"record", "--for", "200h"}, "168h limit"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"chart"}, "give one session folder"},
		{[]string{"chart", t.TempDir()}, "is not a session folder"},
		{[]string{"sessions", "--units", "x"}, "unknown units"},
		{[]string{"record", "--until", "+1:30"}, `"+1" is not a valid hour`},
		{[]string{"record", "--until", "-0:30"}, `"-0" is not a valid hour`},
		{[]string{"record", "--until", "1:+5"}, `"+5" is not a valid minute`},
		{[]string{"record", "--until", "17:-0"}, `"-0" is not a valid minute`},
		{[]string{"record", "--for", "1ns"}, "--for 1ns is shorter than one sampling interval (1s)"},
		{[]string{"record", "--for", "4s", "--interval", "5s"}, "--for 4s is shorter than one sampling interval (5s)"},
		{[]string{"sessions", "--prune-older", "NaNd"}, `invalid age "NaNd"`},
		{[]string{"sessions", "--prune-older", "1e-300d"}, `invalid age "1e-300d"`},
		{[]string{"sessions", "--prune-older", "Infw"}, `invalid age "Infw"`},
		{[]string{"record", "--for", "1m", "--out", filepath.Join(t.TempDir(), "typo", "sessions")}, "its parent folder"},
		{[]string{"record", "--for", "1m", "--interval", "5 -s"}, `invalid --interval "5 -s": use a duration`},
		{[]string{"record", "--for", "1m", "--interval"}, "option --interval needs a value: run 'bwtray record --help'"},
		{[]string{"--config"}, "option --config needs a value: run 'bwtray --help'"},
		{[]string{"--frobnicate"}, "unknown option --frobnicate: run 'bwtray --help'"},
		{[]string{"record", "--for", "1m", "--json=maybe"}, `invalid --json "maybe"`},
	}
	for _, tt := range tests {
		r := run(t, e, tt.args...)
		if r.code != 2 {
			t.Errorf("bwtray %s: exit %d, want 2 (stderr %q)", strings.Join(tt.args, " "), r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "bwtray: ") || strings.HasPrefix(lines[0], "bwtray: bwtray") || !strings.Contains(lines[0], tt.want) {
			t.Errorf("bwtray %s: stderr %q, want one line saying %q", strings.Join(tt.args, " "), r.stderr, tt.want)
		}
		if r.stdout != "" {
			t.Errorf("bwtray %s printed to stdout: %q", strings.Join(tt.args, " "), r.stdout)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(homeOf(e), "data", "bwtray", "sessions")); len(entries) != 0 {
		t.Errorf("bad input recorded something: %v", entries)
	}
}

func TestUnwritableOutFolder(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		// Root ignores permissions; a read-only mount stops even root.
		requireTool(t, "mount")
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Fatalf("mounting a read-only tmpfs: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", dir).Run() })
	} else {
		os.Chmod(dir, 0o500)
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
	}
	r := run(t, env(t), "record", "--for", "1m", "--out", dir)
	if r.code != 2 || !strings.Contains(r.stderr, "cannot write to sessions folder "+dir) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestHelpAndVersion(t *testing.T) {
	e := env(t)
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		r := run(t, e, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "bwtray record [options]") || !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("bwtray %v: exit %d, %q", args, r.code, r.stdout)
		}
	}
	for _, cmd := range []string{"record", "sessions", "chart"} {
		r := run(t, e, cmd, "--help")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: bwtray "+cmd) {
			t.Errorf("bwtray %s --help: exit %d, %q", cmd, r.code, r.stdout)
		}
	}
	if r := run(t, e, "--help"); !strings.Contains(r.stdout, "--config FILE") || !strings.Contains(r.stdout, "alert_at") {
		t.Errorf("bwtray --help does not show --config and the settings:\n%s", r.stdout)
	}
	r := run(t, e, "record", "--help")
	for _, opt := range []string{"--for", "--until", "--interval", "--iface", "--all", "--out", "--json", "--units", "--bits", "--alert-at", "--verbose"} {
		if !strings.Contains(r.stdout, opt) {
			t.Errorf("record --help does not explain %s", opt)
		}
	}
	if r := run(t, e, "--version"); r.code != 0 || !strings.HasPrefix(r.stdout, "bwtray ") {
		t.Errorf("--version: %d %q", r.code, r.stdout)
	}
}

func TestRecordJSON(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	r := run(t, e, "record", "--for", "1s", "--interval", "200ms", "--iface", "lo", "--json", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"start", "end", "duration_seconds", "interfaces", "bytes_recv", "bytes_sent", "peak_recv_bps", "peak_sent_bps", "status", "dir", "chart", "samples"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	info := decodeInfo(t, r.stdout)
	if info.Status != "completed" || info.DurationSeconds < 1 || info.DurationSeconds > 1.5 || len(info.Interfaces) != 1 || info.Interfaces[0] != "lo" {
		t.Errorf("info %+v", info)
	}
	if !filepath.IsAbs(info.Dir) || !strings.HasPrefix(info.Dir, out) || filepath.Dir(info.Chart) != info.Dir {
		t.Errorf("paths %q %q", info.Dir, info.Chart)
	}
	checkChart(t, info.Chart)
	if r.stderr != "" {
		t.Errorf("stderr not empty with --json and no terminal: %q", r.stderr)
	}
}

func checkChart(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("chart: %v", err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	for {
		if _, err := dec.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("%s is not well-formed: %v", path, err)
		}
	}
}

func TestRecordPlainOutput(t *testing.T) {
	r := run(t, env(t), "record", "--for", "1s", "--interval", "500ms", "--iface", "lo", "--out", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"recording lo for 1s", "session completed: 1s", "download", "upload", "chart ", "samples "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestSIGINTStopsAndSaves(t *testing.T) {
	out := t.TempDir()
	s := start(t, env(t), "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--out", out)
	s.waitLine(t, "recording lo for 1:00:00")
	s.cmd.Process.Signal(syscall.SIGINT)
	r := s.wait(t)
	if r.code != 0 || !strings.Contains(r.stdout, "session stopped") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	line := strings.TrimSpace(r.stdout[strings.Index(r.stdout, "chart "):])
	chart := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(line, "\n", 2)[0], "chart"))
	checkChart(t, chart)
	samples := filepath.Join(filepath.Dir(chart), "samples.csv")
	if _, err := os.Stat(samples); err != nil {
		t.Error(err)
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(chart), "session.json"))
	if !strings.Contains(string(b), `"status": "stopped"`) {
		t.Errorf("session.json: %s", b)
	}
}

func TestSIGTERMStopsAndSavesJSON(t *testing.T) {
	out := t.TempDir()
	s := start(t, env(t), "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--json", "--out", out)
	// With --json and no terminal nothing is printed until the end; wait
	// for the session folder instead.
	waitFor(t, "a running session", func() bool {
		m, _ := filepath.Glob(filepath.Join(out, "*", "session.json"))
		return len(m) == 1
	})
	s.cmd.Process.Signal(syscall.SIGTERM)
	r := s.wait(t)
	info := decodeInfo(t, r.stdout)
	if r.code != 0 || info.Status != "stopped" {
		t.Fatalf("exit %d, %+v, %s", r.code, info, r.stderr)
	}
	checkChart(t, info.Chart)
}

func TestKillNineThenInterrupted(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	s := start(t, e, "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--out", out)
	s.waitLine(t, "recording lo")
	var samples string
	waitFor(t, "three samples on disk", func() bool {
		m, _ := filepath.Glob(filepath.Join(out, "*", "samples.csv"))
		if len(m) != 1 {
			return false
		}
		samples = m[0]
		b, _ := os.ReadFile(samples)
		return strings.Count(string(b), "\n") >= 4
	})
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	s.wait(t)
	b, _ := os.ReadFile(samples)
	onDisk := strings.Count(string(b), "\n") - 1

	r := run(t, e, "sessions", "--json", "--dir", out)
	if r.code != 0 {
		t.Fatalf("sessions: exit %d: %s", r.code, r.stderr)
	}
	var list []sessionInfo
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("sessions --json: %v %s", err, r.stdout)
	}
	info := list[0]
	if info.Status != "interrupted" || info.SampleCount < onDisk || info.DurationSeconds <= 0 {
		t.Errorf("after kill -9: %+v (had %d samples on disk)", info, onDisk)
	}
	checkChart(t, info.Chart)
	if !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("sessions did not say it finalized an interrupted session: %q", r.stderr)
	}
	// Listing again changes nothing and says nothing.
	if r2 := run(t, e, "sessions", "--dir", out); r2.code != 0 || r2.stderr != "" || !strings.Contains(r2.stdout, "interrupted") {
		t.Errorf("second listing: %d %q %q", r2.code, r2.stdout, r2.stderr)
	}
}

func TestUntilPassedMeansTomorrow(t *testing.T) {
	s := start(t, env(t), "record", "--until", "00:00", "--iface", "lo", "--out", t.TempDir())
	l := s.waitLine(t, "has already passed today")
	if !strings.Contains(l, "recording until 00:00 tomorrow") {
		t.Errorf("notice: %q", l)
	}
	s.waitLine(t, "recording lo")
	s.cmd.Process.Signal(syscall.SIGINT)
	if r := s.wait(t); r.code != 0 {
		t.Errorf("exit %d", r.code)
	}
}

func TestSessionsAndChart(t *testing.T) {
	e := env(t)
	if r := run(t, e, "sessions"); r.code != 0 || !strings.Contains(r.stdout, "no sessions in") {
		t.Errorf("empty sessions: %d %q", r.code, r.stdout)
	}
	r := run(t, e, "record", "--for", "1s", "--iface", "lo", "--json")
	info := decodeInfo(t, r.stdout)
	ls := run(t, e, "sessions")
	if ls.code != 0 || !strings.Contains(ls.stdout, "START") || !strings.Contains(ls.stdout, info.Chart) || !strings.Contains(ls.stdout, "completed") {
		t.Errorf("sessions: %q", ls.stdout)
	}
	os.Remove(info.Chart)
	c := run(t, e, "chart", info.Dir, "--bits")
	if c.code != 0 || strings.TrimSpace(c.stdout) != info.Chart {
		t.Fatalf("chart: %d %q %q", c.code, c.stdout, c.stderr)
	}
	checkChart(t, info.Chart)
	b, _ := os.ReadFile(info.Chart)
	if !strings.Contains(string(b), "bit/s") {
		t.Errorf("--bits chart has no bit/s labels")
	}
}

func TestCLIFollowsSettingsFile(t *testing.T) {
	e := env(t)
	home := homeOf(e)
	data := filepath.Join(home, "elsewhere")
	cfg := filepath.Join(home, "config", "bwtray", "config.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte("data_dir = \""+data+"\"\ninterfaces = [\"lo\"]\nunits = \"iec\"\n"), 0o600)
	r := run(t, e, "record", "--for", "1s", "--json")
	info := decodeInfo(t, r.stdout)
	if r.code != 0 || !strings.HasPrefix(info.Dir, data) || len(info.Interfaces) != 1 || info.Interfaces[0] != "lo" {
		t.Fatalf("record ignored the settings: %d %+v %s", r.code, info, r.stderr)
	}
	if ls := run(t, e, "sessions"); !strings.Contains(ls.stdout, info.Chart) || !strings.Contains(ls.stdout, " B ") && !strings.Contains(ls.stdout, "iB") {
		t.Errorf("sessions did not list %s:\n%s", info.Chart, ls.stdout)
	}
	os.WriteFile(cfg, []byte("units = \"metric\"\n"), 0o600)
	r = run(t, e, "sessions")
	if r.code != 0 || !strings.Contains(r.stderr, "config.toml, line 1: units") || !strings.Contains(r.stderr, "using default settings") {
		t.Errorf("bad settings: %d %q", r.code, r.stderr)
	}
}

// When stdout is not a terminal, record prints a plain line every 10 s.
func TestRecordPlainLineEveryTenSeconds(t *testing.T) {
	r := run(t, env(t), "record", "--for", "11s", "--iface", "lo", "--out", t.TempDir())
	lines := strings.Split(r.stdout, "\n")
	var plain []string
	for _, l := range lines {
		if strings.Contains(l, "/11s  down ") {
			plain = append(plain, l)
		}
	}
	// Other processes may use loopback meanwhile: check the shape only.
	shape := regexp.MustCompile(`^\d\d:\d\d:\d\d  10s/11s  down [0-9.]+ [kMG]?B \([0-9.]+ [kMG]?B/s\)  up [0-9.]+ [kMG]?B \([0-9.]+ [kMG]?B/s\)$`)
	if r.code != 0 || len(plain) != 1 || !shape.MatchString(plain[0]) {
		t.Errorf("want one progress line at 10 s, got %q\n%s", plain, r.stdout)
	}
	if strings.Contains(r.stdout, "\r") || strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("terminal control codes in piped output: %q", r.stdout)
	}
}

// Interfaces named in the settings file that this machine lacks are bad
// input that names the file, not the options.
func TestConfigInterfacesNameTheFile(t *testing.T) {
	e := env(t)
	cfg := filepath.Join(homeOf(e), "config", "bwtray", "config.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte("interfaces = [\"all\", \"lo\"]\n"), 0o600)
	r := run(t, e, "record", "--for", "1m")
	want := "bwtray: record: config " + cfg + ": interfaces: unknown interface \"all\""
	if r.code != 2 || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want one line starting %q", r.code, r.stderr, want)
	}
	// Options still win over the file.
	if r := run(t, e, "record", "--for", "1s", "--iface", "lo", "--out", t.TempDir()); r.code != 0 {
		t.Errorf("--iface lo over a bad file: exit %d %s", r.code, r.stderr)
	}
}
