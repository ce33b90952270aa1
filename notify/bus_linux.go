package notify

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"
)

const (
	busName   = "org.freedesktop.Notifications"
	busPath   = "/org/freedesktop/Notifications"
	busIface  = "org.freedesktop.Notifications"
	actionKey = "default"
)

// busNotifier speaks org.freedesktop.Notifications on a private connection.
//
// Any process of the user can emit ActionInvoked or NotificationClosed on
// the bus, and GNOME Shell emits ActionInvoked twice for one click, from
// two senders. So a click counts only when it comes from the unique name
// that owns org.freedesktop.Notifications and returned that notification's
// id, names the action bwtray offered, and has not been seen before: each
// notification's action runs at most once.
type busNotifier struct {
	conn *dbus.Conn
	log  *slog.Logger

	mu      sync.Mutex
	pending map[uint32]pendingAction
}

// pendingAction is a notification's action, waiting for its click.
type pendingAction struct {
	server string // the unique name that returned the id
	run    func()
}

func newBusNotifier(ctx context.Context, addr string, log *slog.Logger) (*busNotifier, error) {
	if addr == "" {
		return nil, errors.New("no session bus")
	}
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connecting to the session bus: %w", err)
	}
	b := &busNotifier{conn: conn, log: log, pending: map[uint32]pendingAction{}}
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignal(dbus.WithMatchInterface(busIface), dbus.WithMatchMember(member), dbus.WithMatchObjectPath(busPath)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("listening for notification clicks: %w", err)
		}
	}
	signals := make(chan *dbus.Signal, 64)
	conn.Signal(signals)
	go b.listen(ctx, signals)
	return b, nil
}

func (b *busNotifier) listen(ctx context.Context, signals chan *dbus.Signal) {
	defer b.conn.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-signals:
			if !ok || sig == nil {
				return
			}
			b.handle(sig)
		}
	}
}

// handle runs a notification's action on its first genuine click.
func (b *busNotifier) handle(sig *dbus.Signal) {
	if len(sig.Body) < 2 {
		return
	}
	id, ok := sig.Body[0].(uint32)
	if !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.pending[id]
	if !ok || sig.Sender != p.server {
		return // not ours, already done, or not from the server
	}
	switch sig.Name {
	case busIface + ".ActionInvoked":
		if key, _ := sig.Body[1].(string); key == actionKey {
			delete(b.pending, id)
			go p.run()
		}
	case busIface + ".NotificationClosed":
		delete(b.pending, id)
	}
}

// server is the unique name that owns the notification service now.
func (b *busNotifier) server(ctx context.Context) (string, error) {
	var owner string
	err := b.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, busName).Store(&owner)
	if err != nil {
		return "", fmt.Errorf("finding the notification server: %w", err)
	}
	return owner, nil
}

func (b *busNotifier) send(ctx context.Context, m Message) error {
	// The first call goes to the well-known name: the server may be
	// started by D-Bus activation (GNOME Shell's is), and has no owner
	// before it is called.
	var caps []string
	if err := b.conn.Object(busName, busPath).CallWithContext(ctx, busIface+".GetCapabilities", 0).Store(&caps); err != nil {
		return fmt.Errorf("asking the notification server what it supports: %w", err)
	}
	// Then the owner by its unique name, so that the id it returns and the
	// signals it sends come from one and the same sender.
	server, err := b.server(ctx)
	if err != nil {
		return err
	}
	obj := b.conn.Object(server, busPath)
	var actions []string
	if m.Action != "" && m.OnAction != nil && slices.Contains(caps, "actions") {
		actions = []string{actionKey, m.Action}
	} else {
		m = withoutAction(m)
	}
	body := m.Body
	if slices.Contains(caps, "body-markup") {
		// Such servers render a subset of HTML: "a<b" would vanish.
		body = html.EscapeString(body)
	}
	hints := map[string]dbus.Variant{
		"category":      dbus.MakeVariant("transfer.complete"),
		"desktop-entry": dbus.MakeVariant(AppName),
	}
	// Hold the lock across the call so a click arriving right after the
	// reply finds its action registered.
	b.mu.Lock()
	defer b.mu.Unlock()
	var id uint32
	call := obj.CallWithContext(ctx, busIface+".Notify", 0,
		AppName, uint32(0), "network-transmit-receive", m.Title, body, actions, hints, int32(-1))
	if err := call.Store(&id); err != nil {
		return err
	}
	if len(actions) > 0 {
		b.pending[id] = pendingAction{server: server, run: m.OnAction}
	}
	return nil
}
