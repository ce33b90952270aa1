//go:build ignore

// Command gen writes packaging/bwtray.desktop, the menu entry the .deb and
// .rpm install, from the same function as 'bwtray install' (a test checks
// they agree): go run packaging/gen.go
package main

import (
	"os"

	"github.com/bwtray/bwtray/desktop"
)

func main() {
	if err := os.WriteFile("packaging/bwtray.desktop", []byte(desktop.Entry(desktop.PackagedExe)), 0o644); err != nil {
		panic(err)
	}
}
