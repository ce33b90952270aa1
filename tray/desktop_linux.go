package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

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

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	watcherIface = "org.kde.StatusNotifierWatcher"
)

// watchBus watches the session bus from before systray starts. The
// returned channel is closed when the bus goes away (the desktop session
// ended or the bus daemon died), so the app can save the running session
// and quit instead of lingering without a tray.
//
// It also covers a gap in systray: it registers with the panel once at
// start and only then begins watching for a panel to appear, so a panel
// that appears in between (both started at login) would never show the
// icon. Here, whenever a panel appears, the item is checked for and, if
// the panel does not list it, registered by its bus name.
func watchBus(ctx context.Context, log *slog.Logger) (<-chan struct{}, error) {
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		return nil, fmt.Errorf("%w (connecting to it failed: %v)", ErrNoDesktop, err)
	}
	err = conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("watching for the panel: %w", err)
	}
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	lost := make(chan struct{})
	go func() {
		for {
			select {
			case <-conn.Context().Done():
				close(lost)
				return
			case <-ctx.Done():
				conn.Close()
				return
			case sig := <-signals:
				if sig == nil || len(sig.Body) < 3 {
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
	for _, it := range items {
		if strings.HasPrefix(it, owner) || strings.HasPrefix(it, name) {
			log.Debug("the panel lists the tray item")
			return
		}
	}
	log.Info("the panel missed the tray item; registering it")
	if err := watcher.CallWithContext(ctx, watcherIface+".RegisterStatusNotifierItem", 0, name).Err; err != nil {
		log.Warn("cannot register the tray item with the panel", "err", err)
	}
}
