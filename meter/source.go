package meter

import (
	"context"
	"fmt"

	psnet "github.com/shirou/gopsutil/v4/net"
)

// Source reads every interface's cumulative counters.
type Source interface {
	Read(ctx context.Context, into []Counters) ([]Counters, error)
}

// System reads the operating system's counters through gopsutil (on Linux,
// /proc/net/dev of the current network namespace).
type System struct{}

// Read appends the current counters of every interface to into[:0].
func (System) Read(ctx context.Context, into []Counters) ([]Counters, error) {
	stats, err := psnet.IOCountersWithContext(ctx, true)
	if err != nil {
		return into[:0], fmt.Errorf("reading network counters: %w", err)
	}
	into = into[:0]
	for _, s := range stats {
		into = append(into, Counters{Name: s.Name, Recv: s.BytesRecv, Sent: s.BytesSent})
	}
	return into, nil
}
