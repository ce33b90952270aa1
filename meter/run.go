package meter

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Config says what a Meter reads and how often.
type Config struct {
	Source   Source
	Clock    Clock
	Interval time.Duration
	// Select decides which interfaces count.
	Select func(name string) bool
	// Identify tells incarnations of an interface apart where there are no
	// link events; may be nil.
	Identify func(name string) uint64
	// Links opens the platform's link events; may be nil, or return nil,
	// and then interfaces are known by name alone.
	Links func(ctx context.Context) (Links, error)
	Log   *slog.Logger
}

// Meter is one metering run: a baseline reading and the samples after it.
type Meter struct {
	cfg       Config
	tracker   *Tracker
	links     Links // nil without link events
	buf       []Counters
	startWall time.Time
	startEl   time.Duration
	lastEl    time.Duration
	failing   bool
}

// MinInterval and MaxInterval bound the sampling interval.
const (
	MinInterval = 100 * time.Millisecond
	MaxInterval = time.Hour
)

// Start takes the baseline reading. Nothing that crossed the interfaces
// before it is counted.
func Start(ctx context.Context, cfg Config) (*Meter, error) {
	if cfg.Interval < MinInterval || cfg.Interval > MaxInterval {
		return nil, fmt.Errorf("sampling interval %v is out of range (%v to %v)", cfg.Interval, MinInterval, MaxInterval)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	m := &Meter{cfg: cfg, tracker: NewTracker(cfg.Select, cfg.Identify)}
	if cfg.Links != nil {
		links, err := cfg.Links(ctx)
		if err != nil {
			cfg.Log.Warn("interfaces are known by name only: a rename or a move to another namespace may be miscounted", "err", err)
		}
		m.links = links
	}
	var err error
	m.buf, err = cfg.Source.Read(ctx, m.buf)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("taking the baseline reading: %w", err)
	}
	obs, _ := m.tracker.Bind(m.buf)
	if m.links != nil {
		// Events queued before now belong to the past: drop them, then
		// take the baseline with identities.
		m.links.Poll(func(LinkEvent) {})
		if dump, err := m.links.Dump(ctx); err == nil {
			obs = dump
		} else {
			cfg.Log.Warn("interfaces are known by name only", "err", err)
			m.links.Close()
			m.links = nil
		}
	}
	m.startWall, m.startEl = cfg.Clock.Now(), cfg.Clock.Elapsed()
	m.tracker.Baseline(obs)
	return m, nil
}

// Close stops the link events, if any. Run does it when it returns.
func (m *Meter) Close() {
	if m.links != nil {
		m.links.Close()
	}
}

// Started is the wall-clock time of the baseline reading.
func (m *Meter) Started() time.Time { return m.startWall }

// Interfaces lists every selected interface seen so far, sorted.
func (m *Meter) Interfaces() []string { return m.tracker.Names() }

// Active is the number of selected interfaces present at the last reading.
func (m *Meter) Active() int { return m.tracker.Active() }

// Elapsed is the time since the baseline reading.
func (m *Meter) Elapsed() time.Duration { return m.cfg.Clock.Elapsed() - m.startEl }

// Ending says why Run returned.
type Ending int

const (
	// Completed: the planned length was reached.
	Completed Ending = iota
	// Stopped: the context was cancelled first.
	Stopped
)

// Run samples every Interval (aligned to the baseline, so samples do not
// drift) and calls emit with each sample, until length has passed or ctx
// is done; length 0 means until ctx is done. It always ends with one final
// reading so that the bytes since the last tick are counted.
//
// The session ends when length has passed on either clock: elapsed time
// (immune to wall-clock changes, so a session never runs forever) or wall
// time (so one that was due during a suspend ends on resume even where the
// elapsed clock stops while suspended).
func (m *Meter) Run(ctx context.Context, length time.Duration, emit func(Sample)) Ending {
	timer := m.cfg.Clock.NewTimer()
	defer timer.Stop()
	defer m.Close()
	// The final reading after cancellation must still happen.
	readCtx := context.WithoutCancel(ctx)
	wallEnd := m.startWall.Add(length)
	interval := m.cfg.Interval
	due := func() bool {
		return length > 0 && (m.Elapsed() >= length || !m.cfg.Clock.Now().Before(wallEnd))
	}
	for {
		if due() {
			return Completed
		}
		now := m.Elapsed()
		next := (now/interval + 1) * interval
		wait := next - now
		if length > 0 {
			wait = min(wait, length-now, max(wallEnd.Sub(m.cfg.Clock.Now()), 0))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			m.sample(readCtx, emit)
			return Stopped
		case <-timer.C():
		}
		m.sample(readCtx, emit)
	}
}

// sample reads the counters and emits what moved since the last reading.
func (m *Meter) sample(ctx context.Context, emit func(Sample)) {
	var err error
	m.buf, err = m.cfg.Source.Read(ctx, m.buf)
	if err != nil {
		// The next good reading covers this interval too, so nothing is lost;
		// say so once per run of failures rather than every second.
		if !m.failing {
			m.cfg.Log.Warn("cannot read counters; will keep trying", "err", err)
			m.failing = true
		}
		return
	}
	if m.failing {
		m.cfg.Log.Info("reading counters again")
		m.failing = false
	}
	// Events up to this reading are applied first, so that names are
	// bound to the interfaces they belong to now; where that is in doubt
	// (a name not known yet, counters lower than before, events lost), the
	// kernel's own list with identities replaces the reading.
	lost := m.links != nil && m.links.Poll(m.tracker.Event)
	obs, ok := m.tracker.Bind(m.buf)
	if m.links != nil && (!ok || lost) {
		if dump, err := m.links.Dump(ctx); err == nil {
			obs = dump
		} else {
			m.cfg.Log.Warn("cannot list interfaces; counting by name this time", "err", err)
		}
	}
	el := m.Elapsed()
	recv, sent, events := m.tracker.Update(obs)
	for _, e := range events {
		level := slog.LevelInfo
		if e.Kind == Reset {
			level = slog.LevelWarn
		}
		m.cfg.Log.Log(ctx, level, e.String())
	}
	span := el - m.lastEl
	m.lastEl = el
	emit(Sample{
		Time:    m.cfg.Clock.Now(),
		Elapsed: el,
		Span:    span,
		Recv:    recv,
		Sent:    sent,
		Gap:     IsGap(span, m.cfg.Interval),
		Active:  m.tracker.Active(),
	})
}
