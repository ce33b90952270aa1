package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/desktop"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/notify"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

// Notifier shows notifications; *notify.Notifier is the real one.
type Notifier interface {
	Send(ctx context.Context, m notify.Message) error
}

// Options configures the tray app.
type Options struct {
	Config config.Config
	// ConfigPath is the settings file; menu choices are saved to it.
	ConfigPath string
	// ConfigErr is a problem loading the config file; the app then runs on
	// defaults and says so in the status line.
	ConfigErr error
	Env       session.Env
	Notifier  Notifier
	Log       *slog.Logger
	// Now is the wall clock for menu labels; nil means time.Now.
	Now func() time.Time
	// BusAddr is the session bus the tray shows on (Linux).
	BusAddr string
}

// recentMax is how many sessions the Recent sessions submenu lists.
const recentMax = 5

// Controller runs sessions for the tray and keeps the State it shows. It
// knows nothing of menus: the view reads State and calls its methods.
type Controller struct {
	opts  Options
	store session.Store
	ctx   context.Context // the app's lifetime
	log   *slog.Logger

	mu        sync.Mutex
	state     State
	rec       *session.Recording
	cancelRec context.CancelFunc
	recDone   chan struct{}

	changed    chan struct{}
	pending    sync.WaitGroup // notifications being sent
	background sync.WaitGroup // watching the sessions folder, until ctx ends

	warned map[string]bool // problems with the sessions folder already logged
}

// NewController prepares the app: it finalizes sessions left running by a
// crash and loads the recent ones.
func NewController(ctx context.Context, opts Options) *Controller {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Controller{
		opts:    opts,
		ctx:     ctx,
		log:     opts.Log,
		store:   session.Store{Dir: opts.Config.DataDir, Format: opts.Config.Format, PNG: opts.Config.PNG, Log: opts.Log},
		changed: make(chan struct{}, 1),
		warned:  map[string]bool{},
	}
	c.state.Selection = opts.Config.Selection
	c.state.Format = opts.Config.Format
	c.state.AlertAt = opts.Config.AlertAt
	if opts.ConfigErr != nil {
		c.log.Warn("using default settings", "err", opts.ConfigErr)
		c.state.Problem = "settings file has an error; using defaults"
	}
	recovered, problems := c.store.Recover()
	for _, info := range recovered {
		c.log.Warn("a session was interrupted (bwtray ended during it); saved what it had recorded", "dir", info.Dir)
	}
	for _, p := range problems {
		c.log.Warn(p.Error())
	}
	c.RefreshRecent()
	c.RefreshInterfaces()
	c.state.Autostart, _ = desktop.AutostartEnabled()
	c.background.Go(func() { c.watchFolder(ctx) })
	return c
}

// Done waits, once the controller's context has ended, until its
// background work has stopped touching the sessions folder.
func (c *Controller) Done() { c.background.Wait() }

// Menu is the menu to show for st now.
func (c *Controller) Menu(st State) Menu {
	return BuildMenu(st, MenuInput{Now: c.opts.Now(), Presets: c.opts.Config.Presets, Until: c.opts.Config.Until, AlertChoices: c.AlertChoices()})
}

// Do carries out what a menu click asks for.
func (c *Controller) Do(a Action) {
	switch a.Kind {
	case StartFor:
		if err := c.Start(a.Length, PresetLabel(a.Length), session.Request{For: a.Length.String()}); err != nil {
			c.log.Info("not started", "err", err)
		}
	case StartUntil:
		now := c.opts.Now()
		end, _ := a.Until.Next(now)
		if err := c.Start(end.Sub(now), "until "+a.Until.String(), session.Request{Until: a.Until.String()}); err != nil {
			c.log.Info("not started", "err", err)
		}
	case StopSession:
		c.Stop()
	case OpenPath:
		c.Open(a.Path)
	case OpenFolder:
		c.OpenFolder()
	case SetSelection:
		c.SetSelection(a.Selection)
	case SetAlert:
		c.SetAlert(a.Bytes)
	case ToggleAutostart:
		c.ToggleAutostart()
	}
}

// ToggleAutostart turns starting at login on or off.
func (c *Controller) ToggleAutostart() {
	on, err := desktop.AutostartEnabled()
	if err == nil {
		var exe string
		if !on {
			exe, err = desktop.Executable()
		}
		if err == nil {
			err = desktop.SetAutostart(!on, exe)
		}
	}
	now, _ := desktop.AutostartEnabled()
	c.mu.Lock()
	c.state.Autostart = now
	if err != nil {
		c.state.Problem = "start at login: " + err.Error()
	}
	c.mu.Unlock()
	if err != nil {
		c.log.Warn("cannot change starting at login", "err", err)
	} else {
		c.log.Info("start at login", "on", now, "entry", desktop.AutostartPath())
	}
	c.signal()
}

// RefreshRecent reads the newest finished sessions from the sessions
// folder again: those recorded by 'bwtray record' while the tray runs
// show up too. A damaged session is warned about once.
func (c *Controller) RefreshRecent() {
	infos, problems := c.store.Recent(recentMax)
	c.mu.Lock()
	for _, p := range problems {
		if !c.warned[p.Error()] {
			c.warned[p.Error()] = true
			c.log.Warn(p.Error())
		}
	}
	changed := !sameSessions(infos, c.state.Recent)
	if changed {
		c.state.Recent = infos
		if len(infos) > 0 && (c.state.Last == nil || !infos[0].Start.Before(c.state.Last.Start)) {
			last := infos[0]
			c.state.Last = &last
		}
	}
	c.mu.Unlock()
	if changed {
		c.signal()
	}
}

func sameSessions(a, b []session.Info) bool {
	return slices.EqualFunc(a, b, func(x, y session.Info) bool {
		return x.Dir == y.Dir && x.Status == y.Status && x.BytesRecv == y.BytesRecv && x.BytesSent == y.BytesSent
	})
}

// Changed signals (coalesced) that State changed.
func (c *Controller) Changed() <-chan struct{} { return c.changed }

func (c *Controller) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// State returns a copy of the current state. Its slices are never
// modified afterwards, only replaced.
func (c *Controller) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Presets are the configured session lengths.
func (c *Controller) Presets() []time.Duration { return c.opts.Config.Presets }

// Now is the controller's wall clock.
func (c *Controller) Now() time.Time { return c.opts.Now() }

// Until returns the clock times the start menu offers now.
func (c *Controller) Until() []units.ClockTime {
	return UntilChoices(c.opts.Now(), c.opts.Config.Until)
}

// ErrRecording is returned when a session is started during another.
var ErrRecording = errors.New("a session is already recording")

// Start begins a session of the given length; label describes it.
func (c *Controller) Start(length time.Duration, label string, req session.Request) error {
	c.mu.Lock()
	if c.cancelRec != nil {
		c.mu.Unlock()
		return ErrRecording
	}
	req.Length = length
	req.Interval = c.opts.Config.Interval
	req.NoApps = !c.opts.Config.Apps
	req.Selection = c.state.Selection
	req.AlertAt = c.state.AlertAt
	rec, err := c.store.Begin(c.ctx, req, c.opts.Env)
	if err != nil {
		c.state.Problem = "cannot start: " + err.Error()
		c.mu.Unlock()
		c.signal()
		c.log.Error("cannot start a session", "err", err)
		c.send(notify.Message{Title: "bwtray cannot start a session", Body: err.Error()})
		return err
	}
	recCtx, cancel := context.WithCancel(c.ctx)
	done := make(chan struct{})
	c.rec, c.cancelRec, c.recDone = rec, cancel, done
	c.state.Phase = Recording
	c.state.Label = label
	c.state.Progress = rec.Progress()
	c.state.Problem, c.state.ChartNote = "", ""
	c.mu.Unlock()
	c.signal()
	c.log.Info("session started", "dir", rec.Info().Dir, "length", length, "interfaces", rec.Info().Interfaces)
	go func() {
		defer close(done)
		info, err := rec.Run(recCtx, c.progress)
		c.finished(info, err)
	}()
	return nil
}

func (c *Controller) progress(p session.Progress) {
	c.mu.Lock()
	c.state.Progress = p
	format := c.state.Format
	c.mu.Unlock()
	c.signal()
	if p.AlertNow {
		c.log.Info("data alert", "total", p.Total(), "cap", p.AlertAt)
		title, body := AlertMessage(p, format)
		c.send(notify.Message{Title: title, Body: body})
	}
}

// SetAlert sets the data cap for sessions, the running one included
// (0 turns it off), and remembers it in the settings file.
func (c *Controller) SetAlert(bytes uint64) {
	c.mu.Lock()
	c.state.AlertAt = bytes
	rec := c.rec
	c.mu.Unlock()
	if rec != nil {
		rec.SetAlert(bytes)
	}
	c.remember("alert_at", config.AlertValue(bytes))
	c.signal()
}

// remember saves a menu choice to the settings file, so it survives a
// restart. Failing to is worth a word, not more.
func (c *Controller) remember(key string, value any) {
	if c.opts.ConfigPath == "" {
		return
	}
	if err := config.Set(c.opts.ConfigPath, key, value); err != nil {
		c.log.Warn("cannot remember the choice", "key", key, "err", err)
		c.mu.Lock()
		c.state.Problem = "choice not saved: " + err.Error()
		c.mu.Unlock()
	}
}

// AlertChoices are the caps the Alert at submenu offers.
func (c *Controller) AlertChoices() []uint64 { return AlertChoices(c.opts.Config.AlertAt) }

func (c *Controller) finished(info session.Info, err error) {
	c.mu.Lock()
	c.rec, c.cancelRec, c.recDone = nil, nil, nil
	c.state.Phase = Finished
	c.state.Last = &info
	recent := append([]session.Info{info}, slices.DeleteFunc(slices.Clone(c.state.Recent), func(r session.Info) bool { return r.Dir == info.Dir })...)
	c.state.Recent = recent[:min(len(recent), recentMax)]
	if err != nil {
		c.state.Problem = "saved with problems: " + err.Error()
	}
	// Until the notification is shown (a busy server may take a while),
	// and if it never is, the status line says where the chart is.
	chart := info.Chart
	note := "chart: " + ShortPath(chart)
	c.state.ChartNote = note
	format := c.state.Format
	c.mu.Unlock()
	c.signal()
	if err != nil {
		c.log.Error("session saved with problems", "dir", info.Dir, "err", err)
	}
	c.log.Info("session ended", "status", info.Status, "recv", info.BytesRecv, "sent", info.BytesSent, "chart", info.Chart)
	title, body, where := Summary(info, format)
	c.send(notify.Message{Title: title, Body: body, Unclickable: where, Action: "Open chart", OnAction: func() { c.Open(chart) }, Target: chart},
		func(err error) {
			if err != nil {
				return
			}
			c.mu.Lock()
			if c.state.ChartNote == note {
				c.state.ChartNote = ""
			}
			c.mu.Unlock()
			c.signal()
		})
}

// send shows a notification in the background; it never blocks the menu.
// done, if given, runs with the outcome.
func (c *Controller) send(m notify.Message, done ...func(error)) {
	if c.opts.Notifier == nil {
		return
	}
	c.pending.Add(1)
	go func() {
		defer c.pending.Done()
		// Sent even while quitting, so the final session is announced.
		err := c.opts.Notifier.Send(context.WithoutCancel(c.ctx), m)
		if err != nil {
			c.log.Warn("could not show a notification", "err", err)
		}
		for _, f := range done {
			f(err)
		}
	}()
}

// Stop ends the running session early; it is saved as stopped.
func (c *Controller) Stop() {
	c.mu.Lock()
	cancel := c.cancelRec
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Wait blocks until the running session (if any) is saved and pending
// notifications are sent or timed out.
func (c *Controller) Wait() {
	c.mu.Lock()
	done := c.recDone
	c.mu.Unlock()
	if done != nil {
		<-done
	}
	c.pending.Wait()
}

// shutdownGrace bounds how long quitting waits for notifications still
// being sent (the session is saved by then): a server that does not
// answer must not keep bwtray from quitting.
const shutdownGrace = 10 * time.Second

// Shutdown stops any session, waits until it is saved, and gives the
// notifications on their way (its announcement) up to shutdownGrace.
func (c *Controller) Shutdown() {
	c.Stop()
	c.mu.Lock()
	done := c.recDone
	c.mu.Unlock()
	if done != nil {
		<-done
	}
	sent := make(chan struct{})
	go func() {
		c.pending.Wait()
		close(sent)
	}()
	select {
	case <-sent:
	case <-time.After(shutdownGrace):
		c.log.Warn("quitting without waiting longer for the notification server")
	}
}

// SetSelection chooses which interfaces the next session counts, and
// remembers it in the settings file.
func (c *Controller) SetSelection(sel meter.Selection) {
	c.mu.Lock()
	c.state.Selection = sel
	c.mu.Unlock()
	c.remember("interfaces", config.SelectionValue(sel))
	c.signal()
}

// RefreshInterfaces rereads which interfaces exist.
func (c *Controller) RefreshInterfaces() {
	readings, err := c.opts.Env.Source.Read(c.ctx, nil)
	if err != nil {
		c.log.Warn("cannot list interfaces", "err", err)
		return
	}
	ifaces := meter.Interfaces(readings, c.opts.Env.Classify)
	c.mu.Lock()
	changed := !slices.Equal(ifaces, c.state.Interfaces)
	c.state.Interfaces = ifaces
	c.mu.Unlock()
	if changed {
		c.signal()
	}
}

// Open opens a file or folder with the configured or platform opener.
func (c *Controller) Open(path string) {
	if err := Open(path, c.opts.Config.OpenCommand); err != nil {
		c.log.Warn("cannot open", "path", path, "err", err)
		c.mu.Lock()
		c.state.Problem = fmt.Sprintf("cannot open %s: %v", path, err)
		c.mu.Unlock()
		c.signal()
	}
}

// OpenFolder opens the sessions folder, creating it if needed.
func (c *Controller) OpenFolder() {
	if err := os.MkdirAll(c.store.Dir, 0o700); err != nil {
		c.log.Warn("cannot create sessions folder", "err", err)
	}
	c.Open(c.store.Dir)
}
