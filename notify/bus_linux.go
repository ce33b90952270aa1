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
type busNotifier struct {
	conn *dbus.Conn
	log  *slog.Logger

	mu      sync.Mutex
	actions map[uint32]func()
}

func newBusNotifier(ctx context.Context, addr string, log *slog.Logger) (*busNotifier, error) {
	if addr == "" {
		return nil, errors.New("no session bus")
	}
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connecting to the session bus: %w", err)
	}
	b := &busNotifier{conn: conn, log: log, actions: map[uint32]func(){}}
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignal(dbus.WithMatchInterface(busIface), dbus.WithMatchMember(member), dbus.WithMatchObjectPath(busPath)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("listening for notification clicks: %w", err)
		}
	}
	signals := make(chan *dbus.Signal, 16)
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
	switch sig.Name {
	case busIface + ".ActionInvoked":
		if key, _ := sig.Body[1].(string); key == actionKey {
			if f := b.actions[id]; f != nil {
				go f()
			}
		}
	case busIface + ".NotificationClosed":
		delete(b.actions, id)
	}
}

func (b *busNotifier) capabilities(ctx context.Context) ([]string, error) {
	var caps []string
	err := b.conn.Object(busName, busPath).CallWithContext(ctx, busIface+".GetCapabilities", 0).Store(&caps)
	return caps, err
}

func (b *busNotifier) send(ctx context.Context, m Message) error {
	caps, err := b.capabilities(ctx)
	if err != nil {
		return fmt.Errorf("asking the notification server what it supports: %w", err)
	}
	body := m.Body
	if slices.Contains(caps, "body-markup") {
		// Such servers render a subset of HTML: "a<b" would vanish.
		body = html.EscapeString(body)
	}
	var actions []string
	if m.Action != "" && m.OnAction != nil && slices.Contains(caps, "actions") {
		actions = []string{actionKey, m.Action}
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
	call := b.conn.Object(busName, busPath).CallWithContext(ctx, busIface+".Notify", 0,
		AppName, uint32(0), "network-transmit-receive", m.Title, body, actions, hints, int32(-1))
	if err := call.Store(&id); err != nil {
		return err
	}
	if len(actions) > 0 {
		b.actions[id] = m.OnAction
	}
	return nil
}
