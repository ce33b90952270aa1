package main

import (
	"context"
	"io"
	"path/filepath"
)

func parentDir(p string) string { return filepath.Dir(p) }

func cmdTray(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return usageErrorf("the tray app is not built yet: use 'bwtray record --for 10m'")
}
