package session

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/chart"
	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/units"
)

// Store is a folder of session folders.
type Store struct {
	Dir string
	// Format is used for charts the store renders itself (recovery).
	Format units.Format
	// PNG writes chart.png beside chart.svg.
	PNG bool
	Log *slog.Logger
}

// ChartOptions say how a session's chart is drawn and which files are
// written.
type ChartOptions struct {
	Format units.Format
	// PNG writes chart.png too.
	PNG bool
}

func (s Store) chartOptions() ChartOptions { return ChartOptions{Format: s.Format, PNG: s.PNG} }

func (s Store) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// folderLayout names session folders by local start time; no colons, so
// the names are valid on Windows too, and they sort chronologically.
const folderLayout = "2006-01-02T15-04-05"

// create makes a new, private session folder for a session starting at
// start, durably: the sessions folder is synced so it survives a power cut.
func (s Store) create(start time.Time) (string, error) {
	base := filepath.Join(s.Dir, start.Local().Format(folderLayout))
	for i := 1; i < 1000; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o700)
		if err == nil {
			if d, err := safefs.OpenDir(s.Dir); err == nil {
				d.Sync()
				d.Close()
			}
			return filepath.Abs(dir)
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("cannot create a session folder in %s: %w", s.Dir, err)
		}
	}
	return "", fmt.Errorf("cannot create a session folder in %s: too many sessions started at %s", s.Dir, start.Format(time.TimeOnly))
}

// CheckDir makes sure dir exists (creating it and its parents, private, if
// needed), is a folder and can be written, so that a bad output folder is
// reported when a session starts, not when it ends.
func CheckDir(dir string) error {
	return checkDir(dir, true)
}

// CheckNamedDir is CheckDir for a folder the user named (--out): the
// folder itself may be created, but its parent must exist, so a typo is
// reported instead of creating a tree of folders somewhere unexpected.
func CheckNamedDir(dir string) error {
	return checkDir(dir, false)
}

func checkDir(dir string, parents bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		mkdir := os.MkdirAll
		if !parents {
			parent := filepath.Dir(filepath.Clean(dir))
			if pfi, err := os.Stat(parent); err != nil || !pfi.IsDir() {
				return fmt.Errorf("cannot create sessions folder %s: its parent folder %s does not exist", dir, parent)
			}
			mkdir = os.Mkdir
		}
		if err := mkdir(dir, 0o700); err != nil {
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

// Exposed reports, as a sentence for a warning, whether other users can
// write to the sessions folder or own it: like ssh's StrictModes, bwtray
// says so, since anyone who can write there can plant files (which bwtray
// never follows or trusts). It returns "" when the folder is private or
// missing.
func (s Store) Exposed() string { return exposed(s.Dir) }

// listing is what a sessions folder holds: session folders, by name.
type listing struct {
	dir     string
	names   []string // folder names, oldest first
	problem error
}

func (s Store) readFolder() listing {
	l := listing{dir: s.Dir}
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return l
	}
	if err != nil {
		l.problem = fmt.Errorf("reading sessions folder: %w", err)
		return l
	}
	for _, e := range entries {
		// A link is never a session folder: it could lead anywhere.
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			l.names = append(l.names, e.Name())
		}
	}
	return l
}

// List returns the kept sessions, newest first. A folder whose
// session.json is damaged is left out and reported in problems; it never
// hides the others. Folders without a session.json are not sessions (or
// not yet: Recover finds those that have samples).
func (s Store) List() (infos []Info, problems []error) {
	l := s.readFolder()
	if l.problem != nil {
		return nil, []error{l.problem}
	}
	for _, name := range l.names {
		info, err := Load(filepath.Join(s.Dir, name))
		switch {
		case err == nil:
			infos = append(infos, info)
		case errors.Is(err, fs.ErrNotExist):
		default:
			problems = append(problems, fmt.Errorf("skipping a damaged session: %w", err))
		}
	}
	slices.SortFunc(infos, func(a, b Info) int { return b.Start.Compare(a.Start) })
	return infos, problems
}

// Recent returns the newest n finished sessions, newest first, reading no
// more session folders than it needs (their names sort by start time). A
// damaged one is reported in problems and skipped.
func (s Store) Recent(n int) (infos []Info, problems []error) {
	l := s.readFolder()
	if l.problem != nil {
		return nil, []error{l.problem}
	}
	for i := len(l.names) - 1; i >= 0 && len(infos) < n; i-- {
		info, err := Load(filepath.Join(s.Dir, l.names[i]))
		switch {
		case err == nil && info.Status != Running:
			infos = append(infos, info)
		case err == nil, errors.Is(err, fs.ErrNotExist):
		default:
			problems = append(problems, fmt.Errorf("skipping a damaged session: %w", err))
		}
	}
	slices.SortFunc(infos, func(a, b Info) int { return b.Start.Compare(a.Start) })
	return infos, problems
}

// Recover finalizes, as interrupted, every session whose recording process
// is gone: one still marked running, or a folder with samples whose
// session.json never reached the disk (a power cut just after it started).
// Totals are recomputed from the samples kept and the chart is rendered.
// It decides from what is on disk once it holds the session's lock, so it
// never touches a session that finished meanwhile. It returns the sessions
// it finalized.
func (s Store) Recover() (recovered []Info, problems []error) {
	l := s.readFolder()
	if l.problem != nil {
		return nil, []error{l.problem}
	}
	for _, name := range l.names {
		dir := filepath.Join(s.Dir, name)
		if !s.mayNeedRecovery(dir) {
			continue
		}
		info, done, err := s.recoverOne(dir)
		if err != nil {
			problems = append(problems, err)
		}
		if done {
			recovered = append(recovered, info)
		}
	}
	return recovered, problems
}

// mayNeedRecovery is the cheap first look: running, or samples without
// session.json. Only such folders are locked and read again.
func (s Store) mayNeedRecovery(dir string) bool {
	d, err := safefs.OpenDir(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	info, err := load(d, dir)
	if err == nil {
		return info.Status == Running
	}
	_, serr := d.Lstat(SamplesFile)
	return errors.Is(err, fs.ErrNotExist) && serr == nil
}

func (s Store) recoverOne(dir string) (Info, bool, error) {
	if !ownedByMe(dir) {
		return Info{}, false, fmt.Errorf("not finalizing %s: it belongs to another user", dir)
	}
	lock, err := safefs.TryLock(dir, lockFile)
	if err != nil {
		return Info{}, false, fmt.Errorf("checking session %s: %w", dir, err)
	}
	if lock == nil {
		return Info{}, false, nil // its recorder is alive
	}
	d, err := safefs.OpenDir(dir)
	if err != nil {
		lock.Release(false)
		return Info{}, false, fmt.Errorf("finalizing session %s: %w", dir, err)
	}
	defer d.Close()
	// Decide from what is on disk now: the recorder may have finished
	// between the first look and the lock.
	info, err := load(d, dir)
	switch {
	case err == nil && info.Status != Running:
		lock.Release(true)
		return Info{}, false, nil
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := d.Lstat(SamplesFile); serr != nil {
			lock.Release(true)
			return Info{}, false, nil
		}
		info = rebuildInfo(dir)
	case err != nil:
		lock.Release(false)
		return Info{}, false, fmt.Errorf("skipping a damaged session: %w", err)
	}
	fixed, err := s.finalizeInterrupted(d, info)
	lock.Release(err == nil)
	if err != nil {
		return Info{}, false, err
	}
	s.log().Warn("finalized a session whose recorder had stopped", "dir", dir)
	return fixed, true, nil
}

// rebuildInfo is what can be known of a session whose session.json was
// lost: its folder and its samples.
func rebuildInfo(dir string) Info {
	info := Info{Status: Running, Selection: "unknown", Warning: "session.json was lost (a crash just after the session started); rebuilt from the samples"}
	if name := filepath.Base(dir); len(name) >= len(folderLayout) {
		if t, err := time.ParseInLocation(folderLayout, name[:len(folderLayout)], time.Local); err == nil {
			info.Start = t
		}
	}
	info.setPaths(dir)
	return info
}

func (s Store) finalizeInterrupted(d *safefs.Dir, info Info) (Info, error) {
	if err := trimTornTail(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log().Warn("cannot tidy the samples of an interrupted session", "dir", info.Dir, "err", err)
	}
	var totals meter.Totals
	interval := info.Interval()
	var first meter.Sample
	skipped, err := scanSamplesFile(d, nil, func(smp meter.Sample) {
		if totals.Samples == 0 {
			first = smp
		}
		totals.Add(smp, interval)
	})
	if err != nil {
		s.log().Warn("reading samples of an interrupted session", "dir", info.Dir, "err", err)
	}
	if skipped > 0 {
		s.log().Warn("skipped damaged sample rows", "dir", info.Dir, "rows", skipped)
	}
	if info.IntervalSeconds == 0 && totals.Samples > 0 {
		// A rebuilt session: take the interval and start from the samples.
		info.IntervalSeconds = round3(first.Span.Seconds())
		info.Start = first.Time.Add(-first.Elapsed)
	}
	info.applyTotals(totals)
	info.Status = Interrupted
	if rows, skipped, err := appsFromFile(d); err == nil && rows != nil {
		rows, rest, _ := apps.Split(rows, apps.Bytes{Recv: info.BytesRecv, Sent: info.BytesSent})
		info.Apps = rows
		info.Unattributed = &apps.Unattributed{Bytes: rest, Reasons: []string{"the session was interrupted: the apps' last seconds may be missing"}}
		if skipped > 0 {
			s.log().Warn("skipped damaged rows of "+AppsFile, "dir", info.Dir, "rows", skipped)
		}
	}
	if out, err := s.writeChart(d, info, nil); err != nil {
		info.Warning = joinWarning(info.Warning, err.Error())
	} else {
		info = out
	}
	if err := info.save(d); err != nil {
		return info, fmt.Errorf("finalizing session %s: %w", info.Dir, err)
	}
	return info, nil
}

func joinWarning(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// writeChart renders the session's chart from its samples (and rows
// still in memory) and its apps' windows, streaming them through the
// downsamplers so that any length of session fits in bounded memory. It
// returns info with the PNG's path when one was written.
func (s Store) writeChart(d *safefs.Dir, info Info, pending []byte) (Info, error) {
	return writeChart(d, info, pending, s.chartOptions())
}

func writeChart(d *safefs.Dir, info Info, pending []byte, opts ChartOptions) (Info, error) {
	cs := chartSession(info, opts.Format)
	ds := chart.NewDownsampler(cs.Start, cs.End, chart.Width)
	interval := info.Interval()
	if _, err := scanSamplesFile(d, pending, func(s meter.Sample) {
		if s.Span*2 < interval && !s.Gap {
			return // a final partial interval's rate is noise
		}
		ds.Add(chart.Sample{End: s.Time, Span: s.Span, Recv: s.RecvRate(), Sent: s.SentRate(), Gap: s.Gap})
	}); err != nil {
		return info, err
	}
	cs.Samples = ds.Samples()
	cs.PeakRecv, cs.PeakSent = ds.Peaks()
	cs.AppRates = appRates(d, info, cs)
	svg, err := chart.Render(cs)
	if err != nil {
		return info, err
	}
	if err := d.WriteFile(ChartFile, svg); err != nil {
		return info, fmt.Errorf("writing chart: %w", err)
	}
	if opts.PNG {
		png, err := chart.RenderPNG(cs)
		if err != nil {
			return info, err
		}
		if err := d.WriteFile(ChartPNGFile, png); err != nil {
			return info, fmt.Errorf("writing %s: %w", ChartPNGFile, err)
		}
		info.ChartPNG = filepath.Join(info.Dir, ChartPNGFile)
	}
	return info, nil
}

// appRates reads the top apps' windows from apps.csv for the chart's
// areas; nil without apps.
func appRates(d *safefs.Dir, info Info, cs chart.Session) *chart.AppRates {
	if len(info.Apps) == 0 {
		return nil
	}
	f, err := d.Open(AppsFile, os.O_RDONLY)
	if err != nil {
		return nil // the table alone, then
	}
	defer f.Close()
	var names []string
	for _, a := range info.Apps[:min(len(info.Apps), chart.MaxStacked)] {
		names = append(names, a.Name)
	}
	rates := chart.NewAppRates(cs.Start, cs.End, names, cs.Samples)
	ScanApps(f, func(w AppWindow) { rates.Add(w.Name, w.End, w.Recv, w.Sent) })
	return rates
}

// Chart re-renders a session's chart from its samples, and returns the
// session with the PNG's path when one was written (and saved in its
// session.json).
func Chart(info Info, opts ChartOptions) (Info, error) {
	d, err := safefs.OpenDir(info.Dir)
	if err != nil {
		return info, err
	}
	defer d.Close()
	out, err := writeChart(d, info, nil, opts)
	if err != nil {
		return info, err
	}
	if out.ChartPNG != "" && info.ChartPNG == "" {
		if err := out.save(d); err != nil {
			return out, err
		}
	}
	return out, nil
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

func chartSession(info Info, f units.Format) chart.Session {
	cs := chart.Session{
		Start:      info.Start,
		End:        info.End,
		Recv:       info.BytesRecv,
		Sent:       info.BytesSent,
		Interfaces: info.Interfaces,
		Status:     string(info.Status),
		Format:     f,
	}
	for _, a := range info.Apps {
		cs.Apps = append(cs.Apps, chart.App{Name: a.Name, Recv: a.Recv, Sent: a.Sent, Estimated: a.Estimated})
	}
	if u := info.Unattributed; u != nil {
		cs.Unattributed = &chart.Remainder{Recv: u.Recv, Sent: u.Sent, Reasons: u.Reasons}
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

// Sum adds up the sessions' totals. Sums that would pass what a uint64
// holds stop there, and saturated says so: absurd totals in damaged files
// never wrap round to small numbers.
func Sum(infos []Info) (recv, sent uint64, saturated bool) {
	for _, in := range infos {
		recv = meter.SatAdd(recv, in.BytesRecv)
		sent = meter.SatAdd(sent, in.BytesSent)
	}
	saturated = recv == ^uint64(0) || sent == ^uint64(0)
	return recv, sent, saturated
}

// Remove deletes a finished session's folder. It refuses one whose
// recorder is still running.
func Remove(info Info) error {
	if info.Status == Running {
		lock, err := safefs.TryLock(info.Dir, lockFile)
		if err != nil || lock == nil {
			return fmt.Errorf("session %s is still recording", info.Dir)
		}
		defer lock.Release(false)
	}
	if fi, err := os.Lstat(filepath.Join(info.Dir, InfoFile)); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a session folder", info.Dir)
	}
	if err := os.RemoveAll(info.Dir); err != nil {
		return fmt.Errorf("deleting session %s: %w", info.Dir, err)
	}
	return nil
}
