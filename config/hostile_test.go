//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Each hostile settings file is refused quickly, in little memory, with an
// error naming the file and, where there is one, the line.
func TestLoadHostileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	fifo := filepath.Join(dir, "fifo.toml")
	syscall.Mkfifo(fifo, 0o600)
	zero := filepath.Join(dir, "zero.toml")
	os.Symlink("/dev/zero", zero)
	tests := []struct {
		name, path, want string
		line             int
	}{
		{"nested inline tables", write("inline.toml", "presets = "+strings.Repeat("{a=", 2000)+"1"+strings.Repeat("}", 2000)), "nested more than 4 levels", 1},
		{"nested arrays", write("arrays.toml", "\n\npresets = "+strings.Repeat("[", 10000)), "nested more than 4 levels", 3},
		{"deep dotted key", write("dotted.toml", strings.Repeat("a.", 20000)+"a = 1"), "more than 3 dots", 1},
		{"deep table header", write("table.toml", "["+strings.Repeat("a.", 50)+"a]\n"), "more than 3 dots", 1},
		{"huge file", write("huge.toml", "# "+strings.Repeat("x", 1<<20)), "larger than 64 kB", 0},
		{"a FIFO", fifo, "is a FIFO, not a regular file", 0},
		{"a link to /dev/zero", zero, "is a device, not a regular file", 0},
		{"a folder", dir, "is a folder", 0},
		{"an unclosed string", write("str.toml", "presets = [\"5m]\n"), "not closed", 1},
	}
	for _, tt := range tests {
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		done := make(chan error, 1)
		go func() {
			_, err := Load(tt.path)
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Load did not return within 5 s", tt.name)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Error(), tt.want) || ce.Line != tt.line || !strings.HasPrefix(ce.Error(), "config "+tt.path) {
			t.Errorf("%s: %v (line %d), want an *Error naming the file, line %d, saying %q", tt.name, err, ce.lineOr(), tt.line, tt.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Errorf("%s: Load allocated %d MB", tt.name, grew>>20)
		}
	}
}

func (e *Error) lineOr() int {
	if e == nil {
		return -1
	}
	return e.Line
}

// Within the limits the decoder stays cheap: the worst shapes allowed,
// filling the whole size limit.
func TestLoadWorstAllowedFile(t *testing.T) {
	shapes := map[string]string{
		"inline": "k%d = {a={b={c=1}}}\n",
		"dotted": "k%d.a.b.c = 1\n",
		"tables": "[t%d.a.b.c]\nx=1\n",
	}
	for name, line := range shapes {
		var b strings.Builder
		for i := 0; b.Len() < maxSize-100; i++ {
			b.WriteString(strings.Replace(line, "%d", string(rune('a'+i%26))+strings.Repeat("x", i/26%8)+itoa(i), 1))
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		Parse([]byte(b.String()))
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("%s: parsing %d bytes allocated %d MB", name, b.Len(), grew>>20)
		}
	}
}

func itoa(i int) string {
	return strings.TrimLeft(strings.Replace(time.Duration(i).String(), "ns", "", 1), "0")
}

func TestSetKeepsCommentsMultilineAndLinks(t *testing.T) {
	dir := t.TempDir()
	dotfiles := filepath.Join(dir, "dotfiles")
	os.Mkdir(dotfiles, 0o700)
	target := filepath.Join(dotfiles, "bwtray.toml")
	user := `# my settings
presets = [
  "5m",   # short
  "1h",
]
interfaces = ["eth0"] # the wired one
alert_at = """500MB""" # multi-line string form
bits = false
`
	os.WriteFile(target, []byte(user), 0o640)
	link := filepath.Join(dir, "config.toml")
	os.Symlink(target, link)
	if err := Set(link, "interfaces", []string{"wlan0"}); err != nil {
		t.Fatal(err)
	}
	if err := Set(link, "presets", []string{"1m"}); err != nil {
		t.Fatal(err)
	}
	if err := Set(link, "alert_at", "off"); err != nil {
		t.Fatal(err)
	}
	if err := Set(link, "units", "iec"); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(link)
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a regular file; the dotfiles copy went stale")
	}
	b, _ := os.ReadFile(target)
	got := string(b)
	want := `# my settings
presets = ["1m"]
interfaces = ["wlan0"] # the wired one
alert_at = "off" # multi-line string form
bits = false
units = "iec"
`
	if got != want {
		t.Errorf("after Set:\n%s\nwant:\n%s", got, want)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want it kept", fi.Mode().Perm())
	}
	cfg, err := Load(link)
	if err != nil || cfg.Format.System.String() != "iec" || cfg.AlertAt != 0 || cfg.Selection.Names[0] != "wlan0" {
		t.Errorf("reads back as %+v, %v", cfg, err)
	}
}

func TestSetErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config.toml")
	syscall.Mkfifo(fifo, 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("presets = [\"5m\"\n"), 0o600)
	for _, path := range []string{fifo, bad} {
		err := Set(path, "units", "iec")
		if err == nil || !strings.HasPrefix(err.Error(), "config "+path) {
			t.Errorf("Set(%s) = %v, want an error naming the file", path, err)
		}
	}
}
