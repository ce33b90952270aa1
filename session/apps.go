package session

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/meter"
)

// AppsFile is the per-app file of a session folder: what each app moved
// in each 10-second window, appended as the session runs (so a crash
// keeps it), for the chart and for recovery.
const AppsFile = "apps.csv"

// appsWindow is how long one row of apps.csv covers.
const appsWindow = 10 * time.Second

var appsHeader = "time,app,unit,exe,recv_bytes,sent_bytes,estimated\n"

// appsWriter appends windows to apps.csv.
type appsWriter struct {
	f    *os.File
	line []byte
	next time.Duration // elapsed time of the next window's end
}

func createApps(d *safefs.Dir) (*appsWriter, error) {
	f, err := d.Create(AppsFile)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", AppsFile, err)
	}
	if _, err := io.WriteString(f, appsHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing %s: %w", AppsFile, err)
	}
	return &appsWriter{f: f, next: appsWindow}, nil
}

// field makes a name safe for one CSV field: no separators, quotes or
// control characters.
func field(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ',' || r == '"' || r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func (w *appsWriter) write(at time.Time, rows []apps.Total) error {
	for _, r := range rows {
		w.line = at.AppendFormat(w.line[:0], "2006-01-02T15:04:05.000Z07:00")
		w.line = append(w.line, ',')
		w.line = append(w.line, field(r.Name)...)
		w.line = append(w.line, ',')
		w.line = append(w.line, field(r.Unit)...)
		w.line = append(w.line, ',')
		w.line = append(w.line, field(r.Exe)...)
		w.line = append(w.line, ',')
		w.line = strconv.AppendUint(w.line, r.Recv, 10)
		w.line = append(w.line, ',')
		w.line = strconv.AppendUint(w.line, r.Sent, 10)
		w.line = append(w.line, ',')
		if r.Estimated {
			w.line = append(w.line, '1')
		} else {
			w.line = append(w.line, '0')
		}
		w.line = append(w.line, '\n')
		if _, err := w.f.Write(w.line); err != nil {
			return err
		}
	}
	return nil
}

func (w *appsWriter) close() error {
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// AppWindow is one row of apps.csv: what one app moved in one window.
type AppWindow struct {
	End time.Time
	apps.Total
}

// ScanApps reads apps.csv and calls fn with each row; damaged lines are
// skipped and counted, as in ScanSamples.
func ScanApps(r io.Reader, fn func(AppWindow)) (skipped int, err error) {
	return scanRows(r, AppsFile, func(line []byte) bool {
		w, ok := parseAppRow(string(line))
		if ok {
			fn(w)
		}
		return ok
	})
}

func parseAppRow(l string) (AppWindow, bool) {
	f := strings.Split(l, ",")
	if len(f) != 7 {
		return AppWindow{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, f[0])
	recv, err1 := strconv.ParseUint(f[4], 10, 64)
	sent, err2 := strconv.ParseUint(f[5], 10, 64)
	if err != nil || err1 != nil || err2 != nil || f[1] == "" || recv > maxRowBytes || sent > maxRowBytes {
		return AppWindow{}, false
	}
	return AppWindow{End: t, Total: apps.Total{Name: f[1], Unit: f[2], Exe: f[3], Bytes: apps.Bytes{Recv: recv, Sent: sent}, Estimated: f[6] == "1"}}, true
}

// maxApps bounds the apps read back from apps.csv.
const maxApps = 4096

// appsFromFile adds up apps.csv: the per-app totals of an interrupted
// session. It returns nil when there is no such file.
func appsFromFile(d *safefs.Dir) ([]apps.Total, int, error) {
	f, err := d.Open(AppsFile, os.O_RDONLY)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	defer f.Close()
	byName := map[string]*apps.Total{}
	var order []string
	tooMany := 0
	skipped, err := ScanApps(f, func(w AppWindow) {
		t := byName[w.Name]
		if t == nil && len(order) >= maxApps {
			tooMany++ // a planted file naming millions of apps
			return
		}
		if t == nil {
			t = &apps.Total{Name: w.Name, Unit: w.Unit, Exe: w.Exe}
			byName[w.Name] = t
			order = append(order, w.Name)
		}
		t.Recv = meter.SatAdd(t.Recv, w.Recv)
		t.Sent = meter.SatAdd(t.Sent, w.Sent)
		t.Estimated = t.Estimated || w.Estimated
	})
	out := make([]apps.Total, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	apps.Sort(out)
	return out, skipped + tooMany, err
}
