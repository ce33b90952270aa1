// Command bwtray measures how much data this machine moves during a timed
// session, from the system tray or from the command line.
//
//	bwtray                       run the tray app
//	bwtray record --for 10m      record one session in the terminal
//	bwtray sessions              list kept sessions
//	bwtray chart DIR             re-render a session's chart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the session is being saved; a second one
		// should still be able to kill a stuck process.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(report(err, os.Stderr))
}

// report prints err the way bwtray speaks (one lowercase line on stderr)
// and returns the exit status: 2 for bad input, 1 for other failures.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ex *exitError
	if errors.As(err, &ex) && ex.silent {
		return ex.code
	}
	fmt.Fprintf(stderr, "bwtray: %v\n", err)
	if errors.As(err, &ex) {
		return ex.code
	}
	return 1
}
