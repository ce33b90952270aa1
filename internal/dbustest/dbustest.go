//go:build linux

// Package dbustest plays the desktop's side of bwtray's D-Bus protocols on
// a private bus: the panel (org.kde.StatusNotifierWatcher plus a client
// that reads the item's properties and menu and clicks entries, as a panel
// does) and the notification server. The e2e tests and the benchmarks use
// it to drive the real binary through the protocol alone.
package dbustest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// Bus is a private dbus-daemon with no service directories, so nothing is
// auto-started and nothing reaches the user's own session.
type Bus struct {
	Addr string
	cmd  *exec.Cmd
	dir  string
}

// StartBus starts a private session bus.
func StartBus() (*Bus, error) { return StartBusWithLimits(nil) }

// StartBusWithLimits starts a private session bus with dbus-daemon limits
// such as max_message_size: a message larger than that makes the daemon
// disconnect its sender.
func StartBusWithLimits(limits map[string]int) (*Bus, error) {
	var lim strings.Builder
	for name, v := range limits {
		fmt.Fprintf(&lim, "  <limit name=%q>%d</limit>\n", name, v)
	}
	dir, err := os.MkdirTemp("", "bwtray-bus-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "bus.conf")
	err = os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
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
`+lim.String()+`</busconfig>
`), 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting dbus-daemon: %w", err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dbus-daemon printed no address: %w", err)
	}
	return &Bus{Addr: strings.TrimSpace(addr), cmd: cmd, dir: dir}, nil
}

// Kill ends the daemon abruptly, as when a desktop session dies.
func (b *Bus) Kill() { b.cmd.Process.Kill() }

// Close stops the daemon and removes its files.
func (b *Bus) Close() {
	b.cmd.Process.Kill()
	b.cmd.Wait()
	os.RemoveAll(b.dir)
}

// serve connects to the bus at addr, exports obj as iface at path and owns
// name, as a desktop service does.
func serve(addr string, obj any, path dbus.ObjectPath, iface, name string) (*dbus.Conn, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, err
	}
	if err := conn.Export(obj, path, iface); err != nil {
		conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = errors.New("someone else has it")
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("owning %s: %w", name, err)
	}
	return conn, nil
}

// Watcher plays org.kde.StatusNotifierWatcher, the panel's registry.
type Watcher struct {
	// Registered receives "uniquename/path" for each item that registers.
	Registered chan string
	conn       *dbus.Conn
	props      *prop.Properties
	mu         sync.Mutex
	items      []string
}

// RegisterStatusNotifierItem is called by tray items; systray passes an
// object path, to be combined with the caller's unique name.
func (w *Watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	item := string(sender) + service
	if !strings.HasPrefix(service, "/") {
		item = service + "/StatusNotifierItem"
	}
	w.mu.Lock()
	w.items = append(w.items, item)
	items := slices.Clone(w.items)
	w.mu.Unlock()
	if w.props != nil {
		w.props.SetMust("org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems", items)
	}
	select {
	case w.Registered <- item:
	default:
	}
	return nil
}

// Items lists what has registered, in order; an item registered twice is
// listed twice (a real panel would show it twice).
func (w *Watcher) Items() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.items)
}

// RegisterStatusNotifierHost is part of the interface; hosts are not tracked.
func (w *Watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// StartWatcher owns the watcher name on the bus at addr.
func StartWatcher(addr string) (*Watcher, error) {
	w := &Watcher{Registered: make(chan string, 4)}
	var err error
	w.conn, err = serve(addr, w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher", "org.kde.StatusNotifierWatcher")
	if err != nil {
		return w, err
	}
	w.props, err = prop.Export(w.conn, "/StatusNotifierWatcher", prop.Map{
		"org.kde.StatusNotifierWatcher": {
			"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
			"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
			"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
		},
	})
	return w, err
}

// Close drops the watcher's connection, as when the panel exits.
func (w *Watcher) Close() { w.conn.Close() }

// Notification is one Notify call the server received.
type Notification struct {
	ID      uint32
	App     string
	Summary string
	Body    string
	Actions []string
}

// NotifyServer plays org.freedesktop.Notifications.
type NotifyServer struct {
	// Got receives every notification.
	Got chan Notification
	// Delay makes Notify answer only after it (a busy desktop).
	Delay time.Duration
	conn  *dbus.Conn
	caps  []string
	hang  bool

	mu     sync.Mutex
	nextID uint32
}

// Notify records the notification and returns its id.
func (s *NotifyServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	if s.hang {
		select {} // a server that never answers
	}
	time.Sleep(s.Delay)
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	s.Got <- Notification{ID: id, App: app, Summary: summary, Body: body, Actions: actions}
	return id, nil
}

// GetCapabilities returns what the server was started with.
func (s *NotifyServer) GetCapabilities() ([]string, *dbus.Error) { return s.caps, nil }

// GetServerInformation names the fake server.
func (s *NotifyServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "bwtray-test", "bwtray", "1", "1.2", nil
}

// CloseNotification does nothing.
func (s *NotifyServer) CloseNotification(uint32) *dbus.Error { return nil }

// Click emits ActionInvoked for the default action, as a user's click does.
func (s *NotifyServer) Click(id uint32) error { return s.Invoke(id, "default") }

// Invoke emits ActionInvoked for the action key.
func (s *NotifyServer) Invoke(id uint32, key string) error {
	return s.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.ActionInvoked", id, key)
}

// Closed emits NotificationClosed with the reason (2: dismissed by the user).
func (s *NotifyServer) Closed(id, reason uint32) error {
	return s.conn.Emit("/org/freedesktop/Notifications", "org.freedesktop.Notifications.NotificationClosed", id, reason)
}

// StartNotifyServer owns the notifications name on the bus at addr. With
// hang, it never answers Notify.
func StartNotifyServer(addr string, hang bool, caps ...string) (*NotifyServer, error) {
	s := &NotifyServer{Got: make(chan Notification, 8), caps: caps, hang: hang}
	var err error
	s.conn, err = serve(addr, s, "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "org.freedesktop.Notifications")
	return s, err
}

// Close drops the server's connection.
func (s *NotifyServer) Close() { s.conn.Close() }

// MenuNode is one entry of a dbusmenu layout.
type MenuNode struct {
	ID       int32
	Label    string
	Enabled  bool
	Visible  bool
	Toggle   string
	Checked  bool
	Children []*MenuNode
}

// Find returns the first entry whose label starts with label.
func (n *MenuNode) Find(label string) *MenuNode {
	if strings.HasPrefix(n.Label, label) {
		return n
	}
	for _, c := range n.Children {
		if f := c.Find(label); f != nil {
			return f
		}
	}
	return nil
}

// Labels lists the visible children's labels.
func (n *MenuNode) Labels() []string {
	var out []string
	for _, c := range n.Children {
		if c.Visible && c.Label != "" {
			out = append(out, c.Label)
		}
	}
	return out
}

// Client reads and drives a tray item the way a panel does.
type Client struct {
	// Signals receives every signal the item's owner emits.
	Signals chan *dbus.Signal
	conn    *dbus.Conn
	service string
}

// NewClient connects to the item registered as "uniquename/path".
func NewClient(addr, item string) (*Client, error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, err
	}
	service, _, _ := strings.Cut(item, "/")
	c := &Client{conn: conn, service: service, Signals: make(chan *dbus.Signal, 256)}
	if err := conn.AddMatchSignal(dbus.WithMatchSender(service)); err != nil {
		conn.Close()
		return nil, err
	}
	conn.Signal(c.Signals)
	return c, nil
}

// Close drops the client's connection.
func (c *Client) Close() { c.conn.Close() }

func (c *Client) menu() dbus.BusObject { return c.conn.Object(c.service, "/StatusNotifierItem/menu") }

// Tooltip reads the item's ToolTip title and description.
func (c *Client) Tooltip() (string, error) {
	v, err := c.conn.Object(c.service, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.ToolTip")
	if err != nil {
		return "", fmt.Errorf("reading ToolTip: %w", err)
	}
	// (sa(iiay)ss): icon name, icon pixmaps, title, description
	fields, ok := v.Value().([]any)
	if !ok || len(fields) < 4 {
		return "", fmt.Errorf("ToolTip has an unexpected shape: %#v", v.Value())
	}
	title, _ := fields[2].(string)
	desc, _ := fields[3].(string)
	return strings.TrimSpace(title + " " + desc), nil
}

// Layout reads the whole menu.
func (c *Client) Layout() (*MenuNode, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rev uint32
	var root []any
	call := c.menu().CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		return nil, fmt.Errorf("GetLayout: %w", call.Err)
	}
	if err := call.Store(&rev, &root); err != nil {
		return nil, fmt.Errorf("GetLayout reply: %w", err)
	}
	return toNode(root), nil
}

func toNode(v []any) *MenuNode {
	n := &MenuNode{Enabled: true, Visible: true}
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

// Click sends a dbusmenu "clicked" event for the entry with id, as a panel
// does. Quit returns an error because systray closes the connection before
// it replies; judge a Quit by its effect.
func (c *Client) Click(id int32) error {
	return c.menu().Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
}

// ErrTimeout is returned by WaitFor when the condition never held.
var ErrTimeout = errors.New("timed out")

// WaitFor re-checks cond whenever the item signals a change (and every
// 250 ms, in case a change came without one), until it holds or timeout.
func (c *Client) WaitFor(timeout time.Duration, cond func() bool) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-c.Signals:
		case <-tick.C:
		case <-deadline:
			return ErrTimeout
		}
	}
	return nil
}

// Opened tells the item its menu was opened, as panels that implement the
// dbusmenu "opened" event do.
func (c *Client) Opened() error {
	return c.menu().Call("com.canonical.dbusmenu.Event", 0, int32(0), "opened", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
}

// Property reads one org.kde.StatusNotifierItem property of the item.
func (c *Client) Property(name string) (any, error) {
	v, err := c.conn.Object(c.service, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem." + name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return v.Value(), nil
}

// Service is the bus name of the item's owner (its unique name).
func (c *Client) Service() string { return c.service }
