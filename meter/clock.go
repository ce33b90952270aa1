package meter

import "time"

// Clock tells the time two ways and waits. Wall time labels samples and
// decides clock-time deadlines; elapsed time measures intervals and never
// jumps when the wall clock is changed.
type Clock interface {
	// Now is the wall-clock time.
	Now() time.Time
	// Elapsed is the time since an arbitrary fixed point. It never goes
	// backwards; where the platform allows, it includes time spent
	// suspended, so a deadline that passed during sleep is seen on resume.
	Elapsed() time.Duration
	// NewTimer returns a stopped timer.
	NewTimer() Timer
}

// Timer fires once on C after Reset.
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Elapsed returns the platform's suspend-aware monotonic time.
func (SystemClock) Elapsed() time.Duration { return elapsed() }

// NewTimer returns a stopped time.Timer.
func (SystemClock) NewTimer() Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return sysTimer{t}
}

type sysTimer struct{ t *time.Timer }

func (s sysTimer) C() <-chan time.Time   { return s.t.C }
func (s sysTimer) Reset(d time.Duration) { s.t.Reset(d) }
func (s sysTimer) Stop()                 { s.t.Stop() }
