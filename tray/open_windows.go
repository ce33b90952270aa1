package tray

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// openDefault asks the Windows shell to open path with its associated
// program (ShellExecute), without starting cmd.exe.
func openDefault(path string) error {
	verb, err := windows.UTF16PtrFromString("open")
	if err != nil {
		return err
	}
	file, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return fmt.Errorf("invalid path %q: %w", path, err)
	}
	return windows.ShellExecute(0, verb, file, nil, nil, windows.SW_SHOWNORMAL)
}
