package meter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/meter/metertest"
)

type harness struct {
	t       *testing.T
	clock   *metertest.Clock
	src     *metertest.Source
	m       *meter.Meter
	samples chan meter.Sample
	done    chan meter.Ending
	cancel  context.CancelFunc
	ctx     context.Context
}

func start(t *testing.T, length time.Duration) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		clock:   metertest.NewClock(time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)),
		src:     &metertest.Source{},
		samples: make(chan meter.Sample, 100),
		done:    make(chan meter.Ending, 1),
	}
	h.src.Set(meter.Counters{Name: "eth0", Recv: 7_000_000, Sent: 3_000_000})
	var err error
	h.m, err = meter.Start(context.Background(), meter.Config{
		Source: h.src, Clock: h.clock, Interval: time.Second,
		Select: func(n string) bool { return n == "eth0" },
	})
	if err != nil {
		t.Fatal(err)
	}
	var runCtx context.Context
	runCtx, h.cancel = context.WithCancel(context.Background())
	var cancel context.CancelFunc
	h.ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	t.Cleanup(h.cancel)
	go func() { h.done <- h.m.Run(runCtx, length, func(s meter.Sample) { h.samples <- s }) }()
	return h
}

func (h *harness) tick() {
	h.t.Helper()
	if !h.clock.Tick(h.ctx) {
		h.t.Fatal("meter never armed its timer")
	}
}

func (h *harness) sample() meter.Sample {
	h.t.Helper()
	select {
	case s := <-h.samples:
		return s
	case <-h.ctx.Done():
		h.t.Fatal("no sample")
	}
	return meter.Sample{}
}

func (h *harness) ending() meter.Ending {
	h.t.Helper()
	select {
	case e := <-h.done:
		return e
	case <-h.ctx.Done():
		h.t.Fatal("Run did not return")
	}
	return 0
}

func TestRunCompletesAfterLength(t *testing.T) {
	h := start(t, 5*time.Second)
	var tot meter.Totals
	for i := range 5 {
		h.src.Add("eth0", 1000, 10)
		h.tick()
		s := h.sample()
		if s.Span != time.Second || s.Elapsed != time.Duration(i+1)*time.Second || s.Gap {
			t.Errorf("sample %d: span %v elapsed %v gap %v", i, s.Span, s.Elapsed, s.Gap)
		}
		if s.RecvRate() != 1000 {
			t.Errorf("sample %d: recv rate %v, want 1000", i, s.RecvRate())
		}
		tot.Add(s, time.Second)
	}
	if e := h.ending(); e != meter.Completed {
		t.Errorf("ending = %v, want Completed", e)
	}
	if tot.Recv != 5000 || tot.Sent != 50 || tot.Samples != 5 {
		t.Errorf("totals %+v", tot)
	}
}

func TestRunStopTakesFinalReading(t *testing.T) {
	h := start(t, time.Hour)
	h.src.Add("eth0", 500, 5)
	h.tick()
	h.sample()
	// Bytes after the last tick must not be lost when the user stops.
	if _, ok := h.clock.Waiting(h.ctx); !ok {
		t.Fatal("not waiting")
	}
	h.src.Add("eth0", 123, 4)
	h.clock.Advance(300 * time.Millisecond)
	h.cancel()
	s := h.sample()
	if s.Recv != 123 || s.Sent != 4 || s.Span != 300*time.Millisecond {
		t.Errorf("final sample %+v", s)
	}
	if e := h.ending(); e != meter.Stopped {
		t.Errorf("ending = %v, want Stopped", e)
	}
}

func TestRunDeadlinePassedDuringSuspend(t *testing.T) {
	h := start(t, 10*time.Second)
	h.tick()
	h.sample()
	if _, ok := h.clock.Waiting(h.ctx); !ok {
		t.Fatal("not waiting")
	}
	h.src.Add("eth0", 4096, 0)
	h.clock.Advance(time.Hour) // suspended for an hour
	h.clock.Fire()
	s := h.sample()
	if !s.Gap || s.Recv != 4096 {
		t.Errorf("sample after suspend: %+v, want a gap with the bytes counted", s)
	}
	if e := h.ending(); e != meter.Completed {
		t.Errorf("ending = %v, want Completed at once on resume", e)
	}
	var tot meter.Totals
	tot.Add(s, time.Second)
	if tot.PeakRecv != 0 || tot.Gaps != 1 {
		t.Errorf("a gap must not set the peak: %+v", tot)
	}
}

func TestRunWallClockJumpBackDoesNotExtend(t *testing.T) {
	h := start(t, 3*time.Second)
	h.tick()
	h.sample()
	h.clock.JumpWall(-24 * time.Hour)
	h.tick()
	h.sample()
	h.tick()
	h.sample()
	if e := h.ending(); e != meter.Completed {
		t.Errorf("ending = %v, want Completed after 3 s of elapsed time", e)
	}
}

func TestRunWallClockReachesUntilFirst(t *testing.T) {
	// Where the elapsed clock stops during suspend (macOS), the wall clock
	// still ends the session.
	h := start(t, time.Minute)
	h.tick()
	h.sample()
	if _, ok := h.clock.Waiting(h.ctx); !ok {
		t.Fatal("not waiting")
	}
	h.clock.JumpWall(2 * time.Minute)
	h.clock.Advance(time.Second)
	h.clock.Fire()
	h.sample()
	if e := h.ending(); e != meter.Completed {
		t.Errorf("ending = %v, want Completed", e)
	}
}

func TestRunLastIntervalIsCutAtDeadline(t *testing.T) {
	h := metertest.NewClock(time.Now())
	src := &metertest.Source{}
	m, err := meter.Start(context.Background(), meter.Config{Source: src, Clock: h, Interval: time.Second, Select: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan meter.Ending)
	go func() { done <- m.Run(context.Background(), 2500*time.Millisecond, func(meter.Sample) {}) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var waits []time.Duration
	for range 3 {
		d, ok := h.Waiting(ctx)
		if !ok {
			t.Fatal("not waiting")
		}
		waits = append(waits, d)
		h.Advance(d)
		h.Fire()
	}
	<-done
	want := []time.Duration{time.Second, time.Second, 500 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("waits = %v, want %v", waits, want)
			break
		}
	}
}

func TestRunReadErrorsLoseNothing(t *testing.T) {
	h := start(t, time.Hour)
	h.src.Fail(errors.New("boom"))
	h.tick() // failed reading: no sample
	d, ok := h.clock.Waiting(h.ctx)
	if !ok {
		t.Fatal("not waiting")
	}
	h.src.Set(meter.Counters{Name: "eth0", Recv: 7_000_000 + 2000, Sent: 3_000_000})
	h.clock.Advance(d)
	h.clock.Fire()
	s := h.sample()
	if s.Recv != 2000 || s.Span != 2*time.Second {
		t.Errorf("sample after a failed read = %+v, want 2000 bytes over 2 s", s)
	}
	h.cancel()
	h.sample()
	h.ending()
}

func TestStartRejectsBadInterval(t *testing.T) {
	for _, iv := range []time.Duration{0, 50 * time.Millisecond, 2 * time.Hour} {
		_, err := meter.Start(context.Background(), meter.Config{Source: &metertest.Source{}, Clock: metertest.NewClock(time.Now()), Interval: iv, Select: func(string) bool { return true }})
		if err == nil {
			t.Errorf("interval %v accepted", iv)
		}
	}
}

func TestStartFailsWhenBaselineFails(t *testing.T) {
	src := &metertest.Source{}
	src.Fail(errors.New("no /proc"))
	_, err := meter.Start(context.Background(), meter.Config{Source: src, Clock: metertest.NewClock(time.Now()), Interval: time.Second, Select: func(string) bool { return true }})
	if err == nil {
		t.Fatal("want an error")
	}
}

// With link events, the baseline comes from the kernel's list, events
// between samples are applied as they come (a deletion's last bytes are
// counted), and lost events make the next sample ask the kernel again.
func TestRunWithLinks(t *testing.T) {
	clock := metertest.NewClock(time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC))
	src := &metertest.Source{}
	links := &metertest.Links{}
	src.Set(meter.Counters{Name: "va", Recv: 1000, Sent: 0})
	links.SetDump(meter.Observation{Index: 5, Counters: meter.Counters{Name: "va", Recv: 1000}})
	m, err := meter.Start(context.Background(), meter.Config{
		Source: src, Clock: clock, Interval: time.Second, Links: links.Open,
		Select: func(string) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	samples := make(chan meter.Sample, 10)
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	go m.Run(runCtx, time.Hour, func(s meter.Sample) { samples <- s })
	if _, ok := clock.Waiting(ctx); !ok {
		t.Fatal("not waiting")
	}
	// Between samples: va is deleted with 500 bytes more, and recreated as
	// index 6, which moves 70 bytes before the next reading.
	links.Send(meter.LinkEvent{Observation: meter.Observation{Index: 5, Counters: meter.Counters{Name: "va", Recv: 1500}}, Gone: true})
	links.Send(meter.LinkEvent{Observation: meter.Observation{Index: 6, Counters: meter.Counters{Name: "va"}}})
	src.Set(meter.Counters{Name: "va", Recv: 70})
	clock.Advance(time.Second)
	clock.Fire()
	if s := <-samples; s.Recv != 570 {
		t.Errorf("sample after delete and recreate: %d bytes, want 570", s.Recv)
	}
	// Events lost: the next sample takes the kernel's list.
	before := links.Dumps()
	links.Lose()
	src.Set(meter.Counters{Name: "va", Recv: 90})
	links.SetDump(meter.Observation{Index: 6, Counters: meter.Counters{Name: "va", Recv: 90}})
	clock.Tick(ctx)
	if s := <-samples; s.Recv != 20 || links.Dumps() != before+1 {
		t.Errorf("after lost events: %d bytes, %d dumps", s.Recv, links.Dumps()-before)
	}
}
