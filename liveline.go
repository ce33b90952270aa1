package main

import (
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

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

// liveLine is a status line redrawn in place on a terminal. Log output
// written through around() clears it first and redraws it after, so the
// two never garble each other.
type liveLine struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	width   int
	text    string
}

const clearLine = "\r\x1b[K"

func (l *liveLine) set(text string) {
	if !l.enabled || l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text = text
	io.WriteString(l.w, clearLine+text)
}

func (l *liveLine) clear() {
	if !l.enabled || l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.text != "" {
		io.WriteString(l.w, clearLine)
		l.text = ""
	}
}

// around returns a writer for log lines that share the terminal.
func (l *liveLine) around(w io.Writer) io.Writer { return lineAware{l, w} }

type lineAware struct {
	l *liveLine
	w io.Writer
}

func (a lineAware) Write(p []byte) (int, error) {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	if a.l.enabled && a.l.text != "" {
		io.WriteString(a.l.w, clearLine)
	}
	n, err := a.w.Write(p)
	if a.l.enabled && a.l.text != "" {
		io.WriteString(a.l.w, a.l.text)
	}
	return n, err
}
