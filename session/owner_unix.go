//go:build unix

package session

import (
	"fmt"
	"os"
	"syscall"
)

// ownedByMe reports whether this user owns the folder at dir: bwtray
// finalizes only its own user's sessions.
func ownedByMe(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

func exposed(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Sprintf("sessions folder %s belongs to another user (uid %d): its files are read as data, but anyone who owns it can change them", dir, st.Uid)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Sprintf("sessions folder %s can be written by other users (mode %04o): bwtray never follows links or opens special files there, but make it private with chmod go-w", dir, fi.Mode().Perm())
	}
	return ""
}
