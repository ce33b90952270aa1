//go:build !linux

package tray

import (
	"context"
	"errors"
	"log/slog"
)

// ErrNoDesktop says the tray cannot run here.
var ErrNoDesktop = errors.New("no desktop session")

// SessionBus: only Linux trays talk D-Bus.
func SessionBus() (string, error) { return "", nil }

// watchBus never reports a loss where there is no session bus to lose.
func watchBus(context.Context, *slog.Logger) (<-chan struct{}, error) { return nil, nil }
