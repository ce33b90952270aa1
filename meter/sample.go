package meter

import (
	"math/bits"
	"time"
)

// Sample is what moved during one interval between two readings.
type Sample struct {
	// Time is the wall-clock time of the reading that closed the interval.
	Time time.Time
	// Elapsed is the time since the session's baseline reading, on a clock
	// that never jumps (and, on Linux, keeps counting while suspended).
	Elapsed time.Duration
	// Span is the length of the interval, measured on the same clock.
	Span time.Duration
	// Recv and Sent are the bytes received and sent during the interval.
	Recv, Sent uint64
	// Gap marks an interval far longer than asked for: the machine slept or
	// the process was stopped. Its bytes are real, but its rate is only an
	// average over the gap.
	Gap bool
	// Active is the number of selected interfaces present at the reading.
	Active int
}

// RecvRate is the download rate over the interval in bytes per second.
func (s Sample) RecvRate() float64 { return rate(s.Recv, s.Span) }

// SentRate is the upload rate over the interval in bytes per second.
func (s Sample) SentRate() float64 { return rate(s.Sent, s.Span) }

func rate(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// IsGap reports whether an interval of length span, where interval was
// asked for, is long enough to be a sleep or a stall rather than scheduling
// jitter.
func IsGap(span, interval time.Duration) bool {
	return span > 2*interval+time.Second
}

// Totals accumulates samples into what a session reports.
type Totals struct {
	Recv, Sent uint64
	// PeakRecv and PeakSent are the highest per-interval rates in bytes per
	// second. Intervals much shorter than the sampling interval (the final
	// partial one when a session is stopped) and gaps are left out: their
	// rates say more about timing than about traffic.
	PeakRecv, PeakSent float64
	Samples            int
	Gaps               int
	// Elapsed is the Elapsed of the last sample added.
	Elapsed time.Duration
	// Last is the wall-clock time of the last sample added.
	Last time.Time
}

// Add accounts for one sample taken at the given sampling interval. The
// sums stop at the largest uint64 rather than wrap round to small numbers,
// whatever damaged input says.
func (t *Totals) Add(s Sample, interval time.Duration) {
	t.Recv = SatAdd(t.Recv, s.Recv)
	t.Sent = SatAdd(t.Sent, s.Sent)
	t.Samples++
	if s.Elapsed > t.Elapsed {
		t.Elapsed = s.Elapsed
	}
	t.Last = s.Time
	if s.Gap {
		t.Gaps++
		return
	}
	if s.Span*2 < interval {
		return
	}
	t.PeakRecv = max(t.PeakRecv, s.RecvRate())
	t.PeakSent = max(t.PeakSent, s.SentRate())
}

// SatAdd is a + b, or the largest uint64 if that does not fit.
func SatAdd(a, b uint64) uint64 {
	sum, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return sum
}
