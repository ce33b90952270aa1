//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/bwtray/bwtray/internal/dbustest"
)

// Every other process of the user can talk to bwtray over the session
// bus. The tests here play such a process (a peer with its own connection)
// and check what it can and cannot do.

func peer(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openerCalls(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

// A click on the finished-session notification counts only from the
// server that showed it, for the action offered, and once: fake signals
// from another peer do nothing, and GNOME's double signal opens the chart
// once.
func TestNotificationClicksOnlyFromServerOnce(t *testing.T) {
	app := startTray(t, "")
	app.client.click("Record 3 seconds")
	n := app.notes.next(t)
	evil := peer(t, app.addr)
	emit := func(member string, args ...any) {
		if err := evil.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications."+member, args...); err != nil {
			t.Fatal(err)
		}
	}
	for range 300 {
		emit("ActionInvoked", n.ID, "default")
	}
	emit("NotificationClosed", n.ID, uint32(2)) // would disarm the real click
	app.notes.Invoke(n.ID, "not-offered")
	time.Sleep(time.Second)
	if c := openerCalls(app.opened); c != 0 {
		t.Fatalf("fake signals opened the chart %d times", c)
	}
	// GNOME Shell: one click, two ActionInvoked (the second from another
	// sender): the chart opens once.
	app.notes.Click(n.ID)
	emit("ActionInvoked", n.ID, "default")
	app.notes.Click(n.ID)
	waitFor(t, "the chart to open", func() bool { return openerCalls(app.opened) > 0 })
	time.Sleep(time.Second)
	if c := openerCalls(app.opened); c != 1 {
		t.Errorf("one click opened the chart %d times", c)
	}
	app.quit(t)
}

// Nobody but bwtray writes the tray's properties.
func TestTrayPropertiesCannotBeSetByOthers(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	c.waitStatus("Idle")
	before := c.tooltip()
	evil := peer(t, app.addr)
	item := evil.Object(c.Service(), "/StatusNotifierItem")
	menu := evil.Object(c.Service(), "/StatusNotifierItem/menu")
	sets := []struct {
		obj   dbus.BusObject
		iface string
		prop  string
		value any
	}{
		{item, "org.kde.StatusNotifierItem", "ToolTip", struct {
			A string
			B []struct {
				W, H int32
				P    []byte
			}
			C, D string
		}{"", nil, "bwtray", "your bank: click here"}},
		{item, "org.kde.StatusNotifierItem", "Title", "fake"},
		{item, "org.kde.StatusNotifierItem", "Menu", dbus.ObjectPath("/nonexistent")},
		{menu, "com.canonical.dbusmenu", "Version", uint32(999)},
	}
	for _, s := range sets {
		err := s.obj.Call("org.freedesktop.DBus.Properties.Set", 0, s.iface, s.prop, dbus.MakeVariant(s.value)).Err
		if err == nil || !strings.Contains(err.Error(), "set by bwtray only") {
			t.Errorf("Set %s: %v, want it refused", s.prop, err)
		}
	}
	if got := c.tooltip(); got != before {
		t.Errorf("tooltip %q became %q", before, got)
	}
	if v, _ := c.Property("Title"); v != "bwtray" {
		t.Errorf("title %v", v)
	}
	if v, _ := c.Property("Menu"); v != dbus.ObjectPath("/StatusNotifierItem/menu") {
		t.Errorf("menu path %v", v)
	}
	if m := c.layout(); m.Find("Quit") == nil {
		t.Error("the menu is gone")
	}
	app.quit(t)
}

// Oversized or odd requests get bounded answers, and the icon stays.
func TestTrayBoundsOversizedRequests(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	m := c.waitMenu("the menu", func(m *dbustest.MenuNode) bool { return m.Find("Quit") != nil })
	quit := m.Find("Quit").ID
	evil := peer(t, app.addr)
	menu := evil.Object(c.Service(), "/StatusNotifierItem/menu")
	ids := make([]int32, 400_000)
	for i := range ids {
		ids[i] = quit
	}
	var props []struct {
		V0 int32
		V1 map[string]dbus.Variant
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := menu.CallWithContext(ctx, "com.canonical.dbusmenu.GetGroupProperties", 0, ids, []string{}).Store(&props); err != nil || len(props) != 1 {
		t.Errorf("GetGroupProperties of 400,000 copies of one id: %d answers, %v; want one", len(props), err)
	}
	var needUpdate []int32
	var idErrors []int32
	if err := menu.CallWithContext(ctx, "com.canonical.dbusmenu.AboutToShowGroup", 0, ids).Store(&needUpdate, &idErrors); err != nil {
		t.Errorf("AboutToShowGroup: %v", err)
	}
	for _, tt := range []struct {
		id   int32
		prop string
		ok   bool
	}{{quit, "label", true}, {quit, "no-such-property", false}, {99999, "label", false}} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		var v dbus.Variant
		err := menu.CallWithContext(ctx, "com.canonical.dbusmenu.GetProperty", 0, tt.id, tt.prop).Store(&v)
		silent := ctx.Err() != nil
		cancel()
		switch {
		case tt.ok && (err != nil || v.Value() != "Quit"):
			t.Errorf("GetProperty(%d, %s) = %v, %v", tt.id, tt.prop, v, err)
		case !tt.ok && (err == nil || silent):
			t.Errorf("GetProperty(%d, %s): %v; want an error reply, not silence", tt.id, tt.prop, err)
		}
	}
	// Still there, and still answering.
	if m := c.layout(); m.Find("Quit") == nil {
		t.Error("the menu is gone")
	}
	select {
	case r := <-app.proc.done:
		t.Fatalf("bwtray exited: %d\n%s", r.code, r.stderr)
	default:
	}
	app.quit(t)
}

// If the bus drops the tray's connection anyway, bwtray notices, saves
// the running session, says why and exits: it never records invisibly.
// The bus here drops any connection that sends a message over 6 kB, and
// the full menu is larger than that.
func TestTrayNoticesLostConnection(t *testing.T) {
	requireTool(t, "dbus-daemon")
	bus, err := dbustest.StartBusWithLimits(map[string]int{"max_message_size": 6000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	w := startWatcher(t, bus.Addr)
	startNotifyServer(t, bus.Addr, "actions", "body")
	app := launchTray(t, bus.Addr, "")
	app.watcher = w
	app.waitRegistered(t)
	c := app.client
	// The first GetLayout has one level only (systray's), small enough.
	m := c.layout()
	rec := m.Find("Record 5 minutes")
	if rec == nil {
		t.Fatalf("no Record entry in the first layout: %q", m.Labels())
	}
	if err := c.Click(rec.ID); err != nil {
		t.Fatal(err)
	}
	app.proc.waitLine(t, "session started")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The whole menu, in one reply over the limit: the bus drops bwtray.
	dbusObj := peer(t, bus.Addr).Object(c.Service(), "/StatusNotifierItem/menu")
	dbusObj.CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	start := time.Now()
	r := app.proc.wait(t)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("bwtray took %v to notice", took)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "dropped the tray's connection") || !strings.Contains(r.stderr, "the last session was saved") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if s := app.sessionJSON(t); s["status"] != "stopped" {
		t.Errorf("session %v", s["status"])
	}
}

// Strings that are not valid UTF-8, or hold a NUL, never reach the bus:
// an interface named with a byte like \xff, and damaged session files
// with a NUL or an 8 MB status, leave the menu and the notification
// working.
func TestTrayInvalidUTF8AndDamagedSessions(t *testing.T) {
	p := newNetnsPair(t)
	odd := "bw\xffz"
	if o, err := exec.Command("ip", "-n", p.a, "link", "set", p.ifA, "name", odd).CombinedOutput(); err != nil {
		t.Fatalf("renaming to %q: %v %s", odd, err, o)
	}
	addr := privateBus(t)
	w := startWatcher(t, addr)
	n := startNotifyServer(t, addr, "actions", "body")
	e := append(env(t), "DBUS_SESSION_BUS_ADDRESS="+addr)
	home := homeOf(e)
	data := filepath.Join(home, "data", "bwtray", "sessions")
	os.MkdirAll(filepath.Join(data, "2026-01-01T00-00-00"), 0o700)
	os.WriteFile(filepath.Join(data, "2026-01-01T00-00-00", "session.json"), []byte("{\"start\":\"2026-01-01T00:00:00Z\",\"status\":\"completed\\u0000\",\"version\":1}"), 0o600)
	os.MkdirAll(filepath.Join(data, "2026-01-02T00-00-00"), 0o700)
	os.WriteFile(filepath.Join(data, "2026-01-02T00-00-00", "session.json"), []byte(`{"start":"2026-01-02T00:00:00Z","status":"`+strings.Repeat("x", 8<<20)+`","version":1}`), 0o600)
	os.MkdirAll(filepath.Join(home, "config", "bwtray"), 0o700)
	os.WriteFile(filepath.Join(home, "config", "bwtray", "config.toml"), []byte("presets = [\"3s\"]\ninterval = \"250ms\"\ninterfaces = [\"all\"]\n"), 0o600)
	app := &trayApp{env: e, addr: addr, watcher: w, notes: n, data: data}
	app.proc = startCmd(t, e, "ip", "netns", "exec", p.a, bin, "--verbose")
	app.waitRegistered(t)
	c := app.client
	m := c.waitMenu("the whole menu, with the odd interface", func(m *dbustest.MenuNode) bool {
		return m.Find("Interfaces") != nil && m.Find(`bw\xffz`) != nil
	})
	if m.Find("Quit") == nil {
		t.Fatal("no Quit")
	}
	c.click("Record 3 seconds")
	note := n.next(t)
	if !strings.Contains(note.Body, `bw\xffz`) {
		t.Errorf("notification body %q", note.Body)
	}
	c.waitStatus("Finished")
	r := app.quit(t)
	if k := strings.Count(r.stderr, "2026-01-02T00-00-00"); k != 1 {
		t.Logf("stderr:\n%s", r.stderr)
		t.Errorf("the damaged session was warned about %d times, want once:\n%s", k, r.stderr)
	}
}

// SIGHUP (logout, a closed terminal) saves the running session and
// announces it; after SIGTERM the announcement still offers the chart.
func TestTraySignalsAnnounceWithAction(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		app := startTray(t, "")
		app.client.click("Record 5 minutes")
		app.client.waitStatus("Recording · ")
		app.proc.cmd.Process.Signal(sig)
		n := app.notes.next(t)
		r := app.proc.wait(t)
		if r.code != 0 || !strings.HasPrefix(n.Summary, "Session stopped") || len(n.Actions) != 2 || n.Actions[0] != "default" {
			t.Errorf("%v: exit %d, notification %+v\n%s", sig, r.code, n, r.stderr)
		}
		if s := app.sessionJSON(t); s["status"] != "stopped" {
			t.Errorf("%v: session %v", sig, s["status"])
		}
	}
}

// A click sent for a hidden or disabled item, or inside a disabled
// submenu, does nothing, whoever sends it.
func TestTrayIgnoresHiddenAndDisabledItems(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	m := c.waitMenu("the menu", func(m *dbustest.MenuNode) bool { return m.Find("All interfaces") != nil })
	all := m.Find("All interfaces").ID
	stop := m.Find("Stop session").ID // hidden while idle
	c.click("Record 5 minutes")
	c.waitStatus("Recording · ")
	cfg := filepath.Join(homeOf(app.env), "config", "bwtray", "config.toml")
	before, _ := os.ReadFile(cfg)
	c.Click(all) // in the Interfaces submenu, disabled while recording
	c.Click(m.Children[0].ID)
	time.Sleep(time.Second)
	if after, _ := os.ReadFile(cfg); string(after) != string(before) {
		t.Errorf("a click in a disabled submenu rewrote the settings:\n%s", after)
	}
	if got := c.layout().Find("All interfaces"); got.Checked {
		t.Error("a click in a disabled submenu changed the selection")
	}
	c.click("Stop session")
	c.waitStatus("Stopped")
	app.notes.next(t)
	c.Click(stop) // hidden again
	c.Click(stop)
	time.Sleep(500 * time.Millisecond)
	app.quit(t)
}

// Sessions recorded by 'bwtray record' while the tray runs show in Recent
// sessions, without reopening anything.
func TestTrayRecentShowsRecordedSessions(t *testing.T) {
	app := startTray(t, "")
	c := app.client
	c.waitStatus("Idle")
	r := run(t, app.env, "record", "--for", "1s", "--interval", "250ms", "--iface", "lo")
	if r.code != 0 {
		t.Fatalf("record: %d %s", r.code, r.stderr)
	}
	c.waitMenu("the session in Recent sessions", func(m *dbustest.MenuNode) bool {
		return len(m.Find("Recent sessions").Labels()) == 1 && m.Find("Open last chart").Enabled
	})
	app.quit(t)
}

// A notification server that takes longer than 5 s to answer still gets
// the notification, with its action; meanwhile the status line says where
// the chart is.
func TestTraySlowNotificationServer(t *testing.T) {
	addr := privateBus(t)
	w := startWatcher(t, addr)
	n := startNotify(t, addr, false, "actions", "body")
	n.Delay = 8 * time.Second
	app := launchTray(t, addr, "")
	app.watcher, app.notes = w, n
	app.waitRegistered(t)
	c := app.client
	c.click("Record 3 seconds")
	c.waitFor("the chart's place in the status line", func() bool { return strings.Contains(c.status(), "chart.svg") })
	got := n.next(t)
	if len(got.Actions) != 2 {
		t.Errorf("the slow server got %+v, want the click action", got)
	}
	c.waitFor("the chart note to go once notified", func() bool { return !strings.Contains(c.status(), "chart.svg") })
	r := app.quit(t)
	if strings.Contains(r.stderr, "fallback") {
		t.Errorf("fell back:\n%s", r.stderr)
	}
}
