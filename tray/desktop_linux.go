package tray

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/godbus/dbus/v5"
)

// ErrNoDesktop says the tray cannot run here.
var ErrNoDesktop = errors.New("no desktop session: the tray app needs a D-Bus session bus; in a terminal, use 'bwtray record --for 10m'")

// checkDesktop makes sure there is a session bus: without one systray
// would block forever and panic on quit.
func checkDesktop() error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return fmt.Errorf("%w (DBUS_SESSION_BUS_ADDRESS is not set)", ErrNoDesktop)
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return fmt.Errorf("%w (connecting to it failed: %v)", ErrNoDesktop, err)
	}
	return conn.Close()
}

// watchBus returns a channel closed when the session bus goes away (the
// desktop session ended or the bus daemon died), so the app can save the
// running session and quit instead of lingering without a tray.
func watchBus(ctx context.Context) (<-chan struct{}, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("%w (connecting to it failed: %v)", ErrNoDesktop, err)
	}
	lost := make(chan struct{})
	go func() {
		select {
		case <-conn.Context().Done():
			close(lost)
		case <-ctx.Done():
			conn.Close()
		}
	}()
	return lost, nil
}
