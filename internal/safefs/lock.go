package safefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// Lock is an exclusive advisory lock on a file in a folder.
type Lock struct {
	fl *flock.Flock
}

// TryLock takes an exclusive lock on the file name in the folder dir,
// creating it (0600) if it does not exist. It never follows a link or
// opens anything but a regular file there: gofrs/flock opens its file
// with O_CREATE through any link, so it is given the flags that refuse
// one. It returns nil and no error when another process holds the lock.
func TryLock(dir, name string) (*Lock, error) {
	path := filepath.Join(dir, name)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Name: name, Mode: fi.Mode()}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDONLY|noFollow|nonBlock), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil || !ok {
		return nil, err
	}
	if fi, err := fl.Stat(); err != nil || !fi.Mode().IsRegular() {
		fl.Unlock()
		if err == nil {
			err = &NotRegularError{Name: name, Mode: fi.Mode()}
		}
		return nil, err
	}
	return &Lock{fl: fl}, nil
}

// Release unlocks and closes the file, then removes it if remove is set.
// The order matters on Windows, which refuses to delete an open file.
func (l *Lock) Release(remove bool) error {
	if l == nil || l.fl == nil {
		return nil
	}
	path := l.fl.Path()
	err := l.fl.Unlock()
	l.fl = nil
	if remove {
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	return err
}
