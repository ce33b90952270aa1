// Package icons holds bwtray's tray icons, embedded in the binary: PNG for
// Linux and macOS, multi-size ICO for Windows. They are drawn by gen.go.
package icons

//go:generate go run gen.go

import (
	"embed"
	"runtime"
)

//go:embed *.png *.ico hicolor/*.png
var files embed.FS

func load(name string) []byte {
	ext := ".png"
	if runtime.GOOS == "windows" {
		ext = ".ico"
	}
	b, err := files.ReadFile(name + ext)
	if err != nil {
		panic("icons: missing embedded icon " + name + ext) // a build error, not a runtime one
	}
	return b
}

// Idle is shown when no session is recording.
func Idle() []byte { return load("idle") }

// Recording is shown while a session records.
func Recording() []byte { return load("recording") }

// Warning is shown when something needs attention.
func Warning() []byte { return load("warning") }

// AppIcon returns the application icon as a PNG of the given size in
// pixels, for desktop menus; sizes are 16, 22, 24, 32, 48, 64, 128, 256.
func AppIcon(size int) ([]byte, error) {
	return files.ReadFile("hicolor/" + pad(size) + ".png")
}

// AppIconSizes lists the sizes AppIcon has.
var AppIconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

func pad(n int) string {
	return string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
}
