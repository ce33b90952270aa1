//go:build !windows && !darwin

package desktop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adrg/xdg"
)

// useTempXDG points the XDG folders at a temporary directory.
func useTempXDG(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	xdg.Reload()
	t.Cleanup(xdg.Reload)
	return dir
}

func TestAutostart(t *testing.T) {
	dir := useTempXDG(t)
	if AutostartPath() != filepath.Join(dir, "config", "autostart", "bwtray.desktop") {
		t.Fatalf("AutostartPath = %s", AutostartPath())
	}
	if on, err := AutostartEnabled(); on || err != nil {
		t.Fatalf("enabled before anything: %v %v", on, err)
	}
	if err := SetAutostart(true, "/opt/my apps/bwtray"); err != nil {
		t.Fatal(err)
	}
	if on, err := AutostartEnabled(); !on || err != nil {
		t.Fatalf("not enabled after SetAutostart(true): %v", err)
	}
	b, _ := os.ReadFile(AutostartPath())
	if !strings.Contains(string(b), `Exec="/opt/my apps/bwtray"`) {
		t.Errorf("entry:\n%s", b)
	}
	// A user who disabled it in their session settings is respected.
	os.WriteFile(AutostartPath(), append(b, []byte("Hidden=true\n")...), 0o600)
	if on, _ := AutostartEnabled(); on {
		t.Error("Hidden=true counts as enabled")
	}
	if err := SetAutostart(false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(AutostartPath()); !os.IsNotExist(err) {
		t.Error("entry still there after SetAutostart(false)")
	}
	if err := SetAutostart(false, ""); err != nil {
		t.Errorf("turning off twice: %v", err)
	}
}

func TestInstallUninstall(t *testing.T) {
	dir := useTempXDG(t)
	did, err := Install("/usr/local/bin/bwtray")
	if err != nil {
		t.Fatal(err)
	}
	if len(did) != 9 {
		t.Errorf("Install did %d things: %q", len(did), did)
	}
	entry := filepath.Join(dir, "data", "applications", "bwtray.desktop")
	icon := filepath.Join(dir, "data", "icons", "hicolor", "48x48", "apps", "bwtray.png")
	for _, p := range []string{entry, icon} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s mode %v", p, fi.Mode().Perm())
		}
	}
	if !strings.Contains(did[len(did)-1], entry) {
		t.Errorf("last line %q does not name the entry", did[len(did)-1])
	}
	again, err := Install("/usr/local/bin/bwtray")
	if err != nil || len(again) != 9 {
		t.Errorf("installing twice: %v %d", err, len(again))
	}
	gone, err := Uninstall()
	if err != nil || len(gone) != 9 || !strings.HasPrefix(gone[0], "removed ") {
		t.Fatalf("Uninstall = %q, %v", gone, err)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Error("entry left behind")
	}
	if none, err := Uninstall(); err != nil || len(none) != 0 {
		t.Errorf("uninstalling twice: %q %v", none, err)
	}
}
