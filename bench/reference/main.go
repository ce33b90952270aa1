// Command reference is the yardstick for bwtray's CPU cost: the least a
// meter can do, one gopsutil IOCounters(true) call a second and nothing
// else. With -idle it only ticks, to show the cost of a sleeping Go
// program.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	psnet "github.com/shirou/gopsutil/v4/net"
)

func main() {
	idle := flag.Bool("idle", false, "only tick; read no counters")
	interval := flag.Duration("interval", time.Second, "time between readings")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if *idle {
				continue
			}
			if _, err := psnet.IOCountersWithContext(ctx, true); err != nil {
				fmt.Fprintln(os.Stderr, "reference:", err)
				os.Exit(1)
			}
		}
	}
}
