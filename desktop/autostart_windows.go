package desktop

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// AutostartPath names the registry value that starts bwtray at login.
func AutostartPath() string { return `HKEY_CURRENT_USER\` + runKey + `\` + AppID }

// AutostartEnabled reports whether the per-user Run key starts bwtray.
func AutostartEnabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false, fmt.Errorf("opening the Run key: %w", err)
	}
	defer k.Close()
	_, _, err = k.GetStringValue(AppID)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// SetAutostart sets or deletes the Run key value for exe.
func SetAutostart(on bool, exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("opening the Run key: %w", err)
	}
	defer k.Close()
	if !on {
		if err := k.DeleteValue(AppID); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("removing the Run key value: %w", err)
		}
		return nil
	}
	return k.SetStringValue(AppID, `"`+exe+`"`)
}
