package tray

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/bwtray/bwtray/notify"
)

// hostGrace is how long bwtray waits for a panel that shows tray icons
// before it says there is none: panels start with the desktop, within a
// second or two.
const hostGrace = 5 * time.Second

// watchHost says so, once, when no panel shows StatusNotifierItems a few
// seconds after start: stock GNOME and XEmbed-only trays (i3bar, polybar,
// tint2) have none, and the icon would be invisible without a word. It
// writes a line to the log and sends one notification (where a server
// exists) naming the fix for the desktop in use. The icon still appears
// as soon as a panel does (systray registers when a watcher appears).
func watchHost(ctx context.Context, conn *dbus.Conn, log *slog.Logger, notifier Notifier) {
	select {
	case <-time.After(hostGrace):
	case <-ctx.Done():
		return
	}
	if hostPresent(ctx, conn) {
		return
	}
	title, body := NoHostMessage(currentDesktop())
	log.Warn(title + ": " + strings.ReplaceAll(body, "\n", " "))
	if notifier != nil {
		sctx, cancel := context.WithTimeout(ctx, notify.Timeout)
		defer cancel()
		if err := notifier.Send(sctx, notify.Message{Title: title, Body: body}); err != nil {
			log.Debug("could not say so in a notification either", "err", err)
		}
	}
}

// hostPresent reports whether a StatusNotifierWatcher is on the bus and
// says a host (a panel that shows the items) is registered with it.
func hostPresent(ctx context.Context, conn *dbus.Conn) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil || !has {
		return false
	}
	v, err := conn.Object(watcherName, watcherPath).GetProperty(watcherIface + ".IsStatusNotifierHostRegistered")
	if err != nil {
		return true // a watcher that cannot say: assume its panel shows us
	}
	registered, ok := v.Value().(bool)
	return !ok || registered
}

// currentDesktop names the desktop in use as well as the environment
// says: window managers such as i3 set no XDG_CURRENT_DESKTOP, but their
// session or IPC socket gives them away.
func currentDesktop() string {
	for _, v := range []string{"XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION"} {
		if d := os.Getenv(v); d != "" {
			return d
		}
	}
	switch {
	case os.Getenv("I3SOCK") != "":
		return "i3"
	case os.Getenv("SWAYSOCK") != "":
		return "sway"
	}
	return ""
}
