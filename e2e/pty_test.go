//go:build linux

package e2e

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// pty is a pseudo-terminal: bwtray gets the terminal end (the tty), the
// test plays the terminal emulator on the other (the master).
type pty struct {
	master, tty *os.File
}

func openPty(t *testing.T) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("naming the pty: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the tty: %v", err)
	}
	p := &pty{master: m, tty: s}
	t.Cleanup(func() { m.Close(); s.Close() })
	return p
}

// pause stops output as Ctrl-S does: writes to the tty block until resume.
func (p *pty) pause(t *testing.T) {
	t.Helper()
	if err := unix.IoctlSetInt(int(p.tty.Fd()), unix.TCXONC, unix.TCOOFF); err != nil {
		t.Fatalf("pausing the terminal: %v", err)
	}
}

// resume restarts output, as Ctrl-Q does.
func (p *pty) resume(t *testing.T) {
	t.Helper()
	if err := unix.IoctlSetInt(int(p.tty.Fd()), unix.TCXONC, unix.TCOON); err != nil {
		t.Fatalf("resuming the terminal: %v", err)
	}
}

// drain reads what the terminal shows, in the background, until the
// master is closed.
func (p *pty) drain() chan []byte {
	out := make(chan []byte, 1)
	go func() {
		var all []byte
		buf := make([]byte, 4096)
		for {
			n, err := p.master.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil {
				out <- all
				return
			}
		}
	}()
	return out
}
