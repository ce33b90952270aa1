package meter

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// sysfsFixture unpacks testdata/sysfs.txtar into a temporary folder and
// returns the root of the sysfs tree in it. The tree has names Windows
// cannot check out (a&b<c>, pci0000:00), so it is kept in one file.
func sysfsFixture(t *testing.T) string {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/sysfs.txtar")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Skipf("SKIP: this file system cannot hold the fixture name %q: %v", f.Name, err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Skipf("SKIP: this file system cannot hold the fixture name %q: %v", f.Name, err)
		}
	}
	return filepath.Join(root, "sys")
}

func TestSysfsClassify(t *testing.T) {
	fs := Sysfs{Root: sysfsFixture(t)}
	tests := map[string]Kind{
		"lo":         Loopback,
		"eth0":       Physical,
		"wlp0s20f3":  Physical,
		"a&b<c>":     Physical,
		"veth0a":     Virtual,
		"docker0":    Virtual,
		"wg0":        Virtual,
		"br-1f2e3d":  Virtual,
		"tun 0":      Virtual,
		"not-in-sys": Physical, // unknown: counted rather than dropped
		"../virtual": Virtual,  // cannot be a real name; never a path
		"..":         Virtual,
	}
	for name, want := range tests {
		if got := fs.Classify(name); got != want {
			t.Errorf("Classify(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSysfsIdentify(t *testing.T) {
	fs := Sysfs{Root: sysfsFixture(t)}
	if got := fs.Identify("eth0"); got != 2 {
		t.Errorf("Identify(eth0) = %d, want 2", got)
	}
	if got := fs.Identify("a&b<c>"); got != 4 {
		t.Errorf("Identify(a&b<c>) = %d, want 4", got)
	}
	if got := fs.Identify("missing"); got != 0 {
		t.Errorf("Identify(missing) = %d, want 0", got)
	}
}

func TestSelectionMatcher(t *testing.T) {
	classify := Sysfs{Root: sysfsFixture(t)}.Classify
	names := []string{"lo", "eth0", "wlp0s20f3", "a&b<c>", "veth0a", "docker0", "wg0", "br-1f2e3d"}
	tests := []struct {
		sel  Selection
		want []string
	}{
		{Selection{Mode: Real}, []string{"eth0", "wlp0s20f3", "a&b<c>"}},
		{Selection{Mode: All}, []string{"eth0", "wlp0s20f3", "a&b<c>", "veth0a", "docker0", "wg0", "br-1f2e3d"}},
		{Selection{Mode: Named, Names: []string{"wg0", "lo"}}, []string{"lo", "wg0"}},
	}
	for _, tt := range tests {
		match := tt.sel.Matcher(classify)
		var got []string
		for _, n := range names {
			if match(n) {
				got = append(got, n)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v: matched %v, want %v", tt.sel, got, tt.want)
		}
	}
}

func TestParseSelection(t *testing.T) {
	tests := []struct {
		all     bool
		ifaces  []string
		want    Selection
		wantErr string
	}{
		{want: Selection{Mode: Real}},
		{all: true, want: Selection{Mode: All}},
		{ifaces: []string{"eth0"}, want: Selection{Mode: Named, Names: []string{"eth0"}}},
		{ifaces: []string{"eth0,wlan0", "wg0", "eth0"}, want: Selection{Mode: Named, Names: []string{"eth0", "wlan0", "wg0"}}},
		{ifaces: []string{"eth0,"}, wantErr: "empty interface name"},
		{all: true, ifaces: []string{"eth0"}, wantErr: "asked for at once"},
	}
	for _, tt := range tests {
		got, err := ParseSelection(tt.all, tt.ifaces)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSelection(%v, %q) error = %v, want %q", tt.all, tt.ifaces, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Mode != tt.want.Mode || !slices.Equal(got.Names, tt.want.Names) {
			t.Errorf("ParseSelection(%v, %q) = %v, %v; want %v", tt.all, tt.ifaces, got, err, tt.want)
		}
	}
}

func TestSelectionCheck(t *testing.T) {
	present := []string{"lo", "eth0"}
	if err := (Selection{Mode: Named, Names: []string{"eth0"}}).Check(present); err != nil {
		t.Errorf("known interface: %v", err)
	}
	err := Selection{Mode: Named, Names: []string{"eth9", "eth0"}}.Check(present)
	if err == nil || !strings.Contains(err.Error(), `unknown interface "eth9"`) || !strings.Contains(err.Error(), `"eth0", "lo"`) {
		t.Errorf("unknown interface error = %v", err)
	}
	if err := (Selection{Mode: Real}).Check(nil); err != nil {
		t.Errorf("Real never fails the check: %v", err)
	}
}
