package meter

import (
	"context"
	"testing"
	"time"

	psnet "github.com/shirou/gopsutil/v4/net"
)

// BenchmarkTick compares one metering tick (read, per-interface deltas,
// sample) with the bare gopsutil call every meter has to make. The ratio
// of the two ns/op figures is the meter's overhead; the target is <= 1.2.
func BenchmarkTick(b *testing.B) {
	ctx := context.Background()
	b.Run("bare-IOCounters", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := psnet.IOCountersWithContext(ctx, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tc := range []struct {
		name  string
		links func(context.Context) (Links, error)
	}{
		{"meter", nil},
		// With link events (Linux): names are bound to indexes each tick.
		{"meter-with-links", OpenLinks},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m, err := Start(ctx, Config{Source: System{}, Clock: SystemClock{}, Interval: time.Second, Select: Selection{Mode: All}.Matcher(Classify), Identify: Identify, Links: tc.links})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			var sink Sample
			emit := func(s Sample) { sink = s }
			b.ReportAllocs()
			for b.Loop() {
				m.sample(ctx, emit)
			}
			_ = sink
		})
	}
}
