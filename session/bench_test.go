package session

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/bwtray/bwtray/meter"
)

// BenchmarkSessionHour records an hour of one-second samples through the
// real Recording (fake clock and counters) and reports how much the heap
// grew between minute 10 and minute 60, scaled to an hour: what a long
// session costs in memory. Samples live on disk, so it should be ~0.
func BenchmarkSessionHour(b *testing.B) {
	var growth float64
	for b.Loop() {
		r := newRig(b)
		rec := r.begin(Request{Length: 2 * time.Hour, Selection: meter.Selection{Mode: meter.All}})
		ctx, stop := context.WithCancel(context.Background())
		progress := make(chan struct{}, 1)
		done := make(chan struct{})
		go func() {
			rec.Run(ctx, func(Progress) { progress <- struct{}{} })
			close(done)
		}()
		var h600 uint64
		for i := 1; i <= 3600; i++ {
			r.src.Add("eth0", 1500, 60)
			r.clock.Tick(r.ctx)
			<-progress
			if i == 600 || i == 3600 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if i == 600 {
					h600 = ms.HeapAlloc
				} else {
					growth = (float64(ms.HeapAlloc) - float64(h600)) * 3600 / 3000
				}
			}
		}
		r.clock.Waiting(r.ctx)
		stop()
		<-done
	}
	b.ReportMetric(growth, "heap-B/hour")
}
