// Package desktop connects bwtray with the desktop around it: starting at
// login (an XDG autostart entry, the Windows Run key, a macOS LaunchAgent)
// and an entry in the application menus (Linux and the BSDs).
package desktop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// AppID names bwtray to the desktop: file names, the Run key value, the
// LaunchAgent label, the notification app.
const AppID = "bwtray"

// ErrTemporaryBuild says the running binary is a `go run` build that will
// vanish, so nothing should point at it.
var ErrTemporaryBuild = errors.New("bwtray is running from a temporary build ('go run'): install it first with 'go install', then run the installed bwtray")

// Executable is the absolute path of the running bwtray, refusing a
// temporary `go run` build.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the bwtray executable: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "", ErrTemporaryBuild
	}
	return exe, nil
}

// PackagedExe is where the .deb and .rpm put bwtray, with its menu entry
// at PackagedEntry.
const (
	PackagedExe   = "/usr/bin/bwtray"
	PackagedEntry = "/usr/share/applications/bwtray.desktop"
)

// Packaged reports whether exe is bwtray as a package installed it: its
// menu entry and icons are then the package's.
func Packaged(exe string) bool {
	if exe != PackagedExe {
		return false
	}
	_, err := os.Stat(PackagedEntry)
	return err == nil
}

// Entry is a freedesktop.org Desktop Entry for bwtray running exe.
func Entry(exe string) string {
	return `[Desktop Entry]
Type=Application
Version=1.4
Name=bwtray
GenericName=Bandwidth monitor
Comment=Measure how much data this machine moves in a timed session
Exec=` + ExecQuote(exe) + `
Icon=` + AppID + `
Terminal=false
Categories=Network;Monitor;
Keywords=bandwidth;network;traffic;data;usage;
StartupNotify=false
`
}

// ExecQuote writes a program path for a Desktop Entry's Exec key, by the
// specification's rules: an argument with reserved characters is quoted,
// with ", `, $ and \ escaped by a backslash; then, the value being a
// string, every backslash is escaped again; and % is doubled (field codes).
func ExecQuote(path string) string {
	arg := path
	if strings.ContainsAny(arg, " \t\n\"'\\><~|&;$*?#()`") {
		arg = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`).Replace(arg) + `"`
	}
	arg = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(arg)
	return strings.ReplaceAll(arg, "%", "%%")
}
