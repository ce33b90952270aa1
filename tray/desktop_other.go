//go:build !linux

package tray

import (
	"context"
	"errors"
)

// ErrNoDesktop says the tray cannot run here.
var ErrNoDesktop = errors.New("no desktop session")

func checkDesktop() error { return nil }

// watchBus never reports a loss where there is no session bus to lose.
func watchBus(context.Context) (<-chan struct{}, error) { return nil, nil }
