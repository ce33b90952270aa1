// Package safefs reads and writes files in folders that someone else may
// also be able to write to, such as a shared sessions folder: what it finds
// there is data, never an instruction. It never follows a symbolic link or
// opens a FIFO, device or folder where a file is expected, never blocks on
// one, reads at most a stated number of bytes, and replaces files atomically
// (temporary file, fsync, rename, fsync of the folder), so that a crash or a
// power cut leaves the old file or the new one, never a torn or missing one.
//
// The standard library's os.Root keeps every access inside the folder, but
// follows links that stay inside it; Dir adds the rest. It exists because
// neither atomic-write library at hand does all of it: natefinch/atomic
// copies the mode of whatever a link at the destination points to and does
// not sync the folder, and google/renameio does not build on Windows.
package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ErrNotRegular says a name that should be a regular file is something
// else: a link, a FIFO, a device or a folder.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge says a file is larger than the caller accepts.
var ErrTooLarge = errors.New("file too large")

// NotRegularError names what was found instead of a regular file.
type NotRegularError struct {
	Name string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Name, Describe(e.Mode))
}

// Is makes errors.Is(err, ErrNotRegular) true.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

// Describe names a file type for people: "a symbolic link", "a FIFO".
func Describe(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// Dir is an open folder; every file in it is reached through it.
type Dir struct {
	root *os.Root
}

// OpenDir opens the folder at path. The path itself may go through links
// (the user named it); nothing inside it will.
func OpenDir(path string) (*Dir, error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return &Dir{root: root}, nil
}

// Close closes the folder.
func (d *Dir) Close() error { return d.root.Close() }

// Path is the folder's path as opened.
func (d *Dir) Path() string { return d.root.Name() }

// Lstat describes name without following a link.
func (d *Dir) Lstat(name string) (fs.FileInfo, error) { return d.root.Lstat(name) }

// Open opens the regular file name with flag (os.O_RDONLY, os.O_RDWR, ...;
// not O_CREATE). A link, FIFO or anything else that is not a regular file
// gives a *NotRegularError, and is never opened in a way that could block.
func (d *Dir) Open(name string, flag int) (*os.File, error) {
	before, err := d.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, &NotRegularError{Name: name, Mode: before.Mode()}
	}
	f, err := d.root.OpenFile(name, flag|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	// Swapped for something else between the two looks: refuse it.
	after, err := f.Stat()
	if err != nil || !after.Mode().IsRegular() || !os.SameFile(before, after) {
		f.Close()
		if err == nil {
			err = &NotRegularError{Name: name, Mode: fs.ModeSymlink}
		}
		return nil, err
	}
	return f, nil
}

// ReadFile reads the regular file name, refusing one larger than limit.
func (d *Dir) ReadFile(name string, limit int64) ([]byte, error) {
	f, err := d.Open(name, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, limit)
}

// Create makes a new regular file, private (0600); it fails if name exists
// in any form, so nothing planted there is ever opened.
func (d *Dir) Create(name string) (*os.File, error) {
	return d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// WriteFile replaces name with data atomically and durably, private
// (0600). Whatever was at name before (a file, or a link pointing
// anywhere) is replaced, never written through.
func (d *Dir) WriteFile(name string, data []byte) error {
	return d.replace(name, data, 0o600)
}

// replace writes data to a new file beside name, with mode, syncs it,
// renames it over name and syncs the folder.
func (d *Dir) replace(name string, data []byte, mode fs.FileMode) error {
	tmp, f, err := d.createTemp(name)
	if err != nil {
		return err
	}
	if mode != 0o600 {
		err = f.Chmod(mode)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Rename(tmp, name)
	}
	if err != nil {
		d.root.Remove(tmp)
		return err
	}
	return d.Sync()
}

func (d *Dir) createTemp(name string) (string, *os.File, error) {
	for i := 0; ; i++ {
		tmp := "." + name + ".tmp-" + strconv.FormatInt(time.Now().UnixNano()+int64(i), 36)
		f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !errors.Is(err, fs.ErrExist) || i > 100 {
			return tmp, f, err
		}
	}
}

// Remove deletes name (a link itself, never its target).
func (d *Dir) Remove(name string) error { return d.root.Remove(name) }

// Sync makes the folder's entries durable: a file just created or renamed
// in it survives a power cut.
func (d *Dir) Sync() error { return syncDir(d.root) }

// ReadRegular reads the regular file at path, following links in the path
// (a settings file kept in a dotfiles folder is a link), but refusing a
// final target that is not a regular file, and one larger than limit.
func ReadRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Name: path, Mode: fi.Mode()}
	}
	return readLimited(f, limit)
}

func readLimited(f *os.File, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// ReplaceFile replaces the file at path with data atomically and durably.
// If path is a symbolic link, the file it points to is replaced and the
// link stays (a settings file kept in a dotfiles folder stays linked). The
// file keeps its permissions; a new one is private (0600).
func ReplaceFile(path string, data []byte) error {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	mode := fs.FileMode(0o600)
	if fi, err := os.Lstat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return &NotRegularError{Name: target, Mode: fi.Mode()}
		}
		mode = fi.Mode().Perm()
	}
	d, err := OpenDir(filepath.Dir(target))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.replace(filepath.Base(target), data, mode)
}
