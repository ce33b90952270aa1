//go:build !windows && !darwin

package desktop

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
	"github.com/natefinch/atomic"
)

// AutostartPath is the XDG autostart entry that starts bwtray at login.
func AutostartPath() string {
	return filepath.Join(xdg.ConfigHome, "autostart", AppID+".desktop")
}

// AutostartEnabled reports whether bwtray starts at login: the entry
// exists and is not disabled (Hidden=true, or GNOME's switch off).
func AutostartEnabled() (bool, error) {
	b, err := os.ReadFile(AutostartPath())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", AutostartPath(), err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch strings.TrimSpace(line) {
		case "Hidden=true", "X-GNOME-Autostart-enabled=false":
			return false, nil
		}
	}
	return true, nil
}

// SetAutostart writes or removes the autostart entry for exe.
func SetAutostart(on bool, exe string) error {
	path := AutostartPath()
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	entry := Entry(exe) + "X-GNOME-Autostart-enabled=true\n"
	if err := atomic.WriteFile(path, bytes.NewReader([]byte(entry))); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
