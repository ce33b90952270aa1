package tray

import (
	"errors"
	"fmt"
	"os/exec"
)

// Open opens path with command (a program and its arguments; the path is
// added as the last argument) or, if command is empty, with the platform's
// opener. Nothing goes through a shell, so no path can run code.
func Open(path string, command []string) error {
	if len(command) == 0 {
		return openDefault(path)
	}
	return start(exec.Command(command[0], append(command[1:], path)...))
}

// start runs cmd without waiting for it, and reaps it when it exits.
func start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("%s is not installed (set open_command in the settings file)", cmd.Path)
		}
		return err
	}
	go cmd.Wait()
	return nil
}
