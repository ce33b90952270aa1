// Package metertest provides a fake clock and a fake counter source for
// testing code built on package meter without sleeping or touching the
// network.
package metertest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/bwtray/bwtray/meter"
)

// Clock is a meter.Clock that moves only when told to. Its single timer
// reports each Reset on Armed, so a test knows exactly when the code under
// test is waiting.
type Clock struct {
	mu    sync.Mutex
	wall  time.Time
	el    time.Duration
	armed chan time.Duration
	fire  chan time.Time
}

// NewClock returns a clock whose wall time starts at start.
func NewClock(start time.Time) *Clock {
	return &Clock{wall: start, el: time.Hour, armed: make(chan time.Duration, 1), fire: make(chan time.Time, 1)}
}

// Now returns the fake wall time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

// Elapsed returns the fake elapsed time.
func (c *Clock) Elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.el
}

// NewTimer returns the clock's timer. The fake supports one timer at a time.
func (c *Clock) NewTimer() meter.Timer { return timer{c} }

// Advance moves both clocks forward, as real time passing (or a suspend on
// a platform whose elapsed clock counts it) does.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = c.wall.Add(d)
	c.el += d
}

// JumpWall moves only the wall clock, as NTP or a user changing the time does.
func (c *Clock) JumpWall(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = c.wall.Add(d)
}

// Waiting blocks until the code under test arms the timer and returns the
// duration it asked for, or returns false if ctx ends first.
func (c *Clock) Waiting(ctx context.Context) (time.Duration, bool) {
	select {
	case d := <-c.armed:
		return d, true
	case <-ctx.Done():
		return 0, false
	}
}

// Fire makes the armed timer go off now.
func (c *Clock) Fire() { c.fire <- c.Now() }

// Tick waits for the timer to be armed, advances both clocks by what it
// asked for, and fires it: one ordinary sampling interval.
func (c *Clock) Tick(ctx context.Context) bool {
	d, ok := c.Waiting(ctx)
	if !ok {
		return false
	}
	c.Advance(d)
	c.Fire()
	return true
}

type timer struct{ c *Clock }

func (t timer) C() <-chan time.Time { return t.c.fire }

func (t timer) Reset(d time.Duration) {
	// Drop a stale request: only the latest Reset matters, as with a real timer.
	select {
	case <-t.c.armed:
	default:
	}
	t.c.armed <- d
}

func (t timer) Stop() {}

// Source is a meter.Source whose readings the test sets.
type Source struct {
	mu       sync.Mutex
	counters []meter.Counters
	err      error
	reads    int
}

// Set replaces what the next reads return.
func (s *Source) Set(cs ...meter.Counters) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters = slices.Clone(cs)
	s.err = nil
}

// Add adds bytes to the named interface's counters, creating it if needed.
func (s *Source) Add(name string, recv, sent uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.counters {
		if s.counters[i].Name == name {
			s.counters[i].Recv += recv
			s.counters[i].Sent += sent
			return
		}
	}
	s.counters = append(s.counters, meter.Counters{Name: name, Recv: recv, Sent: sent})
}

// Remove deletes the named interface from the readings.
func (s *Source) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters = slices.DeleteFunc(s.counters, func(c meter.Counters) bool { return c.Name == name })
}

// Fail makes reads return err until the next Set.
func (s *Source) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Reads is how many times Read was called.
func (s *Source) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// Read returns the current readings.
func (s *Source) Read(_ context.Context, into []meter.Counters) ([]meter.Counters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.err != nil {
		return into[:0], s.err
	}
	return append(into[:0], s.counters...), nil
}

// Links is a meter.Links whose events and dumps the test provides: it
// plays the kernel's rtnetlink.
type Links struct {
	mu     sync.Mutex
	queued []meter.LinkEvent
	dump   []meter.Observation
	lost   bool
	dumps  int
}

// Open is a meter.Config.Links opener that returns l.
func (l *Links) Open(context.Context) (meter.Links, error) { return l, nil }

// Send queues an event, as the kernel does at a change.
func (l *Links) Send(e meter.LinkEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queued = append(l.queued, e)
}

// SetDump sets what Dump returns.
func (l *Links) SetDump(obs ...meter.Observation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dump = slices.Clone(obs)
}

// Lose makes the next Poll report lost events.
func (l *Links) Lose() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lost = true
}

// Dumps is how many times Dump was called.
func (l *Links) Dumps() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dumps
}

// Poll implements meter.Links.
func (l *Links) Poll(f func(meter.LinkEvent)) bool {
	l.mu.Lock()
	queued, lost := l.queued, l.lost
	l.queued, l.lost = nil, false
	l.mu.Unlock()
	for _, e := range queued {
		f(e)
	}
	return lost
}

// Dump implements meter.Links.
func (l *Links) Dump(context.Context) ([]meter.Observation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dumps++
	return slices.Clone(l.dump), nil
}

// Close implements meter.Links.
func (l *Links) Close() error { return nil }
