package desktop

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/adrg/xdg"
	"github.com/natefinch/atomic"
)

const agentLabel = "io.github.bwtray"

// AutostartPath is the LaunchAgent that starts bwtray at login.
func AutostartPath() string {
	return filepath.Join(xdg.Home, "Library", "LaunchAgents", agentLabel+".plist")
}

// AutostartEnabled reports whether the LaunchAgent exists.
func AutostartEnabled() (bool, error) {
	_, err := os.Stat(AutostartPath())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// SetAutostart writes or removes the LaunchAgent for exe.
func SetAutostart(on bool, exe string) error {
	path := AutostartPath()
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	plist := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>` + agentLabel + `</string>
  <key>ProgramArguments</key><array><string>` + html.EscapeString(exe) + `</string></array>
  <key>RunAtLoad</key><true/>
  <key>ProcessType</key><string>Interactive</string>
</dict>
</plist>
`
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := atomic.WriteFile(path, bytes.NewReader([]byte(plist))); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
