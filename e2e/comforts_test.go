//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwtray/bwtray/internal/dbustest"
)

func TestRecordAlertAt(t *testing.T) {
	out := t.TempDir()
	s := start(t, env(t), "record", "--for", "1h", "--interval", "100ms", "--iface", "lo", "--alert-at", "20kB", "--json", "--out", out)
	waitSession(t, out)
	sendLoopback(t, 64_000)
	l := s.waitLine(t, "bwtray: alert:")
	if !strings.Contains(l, "over the 20 kB alert") || strings.Contains(l, "\a") {
		t.Errorf("alert line %q (no bell when stderr is not a terminal)", l)
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	r := s.wait(t)
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v["alert_at"] != float64(20_000) || v["alerted_at"] == nil {
		t.Errorf("JSON alert fields: %v %s", err, r.stdout)
	}
	if strings.Count(r.stderr, "bwtray: alert:") != 1 {
		t.Errorf("the alert must come once:\n%s", r.stderr)
	}
	if bad := run(t, env(t), "record", "--for", "1m", "--alert-at", "lots"); bad.code != 2 || !strings.Contains(bad.stderr, "invalid --alert-at") {
		t.Errorf("bad --alert-at: %d %q", bad.code, bad.stderr)
	}
}

func TestInstallUninstall(t *testing.T) {
	e := env(t)
	home := homeOf(e)
	r := run(t, e, "install")
	if r.code != 0 || strings.Count(r.stdout, "wrote ") != 9 || !strings.Contains(r.stdout, "bwtray uninstall") {
		t.Fatalf("install: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	entry := filepath.Join(home, "data", "applications", "bwtray.desktop")
	b, err := os.ReadFile(entry)
	if err != nil || !strings.Contains(string(b), "Exec="+bin+"\n") {
		t.Fatalf("entry %s: %v\n%s", entry, err, b)
	}
	if _, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.Command("desktop-file-validate", entry).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate: %v %s", err, out)
		}
	} else if os.Getenv("CI") != "" {
		t.Error("CI must validate the desktop entry: install desktop-file-utils")
	}
	for _, size := range []string{"16x16", "48x48", "256x256"} {
		if _, err := os.Stat(filepath.Join(home, "data", "icons", "hicolor", size, "apps", "bwtray.png")); err != nil {
			t.Error(err)
		}
	}
	r = run(t, e, "uninstall")
	if r.code != 0 || strings.Count(r.stdout, "removed ") != 9 {
		t.Errorf("uninstall: %d %s", r.code, r.stdout)
	}
	if r = run(t, e, "uninstall"); r.code != 0 || !strings.Contains(r.stdout, "nothing to remove") {
		t.Errorf("second uninstall: %d %s", r.code, r.stdout)
	}
}

func TestTrayStartAtLogin(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	home := homeOf(app.env)
	entry := filepath.Join(home, "config", "autostart", "bwtray.desktop")
	m := c.waitMenu("Start at login", func(m *dbustest.MenuNode) bool { return m.Find("Start at login") != nil })
	if n := m.Find("Start at login"); n.Toggle != "checkmark" || n.Checked {
		t.Fatalf("Start at login: %+v", n)
	}
	c.click("Start at login")
	c.waitMenu("Start at login checked", func(m *dbustest.MenuNode) bool { return m.Find("Start at login").Checked })
	b, err := os.ReadFile(entry)
	if err != nil || !strings.Contains(string(b), "Exec="+bin+"\n") {
		t.Fatalf("autostart entry: %v\n%s", err, b)
	}
	if _, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.Command("desktop-file-validate", entry).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate: %v %s", err, out)
		}
	}
	app.quit(t)

	// The checkbox reflects the real state at start.
	again := app.restart(t)
	again.client.waitMenu("Start at login checked after a restart", func(m *dbustest.MenuNode) bool {
		n := m.Find("Start at login")
		return n != nil && n.Checked
	})
	again.client.click("Start at login")
	again.client.waitMenu("Start at login unchecked", func(m *dbustest.MenuNode) bool { return !m.Find("Start at login").Checked })
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Error("autostart entry still there after unchecking")
	}
	again.quit(t)
}

func TestSessionsSummaryAndPrune(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	for range 3 {
		r := run(t, e, "record", "--for", "1s", "--interval", "500ms", "--iface", "lo", "--out", out)
		if r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	// Age two of them by rewriting their start times.
	m, _ := filepath.Glob(filepath.Join(out, "*", "session.json"))
	for _, p := range m[:2] {
		b, _ := os.ReadFile(p)
		var v map[string]any
		json.Unmarshal(b, &v)
		v["start"] = time.Now().Add(-40 * 24 * time.Hour).Format(time.RFC3339)
		b, _ = json.Marshal(v)
		os.WriteFile(p, b, 0o600)
	}
	ls := run(t, e, "sessions", "--dir", out)
	if !strings.Contains(ls.stdout, "3 sessions kept · ↓ ") || !strings.Contains(ls.stdout, "on disk") {
		t.Errorf("no summary line:\n%s", ls.stdout)
	}
	// Not a terminal and no --yes: list, refuse, delete nothing.
	r := run(t, e, "sessions", "--dir", out, "--prune-older", "30d")
	if r.code != 2 || !strings.Contains(r.stdout, "2 sessions started before") || !strings.Contains(r.stderr, "add --yes") {
		t.Errorf("prune without --yes: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if m2, _ := filepath.Glob(filepath.Join(out, "*")); len(m2) != 3 {
		t.Fatalf("something was deleted without --yes: %v", m2)
	}
	r = run(t, e, "sessions", "--dir", out, "--prune-older", "30d", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "deleted 2 sessions") {
		t.Errorf("prune --yes: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if m3, _ := filepath.Glob(filepath.Join(out, "*")); len(m3) != 1 {
		t.Errorf("left %v", m3)
	}
	if r := run(t, e, "sessions", "--dir", out, "--prune-older", "soon"); r.code != 2 || !strings.Contains(r.stderr, "30d") {
		t.Errorf("bad age: %d %q", r.code, r.stderr)
	}
}
