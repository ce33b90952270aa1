package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/adrg/xdg"
	"github.com/gofrs/flock"

	"github.com/bwtray/bwtray/chart"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/units"
)

// DefaultDir is where sessions are kept unless told otherwise:
// $XDG_DATA_HOME/bwtray/sessions on Linux (~/.local/share/...), the
// platform's application data folder elsewhere.
func DefaultDir() string { return filepath.Join(xdg.DataHome, "bwtray", "sessions") }

// Store is a folder of session folders.
type Store struct {
	Dir string
	// Format is used for charts the store renders itself (recovery).
	Format units.Format
	Log    *slog.Logger
}

func (s Store) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// folderLayout names session folders by local start time; no colons, so
// the names are valid on Windows too, and they sort chronologically.
const folderLayout = "2006-01-02T15-04-05"

// create makes a new, private session folder for a session starting at start.
func (s Store) create(start time.Time) (string, error) {
	if err := CheckDir(s.Dir); err != nil {
		return "", err
	}
	base := filepath.Join(s.Dir, start.Local().Format(folderLayout))
	for i := 1; i < 1000; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o700)
		if err == nil {
			return filepath.Abs(dir)
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("cannot create a session folder in %s: %w", s.Dir, err)
		}
	}
	return "", fmt.Errorf("cannot create a session folder in %s: too many sessions started at %s", s.Dir, start.Format(time.TimeOnly))
}

// CheckDir makes sure dir exists (creating it, private, if needed), is a
// folder and can be written, so that a bad output folder is reported when
// a session starts, not when it ends.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create sessions folder %s: %w", dir, unwrapPath(err))
		}
	case err != nil:
		return fmt.Errorf("cannot use sessions folder %s: %w", dir, unwrapPath(err))
	case !fi.IsDir():
		return fmt.Errorf("cannot use sessions folder %s: it is a file, not a folder", dir)
	}
	probe, err := os.CreateTemp(dir, ".bwtray-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write to sessions folder %s: %w", dir, unwrapPath(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// unwrapPath drops the path from a *fs.PathError, which the caller names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// List returns the kept sessions, newest first. A folder whose
// session.json is damaged is left out and reported in problems; it never
// hides the others.
func (s Store) List() (infos []Info, problems []error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("reading sessions folder: %w", err)}
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(s.Dir, e.Name())
		if _, err := os.Stat(filepath.Join(dir, InfoFile)); errors.Is(err, fs.ErrNotExist) {
			continue // not a session, or one being created this instant
		}
		info, err := Load(dir)
		if err != nil {
			problems = append(problems, fmt.Errorf("skipping %s: %w", dir, err))
			continue
		}
		infos = append(infos, info)
	}
	slices.SortFunc(infos, func(a, b Info) int { return b.Start.Compare(a.Start) })
	return infos, problems
}

// Recover finalizes, as interrupted, every session still marked running
// whose recording process is gone: totals are recomputed from the samples
// kept and the chart is rendered. It returns the sessions it finalized.
func (s Store) Recover() (recovered []Info, problems []error) {
	infos, problems := s.List()
	for _, info := range infos {
		if info.Status != Running {
			continue
		}
		lock := flock.New(filepath.Join(info.Dir, lockFile))
		held, err := lock.TryLock()
		if err != nil {
			problems = append(problems, fmt.Errorf("checking session %s: %w", info.Dir, err))
			continue
		}
		if !held {
			continue // its recorder is alive
		}
		fixed, err := s.finalizeInterrupted(info)
		lock.Unlock()
		if err != nil {
			problems = append(problems, err)
			continue
		}
		os.Remove(lock.Path())
		s.log().Warn("finalized a session whose recorder had stopped", "dir", info.Dir)
		recovered = append(recovered, fixed)
	}
	return recovered, problems
}

func (s Store) finalizeInterrupted(info Info) (Info, error) {
	if err := trimTornTail(info.Samples); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log().Warn("cannot tidy the samples of an interrupted session", "dir", info.Dir, "err", err)
	}
	samples, skipped, err := readSamplesFile(info.Samples, nil)
	if err != nil {
		s.log().Warn("reading samples of an interrupted session", "dir", info.Dir, "err", err)
	}
	if skipped > 0 {
		s.log().Info("ignored damaged sample rows", "dir", info.Dir, "rows", skipped)
	}
	var totals meter.Totals
	for _, smp := range samples {
		totals.Add(smp, info.Interval())
	}
	info.applyTotals(totals)
	info.Status = Interrupted
	if err := chart.WriteFile(info.Chart, chartData(info, samples, s.Format)); err != nil {
		info.Warning = err.Error()
	}
	if err := info.save(); err != nil {
		return info, fmt.Errorf("finalizing session %s: %w", info.Dir, err)
	}
	return info, nil
}

// readSamplesFile reads a samples file followed by rows still in memory.
func readSamplesFile(path string, pending []byte) ([]meter.Sample, int, error) {
	f, err := os.Open(path)
	var r io.Reader = bytes.NewReader(pending)
	if err == nil {
		defer f.Close()
		r = io.MultiReader(f, r)
	} else if len(pending) == 0 {
		return nil, 0, fmt.Errorf("opening samples: %w", err)
	}
	return ReadSamples(r)
}

// Chart re-renders a session's chart from its samples.
func Chart(info Info, f units.Format) error {
	samples, _, err := readSamplesFile(info.Samples, nil)
	if err != nil {
		return err
	}
	return chart.WriteFile(info.Chart, chartData(info, samples, f))
}

func (i *Info) applyTotals(t meter.Totals) {
	i.BytesRecv, i.BytesSent = t.Recv, t.Sent
	i.PeakRecvBps, i.PeakSentBps = round1(t.PeakRecv), round1(t.PeakSent)
	i.SampleCount, i.Gaps = t.Samples, t.Gaps
	i.DurationSeconds = round3(t.Elapsed.Seconds())
	i.End = i.Start.Add(t.Elapsed)
	if !t.Last.IsZero() {
		i.End = t.Last
	}
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

func chartData(info Info, samples []meter.Sample, f units.Format) chart.Session {
	cs := chart.Session{
		Start:      info.Start,
		End:        info.End,
		Recv:       info.BytesRecv,
		Sent:       info.BytesSent,
		Interfaces: info.Interfaces,
		Status:     string(info.Status),
		Format:     f,
		Samples:    make([]chart.Sample, 0, len(samples)),
	}
	interval := info.Interval()
	for _, s := range samples {
		if s.Span*2 < interval && !s.Gap {
			continue // a final partial interval's rate is noise
		}
		cs.Samples = append(cs.Samples, chart.Sample{End: s.Time, Span: s.Span, Recv: s.RecvRate(), Sent: s.SentRate(), Gap: s.Gap})
	}
	return cs
}

// DiskUsage is the size of the files in a session folder, in bytes.
func DiskUsage(dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return nil
	})
	return total
}

// Remove deletes a finished session's folder. It refuses one whose
// recorder is still running.
func Remove(info Info) error {
	if info.Status == Running {
		lock := flock.New(filepath.Join(info.Dir, lockFile))
		held, err := lock.TryLock()
		if err != nil || !held {
			return fmt.Errorf("session %s is still recording", info.Dir)
		}
		defer lock.Unlock()
	}
	if _, err := os.Stat(filepath.Join(info.Dir, InfoFile)); err != nil {
		return fmt.Errorf("%s is not a session folder: %w", info.Dir, err)
	}
	if err := os.RemoveAll(info.Dir); err != nil {
		return fmt.Errorf("deleting session %s: %w", info.Dir, err)
	}
	return nil
}
