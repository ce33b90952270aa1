//go:build !linux

package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// ErrNoDesktop says the tray cannot run here.
var ErrNoDesktop = errors.New("no desktop session")

// ErrBusGone is Linux's: the session bus went away.
var ErrBusGone = errors.New("the session bus went away")

// SessionBus: only Linux trays talk D-Bus.
func SessionBus() (string, error) { return "", nil }

// connectTray: the tray needs no bus connection here.
func connectTray(string, *slog.Logger) (any, error) { return nil, nil }

// watchTray never reports a loss where there is no session bus to lose.
func watchTray(context.Context, any, string, *slog.Logger) (<-chan error, error) {
	return nil, nil
}

// watchHost: the notification area always shows the icon here.
func watchHost(context.Context, any, *slog.Logger, Notifier) {}

// lostReason: systray panicked while changing the tray.
func lostReason(_ string, why any) error { return fmt.Errorf("the tray failed: %v", why) }
