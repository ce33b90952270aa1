//go:build !linux

package tray

import "errors"

// ErrNoDesktop says the tray cannot run here.
var ErrNoDesktop = errors.New("no desktop session")

func checkDesktop() error { return nil }
