// Command bwtray measures how much data this machine moves during a timed
// session, from the system tray or from the command line.
//
//	bwtray                       run the tray app
//	bwtray record --for 10m      record one session in the terminal
//	bwtray sessions              list kept sessions
//	bwtray chart DIR             re-render a session's chart
//
// The commands live in package cli; main wires the process's signals and
// exit status to them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/bwtray/bwtray/cli"
	"github.com/bwtray/bwtray/notify"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	stopSignals := handleSignals(cancel)
	defer stopSignals()
	// A click on a Windows toast after bwtray quit starts it again to open
	// the chart (elsewhere this does nothing).
	if handled, err := cli.HandleToastClick(ctx, os.Args[1:]); handled {
		notify.Exit(cli.Report(err, os.Stderr))
	}
	stopProfile := profile()
	err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	notify.Exit(cli.Report(err, os.Stderr))
}

// handleSignals cancels the run on Ctrl-C, SIGTERM and SIGHUP (the
// terminal closed, or the session is logging out): the running session is
// then stopped and saved. After the first, a second Ctrl-C or SIGTERM
// kills a process stuck while saving; further SIGHUPs (a closing terminal
// sends more than one) are ignored, so they cannot kill it mid-save.
// SIGPIPE is caught too: a write to a closed pipe then fails with EPIPE
// instead of killing bwtray before its session is saved.
func handleSignals(cancel context.CancelFunc) (stop func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	ignorePipe()
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
			signal.Reset(os.Interrupt, syscall.SIGTERM)
		case <-done:
			return
		}
		for {
			select {
			case <-sigs: // later SIGHUPs
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
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
