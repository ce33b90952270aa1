package tray

import (
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
