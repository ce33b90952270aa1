//go:build linux

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// privateBus starts a dbus-daemon of our own with no service directories,
// so nothing (no real notification daemon, no panel) is auto-started and
// nothing reaches the developer's own session.
func privateBus(t *testing.T) string {
	t.Helper()
	addr, _ := privateBusProc(t)
	return addr
}

// privateBusProc is privateBus, also returning the daemon to kill it.
func privateBusProc(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	requireTool(t, "dbus-daemon")
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(addr), cmd
}

func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// watcher plays org.kde.StatusNotifierWatcher, the panel's side of the
// tray protocol.
type watcher struct {
	registered chan string // "uniquename/path"
}

func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	item := string(sender) + service
	if strings.HasPrefix(service, ":") || strings.HasPrefix(service, "org.") {
		item = service + "/StatusNotifierItem"
	}
	select {
	case w.registered <- item:
	default:
	}
	return nil
}

func (w *watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func startWatcher(t *testing.T, addr string) (*watcher, *dbus.Conn) {
	t.Helper()
	conn := connect(t, addr)
	w := &watcher{registered: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the watcher name: %v %v", reply, err)
	}
	return w, conn
}

// notification is one Notify call the server received.
type notification struct {
	ID      uint32
	App     string
	Summary string
	Body    string
	Actions []string
}

// notifyServer plays org.freedesktop.Notifications.
type notifyServer struct {
	conn   *dbus.Conn
	mu     sync.Mutex
	nextID uint32
	got    chan notification
	caps   []string
	hang   bool // never answer Notify
}

func (s *notifyServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	if s.hang {
		select {} // a server that never answers
	}
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	s.got <- notification{ID: id, App: app, Summary: summary, Body: body, Actions: actions}
	return id, nil
}

func (s *notifyServer) GetCapabilities() ([]string, *dbus.Error) { return s.caps, nil }

func (s *notifyServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "bwtray-test", "bwtray", "1", "1.2", nil
}

func (s *notifyServer) CloseNotification(id uint32) *dbus.Error { return nil }

func (s *notifyServer) click(t *testing.T, id uint32) {
	t.Helper()
	if err := s.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.ActionInvoked", id, "default"); err != nil {
		t.Fatal(err)
	}
}

func startNotifyServer(t *testing.T, addr string, caps ...string) *notifyServer {
	t.Helper()
	conn := connect(t, addr)
	s := &notifyServer{conn: conn, got: make(chan notification, 8), caps: caps}
	if err := conn.Export(s, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the notifications name: %v %v", reply, err)
	}
	return s
}

func (s *notifyServer) next(t *testing.T) notification {
	t.Helper()
	select {
	case n := <-s.got:
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("no notification within 30 s")
	}
	return notification{}
}

// menuNode is one entry of a dbusmenu layout.
type menuNode struct {
	ID       int32
	Label    string
	Enabled  bool
	Visible  bool
	Toggle   string
	Checked  bool
	Children []*menuNode
}

func (n *menuNode) find(label string) *menuNode {
	if strings.HasPrefix(n.Label, label) {
		return n
	}
	for _, c := range n.Children {
		if f := c.find(label); f != nil {
			return f
		}
	}
	return nil
}

func (n *menuNode) labels() []string {
	var out []string
	for _, c := range n.Children {
		if c.Visible && c.Label != "" {
			out = append(out, c.Label)
		}
	}
	return out
}

// client reads and drives a tray item the way a panel does.
type client struct {
	t       *testing.T
	conn    *dbus.Conn
	service string // unique name of the item's owner
	signals chan *dbus.Signal
}

func newClient(t *testing.T, addr, item string) *client {
	t.Helper()
	conn := connect(t, addr)
	service, _, _ := strings.Cut(item, "/")
	c := &client{t: t, conn: conn, service: service, signals: make(chan *dbus.Signal, 256)}
	if err := conn.AddMatchSignal(dbus.WithMatchSender(service)); err != nil {
		t.Fatal(err)
	}
	conn.Signal(c.signals)
	return c
}

func (c *client) item() dbus.BusObject { return c.conn.Object(c.service, "/StatusNotifierItem") }
func (c *client) menu() dbus.BusObject { return c.conn.Object(c.service, "/StatusNotifierItem/menu") }

func (c *client) tooltip() string {
	v, err := c.item().GetProperty("org.kde.StatusNotifierItem.ToolTip")
	if err != nil {
		c.t.Fatalf("reading ToolTip: %v", err)
	}
	// (sa(iiay)ss): icon name, icon pixmaps, title, description
	fields, ok := v.Value().([]any)
	if !ok || len(fields) < 4 {
		c.t.Fatalf("ToolTip has an unexpected shape: %#v", v.Value())
	}
	title, _ := fields[2].(string)
	desc, _ := fields[3].(string)
	return strings.TrimSpace(title + " " + desc)
}

func (c *client) layout() *menuNode {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rev uint32
	var root []any
	call := c.menu().CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		c.t.Fatalf("GetLayout: %v", call.Err)
	}
	if err := call.Store(&rev, &root); err != nil {
		c.t.Fatalf("GetLayout reply: %v", err)
	}
	return toNode(root)
}

func toNode(v []any) *menuNode {
	n := &menuNode{Enabled: true, Visible: true}
	if len(v) < 3 {
		return n
	}
	n.ID, _ = v[0].(int32)
	props, _ := v[1].(map[string]dbus.Variant)
	for k, p := range props {
		switch k {
		case "label":
			n.Label, _ = p.Value().(string)
		case "enabled":
			n.Enabled, _ = p.Value().(bool)
		case "visible":
			n.Visible, _ = p.Value().(bool)
		case "toggle-type":
			n.Toggle, _ = p.Value().(string)
		case "toggle-state":
			s, _ := p.Value().(int32)
			n.Checked = s == 1
		}
	}
	children, _ := v[2].([]dbus.Variant)
	for _, ch := range children {
		if sub, ok := ch.Value().([]any); ok {
			n.Children = append(n.Children, toNode(sub))
		}
	}
	return n
}

// click sends a dbusmenu "clicked" event, as a panel does.
func (c *client) click(label string) {
	c.t.Helper()
	n := c.waitMenu("an enabled "+label+" entry", func(m *menuNode) bool {
		e := m.find(label)
		return e != nil && e.Enabled && e.Visible
	}).find(label)
	call := c.menu().Call("com.canonical.dbusmenu.Event", 0, n.ID, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix()))
	if call.Err != nil && !strings.Contains(label, "Quit") {
		c.t.Fatalf("clicking %q: %v", label, call.Err)
	}
}

// waitFor re-checks cond whenever the item signals a change (and every
// 250 ms, in case a change came without one), for up to 30 s.
func (c *client) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-c.signals:
		case <-tick.C:
		case <-deadline:
			c.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (c *client) waitMenu(what string, cond func(*menuNode) bool) *menuNode {
	c.t.Helper()
	var m *menuNode
	c.waitFor(what, func() bool {
		m = c.layout()
		return cond(m)
	})
	return m
}

func (c *client) status() string {
	m := c.layout()
	if len(m.Children) == 0 {
		return ""
	}
	return m.Children[0].Label
}

func (c *client) waitStatus(prefix string) string {
	c.t.Helper()
	var s string
	c.waitFor(fmt.Sprintf("status line %q", prefix), func() bool {
		s = c.status()
		return strings.HasPrefix(s, prefix)
	})
	return s
}
