//go:build !windows && !darwin

package tray

import "os/exec"

func openDefault(path string) error {
	// "--" is not understood by xdg-open; a path starting with "-" is made
	// harmless by being absolute (session paths always are).
	return start(exec.Command("xdg-open", path))
}
