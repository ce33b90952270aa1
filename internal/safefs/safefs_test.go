//go:build unix

package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// plant fills a folder with the things a hostile peer could leave where
// bwtray expects its files.
func plant(t *testing.T) (dir, victim string) {
	t.Helper()
	dir = t.TempDir()
	victim = filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(victim, []byte("precious\nlines\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "regular"), []byte("data\n"), 0o600)
	os.Symlink(victim, filepath.Join(dir, "outlink"))
	os.Symlink("regular", filepath.Join(dir, "inlink"))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "folder"), 0o700)
	return dir, victim
}

func TestOpenRefusesAllButRegularFiles(t *testing.T) {
	dir, _ := plant(t)
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tests := []struct {
		name string
		ok   bool
	}{
		{"regular", true},
		{"outlink", false},
		{"inlink", false}, // os.Root alone would follow this one
		{"fifo", false},
		{"folder", false},
		{"missing", false},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() {
			_, err := d.ReadFile(tt.name, 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			if (err == nil) != tt.ok {
				t.Errorf("ReadFile(%s) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if !tt.ok && tt.name != "missing" && !errors.Is(err, ErrNotRegular) {
				t.Errorf("ReadFile(%s) = %v, want ErrNotRegular", tt.name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadFile(%s) blocked", tt.name)
		}
	}
}

func TestReadFileLimit(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "big"), make([]byte, 2000), 0o600)
	d, _ := OpenDir(dir)
	defer d.Close()
	if _, err := d.ReadFile("big", 1999); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if b, err := d.ReadFile("big", 2000); err != nil || len(b) != 2000 {
		t.Errorf("at the limit: %d %v", len(b), err)
	}
}

func TestWriteFileReplacesLinksNeverWritesThrough(t *testing.T) {
	dir, victim := plant(t)
	d, _ := OpenDir(dir)
	defer d.Close()
	for _, name := range []string{"outlink", "regular", "new"} {
		if err := d.WriteFile(name, []byte("mine\n")); err != nil {
			t.Fatalf("WriteFile(%s): %v", name, err)
		}
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s after WriteFile: %v %v", name, fi.Mode(), err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\nlines\n" {
		t.Errorf("the link's target was written: %q", b)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target changed mode: %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != "" || e.Name()[0] == '.' {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func TestCreateRefusesPlantedNames(t *testing.T) {
	dir, victim := plant(t)
	d, _ := OpenDir(dir)
	defer d.Close()
	for _, name := range []string{"outlink", "fifo", "regular"} {
		if f, err := d.Create(name); err == nil {
			f.Close()
			t.Errorf("Create(%s) succeeded", name)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\nlines\n" {
		t.Errorf("victim changed: %q", b)
	}
}

func TestTryLockNeverFollows(t *testing.T) {
	dir, victim := plant(t)
	elsewhere := filepath.Join(t.TempDir(), "created-by-lock")
	os.Symlink(elsewhere, filepath.Join(dir, ".lock"))
	if l, err := TryLock(dir, ".lock"); l != nil || !errors.Is(err, ErrNotRegular) {
		t.Errorf("TryLock through a link: %v %v", l, err)
	}
	if _, err := os.Lstat(elsewhere); err == nil {
		t.Error("the lock created a file where its link pointed")
	}
	done := make(chan error, 1)
	go func() { _, err := TryLock(dir, "fifo"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("TryLock on a FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("TryLock blocked on a FIFO")
	}
	_ = victim
	l, err := TryLock(dir, "real.lock")
	if err != nil || l == nil {
		t.Fatalf("TryLock: %v %v", l, err)
	}
	if again, err := TryLock(dir, "real.lock"); again != nil || err != nil {
		t.Errorf("second TryLock while held: %v %v", again, err)
	}
	if err := l.Release(true); err != nil {
		t.Error(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "real.lock")); err == nil {
		t.Error("Release(true) left the lock file")
	}
}

func TestReplaceFileEditsLinkTarget(t *testing.T) {
	dir := t.TempDir()
	dotfiles := filepath.Join(dir, "dotfiles")
	os.Mkdir(dotfiles, 0o700)
	target := filepath.Join(dotfiles, "config.toml")
	os.WriteFile(target, []byte("old\n"), 0o640)
	link := filepath.Join(dir, "config.toml")
	os.Symlink(target, link)
	if err := ReplaceFile(link, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(target); string(b) != "new\n" {
		t.Errorf("target = %q", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("target mode = %v, want it kept", fi.Mode())
	}
	fifo := filepath.Join(dir, "fifo.toml")
	syscall.Mkfifo(fifo, 0o600)
	if err := ReplaceFile(fifo, []byte("x")); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReplaceFile on a FIFO: %v", err)
	}
}

func TestReadRegular(t *testing.T) {
	dir, victim := plant(t)
	if b, err := ReadRegular(filepath.Join(dir, "outlink"), 100); err != nil || string(b) != "precious\nlines\n" {
		t.Errorf("a link to a regular file is read: %q %v", b, err)
	}
	_ = victim
	for _, p := range []string{filepath.Join(dir, "fifo"), "/dev/zero", dir} {
		done := make(chan error, 1)
		go func() { _, err := ReadRegular(p, 100); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("ReadRegular(%s) = %v", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadRegular(%s) blocked", p)
		}
	}
}
