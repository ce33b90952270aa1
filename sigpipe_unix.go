//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// ignorePipe makes a write to a closed pipe on stdout or stderr return
// EPIPE: Go kills the program on such a write unless SIGPIPE is being
// notified. Notify (rather than Ignore) leaves child processes, such as
// the chart opener, with the default disposition.
func ignorePipe() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
