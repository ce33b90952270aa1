package tray

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/meter/metertest"
	"github.com/bwtray/bwtray/notify"
	"github.com/bwtray/bwtray/session"
)

type fakeNotifier struct {
	mu   sync.Mutex
	sent []notify.Message
	err  error
	got  chan notify.Message
}

func (f *fakeNotifier) Send(_ context.Context, m notify.Message) error {
	f.mu.Lock()
	f.sent = append(f.sent, m)
	f.mu.Unlock()
	f.got <- m
	return f.err
}

func newTestController(t *testing.T, dir string) (*Controller, *metertest.Clock, *metertest.Source, *fakeNotifier) {
	t.Helper()
	clock := metertest.NewClock(time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC))
	src := &metertest.Source{}
	src.Set(meter.Counters{Name: "eth0", Recv: 1000, Sent: 1000})
	n := &fakeNotifier{got: make(chan notify.Message, 4)}
	cfg := config.Default()
	cfg.DataDir = dir
	ctx, cancel := context.WithCancel(context.Background())
	c := NewController(ctx, Options{
		Config:   cfg,
		Env:      session.Env{Source: src, Clock: clock, Classify: func(string) meter.Kind { return meter.Physical }},
		Notifier: n,
		Now:      clock.Now,
	})
	t.Cleanup(func() {
		cancel()
		c.Done() // before the test's folders are removed
	})
	return c, clock, src, n
}

func TestControllerSessionLifecycle(t *testing.T) {
	c, clock, src, n := newTestController(t, t.TempDir())
	if st := c.State(); st.Phase != Idle || len(st.Interfaces) != 1 {
		t.Fatalf("initial state %+v", st)
	}
	if err := c.Start(2*time.Second, "2 seconds", session.Request{For: "2s"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(time.Second, "again", session.Request{}); !errors.Is(err, ErrRecording) {
		t.Errorf("second Start = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 2 {
		src.Add("eth0", 500, 50)
		clock.Tick(ctx)
		<-c.Changed()
	}
	m := <-n.got
	c.Wait()
	st := c.State()
	if st.Phase != Finished || st.Last == nil || st.Last.BytesRecv != 1000 || st.Last.Status != session.Completed || len(st.Recent) != 1 {
		t.Fatalf("after the session: %+v", st)
	}
	if !strings.HasPrefix(m.Title, "Session finished: ↓ 1.00 kB ↑ 100 B") || m.Action != "Open chart" || m.OnAction == nil {
		t.Errorf("notification %+v", m)
	}
}

func TestControllerStartFailureIsShown(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	c, _, _, n := newTestController(t, file)
	err := c.Start(time.Minute, "1 minute", session.Request{})
	if err == nil {
		t.Fatal("Start succeeded with a file as the sessions folder")
	}
	if st := c.State(); st.Phase != Idle || !strings.Contains(st.Problem, "cannot start") || !strings.Contains(StatusLine(st), "not a folder") {
		t.Errorf("state %+v", st)
	}
	if m := <-n.got; !strings.Contains(m.Body, "not a folder") {
		t.Errorf("notification %+v", m)
	}
}

func TestControllerNotificationFailureNotesChart(t *testing.T) {
	c, clock, _, n := newTestController(t, t.TempDir())
	n.err = errors.New("no server")
	c.Start(time.Second, "1 second", session.Request{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clock.Tick(ctx)
	<-n.got
	c.Wait()
	st := c.State()
	if !strings.HasPrefix(st.ChartNote, "chart: ") || !strings.Contains(StatusLine(st), ShortPath(st.Last.Chart)) {
		t.Errorf("status %q does not say where the chart is", StatusLine(st))
	}
}

// The chart note stays until the notification is shown, and goes then.
func TestControllerChartNoteUntilNotified(t *testing.T) {
	c, clock, _, n := newTestController(t, t.TempDir())
	c.Start(time.Second, "1 second", session.Request{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clock.Tick(ctx)
	<-n.got
	c.Wait()
	if st := c.State(); st.ChartNote != "" {
		t.Errorf("chart note %q after the notification was shown", st.ChartNote)
	}
}

func TestShortPath(t *testing.T) {
	tests := map[string]string{
		"/home/me/x/chart.svg": "/home/me/x/chart.svg",
		"/home/someone-with-a-long-name/.local/share/bwtray/sessions/2026-11-25T14-05-03/chart.svg": "…/2026-11-25T14-05-03/chart.svg",
	}
	for in, want := range tests {
		if got := ShortPath(in); got != want {
			t.Errorf("ShortPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestControllerShutdownSavesRunningSession(t *testing.T) {
	c, _, _, n := newTestController(t, t.TempDir())
	c.Start(time.Hour, "1 hour", session.Request{})
	c.Shutdown()
	<-n.got
	st := c.State()
	if st.Last == nil || st.Last.Status != session.Stopped {
		t.Fatalf("after shutdown: %+v", st.Last)
	}
	if _, err := os.Stat(st.Last.Chart); err != nil {
		t.Error(err)
	}
}

func TestControllerLoadsRecentAndRecovers(t *testing.T) {
	dir := t.TempDir()
	c1, clock, _, n := newTestController(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 7 {
		c1.Start(time.Second, "1 second", session.Request{})
		clock.Tick(ctx)
		<-n.got
		c1.Wait()
		clock.Advance(time.Minute)
	}
	// A session whose recorder died (kill -9, a power cut): still
	// "running" on disk, no process holds its lock.
	crashed := filepath.Join(dir, "2026-11-25T16-00-00")
	os.MkdirAll(crashed, 0o700)
	os.WriteFile(filepath.Join(crashed, session.InfoFile), []byte(`{"start":"2026-11-25T16:00:00Z","status":"running","interval_seconds":1,"pid":2147483646,"version":1}`), 0o600)
	os.WriteFile(filepath.Join(crashed, session.SamplesFile), []byte("time,elapsed_s,interval_s,recv_bytes,sent_bytes,recv_bps,sent_bps,gap,interfaces\n"+
		"2026-11-25T16:00:01.000Z,1.000,1.000,700,7,700.0,7.0,0,1\n2026-11-25T16:00:02.000Z,2.000,1.000,300,3,300.0,3.0,0,1\n"), 0o600)
	c2, _, _, _ := newTestController(t, dir)
	st := c2.State()
	if len(st.Recent) != recentMax || st.Last == nil || !st.Last.Start.Equal(st.Recent[0].Start) {
		t.Errorf("recent %d, last %+v", len(st.Recent), st.Last)
	}
	// The newest is the crashed one, recovered: interrupted, its totals
	// from its samples, its chart drawn.
	if r := st.Recent[0]; r.Dir != crashed || r.Status != session.Interrupted || r.BytesRecv != 1000 || r.BytesSent != 10 {
		t.Errorf("the crashed session in Recent: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(crashed, session.ChartFile)); err != nil {
		t.Errorf("no chart for the recovered session: %v", err)
	}
}

func TestControllerAlert(t *testing.T) {
	c, clock, src, n := newTestController(t, t.TempDir())
	c.SetAlert(1500)
	if err := c.Start(time.Hour, "1 hour", session.Request{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src.Add("eth0", 1000, 0)
	clock.Tick(ctx)
	<-c.Changed()
	if c.State().Alerted() {
		t.Fatal("alerted below the cap")
	}
	src.Add("eth0", 1000, 0)
	clock.Tick(ctx)
	m := <-n.got
	if !strings.HasPrefix(m.Title, "Data alert") || !c.State().Alerted() {
		t.Errorf("notification %q, alerted %v", m.Title, c.State().Alerted())
	}
	// Raising the cap during the session re-arms it.
	c.SetAlert(1e9)
	src.Add("eth0", 1, 0)
	clock.Tick(ctx)
	waitUntil(t, func() bool { return !c.State().Alerted() })
	c.Shutdown()
	<-n.got // the end-of-session notification
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
