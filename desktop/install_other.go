//go:build windows || darwin

package desktop

import (
	"errors"
	"runtime"
)

var errNoMenus = errors.New("bwtray install adds a freedesktop.org menu entry, which " + runtime.GOOS + " does not use")

// Install is only for freedesktop.org desktops.
func Install(string) ([]string, error) { return nil, errNoMenus }

// Uninstall is only for freedesktop.org desktops.
func Uninstall() ([]string, error) { return nil, errNoMenus }
