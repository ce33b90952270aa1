// Package tray is bwtray's system tray app: a menu to start and stop
// timed sessions, live totals in the tooltip and a status line, and a
// notification that opens the chart when a session ends.
//
// The Controller runs sessions and keeps the State; the view is a thin
// layer over it. Only this file talks to systray, and only one goroutine
// changes menu items (systray's items are not safe to mutate from several).
// Click loops do nothing but forward clicks, so none is ever dropped.
package tray

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"fyne.io/systray"

	"github.com/bwtray/bwtray/icons"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/session"
)

// Slots are menu items created up front and shown as needed: systray
// cannot reliably add items to an exported menu later.
const (
	untilSlots = 8
	ifaceSlots = 16
)

type view struct {
	ctrl *Controller
	log  *slog.Logger
	quit context.CancelFunc

	status    *systray.MenuItem
	start     *systray.MenuItem
	presets   []*systray.MenuItem
	until     []*systray.MenuItem
	stop      *systray.MenuItem
	openLast  *systray.MenuItem
	recent    *systray.MenuItem
	recentOne [recentMax]*systray.MenuItem
	folder    *systray.MenuItem
	ifaceMenu *systray.MenuItem
	ifaceReal *systray.MenuItem
	ifaceAll  *systray.MenuItem
	ifaceOne  [ifaceSlots]*systray.MenuItem
	alertMenu *systray.MenuItem
	alertOne  []*systray.MenuItem
	autostart *systray.MenuItem
	quitItem  *systray.MenuItem

	// Only the view goroutine touches these.
	shown       State
	tooltip     string
	lastTip     time.Time
	lastStatus  time.Time
	openedAt    time.Time // when the panel last said the menu opened
	untilMinute time.Time // the minute the Until labels were made for
	icon        iconKind

	clicks chan func()
	ctx    context.Context
	titles map[*systray.MenuItem]string
	hidden map[*systray.MenuItem]bool
	// busLost is closed when the session bus is gone: systray then panics
	// on any change (it uses godbus SetMust), so the view stops making any.
	busLost <-chan struct{}
}

// Run runs the tray app until Quit is chosen or ctx ends. Any running
// session is stopped and saved, and announced, before it returns.
func Run(ctx context.Context, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lost, err := watchBus(ctx, log)
	if err != nil {
		return err
	}
	ctrl := NewController(ctx, opts)
	v := &view{ctrl: ctrl, log: opts.Log, quit: cancel, clicks: make(chan func(), 32), ctx: ctx,
		titles: map[*systray.MenuItem]string{}, hidden: map[*systray.MenuItem]bool{}, busLost: lost}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	go func() {
		select {
		case <-lost:
			v.log.Warn("the D-Bus session bus went away; saving the session and quitting")
			cancel()
		case <-ctx.Done():
		}
	}()
	// Set before Run too: on Linux the first Set* calls can race onReady.
	st := ctrl.State()
	systray.SetIcon(icons.Idle())
	systray.SetTitle("bwtray")
	systray.SetTooltip(Tooltip(st))
	exited := make(chan struct{})
	systray.Run(func() { v.ready(ctx) }, func() { close(exited) })
	<-exited
	return nil
}

func (v *view) ready(ctx context.Context) {
	systray.SetIcon(icons.Idle())
	systray.SetTitle("bwtray")
	v.build()
	v.update(v.ctrl.State(), true)
	go v.loop(ctx)
	go v.worker(ctx)
}

func (v *view) build() {
	c := v.ctrl
	v.status = systray.AddMenuItem("Idle", "What bwtray is doing")
	v.status.Disable()
	systray.AddSeparator()
	v.start = systray.AddMenuItem("Start session", "Record how much data this machine moves")
	for _, d := range c.Presets() {
		item := v.start.AddSubMenuItem(PresetLabel(d), "Record for "+PresetLabel(d))
		v.presets = append(v.presets, item)
		d := d
		v.onClick(item, func() { v.startFor(d) })
	}
	for i := range untilSlots {
		item := v.start.AddSubMenuItem("Until", "Record until this time")
		item.Hide()
		v.until = append(v.until, item)
		v.onClick(item, func() { v.startUntil(i) })
	}
	v.stop = systray.AddMenuItem("Stop session", "Stop now and save the session")
	v.stop.Disable()
	v.onClick(v.stop, c.Stop)
	systray.AddSeparator()
	v.openLast = systray.AddMenuItem("Open last chart", "Open the chart of the last session")
	v.onClick(v.openLast, func() {
		if last := c.State().Last; last != nil {
			c.Open(last.Chart)
		}
	})
	v.recent = systray.AddMenuItem("Recent sessions", "Open the chart of a recent session")
	for i := range recentMax {
		item := v.recent.AddSubMenuItem("", "Open this session's chart")
		item.Hide()
		v.recentOne[i] = item
		v.onClick(item, func() {
			if r := c.State().Recent; i < len(r) {
				c.Open(r[i].Chart)
			}
		})
	}
	v.folder = systray.AddMenuItem("Open sessions folder", "Open the folder where sessions are kept")
	v.onClick(v.folder, c.OpenFolder)
	systray.AddSeparator()
	v.ifaceMenu = systray.AddMenuItem("Interfaces", "Which interfaces the next session counts")
	v.ifaceReal = v.ifaceMenu.AddSubMenuItemCheckbox("Real interfaces (default)", "Physical interfaces: no loopback, VPN, bridge or container traffic counted twice", false)
	v.onClick(v.ifaceReal, func() { c.SetSelection(meter.Selection{Mode: meter.Real}) })
	v.ifaceAll = v.ifaceMenu.AddSubMenuItemCheckbox("All interfaces", "Every interface except loopback", false)
	v.onClick(v.ifaceAll, func() { c.SetSelection(meter.Selection{Mode: meter.All}) })
	for i := range ifaceSlots {
		item := v.ifaceMenu.AddSubMenuItemCheckbox("", "Count only the checked interfaces", false)
		item.Hide()
		v.ifaceOne[i] = item
		v.onClick(item, func() {
			st := c.State()
			if i < len(st.Interfaces) {
				c.SetSelection(Toggle(st.Selection, st.Interfaces[i].Name))
			}
		})
	}
	v.alertMenu = systray.AddMenuItem("Alert at", "Notify when a session has moved this much data")
	for _, n := range c.AlertChoices() {
		item := v.alertMenu.AddSubMenuItemCheckbox(AlertLabel(n), "Notify when a session reaches "+AlertLabel(n), false)
		v.alertOne = append(v.alertOne, item)
		v.onClick(item, func() { c.SetAlert(n) })
	}
	v.autostart = systray.AddMenuItemCheckbox("Start at login", "Start bwtray when you log in", false)
	v.onClick(v.autostart, c.ToggleAutostart)
	systray.AddSeparator()
	v.quitItem = systray.AddMenuItem("Quit", "Quit bwtray (a running session is saved first)")
	v.onClick(v.quitItem, v.quit)
}

// onClick forwards the item's clicks to the worker. The loop always waits
// on ClickedCh, because systray drops clicks nobody is waiting for.
func (v *view) onClick(item *systray.MenuItem, f func()) {
	go func() {
		for {
			select {
			case <-item.ClickedCh:
				select {
				case v.clicks <- f:
				default:
					v.log.Warn("too many clicks at once; ignoring one")
				}
			case <-v.ctx.Done():
				return
			}
		}
	}()
}

// worker runs click actions one at a time, off the click loops.
func (v *view) worker(ctx context.Context) {
	for {
		select {
		case f := <-v.clicks:
			f()
		case <-ctx.Done():
			return
		}
	}
}

func (v *view) startFor(d time.Duration) {
	label := PresetLabel(d)
	if err := v.ctrl.Start(d, label, session.Request{For: d.String()}); err != nil {
		v.log.Info("not started", "err", err)
	}
}

func (v *view) startUntil(i int) {
	times := v.ctrl.Until()
	if i >= len(times) {
		return
	}
	now := v.ctrl.Now()
	end, _ := times[i].Next(now)
	label := "until " + times[i].String()
	if err := v.ctrl.Start(end.Sub(now), label, session.Request{Until: times[i].String()}); err != nil {
		v.log.Info("not started", "err", err)
	}
}

// loop applies state changes to the menu. The tooltip changes at most once
// a second, and only when its text does.
func (v *view) loop(ctx context.Context) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	// systray drops an "opened" event unless someone is waiting at that
	// very moment (a non-blocking send), so one goroutine only waits.
	opened := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-systray.TrayOpenedCh:
				select {
				case opened <- struct{}{}:
				default:
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			v.shutdown()
			return
		case <-v.ctrl.Changed():
			v.update(v.ctrl.State(), false)
		case <-opened:
			// Fresh figures the moment the menu is shown, and live ones
			// while it is likely to stay open.
			v.log.Debug("the panel opened the menu")
			v.openedAt = time.Now()
			v.update(v.ctrl.State(), false)
		case <-tick.C:
			if v.shown.Phase != Recording {
				v.ctrl.RefreshInterfaces()
			}
			v.update(v.ctrl.State(), false)
		}
	}
}

func (v *view) lost() bool {
	select {
	case <-v.busLost:
		return true
	default:
		return false
	}
}

// safely runs f, which changes the tray, unless the bus is gone. A systray
// panic means the bus went away before busLost said so: the app then
// saves and quits.
func (v *view) safely(f func()) {
	if v.lost() {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			v.log.Warn("the tray lost its connection; saving the session and quitting", "err", r)
			v.quit()
		}
	}()
	f()
}

func (v *view) update(s State, force bool) { v.safely(func() { v.apply(s, force) }) }

func (v *view) shutdown() {
	v.safely(func() { v.setTitle(v.status, "Saving…") })
	v.ctrl.Shutdown()
	v.update(v.ctrl.State(), true)
	systray.Quit()
}

type iconKind int

const (
	iconIdle iconKind = iota
	iconRecording
	iconWarning
)

func (k iconKind) bytes() []byte {
	switch k {
	case iconRecording:
		return icons.Recording()
	case iconWarning:
		return icons.Warning()
	}
	return icons.Idle()
}

// setTitle and show change an item only when what it shows changes, so
// an unchanged menu costs no D-Bus traffic.
func (v *view) setTitle(item *systray.MenuItem, title string) {
	if old, ok := v.titles[item]; !ok || old != title {
		item.SetTitle(title)
		v.titles[item] = title
	}
}

func (v *view) show(item *systray.MenuItem, on bool) {
	if hidden, ok := v.hidden[item]; ok && hidden == !on {
		return
	}
	if on {
		item.Show()
	} else {
		item.Hide()
	}
	v.hidden[item] = !on
}

// Status line pacing. A label change makes systray emit LayoutUpdated,
// and a panel then fetches the whole menu again: once a second for a
// whole session is real work for both sides. So the status line follows
// the live figures only while the menu is probably open (just after the
// panel said it opened); otherwise it changes at most every statusEvery.
// Phase changes always show at once. The tooltip stays live.
const (
	statusEvery = 5 * time.Second
	statusLive  = 30 * time.Second
)

func (v *view) statusDue(s State, force bool) bool {
	now := time.Now()
	switch {
	case force, s.Phase != v.shown.Phase, s.Problem != v.shown.Problem, s.ChartNote != v.shown.ChartNote:
		return true
	case now.Sub(v.openedAt) < statusLive:
		return now.Sub(v.lastStatus) >= time.Second
	}
	return now.Sub(v.lastStatus) >= statusEvery
}

func (v *view) apply(s State, force bool) {
	if line := StatusLine(s); line != v.titles[v.status] && v.statusDue(s, force) {
		v.setTitle(v.status, line)
		v.lastStatus = time.Now()
	}
	if tip := Tooltip(s); tip != v.tooltip {
		// At most once a second; a phase change shows at once.
		if force || s.Phase != v.shown.Phase || time.Since(v.lastTip) >= time.Second {
			systray.SetTooltip(tip)
			v.tooltip, v.lastTip = tip, time.Now()
		}
	}
	icon := iconIdle
	switch {
	case s.Alerted():
		icon = iconWarning
	case s.Phase == Recording:
		icon = iconRecording
	}
	if force || icon != v.icon {
		systray.SetIcon(icon.bytes())
		v.icon = icon
	}
	recording := s.Phase == Recording
	enable(v.start, !recording)
	enable(v.stop, recording)
	enable(v.openLast, s.Last != nil)
	enable(v.recent, len(s.Recent) > 0)
	enable(v.ifaceMenu, !recording)

	// The rest changes rarely: skip each part while its inputs have not
	// changed, so a tick costs the status line and tooltip only.
	now := v.ctrl.Now()
	if minute := now.Truncate(time.Minute); force || !minute.Equal(v.untilMinute) {
		times := v.ctrl.Until()
		for i, item := range v.until {
			if i < len(times) {
				v.setTitle(item, UntilLabel(now, times[i]))
			}
			v.show(item, i < len(times))
		}
		v.untilMinute = minute
	}
	if force || !sameSlice(s.Recent, v.shown.Recent) || s.Format != v.shown.Format {
		for i, item := range v.recentOne {
			if i < len(s.Recent) {
				v.setTitle(item, RecentLabel(s.Recent[i], s.Format))
			}
			v.show(item, i < len(s.Recent))
		}
	}
	if force || s.AlertAt != v.shown.AlertAt {
		for i, n := range v.ctrl.AlertChoices() {
			check(v.alertOne[i], s.AlertAt == n)
		}
	}
	check(v.autostart, s.Autostart)
	if force || s.Selection.Mode != v.shown.Selection.Mode || !slices.Equal(s.Selection.Names, v.shown.Selection.Names) || !slices.Equal(s.Interfaces, v.shown.Interfaces) {
		check(v.ifaceReal, s.Selection.Mode == meter.Real)
		check(v.ifaceAll, s.Selection.Mode == meter.All)
		for i, item := range v.ifaceOne {
			if i < len(s.Interfaces) {
				ifc := s.Interfaces[i]
				v.setTitle(item, InterfaceLabel(ifc))
				check(item, s.Selection.Mode == meter.Named && slices.Contains(s.Selection.Names, ifc.Name))
			}
			v.show(item, i < len(s.Interfaces))
		}
	}
	v.shown = s
}

// sameSlice reports whether a and b are the same slice: the controller
// replaces its slices on every change and never modifies them.
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func enable(item *systray.MenuItem, on bool) {
	if on == item.Disabled() {
		if on {
			item.Enable()
		} else {
			item.Disable()
		}
	}
}

func check(item *systray.MenuItem, on bool) {
	if on != item.Checked() {
		if on {
			item.Check()
		} else {
			item.Uncheck()
		}
	}
}
