// Package notify shows desktop notifications, and tells when one is
// clicked where the platform allows it.
//
// On Linux it talks to the freedesktop notification server over its own
// D-Bus connection, so that it can offer a default action ("Open chart")
// and hear the click, with a timeout on every call: a server that never
// answers must not freeze the tray. Where that is not possible (no actions
// capability, no D-Bus, other platforms) it falls back to beeep, which
// shows the notification without a click action.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gen2brain/beeep"

	"github.com/bwtray/bwtray/icons"
	"github.com/bwtray/bwtray/internal/sanitize"
)

// AppName is how notifications are signed.
const AppName = "bwtray"

// Timeout bounds how long one attempt to send may take. A busy desktop
// can be slow to answer the first notification of a while (KDE Plasma
// under load took more than 5 s); sending never holds up the menu.
const Timeout = 30 * time.Second

// maxText bounds a notification's title and body.
const maxText = 1000

// Message is one notification.
type Message struct {
	Title string
	// Body is plain text; it is escaped for servers that render markup.
	Body string
	// Unclickable is a last line added to the body only where the
	// notification cannot be clicked (no action): where the chart is.
	Unclickable string
	// Action labels the click action, like "Open chart"; "" for none.
	Action string
	// OnAction runs (on its own goroutine) when the notification is clicked.
	OnAction func()
	// Target is what OnAction opens (the chart's path). On Windows it
	// travels with the notification, so a click still opens it after
	// bwtray has quit (see HandleActivation).
	Target string
}

// Notifier sends notifications.
type Notifier struct {
	log *slog.Logger
	bus *busNotifier // nil where D-Bus is not used
}

// New returns a Notifier. On Linux it connects to the session bus at
// busAddr and listens for clicks until ctx ends; if that fails it still
// works through the fallback, and says why in the log.
func New(ctx context.Context, busAddr string, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	beeep.AppName = AppName
	n := &Notifier{log: log}
	bus, err := newBusNotifier(ctx, busAddr, log)
	switch {
	case errors.Is(err, errNoBus):
	case err != nil:
		log.Info("notifications without click actions", "reason", err)
	default:
		n.bus = bus
	}
	return n
}

// Send shows m. Over D-Bus it gives the server Timeout, and a second
// try, before falling back to beeep (which cannot offer the action).
// Texts are made valid UTF-8 without control characters, and bounded:
// one bad byte in an interface name must not lose the notification.
func (n *Notifier) Send(ctx context.Context, m Message) error {
	m.Title = sanitize.Bus(m.Title, maxText)
	m.Body = sanitizeBody(m.Body)
	m.Unclickable = sanitize.Bus(m.Unclickable, maxText)
	if n.bus != nil {
		var err error
		for try := 1; try <= 2; try++ {
			tctx, cancel := context.WithTimeout(ctx, Timeout)
			err = n.bus.send(tctx, m)
			cancel()
			if err == nil {
				return nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("the notification server did not answer within %v", Timeout)
			}
			n.log.Info("sending a notification failed", "try", try, "err", err)
			if ctx.Err() != nil {
				return err
			}
		}
		n.log.Info("trying the fallback, without the click action", "err", err)
	}
	fctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return sendPlatform(fctx, m, n.log)
}

// withoutAction is m as shown where it cannot be clicked.
func withoutAction(m Message) Message {
	if m.Unclickable != "" {
		m.Body += "\n" + m.Unclickable
	}
	return m
}

// sanitizeBody is sanitize.Bus for each line: the body's line breaks stay.
func sanitizeBody(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = sanitize.Bus(l, maxText)
	}
	return strings.Join(lines, "\n")
}

// fallback sends through beeep, which has no timeout of its own: it runs
// on a goroutine and is abandoned if it does not return in time.
func fallback(ctx context.Context, m Message) error {
	m = withoutAction(m)
	done := make(chan error, 1)
	// beeep's Windows balloon (used where toasts are not) needs an icon:
	// without one it fails ("open : File not found").
	icon, _ := icons.AppIcon(64)
	go func() { done <- beeep.Notify(m.Title, m.Body, icon) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("showing a notification: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("showing a notification: no answer within %v", Timeout)
	}
}
