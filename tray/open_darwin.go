package tray

import "os/exec"

func openDefault(path string) error { return start(exec.Command("open", "--", path)) }
