//go:build !windows && !darwin

package desktop

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/adrg/xdg"
	"github.com/natefinch/atomic"

	"github.com/bwtray/bwtray/icons"
)

// files lists what Install writes: the application entry and one icon per
// hicolor size, under the user's data folder.
func files() (entry string, iconFiles map[int]string) {
	entry = filepath.Join(xdg.DataHome, "applications", AppID+".desktop")
	iconFiles = map[int]string{}
	for _, s := range icons.AppIconSizes {
		size := strconv.Itoa(s)
		iconFiles[s] = filepath.Join(xdg.DataHome, "icons", "hicolor", size+"x"+size, "apps", AppID+".png")
	}
	return entry, iconFiles
}

// Install puts bwtray in the application menus: a desktop entry running
// exe and its icon in every hicolor size. It returns what it did, a line
// per file.
func Install(exe string) ([]string, error) {
	entry, iconFiles := files()
	var did []string
	write := func(path string, data []byte) error {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
		}
		if err := atomic.WriteFile(path, bytes.NewReader(data)); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		// Menus and icon themes are read by other programs of the user.
		os.Chmod(path, 0o644)
		did = append(did, "wrote "+path)
		return nil
	}
	for _, s := range icons.AppIconSizes {
		png, err := icons.AppIcon(s)
		if err != nil {
			return did, err
		}
		if err := write(iconFiles[s], png); err != nil {
			return did, err
		}
	}
	if err := write(entry, []byte(Entry(exe))); err != nil {
		return did, err
	}
	return did, nil
}

// Uninstall removes what Install wrote and returns what it removed.
func Uninstall() ([]string, error) {
	entry, iconFiles := files()
	paths := []string{entry}
	for _, s := range icons.AppIconSizes {
		paths = append(paths, iconFiles[s])
	}
	var did []string
	for _, p := range paths {
		err := os.Remove(p)
		switch {
		case err == nil:
			did = append(did, "removed "+p)
		case errors.Is(err, fs.ErrNotExist):
		default:
			return did, fmt.Errorf("removing %s: %w", p, err)
		}
	}
	return did, nil
}
