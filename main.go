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
	"runtime/pprof"
	"syscall"

	"github.com/bwtray/bwtray/notify"
	"github.com/bwtray/bwtray/tray"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the session is being saved; a second one
		// should still be able to kill a stuck process.
		<-ctx.Done()
		stop()
	}()
	// A click on a Windows toast after bwtray quit starts it again to open
	// the chart (elsewhere this does nothing).
	if handled, err := notify.HandleActivation(ctx, os.Args[1:], func(path string) error {
		return tray.Open(path, settings(io.Discard).OpenCommand)
	}); handled {
		os.Exit(report(err, os.Stderr))
	}
	stopProfile := profile()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
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

// profile writes a CPU profile to $BWTRAY_CPUPROFILE, if set, for finding
// where time goes (bench/README.md); it returns the function that ends it.
func profile() func() {
	path := os.Getenv("BWTRAY_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bwtray: cannot write the CPU profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "bwtray: cannot profile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
