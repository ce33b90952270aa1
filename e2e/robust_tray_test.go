//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A panel that restarts (its watcher name goes away and comes back) gets
// the icon back.
func TestTrayPanelRestart(t *testing.T) {
	addr := privateBus(t)
	startNotifyServer(t, addr, "actions", "body")
	w := startWatcher(t, addr)
	app := launchTray(t, addr, "")
	app.watcher = w
	app.waitRegistered(t)
	w.Close() // the panel dies
	app.watcher = startWatcher(t, addr)
	app.waitRegistered(t) // and the item registers with the new one
	app.client.waitStatus("Idle")
	app.quit(t)
}

// A session bus that disappears ends the app cleanly, with the running
// session saved.
func TestTrayBusDiesSavesSession(t *testing.T) {
	bus := privateBusProc(t)
	addr := bus.Addr
	w := startWatcher(t, addr)
	startNotifyServer(t, addr, "actions", "body")
	app := launchTray(t, addr, "")
	app.watcher = w
	app.waitRegistered(t)
	app.client.click("Record 5 minutes")
	app.client.waitStatus("Recording · ")
	bus.Kill()
	r := app.proc.wait(t)
	if r.code != 0 || strings.Contains(r.stderr, "panic") {
		t.Errorf("after the bus died: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "session bus went away") {
		t.Errorf("no word about the lost bus: %s", r.stderr)
	}
	s := app.sessionJSON(t)
	if s["status"] != "stopped" {
		t.Errorf("session after the bus died: %v", s["status"])
	}
	checkChart(t, s["chart"].(string))
}

// An interface named a&b<c> reaches the notification body escaped for a
// server that renders markup, and a chart in a folder named with shell
// metacharacters reaches the opener as one argument, never through a shell.
func TestTrayHostileNames(t *testing.T) {
	p := newNetnsPair(t)
	const odd = "a&b<c>"
	p.ip("-n", p.a, "link", "set", p.ifA, "name", odd)
	addr := privateBus(t)
	w := startWatcher(t, addr)
	n := startNotifyServer(t, addr, "actions", "body", "body-markup")
	e := append(env(t), "DBUS_SESSION_BUS_ADDRESS="+addr)
	home := homeOf(e)
	data := filepath.Join(home, `we&ird <dir> "q" 'q' $(touch pwned); touch pwned2`)
	opened := filepath.Join(home, "argv.txt")
	opener := filepath.Join(home, "opener.sh")
	os.WriteFile(opener, []byte("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '"+opened+"'\n"), 0o700)
	os.MkdirAll(filepath.Join(home, "config", "bwtray"), 0o700)
	os.WriteFile(filepath.Join(home, "config", "bwtray", "config.toml"), []byte(fmt.Sprintf(
		"presets = [\"3s\"]\ninterval = \"250ms\"\ninterfaces = [%q]\ndata_dir = %q\nopen_command = [%q]\n", odd, data, opener)), 0o600)
	app := &trayApp{env: e, addr: addr, watcher: w, notes: n, data: data}
	app.proc = startCmd(t, e, "ip", "netns", "exec", p.a, bin, "--verbose")
	app.waitRegistered(t)
	app.client.click("Record 3 seconds")
	note := app.notes.next(t)
	if !strings.Contains(note.Body, "on a&amp;b&lt;c&gt;") || strings.Contains(note.Body, "<c>") {
		t.Errorf("body not escaped for a markup server: %q", note.Body)
	}
	s := app.sessionJSON(t)
	chart := s["chart"].(string)
	app.notes.click(t, note.ID)
	waitFor(t, "the opener", func() bool {
		b, _ := os.ReadFile(opened)
		return string(b) == "1\n"+chart+"\n"
	})
	for _, f := range []string{"pwned", "pwned2", filepath.Join(home, "pwned")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("a path ran a command: %s exists", f)
		}
	}
	checkChart(t, chart)
	app.quit(t)
}
