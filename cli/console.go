package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// console is where a command's progress and log lines go. Its writes never
// block the caller: a terminal paused with Ctrl-S, a pipe nobody reads or
// a terminal that hung up must not hold up the sampling loop. One
// goroutine does the writing; callers queue lines (dropped, and counted,
// when too many wait) and replace the live line (only the latest one is
// ever drawn). A write error is remembered, and later output to that
// writer skipped, so a closed pipe costs nothing either.
type console struct {
	out, err io.Writer // either may be nil
	// live is where the live status line is drawn in place (a terminal),
	// or nil. Log lines clear it first and redraw it after, so the two
	// never garble each other.
	live  io.Writer
	width int

	mu        sync.Mutex
	queue     []queued
	liveText  string // what the live line should show
	liveDirty bool
	dropped   int
	outErr    error
	errErr    error
	busy      bool // the writer goroutine is writing

	wake chan struct{}
	idle chan struct{} // signalled after each round of writing
	done chan struct{}
}

type queued struct {
	toErr bool
	text  string
}

// maxQueued bounds the lines waiting for a writer that does not take them.
const maxQueued = 256

const clearLine = "\r\x1b[K"

// newConsole starts the console's writer; it runs until ctx ends or
// close is called. live, if not nil, must be out or err.
func newConsole(ctx context.Context, out, err, live io.Writer) *console {
	c := &console{out: out, err: err, live: live, width: terminalWidth(live),
		wake: make(chan struct{}, 1), idle: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run(ctx)
	return c
}

func (c *console) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// line queues a line (without its newline) for out.
func (c *console) line(text string) { c.push(queued{text: text}) }

// errLine queues a line for err.
func (c *console) errLine(text string) { c.push(queued{toErr: true, text: text}) }

func (c *console) push(q queued) {
	c.mu.Lock()
	if len(c.queue) >= maxQueued {
		c.dropped++
	} else {
		c.queue = append(c.queue, q)
	}
	c.mu.Unlock()
	c.signal()
}

// setLive replaces the live line; only the latest is ever drawn.
func (c *console) setLive(text string) {
	if c.live == nil {
		return
	}
	c.mu.Lock()
	c.liveText, c.liveDirty = text, true
	c.mu.Unlock()
	c.signal()
}

// logWriter is an io.Writer for log handlers: each Write is queued as
// lines for err.
func (c *console) logWriter() io.Writer { return logSink{c} }

type logSink struct{ c *console }

func (l logSink) Write(p []byte) (int, error) {
	text := string(p)
	if n := len(text); n > 0 && text[n-1] == '\n' {
		text = text[:n-1]
	}
	l.c.errLine(text)
	return len(p), nil
}

func (c *console) run(ctx context.Context) {
	defer close(c.done)
	shown := "" // the live line on screen
	for {
		select {
		case <-c.wake:
		case <-ctx.Done():
			return
		}
		for {
			c.mu.Lock()
			queue := c.queue
			c.queue = nil
			dropped := c.dropped
			c.dropped = 0
			live, liveDirty := c.liveText, c.liveDirty
			c.liveDirty = false
			c.busy = len(queue) > 0 || liveDirty || dropped > 0
			c.mu.Unlock()
			if !c.busy {
				break
			}
			if dropped > 0 {
				queue = append(queue, queued{toErr: true, text: fmt.Sprintf("bwtray: %d lines of output were dropped: the terminal or pipe was not taking them", dropped)})
			}
			if len(queue) > 0 && shown != "" {
				c.write(c.live, clearLine)
				shown = ""
			}
			for _, q := range queue {
				w := c.out
				if q.toErr {
					w = c.err
				}
				c.write(w, q.text+"\n")
			}
			if liveDirty || (len(queue) > 0 && live != "") {
				switch {
				case live != "":
					c.write(c.live, clearLine+truncate(live, c.width))
				case shown != "":
					c.write(c.live, clearLine)
				}
				shown = live
			}
		}
		select {
		case c.idle <- struct{}{}:
		default:
		}
	}
}

// write writes s to w unless w failed before; it remembers the first error.
func (c *console) write(w io.Writer, s string) {
	if w == nil {
		return
	}
	c.mu.Lock()
	failed := c.errOf(w) != nil
	c.mu.Unlock()
	if failed {
		return
	}
	if _, err := io.WriteString(w, s); err != nil {
		c.mu.Lock()
		if w == c.out && c.outErr == nil {
			c.outErr = err
		}
		if w == c.err && c.errErr == nil {
			c.errErr = err
		}
		c.mu.Unlock()
	}
}

func (c *console) errOf(w io.Writer) error {
	if w == c.out {
		return c.outErr
	}
	return c.errErr
}

// flush waits until everything queued has been written, or ctx ends. It
// may wait as long as the reader does: it is only for the very end.
func (c *console) flush(ctx context.Context) {
	for {
		c.mu.Lock()
		pending := len(c.queue) > 0 || c.liveDirty || c.dropped > 0 || c.busy
		c.mu.Unlock()
		if !pending {
			return
		}
		c.signal()
		select {
		case <-c.idle:
		case <-c.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// finish clears the live line and writes everything queued; then out may
// be written to directly.
func (c *console) finish(ctx context.Context) {
	c.setLive("")
	c.flush(ctx)
}

// outError is the first error writing to out, if any.
func (c *console) outError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.outErr
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is w's width in columns, or 0 if unknown.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// truncate cuts s to fit a terminal line of width columns.
func truncate(s string, width int) string {
	if width <= 0 {
		return s
	}
	r := []rune(s)
	if len(r) < width {
		return s
	}
	return string(r[:width-1])
}
