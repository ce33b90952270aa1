package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// stuck is a writer that never returns until released: a terminal paused
// with Ctrl-S, or a pipe nobody reads.
type stuck struct {
	release chan struct{}
	mu      sync.Mutex
	got     bytes.Buffer
}

func (s *stuck) Write(p []byte) (int, error) {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got.Write(p)
}

func TestConsoleNeverBlocksItsCallers(t *testing.T) {
	out := &stuck{release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newConsole(ctx, out, out, out)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10_000 {
			c.line("progress")
			c.setLive(strings.Repeat("x", i%50))
			c.logWriter().Write([]byte("level=WARN msg=something\n"))
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("callers blocked on a writer that does not take output")
	}
	close(out.release)
	c.finish(ctx)
	out.mu.Lock()
	defer out.mu.Unlock()
	if !strings.Contains(out.got.String(), "lines of output were dropped") {
		t.Errorf("dropped lines not counted:\n%.300s", out.got.String())
	}
}

type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("broken pipe")
}

func TestConsoleRemembersTheFirstWriteError(t *testing.T) {
	out := &failing{}
	var errb bytes.Buffer
	ctx := context.Background()
	c := newConsole(ctx, out, &errb, nil)
	for range 100 {
		c.line("x")
	}
	c.finish(ctx)
	if err := c.outError(); err == nil || err.Error() != "broken pipe" {
		t.Errorf("outError = %v", err)
	}
	if out.n > 2 {
		t.Errorf("kept writing to a broken output: %d writes", out.n)
	}
}
