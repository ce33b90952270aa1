package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/meter"
)

// InputError is a problem with what was asked (an unknown interface, an
// unusable folder) rather than a failure while recording.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Request is what a user asked to record.
type Request struct {
	// Length is how long to record; 0 records until the context ends.
	Length time.Duration
	// For and Until are what the user typed, kept in session.json.
	For, Until string
	Interval   time.Duration
	Selection  meter.Selection
	// AlertAt, if not 0, is a data cap in bytes (download + upload): when
	// the session's total reaches it, Progress says so once.
	AlertAt uint64
	// NoApps turns off telling which apps moved the bytes.
	NoApps bool
}

// Env is what a recording reads; tests replace its parts.
type Env struct {
	Source   meter.Source
	Clock    meter.Clock
	Classify func(name string) meter.Kind
	Identify func(name string) uint64
	// Links opens the platform's interface events; nil for none.
	Links func(ctx context.Context) (meter.Links, error)
	// Apps starts telling which apps move the bytes of the interfaces
	// counted says; nil for never.
	Apps func(ctx context.Context, counted func(name string) bool, now time.Time) (*apps.Recorder, error)
}

// SystemEnv reads the real counters with the real clock, and knows
// interfaces by their kernel identity where the platform tells it.
func SystemEnv() Env {
	return Env{Source: meter.System{}, Clock: meter.SystemClock{}, Classify: meter.Classify, Identify: meter.Identify, Links: meter.OpenLinks, Apps: apps.Open}
}

// Progress is a live view of a recording.
type Progress struct {
	Start   time.Time
	Elapsed time.Duration
	// Length is the planned length, 0 if open-ended.
	Length time.Duration
	Totals meter.Totals
	// Last is the latest sample; its rates are the current rates.
	Last meter.Sample
	// Active is how many counted interfaces are present right now.
	Active int
	// Warning is a problem the user should know about now (disk full).
	Warning string
	// AlertAt is the data cap in force (0: none); Alerted says the session
	// has reached it, and AlertNow that it did so at this sample.
	AlertAt  uint64
	Alerted  bool
	AlertNow bool
}

// Total is the bytes moved both ways.
func (p Progress) Total() uint64 { return p.Totals.Recv + p.Totals.Sent }

// Remaining is the planned time left, never negative.
func (p Progress) Remaining() time.Duration {
	if p.Length <= 0 {
		return 0
	}
	return max(p.Length-p.Elapsed, 0)
}

// Recording is a session being recorded.
type Recording struct {
	store    Store
	req      Request
	info     Info
	meter    *meter.Meter
	dir      *safefs.Dir
	lock     *safefs.Lock
	samples  *samplesWriter
	apps     *apps.Recorder // nil without attribution
	appsOut  *appsWriter
	appsErr  bool // a step failed; said once
	totals   meter.Totals
	last     meter.Sample
	diskFull bool
	log      *slog.Logger

	alertAt   atomic.Uint64 // may be changed by SetAlert during Run
	armedAt   uint64        // the cap the alert state below refers to
	alerted   bool
	alertedAt time.Time
}

// Begin checks the request, creates the session folder, takes the baseline
// reading and marks the session running. Every problem with the request or
// the folder is reported here, before anything is recorded.
func (s Store) Begin(ctx context.Context, req Request, env Env) (*Recording, error) {
	log := s.log()
	readings, err := env.Source.Read(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("starting a session: %w", err)
	}
	names := make([]string, len(readings))
	for i, c := range readings {
		names[i] = c.Name
	}
	if err := req.Selection.Check(names); err != nil {
		return nil, &InputError{err}
	}
	if err := CheckDir(s.Dir); err != nil {
		return nil, &InputError{err}
	}
	dir, err := s.create(env.Clock.Now())
	if err != nil {
		return nil, err
	}
	r := &Recording{store: s, req: req, log: log.With("session", filepath.Base(dir))}
	r.alertAt.Store(req.AlertAt)
	if err := r.open(ctx, dir, env); err != nil {
		r.release(true)
		os.RemoveAll(dir) // nothing was recorded; leave no empty session behind
		return nil, err
	}
	return r, nil
}

// open locks the new folder before anything else is in it, so no other
// bwtray ever takes the session being created for a dead one.
func (r *Recording) open(ctx context.Context, dir string, env Env) error {
	var err error
	if r.lock, err = safefs.TryLock(dir, lockFile); err != nil || r.lock == nil {
		return fmt.Errorf("locking session folder %s: %v", dir, errors.Join(err, errors.New("lock is held")))
	}
	if r.dir, err = safefs.OpenDir(dir); err != nil {
		return err
	}
	if r.samples, err = createSamples(r.dir); err != nil {
		return err
	}
	r.meter, err = meter.Start(ctx, meter.Config{
		Source:   env.Source,
		Clock:    env.Clock,
		Interval: r.req.Interval,
		Select:   r.req.Selection.Matcher(env.Classify),
		Identify: env.Identify,
		Links:    env.Links,
		Log:      r.log,
	})
	if err != nil {
		return err
	}
	start := r.meter.Started()
	if !r.req.NoApps && env.Apps != nil {
		if err := r.startApps(ctx, env, start); err != nil {
			r.log.Info("not telling which apps moved the data", "why", err)
		}
	}
	r.info = Info{
		Start:           start,
		End:             start,
		Interfaces:      r.meter.Interfaces(),
		Status:          Running,
		For:             r.req.For,
		Until:           r.req.Until,
		IntervalSeconds: r.req.Interval.Seconds(),
		Selection:       r.req.Selection.Key(),
		PID:             os.Getpid(),
		Version:         infoVersion,
		AlertAt:         r.req.AlertAt,
	}
	r.armedAt = r.req.AlertAt
	if r.req.Length > 0 {
		r.info.PlannedEnd = start.Add(r.req.Length)
	}
	r.info.setPaths(dir)
	return r.info.save(r.dir)
}

// startApps starts attributing bytes to apps, with apps.csv.
func (r *Recording) startApps(ctx context.Context, env Env, now time.Time) error {
	rec, err := env.Apps(ctx, r.req.Selection.Matcher(env.Classify), now)
	if err != nil {
		return err
	}
	out, err := createApps(r.dir)
	if err != nil {
		rec.Close()
		return err
	}
	r.apps, r.appsOut = rec, out
	return nil
}

// stepApps takes the apps' next look, and writes a window to apps.csv
// every appsWindow.
func (r *Recording) stepApps(ctx context.Context, s meter.Sample) {
	if r.apps == nil {
		return
	}
	if err := r.apps.Step(ctx, s.Time); err != nil && !r.appsErr {
		r.appsErr = true
		r.log.Warn("cannot list sockets; the apps' totals may miss some bytes", "err", err)
	}
	if s.Elapsed >= r.appsOut.next {
		r.appsOut.next = (s.Elapsed/appsWindow + 1) * appsWindow
		if err := r.appsOut.write(s.Time, r.apps.Window()); err != nil && !r.appsErr {
			r.appsErr = true
			r.log.Warn("cannot write "+AppsFile, "err", err)
		}
	}
}

// Info is the session as it stands.
func (r *Recording) Info() Info { return r.info }

// SetAlert changes the data cap while recording (0 turns it off). A cap
// the session is already over alerts at the next sample.
func (r *Recording) SetAlert(bytes uint64) { r.alertAt.Store(bytes) }

// checkAlert runs on Run's goroutine after each sample and reports whether
// the cap was reached just now.
func (r *Recording) checkAlert(at time.Time) bool {
	limit := r.alertAt.Load()
	if limit != r.armedAt {
		r.armedAt, r.alerted = limit, false
	}
	if limit == 0 || r.alerted || r.totals.Recv+r.totals.Sent < limit {
		return false
	}
	r.alerted, r.alertedAt = true, at
	r.log.Info("data cap reached", "cap", limit, "total", r.totals.Recv+r.totals.Sent)
	// Saved now, so that a crash keeps it.
	info := r.info
	info.AlertAt, info.AlertedAt = limit, &at
	if err := info.save(r.dir); err != nil {
		r.log.Warn("cannot save the alert in session.json", "err", err)
	} else {
		r.info = info
	}
	return true
}

// Progress is the recording's live state.
func (r *Recording) Progress() Progress {
	p := Progress{
		Start:   r.info.Start,
		Elapsed: r.meter.Elapsed(),
		Length:  r.req.Length,
		Totals:  r.totals,
		Last:    r.last,
		Active:  r.meter.Active(),
		AlertAt: r.armedAt,
		Alerted: r.alerted,
	}
	if r.diskFull {
		p.Warning = "cannot write to disk; keeping samples in memory"
	}
	return p
}

// Run records until the planned length is reached or ctx ends (then the
// session is stopped: still saved, with its chart). progress, if not nil,
// is called after every sample from Run's goroutine. The returned Info is
// the session as saved; an error means it could not be saved completely,
// and says what is missing.
func (r *Recording) Run(ctx context.Context, progress func(Progress)) (Info, error) {
	interval := r.req.Interval
	ending := r.meter.Run(ctx, r.req.Length, func(s meter.Sample) {
		r.totals.Add(s, interval)
		if s.Active == 0 && (r.last.Active != 0 || r.totals.Samples == 1) {
			r.log.Warn("no counted interface is present; counting resumes when one appears")
		}
		r.last = s
		r.stepApps(ctx, s)
		if err := r.samples.Write(s); err != nil {
			if !r.diskFull {
				r.log.Warn("cannot write samples; keeping them in memory until the disk takes them", "err", err)
				r.diskFull = true
			}
		} else if r.diskFull {
			r.log.Warn("samples are written again; none was lost")
			r.diskFull = false
		}
		now := r.checkAlert(s.Time)
		if progress != nil {
			p := r.Progress()
			p.AlertNow = now
			progress(p)
		}
	})
	status := Completed
	if ending == meter.Stopped {
		status = Stopped
	}
	return r.finish(status)
}

// finish writes everything out. It tries every step even when one fails,
// so that as much as possible is saved.
func (r *Recording) finish(status Status) (Info, error) {
	var errs []error
	pending := r.samples.pending
	if err := r.samples.Close(); err != nil {
		errs = append(errs, fmt.Errorf("saving samples: %w", err))
	} else {
		pending = nil
	}
	info := r.info
	info.Interfaces = r.meter.Interfaces()
	info.applyTotals(r.totals)
	info.Status = status
	info.AlertAt, info.AlertedAt = r.armedAt, nil
	if r.alerted {
		at := r.alertedAt
		info.AlertedAt = &at
	}
	if r.apps != nil {
		rows, un := r.apps.Finish(context.Background(), info.End, apps.Bytes{Recv: info.BytesRecv, Sent: info.BytesSent})
		closes, lost := r.apps.Heard()
		r.log.Info("sockets closed during the session", "heard", closes, "lost", lost)
		if err := r.appsOut.write(info.End, r.apps.Window()); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", AppsFile, err))
		}
		if err := r.appsOut.close(); err != nil {
			errs = append(errs, fmt.Errorf("saving %s: %w", AppsFile, err))
		}
		info.Apps, info.Unattributed = rows, &un
	}
	if out, err := writeChart(r.dir, info, pending, r.store.chartOptions()); err == nil {
		info = out
	} else {
		info.Warning = err.Error()
		errs = append(errs, err)
	}
	saveErr := info.save(r.dir)
	if saveErr != nil {
		errs = append(errs, saveErr)
	}
	r.info = info
	// A session not saved stays "running" on disk, with its lock file, for
	// the next bwtray to finalize from the samples.
	r.release(saveErr == nil)
	return info, errors.Join(errs...)
}

// release unlocks the session folder, then removes the lock file if the
// session is finished. Another bwtray that locks the file in between finds
// the session finished on disk and leaves it alone.
func (r *Recording) release(remove bool) {
	if r.meter != nil {
		r.meter.Close()
	}
	if r.apps != nil {
		r.apps.Close()
		r.apps = nil
	}
	if r.dir != nil {
		r.dir.Close()
		r.dir = nil
	}
	r.lock.Release(remove)
	r.lock = nil
}
