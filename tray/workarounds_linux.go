package tray

// This file holds every workaround bwtray needs for fyne.io/systray
// v1.12.2 and godbus on Linux, where the tray is a StatusNotifierItem and
// its menu a com.canonical.dbusmenu on the session bus. Each names the
// upstream behaviour it works around. The platform-neutral ones are in
// workarounds.go.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	_ "unsafe" // go:linkname, for the shared connection below

	"github.com/godbus/dbus/v5"
)

// ErrNoDesktop says the tray cannot run here.
var ErrNoDesktop = errors.New("no desktop session: the tray app needs a D-Bus session bus; in a terminal, use 'bwtray record --for 10m'")

// SessionBus finds the desktop session's D-Bus bus and checks that it
// answers, before anything else connects to it. It never starts a bus:
// godbus's SessionBus, which systray and beeep call, runs dbus-launch when
// DBUS_SESSION_BUS_ADDRESS is unset (godbus issue 268), which leaves an
// orphan bus behind and a tray nobody can see. The address found is put
// in the environment, so that those libraries connect to it instead.
func SessionBus() (string, error) {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" || addr == "autolaunch:" {
		// systemd's per-user bus, where a desktop session has one.
		sock := filepath.Join(xdgRuntimeDir(), "bus")
		if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
			return "", fmt.Errorf("%w (DBUS_SESSION_BUS_ADDRESS is not set)", ErrNoDesktop)
		}
		addr = "unix:path=" + sock
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return "", fmt.Errorf("%w (connecting to %s failed: %v)", ErrNoDesktop, addr, err)
	}
	conn.Close()
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr, nil
}

func xdgRuntimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d
	}
	return fmt.Sprintf("/run/user/%d", os.Getuid())
}

// sharedSessionBus is godbus's shared session bus connection, the one
// dbus.SessionBus returns and systray exports the tray on. systray gives
// no way to choose its connection, and godbus no way to add an incoming
// message interceptor to a connection once made; so bwtray makes that
// connection itself, with the interceptor (guard below), and puts it
// where dbus.SessionBus finds it before systray starts.
//
//go:linkname sharedSessionBus github.com/godbus/dbus/v5.sessionBus
var sharedSessionBus *dbus.Conn

const (
	itemPath      = dbus.ObjectPath("/StatusNotifierItem")
	menuPath      = dbus.ObjectPath("/StatusNotifierItem/menu")
	dbusmenuIface = "com.canonical.dbusmenu"
	propsIface    = "org.freedesktop.DBus.Properties"
	guardIface    = "org.bwtray.TrayGuard"

	// maxMenuIDs bounds the ids one request may name: the menu has about
	// 60 items, and systray repeats an item's properties for every id
	// asked, duplicates included.
	maxMenuIDs = 256
)

// guard stands between the bus and what systray exports there. Every
// other process of the user can call the tray's methods, and systray
// trusts them all:
//   - it exports ToolTip, Title, Menu, IconPixmap and the menu's Version
//     as writable properties, so any peer could set a fake tooltip or a
//     menu path that does not exist (the menu vanishes): Properties.Set
//     from anyone but bwtray is refused;
//   - its GetGroupProperties repeats an item's properties for every id
//     asked, duplicates included: 400,000 copies of one id make a ~50 MB
//     reply, dbus-daemon (32 MiB limit) disconnects the tray and the icon
//     vanishes. Ids are deduplicated and capped, here and in
//     AboutToShowGroup and EventGroup;
//   - its GetProperty for an unknown id or property never replies (a zero
//     dbus.Variant cannot be encoded): the guard answers it instead, with
//     an error when there is no such property.
//
// It rewrites such calls in godbus's incoming interceptor, before they
// are dispatched, to methods of its own (exported under guardIface).
type guard struct {
	conn *dbus.Conn
	self string
	log  *slog.Logger
}

// connectTray makes the tray's connection to the bus at addr, guarded,
// and makes it the one systray will use. Nothing may have called
// dbus.SessionBus before.
func connectTray(addr string, log *slog.Logger) (*dbus.Conn, error) {
	g := &guard{log: log}
	conn, err := dbus.Connect(addr, dbus.WithIncomingInterceptor(g.intercept))
	if err != nil {
		return nil, fmt.Errorf("%w (connecting to %s failed: %v)", ErrNoDesktop, addr, err)
	}
	g.conn = conn
	if names := conn.Names(); len(names) > 0 {
		g.self = names[0]
	}
	for _, p := range []dbus.ObjectPath{itemPath, menuPath} {
		if err := conn.Export(g, p, guardIface); err != nil {
			conn.Close()
			return nil, fmt.Errorf("guarding the tray item: %w", err)
		}
	}
	sharedSessionBus = conn
	return conn, nil
}

func header(msg *dbus.Message, f dbus.HeaderField) string {
	v, ok := msg.Headers[f]
	if !ok {
		return ""
	}
	switch s := v.Value().(type) {
	case string:
		return s
	case dbus.ObjectPath:
		return string(s)
	}
	return ""
}

// intercept runs on godbus's reading goroutine for every incoming message,
// before it is dispatched; it must not block.
func (g *guard) intercept(msg *dbus.Message) {
	if msg.Type != dbus.TypeMethodCall {
		return
	}
	path := dbus.ObjectPath(header(msg, dbus.FieldPath))
	if path != itemPath && path != menuPath || header(msg, dbus.FieldSender) == g.self {
		return
	}
	iface, member := header(msg, dbus.FieldInterface), header(msg, dbus.FieldMember)
	switch {
	case iface == propsIface && member == "Set":
		g.redirect(msg, "ReadOnly", nil)
	case iface == dbusmenuIface && member == "GetProperty":
		g.redirect(msg, "GetProperty", msg.Body)
	case iface == dbusmenuIface && (member == "GetGroupProperties" || member == "AboutToShowGroup"):
		if len(msg.Body) > 0 {
			if ids, ok := msg.Body[0].([]int32); ok {
				msg.Body[0] = boundIDs(ids)
			}
		}
	case iface == dbusmenuIface && member == "EventGroup":
		// (a(isvu)): one click per item at most.
		if len(msg.Body) > 0 {
			if events, ok := msg.Body[0].([][]any); ok && len(events) > maxMenuIDs {
				msg.Body[0] = events[:maxMenuIDs]
			}
		}
	}
}

// redirect sends the call to the guard's method of that name instead.
func (g *guard) redirect(msg *dbus.Message, member string, body []any) {
	msg.Headers[dbus.FieldInterface] = dbus.MakeVariant(guardIface)
	msg.Headers[dbus.FieldMember] = dbus.MakeVariant(member)
	msg.Body = body
	if len(body) == 0 {
		delete(msg.Headers, dbus.FieldSignature)
	}
}

// boundIDs removes duplicates and keeps at most maxMenuIDs ids.
func boundIDs(ids []int32) []int32 {
	if len(ids) <= 1 {
		return ids
	}
	seen := make(map[int32]bool, min(len(ids), maxMenuIDs))
	out := make([]int32, 0, min(len(ids), maxMenuIDs))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
			if len(out) == maxMenuIDs {
				break
			}
		}
	}
	return out
}

// ReadOnly answers Properties.Set from other processes.
func (g *guard) ReadOnly() *dbus.Error {
	return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly", []any{"bwtray's tray properties are set by bwtray only"})
}

// GetProperty answers com.canonical.dbusmenu.GetProperty by asking
// systray's GetGroupProperties for that one item, over the bus.
func (g *guard) GetProperty(id int32, name string) (dbus.Variant, *dbus.Error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var props []struct {
		V0 int32
		V1 map[string]dbus.Variant
	}
	err := g.conn.Object(g.self, menuPath).CallWithContext(ctx, dbusmenuIface+".GetGroupProperties", 0, []int32{id}, []string{name}).Store(&props)
	if err != nil {
		return dbus.Variant{}, dbus.MakeFailedError(err)
	}
	if len(props) == 0 {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.InvalidArgs", []any{fmt.Sprintf("no menu item %d", id)})
	}
	v, ok := props[0].V1[name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.InvalidArgs", []any{fmt.Sprintf("menu item %d has no property %q", id, name)})
	}
	return v, nil
}

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	watcherIface = "org.kde.StatusNotifierWatcher"
)

// watchTray watches the tray's connection and the panel. It returns a
// channel that receives why the tray can no longer be seen: the
// connection is gone, either because the bus went away (the desktop
// session ended) or because the bus dropped it; bwtray then saves the
// session and quits rather than recording invisibly.
//
// It also covers a gap in systray: it registers with the panel once at
// start and only then begins watching for a panel to appear, so a panel
// that appears in between (both started at login) would never show the
// icon. Here, whenever a panel appears, the item is checked for and, if
// the panel does not list it, registered by its bus name.
func watchTray(ctx context.Context, conn *dbus.Conn, addr string, log *slog.Logger) (<-chan error, error) {
	err := conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	)
	if err != nil {
		return nil, fmt.Errorf("watching for the panel: %w", err)
	}
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	lost := make(chan error, 1)
	go func() {
		for {
			select {
			case <-conn.Context().Done():
				if ctx.Err() != nil {
					return // quitting: systray closed it
				}
				lost <- lostReason(addr, nil)
				return
			case <-ctx.Done():
				return
			case sig := <-signals:
				if sig == nil || sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) < 3 {
					continue
				}
				if owner, _ := sig.Body[2].(string); owner != "" {
					// Give systray's own re-registration a moment first.
					select {
					case <-time.After(time.Second):
						ensureRegistered(ctx, conn, log)
					case <-ctx.Done():
					}
				}
			}
		}
	}()
	return lost, nil
}

// ErrBusGone and ErrDisconnected say why the tray can no longer be seen.
var (
	ErrBusGone      = errors.New("the D-Bus session bus went away (the desktop session ended?)")
	ErrDisconnected = errors.New("the session bus dropped the tray's connection, so its icon is gone")
)

// lostReason tells a bus that went away from one that dropped bwtray.
// why, if not nil, is what systray panicked with when it found out.
func lostReason(addr string, why any) error {
	if c, err := dbus.Connect(addr); err == nil {
		c.Close()
		return ErrDisconnected
	}
	return ErrBusGone
}

// ensureRegistered registers this process's item with the panel unless the
// panel already lists it. A panel that cannot say gets no second
// registration, so it never shows the icon twice.
func ensureRegistered(ctx context.Context, conn *dbus.Conn, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid()) // the name systray owns
	var owner string
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, name).Store(&owner); err != nil {
		return // systray is not on the bus (yet); it registers when it is
	}
	watcher := conn.Object(watcherName, watcherPath)
	var items []string
	if err := watcher.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, watcherIface, "RegisteredStatusNotifierItems").Store(&items); err != nil {
		log.Debug("the panel does not list its items; leaving registration to systray", "err", err)
		return
	}
	if slices.ContainsFunc(items, func(it string) bool { return strings.HasPrefix(it, owner) || strings.HasPrefix(it, name) }) {
		log.Debug("the panel lists the tray item")
		return
	}
	log.Info("the panel missed the tray item; registering it")
	if err := watcher.CallWithContext(ctx, watcherIface+".RegisterStatusNotifierItem", 0, name).Err; err != nil {
		log.Warn("cannot register the tray item with the panel", "err", err)
	}
}
