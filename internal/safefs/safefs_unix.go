//go:build unix

package safefs

import (
	"os"
	"syscall"
)

// nonBlock keeps an open of a FIFO (swapped in at the last moment) from
// waiting for a writer; on regular files it changes nothing.
const nonBlock = syscall.O_NONBLOCK

// noFollow makes opening a symbolic link fail instead of opening its target.
const noFollow = syscall.O_NOFOLLOW

func syncDir(root *os.Root) error {
	f, err := root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
