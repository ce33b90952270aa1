package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/units"
)

func TestMissingFileIsDefaults(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Presets) != 5 || cfg.Selection.Mode != meter.Real || cfg.Interval != time.Second {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestExampleParses(t *testing.T) {
	cfg, err := Parse([]byte(Example))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Until) != 1 || cfg.Until[0] != (units.ClockTime{Hour: 17, Minute: 30}) || cfg.OpenCommand[0] != "xdg-open" {
		t.Errorf("example = %+v", cfg)
	}
}

func TestParse(t *testing.T) {
	cfg, err := Parse([]byte(`
presets = ["3s", "10m", "10m", "1h30m"]
until = ["17:30", "08:00:30"]
interfaces = ["eth0", "wlan0"]
units = "iec"
bits = true
interval = "2s"
data_dir = "/srv/bw"
open_command = "firefox"
alert_at = "2 GB"
`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Presets, []time.Duration{3 * time.Second, 10 * time.Minute, 90 * time.Minute}) {
		t.Errorf("presets %v", cfg.Presets)
	}
	if cfg.Selection.Mode != meter.Named || !slices.Equal(cfg.Selection.Names, []string{"eth0", "wlan0"}) {
		t.Errorf("selection %+v", cfg.Selection)
	}
	if cfg.Format != (units.Format{System: units.IEC, Bits: true}) || cfg.Interval != 2*time.Second || cfg.DataDir != "/srv/bw" {
		t.Errorf("cfg %+v", cfg)
	}
	if !slices.Equal(cfg.OpenCommand, []string{"firefox"}) {
		t.Errorf("open_command %q", cfg.OpenCommand)
	}
	if cfg.AlertAt != 2e9 {
		t.Errorf("alert_at %d", cfg.AlertAt)
	}
	if off, err := Parse([]byte(`alert_at = "off"`)); err != nil || off.AlertAt != 0 {
		t.Errorf("alert_at off: %d %v", off.AlertAt, err)
	}
	all, err := Parse([]byte(`interfaces = ["all"]`))
	if err != nil || all.Selection.Mode != meter.All {
		t.Errorf("all: %+v %v", all.Selection, err)
	}
	none, err := Parse([]byte(`presets = []`))
	if err != nil || len(none.Presets) != 0 {
		t.Errorf("empty presets: %v %v", none.Presets, err)
	}
}

func TestBadFileNamesFileLineAndKey(t *testing.T) {
	tests := []struct {
		body string
		line int
		key  string
		msg  string
	}{
		{"units = \"si\"\npresets = [\"5x\"]\n", 2, "presets", `"5x" is not a session length`},
		{"presets = [\"0s\"]", 1, "presets", "not a session length"},
		{"bits = \"yes\"", 1, "bits", `must be true or false, not "yes"`},
		{"apps = 1", 1, "apps", "must be true or false, not 1"},
		{"\n\nuntil = [\"25:00\"]", 3, "until", "hour must be 0 to 23"},
		{"units = \"metric\"", 1, "units", `unknown units "metric"`},
		{"interval = \"1ms\"", 1, "interval", "not an interval"},
		{"data_dir = \"relative/dir\"", 1, "data_dir", "absolute"},
		{"colour = \"blue\"", 1, "colour", "unknown key"},
		{"presets = [", 1, "", ""},
		{"bits = \"yes\"", 1, "bits", ""},
		{"open_command = 5", 1, "open_command", ""},
		{"open_command = [\"\"]", 1, "open_command", "names no program"},
		{"interfaces = [\"eth0,\"]", 1, "interfaces", "empty interface name"},
		{"alert_at = \"lots\"", 1, "alert_at", "not a data size"},
		{"alert_at = \"0MB\"", 1, "alert_at", "not a data size"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "config.toml")
		os.WriteFile(path, []byte(tt.body), 0o600)
		cfg, err := Load(path)
		ce, ok := err.(*Error)
		if !ok {
			t.Errorf("%q: error %v (%T), want *Error", tt.body, err, err)
			continue
		}
		if ce.Path != path || ce.Line != tt.line || (tt.key != "" && ce.Key != tt.key) || !strings.Contains(ce.Error(), tt.msg) {
			t.Errorf("%q: %q (line %d key %q), want line %d key %q saying %q", tt.body, ce.Error(), ce.Line, ce.Key, tt.line, tt.key, tt.msg)
		}
		if !strings.HasPrefix(ce.Error(), "config "+path) {
			t.Errorf("%q: error does not start with the file: %q", tt.body, ce.Error())
		}
		if len(cfg.Presets) != 5 {
			t.Errorf("%q: a bad file must give the defaults, got %+v", tt.body, cfg)
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	dir := t.TempDir() // a folder where a file is expected
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "is a folder, not a regular file") {
		t.Errorf("err = %v", err)
	}
}

func TestSetKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bwtray", "config.toml")
	// No file yet: it is created.
	if err := Set(path, "alert_at", AlertValue(500e6)); err != nil {
		t.Fatal(err)
	}
	if cfg, err := Load(path); err != nil || cfg.AlertAt != 500e6 {
		t.Fatalf("after Set: %d %v", cfg.AlertAt, err)
	}
	user := "# my settings\npresets = [\"5m\"]   # short ones\nalert_at = \"2GB\" # was\n\n# the end\n"
	os.WriteFile(path, []byte(user), 0o600)
	if err := Set(path, "alert_at", AlertValue(0)); err != nil {
		t.Fatal(err)
	}
	if err := Set(path, "interfaces", SelectionValue(meter.Selection{Mode: meter.Named, Names: []string{"eth0", `a"b`}})); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, keep := range []string{"# my settings\n", "presets = [\"5m\"]   # short ones\n", "# the end\n"} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %q:\n%s", keep, got)
		}
	}
	cfg, err := Load(path)
	if err != nil || cfg.AlertAt != 0 || !slices.Equal(cfg.Selection.Names, []string{"eth0", `a"b`}) || len(cfg.Presets) != 1 {
		t.Errorf("after Set: %+v %v\n%s", cfg, err, got)
	}
	if strings.Count(got, "alert_at") != 1 {
		t.Errorf("alert_at written twice:\n%s", got)
	}
	// A value that would make the file invalid is refused.
	if err := Set(path, "units", "metric"); err == nil {
		t.Error("Set wrote an invalid value")
	}
	if b2, _ := os.ReadFile(path); string(b2) != got {
		t.Error("a refused Set changed the file")
	}
	if err := Set(path, "interfaces", SelectionValue(meter.Selection{Mode: meter.All})); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := Load(path); cfg.Selection.Mode != meter.All {
		t.Errorf("all: %+v", cfg.Selection)
	}
}

func TestAlertValueRoundTrips(t *testing.T) {
	for _, n := range []uint64{100e6, 500e6, 1e9, 1.5e9, 2_340_000, 1_234_567, 999, 1} {
		v := AlertValue(n)
		cfg, err := Parse([]byte("alert_at = \"" + v + "\""))
		if err != nil || cfg.AlertAt != n {
			t.Errorf("AlertValue(%d) = %q reads back as %d (%v)", n, v, cfg.AlertAt, err)
		}
	}
	if AlertValue(500e6) != "500MB" || AlertValue(0) != "off" {
		t.Errorf("AlertValue: %q %q", AlertValue(500e6), AlertValue(0))
	}
}

// Each platform's example parses, and names that platform's folder and
// opener (not xdg-open on Windows).
func TestExampleForEachPlatform(t *testing.T) {
	for goos, opener := range map[string]string{"linux": "xdg-open", "windows": "explorer.exe", "darwin": "open", "freebsd": "xdg-open"} {
		ex := ExampleFor(goos)
		cfg, err := Parse([]byte(ex))
		if err != nil {
			t.Fatalf("%s: %v\n%s", goos, err, ex)
		}
		if cfg.OpenCommand[0] != opener || (goos == "windows") != strings.Contains(ex, "AppData") {
			t.Errorf("%s example:\n%s", goos, ex)
		}
	}
}
