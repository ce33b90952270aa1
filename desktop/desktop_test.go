package desktop

import (
	"os"
	"strings"
	"testing"
)

func TestExecQuote(t *testing.T) {
	tests := map[string]string{
		"/usr/bin/bwtray":              "/usr/bin/bwtray",
		"/home/me/go/bin/bwtray":       "/home/me/go/bin/bwtray",
		"/opt/my apps/bwtray":          `"/opt/my apps/bwtray"`,
		"/opt/$HOME/bwtray":            `"/opt/\\$HOME/bwtray"`,
		`/opt/back\slash/bwtray`:       `"/opt/back\\\\slash/bwtray"`,
		`/opt/"quoted"/bwtray`:         `"/opt/\\"quoted\\"/bwtray"`,
		"/opt/100%/bwtray":             "/opt/100%%/bwtray",
		"/opt/tick`s/bwtray":           "\"/opt/tick\\\\`s/bwtray\"",
		"/opt/a&b;c/bw tray":           `"/opt/a&b;c/bw tray"`,
		"/opt/x/bwtray\nExec=rm -rf ~": `"/opt/x/bwtray\nExec=rm -rf ~"`,
	}
	for in, want := range tests {
		if got := ExecQuote(in); got != want {
			t.Errorf("ExecQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestEntryIsOneExecLine(t *testing.T) {
	e := Entry("/opt/x/bwtray\nExec=evil")
	if strings.Count(e, "\nExec=") != 1 {
		t.Errorf("a newline in the path made a second Exec line:\n%s", e)
	}
	for _, key := range []string{"Type=Application", "Name=bwtray", "Icon=bwtray", "Terminal=false", "Categories=Network;Monitor;"} {
		if !strings.Contains(e, key+"\n") {
			t.Errorf("entry lacks %s", key)
		}
	}
}

// The packages' menu entry is the one bwtray writes itself, for the
// path the packages install it at (go run packaging/gen.go regenerates it).
func TestPackagedEntryUpToDate(t *testing.T) {
	b, err := os.ReadFile("../packaging/bwtray.desktop")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != Entry(PackagedExe) {
		t.Errorf("packaging/bwtray.desktop differs from Entry(%q): run go run packaging/gen.go", PackagedExe)
	}
	if Packaged("/home/me/go/bin/bwtray") {
		t.Error("a go install build taken for a package's")
	}
}
