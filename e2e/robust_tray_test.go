//go:build linux

package e2e

import (
	"strings"
	"testing"
)

// A panel that restarts (its watcher name goes away and comes back) gets
// the icon back.
func TestTrayPanelRestart(t *testing.T) {
	addr := privateBus(t)
	startNotifyServer(t, addr, "actions", "body")
	w, wconn := startWatcher(t, addr)
	app := launchTray(t, addr, "")
	app.watcher = w
	app.waitRegistered(t)
	wconn.Close() // the panel dies
	app.watcher, _ = startWatcher(t, addr)
	app.waitRegistered(t) // and the item registers with the new one
	app.client.waitStatus("Idle")
	app.quit(t)
}

// A session bus that disappears ends the app cleanly, with the running
// session saved.
func TestTrayBusDiesSavesSession(t *testing.T) {
	addr, daemon := privateBusProc(t)
	w, _ := startWatcher(t, addr)
	startNotifyServer(t, addr, "actions", "body")
	app := launchTray(t, addr, "")
	app.watcher = w
	app.waitRegistered(t)
	app.client.click("5 minutes")
	app.client.waitStatus("Recording · ")
	daemon.Process.Kill()
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
