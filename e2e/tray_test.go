//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwtray/bwtray/internal/dbustest"
)

// trayApp is a bwtray tray process on a private bus with a fake panel.
type trayApp struct {
	proc    *started
	env     []string
	opened  string // the file the test opener writes paths into
	data    string // sessions folder
	watcher *dbustest.Watcher
	notes   *notifyServer
	client  *client
	addr    string
}

// startTray starts a bus, a watcher, a notification server and bwtray.
func startTray(t *testing.T, extraConfig string) *trayApp {
	t.Helper()
	addr := privateBus(t)
	w := startWatcher(t, addr)
	n := startNotifyServer(t, addr, "actions", "body")
	app := launchTray(t, addr, extraConfig)
	app.watcher, app.notes = w, n
	app.waitRegistered(t)
	return app
}

func launchTray(t *testing.T, addr, extraConfig string) *trayApp {
	t.Helper()
	e := append(env(t), "DBUS_SESSION_BUS_ADDRESS="+addr)
	home := homeOf(e)
	opened := filepath.Join(home, "opened.txt")
	opener := filepath.Join(home, "opener.sh")
	os.WriteFile(opener, []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '"+opened+"'\n"), 0o700)
	cfgDir := filepath.Join(home, "config", "bwtray")
	os.MkdirAll(cfgDir, 0o700)
	cfg := fmt.Sprintf("presets = [\"3s\", \"1m\", \"5m\"]\nuntil = [\"17:30\"]\ninterval = \"250ms\"\nopen_command = [%q]\n%s", opener, extraConfig)
	os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte(cfg), 0o600)
	app := &trayApp{env: e, opened: opened, data: filepath.Join(home, "data", "bwtray", "sessions"), addr: addr}
	app.proc = start(t, e, "--verbose")
	return app
}

func (a *trayApp) waitRegistered(t *testing.T) {
	t.Helper()
	select {
	case item := <-a.watcher.Registered:
		a.client = newClient(t, a.addr, item)
	case r := <-a.proc.done:
		t.Fatalf("bwtray exited (%d) before registering:\n%s", r.code, r.stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("bwtray did not register its tray item within 30 s")
	}
}

// restart starts a new bwtray with the same home, bus and panel, after
// this one has quit.
func (a *trayApp) restart(t *testing.T) *trayApp {
	t.Helper()
	again := &trayApp{env: a.env, addr: a.addr, watcher: a.watcher, notes: a.notes, data: a.data, opened: a.opened}
	again.proc = start(t, a.env, "--verbose")
	again.waitRegistered(t)
	return again
}

func (a *trayApp) quit(t *testing.T) result {
	t.Helper()
	a.client.click("Quit")
	r := a.proc.wait(t)
	if r.code != 0 {
		t.Errorf("Quit: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "panic") {
		t.Errorf("panic on quit:\n%s", r.stderr)
	}
	return r
}

func (a *trayApp) sessionJSON(t *testing.T) map[string]any {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(a.data, "*", "session.json"))
	if len(m) != 1 {
		t.Fatalf("want one session, found %v", m)
	}
	b, _ := os.ReadFile(m[0])
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTrayMenuLayout(t *testing.T) {
	app := startTray(t, "")
	m := app.client.waitMenu("the full menu", func(m *dbustest.MenuNode) bool {
		return m.Find("Quit") != nil && m.Find("Interfaces") != nil && len(m.Find("Interfaces").Labels()) >= 3
	})
	// Starting a session is one click from the top level (a submenu ran
	// off the screen's edge on KDE); until times follow the presets.
	top := m.Labels()
	if len(top) != 13 {
		t.Errorf("top-level menu = %q", top)
	}
	fixed := []string{"Idle", "Record 3 seconds", "Record 1 minute", "Record 5 minutes"}
	if !slices.Equal(top[:4], fixed) {
		t.Errorf("top-level menu starts %q, want %q", top[:4], fixed)
	}
	if !slices.Equal(top[6:], []string{"Open last chart", "Recent sessions", "Open sessions folder", "Interfaces", "Alert at", "Start at login", "Quit"}) {
		t.Errorf("top-level menu ends %q", top[6:])
	}
	untils := top[4:6]
	if !slices.ContainsFunc(untils, func(s string) bool { return strings.HasPrefix(s, "Record until 17:30") }) ||
		!slices.ContainsFunc(untils, func(s string) bool {
			return strings.HasPrefix(s, "Record until ") && !strings.HasPrefix(s, "Record until 17:30")
		}) {
		t.Errorf("the until entries are %q, want 17:30 and the next full hour", untils)
	}
	if m.Children[0].Enabled {
		t.Error("the status line must be a disabled item")
	}
	if stop := m.Find("Stop session"); stop == nil || stop.Visible {
		t.Error("Stop session must be hidden while idle")
	}
	if m.Find("Open last chart").Enabled {
		t.Error("Open last chart must be disabled before any session")
	}
	ifaces := m.Find("Interfaces")
	labels := ifaces.Labels()
	if len(labels) < 3 || labels[0] != "Real interfaces (default)" || labels[1] != "All interfaces" || !slices.ContainsFunc(labels, func(s string) bool { return strings.HasPrefix(s, "lo") }) {
		t.Errorf("Interfaces submenu = %q", labels)
	}
	if real := ifaces.Find("Real interfaces"); real.Toggle != "checkmark" || !real.Checked {
		t.Errorf("Real interfaces must be a checked checkbox: %+v", real)
	}
	app.quit(t)
}

func TestTraySessionNotificationOpensChart(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	idleTip := c.tooltip()
	c.click("Record 3 seconds")
	c.waitStatus("Recording · ")
	c.waitFor("the tooltip to show a running session", func() bool {
		tip := c.tooltip()
		return tip != idleTip && strings.Contains(tip, "left") && strings.Contains(tip, "↓")
	})
	m := c.waitMenu("Stop shown, Record entries hidden", func(m *dbustest.MenuNode) bool {
		stop, rec := m.Find("Stop session"), m.Find("Record 3 seconds")
		return stop.Visible && stop.Enabled && !rec.Visible
	})
	_ = m
	n := app.notes.next(t)
	final := c.waitStatus("Finished ")
	if !strings.Contains(final, "↓") || !strings.Contains(final, "↑") {
		t.Errorf("final status %q lacks totals", final)
	}
	// The notification can be clicked, so its body need not name the file.
	if n.App != "bwtray" || !strings.HasPrefix(n.Summary, "Session finished: ↓") || strings.Contains(n.Body, "chart.svg") {
		t.Errorf("notification %+v", n)
	}
	if !slices.Equal(n.Actions, []string{"default", "Open chart"}) {
		t.Errorf("notification actions %q, want a default action", n.Actions)
	}
	info := app.sessionJSON(t)
	chart := info["chart"].(string)
	if info["status"] != "completed" {
		t.Errorf("session %v; body %q", info, n.Body)
	}
	checkChart(t, chart)
	if _, err := os.Stat(info["samples"].(string)); err != nil {
		t.Error(err)
	}
	// Clicking the notification opens the chart.
	app.notes.click(t, n.ID)
	waitFor(t, "the opener to be called", func() bool {
		b, _ := os.ReadFile(app.opened)
		return strings.TrimSpace(string(b)) == chart
	})
	// And so does Open last chart, and the Recent sessions entry.
	os.Remove(app.opened)
	c.click("Open last chart")
	waitFor(t, "Open last chart", func() bool {
		b, _ := os.ReadFile(app.opened)
		return strings.TrimSpace(string(b)) == chart
	})
	recent := c.waitMenu("a recent session", func(m *dbustest.MenuNode) bool { return len(m.Find("Recent sessions").Labels()) == 1 })
	if !recent.Find("Recent sessions").Enabled {
		t.Error("Recent sessions disabled after a session")
	}
	app.quit(t)
}

func TestTrayStopMidSession(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	c.click("Record 5 minutes")
	c.waitStatus("Recording · ")
	c.click("Stop session")
	c.waitStatus("Stopped ")
	n := app.notes.next(t)
	if !strings.HasPrefix(n.Summary, "Session stopped") {
		t.Errorf("notification %q", n.Summary)
	}
	if s := app.sessionJSON(t); s["status"] != "stopped" {
		t.Errorf("session %v", s)
	}
	app.quit(t)
}

func TestTrayQuitDuringSessionSavesIt(t *testing.T) {
	app := startTray(t, "")
	app.client.click("Record 5 minutes")
	app.client.waitStatus("Recording · ")
	app.quit(t)
	s := app.sessionJSON(t)
	if s["status"] != "stopped" {
		t.Errorf("session after Quit: %v", s["status"])
	}
	checkChart(t, s["chart"].(string))
}

func TestTraySIGTERMSavesSession(t *testing.T) {
	app := startTray(t, "")
	app.client.click("Record 5 minutes")
	app.client.waitStatus("Recording · ")
	app.proc.cmd.Process.Signal(syscall.SIGTERM)
	if r := app.proc.wait(t); r.code != 0 {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	if s := app.sessionJSON(t); s["status"] != "stopped" {
		t.Errorf("session after SIGTERM: %v", s["status"])
	}
}

func TestTraySecondInstanceRefused(t *testing.T) {
	app := startTray(t, "")
	second := run(t, app.env)
	if second.code != 1 || strings.TrimSpace(second.stderr) != "bwtray: bwtray is already running" {
		t.Errorf("second instance: exit %d, %q", second.code, second.stderr)
	}
	app.quit(t)
}

// Without a session bus the tray says so at once, and never starts a bus
// of its own: godbus would run dbus-launch (package dbus-x11, installed by
// CI for this test) and wait there forever, leaving a dbus-daemon behind.
func TestTrayNoBus(t *testing.T) {
	requireTool(t, "dbus-launch")
	e := env(t)
	start := time.Now()
	r := run(t, e)
	if r.code != 1 || !strings.Contains(r.stderr, "no desktop session") || !strings.Contains(r.stderr, "bwtray record") || strings.Contains(r.stderr, "panic") {
		t.Errorf("no bus: exit %d, %q", r.code, r.stderr)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v to say there is no desktop session", took)
	}
	if pids := busesStartedFor(homeOf(e)); len(pids) > 0 {
		t.Errorf("bwtray started a session bus of its own: dbus-daemon %v", pids)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	r = run(t, append(e, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"))
	if r.code != 1 || !strings.Contains(r.stderr, "no desktop session") || strings.Contains(r.stderr, "panic") {
		t.Errorf("dead bus: exit %d, %q", r.code, r.stderr)
	}
}

// busesStartedFor lists dbus-daemon processes started with HOME=home:
// buses that dbus-launch would have started for a bwtray run there.
func busesStartedFor(home string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if strings.TrimSpace(string(comm)) == "dbus-daemon" && bytes.Contains(environ, []byte("HOME="+home+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// With a bus but no panel that shows StatusNotifierItems (stock GNOME,
// i3bar), the tray says so once, on stderr and in one notification that
// names the fix for the desktop, and shows its icon as soon as a panel
// appears.
func TestTrayNoPanelSaysSo(t *testing.T) {
	for _, withServer := range []bool{true, false} {
		addr := privateBus(t)
		var n *notifyServer
		if withServer {
			n = startNotifyServer(t, addr, "actions", "body")
		}
		e := append(env(t), "DBUS_SESSION_BUS_ADDRESS="+addr, "XDG_CURRENT_DESKTOP=GNOME")
		home := homeOf(e)
		os.MkdirAll(filepath.Join(home, "config", "bwtray"), 0o700)
		app := &trayApp{env: e, addr: addr, notes: n}
		app.proc = start(t, e) // as a user starts it: no --verbose
		line := app.proc.waitLine(t, "no panel shows its icon")
		if !strings.Contains(line, "gnome-shell-extension-appindicator") || !strings.Contains(line, "bwtray record") {
			t.Errorf("the line does not name the fix: %q", line)
		}
		if withServer {
			got := n.next(t)
			if got.Summary != "bwtray is running, but no panel shows its icon" || !strings.Contains(got.Body, "gnome-shell-extension-appindicator") {
				t.Errorf("notification %+v", got)
			}
		}
		app.watcher = startWatcher(t, addr)
		app.waitRegistered(t)
		app.client.waitStatus("Idle")
		r := app.quit(t)
		if c := strings.Count(r.stderr, "no panel shows its icon"); c != 1 {
			t.Errorf("said it %d times, want once:\n%s", c, r.stderr)
		}
		if withServer {
			select {
			case extra := <-n.Got:
				t.Errorf("a second notification: %+v", extra)
			default:
			}
		}
	}
}

func TestTrayWaitsForPanel(t *testing.T) {
	addr := privateBus(t)
	startNotifyServer(t, addr, "actions", "body")
	app := launchTray(t, addr, "")
	// No panel yet: bwtray tries, says so, and keeps running.
	app.proc.waitLine(t, "failed to register")
	app.watcher = startWatcher(t, addr)
	app.waitRegistered(t)
	app.client.waitStatus("Idle")
	// However the registration came about (systray itself, or bwtray's
	// check covering systray's start-up gap), the panel has the item once.
	app.proc.waitLine(t, "tray item")
	if items := app.watcher.Items(); len(items) != 1 {
		t.Errorf("the panel has the item %d times: %q", len(items), items)
	}
	app.quit(t)
}

func TestTrayBadConfigRunsOnDefaults(t *testing.T) {
	app := startTray(t, "colour = \"blue\"\n")
	if !strings.Contains(app.client.waitStatus("Idle"), "settings file has an error") {
		t.Errorf("status %q does not mention the bad settings", app.client.status())
	}
	// Defaults: the 3-second preset from the bad file is not there; the
	// default ones are.
	app.client.waitMenu("the default presets", func(m *dbustest.MenuNode) bool {
		return m.Find("Record 3 seconds") == nil && m.Find("Record 1 minute") != nil && m.Find("Record 1 hour") != nil
	})
	r := app.quit(t)
	if !strings.Contains(r.stderr, "config.toml, line 5: colour: unknown key") {
		t.Errorf("stderr does not name file, line and key: %q", r.stderr)
	}
}

func TestTrayInterfaceSelection(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	c.click("All interfaces")
	c.waitMenu("All interfaces checked", func(m *dbustest.MenuNode) bool {
		return m.Find("All interfaces").Checked && !m.Find("Real interfaces").Checked
	})
	c.click("lo (loopback)")
	c.waitMenu("lo checked", func(m *dbustest.MenuNode) bool {
		return m.Find("lo (loopback)").Checked && !m.Find("All interfaces").Checked
	})
	c.click("Record 3 seconds")
	c.waitStatus("Finished ")
	if s := app.sessionJSON(t); fmt.Sprint(s["interfaces"]) != "[lo]" || s["selection"] != "lo" {
		t.Errorf("session counted %v (%v), want only lo", s["interfaces"], s["selection"])
	}
	app.quit(t)

	// The choice is remembered in the settings file, which keeps the rest.
	cfg, _ := os.ReadFile(filepath.Join(homeOf(app.env), "config", "bwtray", "config.toml"))
	if !strings.Contains(string(cfg), "interfaces = [\"lo\"]\n") || !strings.Contains(string(cfg), "presets = [\"3s\", \"1m\", \"5m\"]\n") {
		t.Errorf("settings after the choice:\n%s", cfg)
	}
	again := app.restart(t)
	again.client.waitMenu("lo still checked after a restart", func(m *dbustest.MenuNode) bool {
		n := m.Find("lo (loopback)")
		return n != nil && n.Checked
	})
	again.quit(t)
}

func TestTrayWithoutNotificationServer(t *testing.T) {
	addr := privateBus(t)
	w := startWatcher(t, addr)
	app := launchTray(t, addr, "")
	app.watcher = w
	app.waitRegistered(t)
	app.client.click("Record 3 seconds")
	app.client.waitStatus("Finished ")
	// Saved anyway, and the status line says where the chart is.
	s := app.sessionJSON(t)
	if s["status"] != "completed" {
		t.Errorf("session %v", s["status"])
	}
	chart := s["chart"].(string)
	short := filepath.Join(filepath.Base(filepath.Dir(chart)), "chart.svg")
	app.client.waitFor("the chart's path in the status line", func() bool {
		return strings.Contains(app.client.status(), "chart: …/"+short)
	})
	r := app.quit(t)
	if !strings.Contains(r.stderr, "could not show a notification") {
		t.Errorf("no warning logged: %s", r.stderr)
	}
}

func TestTrayHangingNotificationServer(t *testing.T) {
	addr := privateBus(t)
	w := startWatcher(t, addr)
	startNotify(t, addr, true, "actions", "body")
	app := launchTray(t, addr, "")
	app.watcher = w
	app.waitRegistered(t)
	c := app.client
	c.click("Record 3 seconds")
	c.waitStatus("Finished ")
	// The menu still answers while the notification hangs.
	start := time.Now()
	c.click("All interfaces")
	c.waitMenu("the menu to react", func(m *dbustest.MenuNode) bool { return m.Find("All interfaces").Checked })
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the menu took %v to react while a notification hung", d)
	}
	c.waitFor("the chart's path in the status line after the timeout", func() bool {
		return strings.Contains(c.status(), "chart: ")
	})
	app.quit(t)
	if s := app.sessionJSON(t); s["status"] != "completed" {
		t.Errorf("session %v", s["status"])
	}
}

// The status line follows the live figures once the panel says the menu
// is open (between such moments it is refreshed every few seconds, to
// spare the panel re-reading the menu every second).
func TestTrayStatusLiveWhenMenuOpens(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	c.click("Record 5 minutes")
	first := c.waitStatus("Recording · ")
	if err := c.Opened(); err != nil {
		t.Fatal(err)
	}
	// Within the live window the time left ticks every second: two changes
	// in 6 s. At the 5-second pace they would take at least 10 s.
	seen := map[string]bool{first: true}
	err := c.WaitFor(6*time.Second, func() bool {
		seen[c.status()] = true
		return len(seen) >= 3
	})
	if err != nil {
		t.Errorf("the status line did not go live after the menu opened: saw %v", seen)
	}
	app.quit(t)
}

// A session that reaches the data cap says so once: a notification, the
// warning icon, and the status line. Real traffic over loopback.
func TestTrayDataAlert(t *testing.T) {
	app := startTray(t, "interfaces = [\"lo\"]\nalert_at = \"20kB\"\n")
	c := app.client
	m := c.waitMenu("the Alert at submenu", func(m *dbustest.MenuNode) bool {
		a := m.Find("Alert at")
		return a != nil && len(a.Labels()) > 0
	})
	labels := m.Find("Alert at").Labels()
	if !slices.Equal(labels, []string{"Off", "20 kB", "100 MB", "500 MB", "1 GB", "5 GB"}) {
		t.Errorf("Alert at submenu = %q", labels)
	}
	if !m.Find("20 kB").Checked {
		t.Error("the configured cap is not checked")
	}
	c.click("Record 5 minutes")
	c.waitStatus("Recording · ")
	before := iconPixmap(t, c)
	sendLoopback(t, 64_000)
	n := app.notes.next(t)
	if !strings.HasPrefix(n.Summary, "Data alert: ") || !strings.Contains(n.Body, "over your 20 kB alert") {
		t.Errorf("alert notification %+v", n)
	}
	c.Opened() // see the status line at once
	c.waitFor("the status line to mention the alert", func() bool { return strings.Contains(c.status(), "over 20 kB") })
	if bytes.Equal(before, iconPixmap(t, c)) {
		t.Error("the icon did not change to the warning icon")
	}
	// One alert per crossing: more traffic, no second notification.
	sendLoopback(t, 64_000)
	c.click("Stop session")
	if end := app.notes.next(t); !strings.HasPrefix(end.Summary, "Session stopped") {
		t.Errorf("after the alert came %q, want only the end-of-session notification", end.Summary)
	}
	s := app.sessionJSON(t)
	if s["alert_at"] != float64(20_000) || s["alerted_at"] == nil {
		t.Errorf("session.json alert fields: %v %v", s["alert_at"], s["alerted_at"])
	}
	app.quit(t)
}

// sendLoopback sends n bytes in UDP datagrams to the discard port on
// 127.0.0.1: loopback traffic that never leaves the machine.
func sendLoopback(t *testing.T, n int) {
	t.Helper()
	conn, err := net.Dial("udp", "127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 1000)
	for sent := 0; sent < n; sent += len(buf) {
		conn.Write(buf) // an ICMP "port unreachable" makes later writes fail; the bytes still crossed lo
	}
}

func iconPixmap(t *testing.T, c *client) []byte {
	t.Helper()
	v, err := c.Property("IconPixmap")
	if err != nil {
		t.Fatal(err)
	}
	return []byte(fmt.Sprint(v))
}

// A menu choice is written back to a settings file kept in a dotfiles
// folder (config.toml is a link): the link stays, its target is edited,
// the comment after the value and a value written over several lines
// survive.
func TestTrayWritesChoiceThroughLink(t *testing.T) {
	addr := privateBus(t)
	w := startWatcher(t, addr)
	n := startNotifyServer(t, addr, "actions", "body")
	app := launchTray(t, addr, "")
	app.proc.cmd.Process.Kill()
	app.proc.wait(t)
	home := homeOf(app.env)
	cfg := filepath.Join(home, "config", "bwtray", "config.toml")
	old, _ := os.ReadFile(cfg)
	dotfiles := filepath.Join(home, "dotfiles")
	os.Mkdir(dotfiles, 0o700)
	target := filepath.Join(dotfiles, "bwtray.toml")
	user := string(old) + "presets = [\n  \"3s\",  # quick\n  \"1m\",\n]\ninterfaces = [\"lo\"] # the one I watch\n"
	user = strings.Replace(user, "presets = [\"3s\", \"1m\", \"5m\"]\n", "", 1)
	os.WriteFile(target, []byte(user), 0o600)
	os.Remove(cfg)
	os.Symlink(target, cfg)
	again := &trayApp{env: app.env, addr: addr, watcher: w, notes: n, data: app.data, opened: app.opened}
	again.proc = start(t, app.env, "--verbose")
	again.waitRegistered(t)
	again.client.click("All interfaces")
	again.client.waitMenu("All interfaces checked", func(m *dbustest.MenuNode) bool { return m.Find("All interfaces").Checked })
	r := again.quit(t)
	fi, err := os.Lstat(cfg)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("config.toml is no longer a link: %v %v\n%s", fi.Mode(), err, r.stderr)
	}
	b, _ := os.ReadFile(target)
	got := string(b)
	for _, want := range []string{"interfaces = [\"all\"] # the one I watch\n", "presets = [\n  \"3s\",  # quick\n  \"1m\",\n]\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("the settings file lost %q:\n%s", want, got)
		}
	}
}
