// Package tray is bwtray's system tray app: a menu to start and stop
// timed sessions, live totals in the tooltip and a status line, and a
// notification that opens the chart when a session ends.
//
// The Controller runs sessions and keeps the State. BuildMenu computes the
// menu the user should see from the State and the clock, as data; the
// view applies it to systray, changing only what differs, and checks each
// click against the menu as shown: a hidden or disabled item does
// nothing, whoever sends the click. Only this file changes systray items,
// from one goroutine; the workarounds for systray live in
// workarounds*.go.
package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/bwtray/bwtray/icons"
	"github.com/bwtray/bwtray/internal/sanitize"
)

// slot is one systray menu item and what it shows.
type slot struct {
	item   *systray.MenuItem
	parent *slot
	shown  Item
	fresh  bool // nothing applied yet
}

type view struct {
	ctrl *Controller
	log  *slog.Logger
	quit context.CancelFunc
	lost func() bool
	// lose reports that systray panicked because its connection is gone.
	lose func(why any)

	// The slots, in menu order; see each.
	status, stop, openLast, recent, folder, ifaces, alert, autostart, quitItem *slot
	start, recentItems, ifaceItems, alertItems                                 []*slot

	clicks chan *slot
	work   chan Action

	// Only the view goroutine touches these.
	shown      State
	tooltip    string
	lastTip    time.Time
	lastStatus time.Time
	openedAt   time.Time
	icon       IconKind
	iconSet    bool
}

func iconBytes(k IconKind) []byte {
	switch k {
	case IconRecording:
		return icons.Recording()
	case IconWarning:
		return icons.Warning()
	}
	return icons.Idle()
}

// Run runs the tray app until Quit is chosen or ctx ends. Any running
// session is stopped and saved, and announced, before it returns. It
// returns an error if the tray could not be shown, or stopped being
// visible (its bus connection lost).
func Run(ctx context.Context, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		opts.Log = log
	}
	conn, err := connectTray(opts.BusAddr, log)
	if err != nil {
		return err
	}
	lost, err := watchTray(ctx, conn, opts.BusAddr, log)
	if err != nil {
		return err
	}
	ctrl := NewController(ctx, opts)
	// The tray is lost when its connection is: the watcher may say so
	// first, or systray may panic on a change first; either way, once.
	var lostErr error
	var lostOnce sync.Once
	lostFlag := make(chan struct{})
	lose := func(err error) {
		lostOnce.Do(func() {
			lostErr = err
			log.Warn("the tray can no longer be seen; saving the session and quitting", "why", err)
			close(lostFlag)
			cancel()
		})
	}
	v := &view{ctrl: ctrl, log: log, quit: cancel, clicks: make(chan *slot, 32), work: make(chan Action, 8),
		lost: func() bool {
			select {
			case <-lostFlag:
				return true
			default:
				return false
			}
		},
		lose: func(why any) { lose(lostReason(opts.BusAddr, why)) }}
	go func() {
		select {
		case err := <-lost:
			lose(err)
		case <-ctx.Done():
		}
	}()
	if conn != nil {
		go watchHost(ctx, conn, log, opts.Notifier)
	}
	st := ctrl.State()
	setIdentity(iconBytes(Icon(st)))
	systray.SetTooltip(sanitize.Bus(Tooltip(st), 0))
	exited := make(chan struct{})
	systray.Run(func() { v.ready(ctx) }, func() { close(exited) })
	<-exited
	// The desktop session ending is a normal end; being dropped is not.
	if lostErr != nil && !errors.Is(lostErr, ErrBusGone) {
		if ctrl.State().Last != nil {
			return fmt.Errorf("%w; the last session was saved (%s)", lostErr, ctrl.State().Last.Dir)
		}
		return lostErr
	}
	return nil
}

func (v *view) ready(ctx context.Context) {
	st := v.ctrl.State()
	setIdentity(iconBytes(Icon(st)))
	v.build(v.ctrl.Menu(st))
	v.update(st, true)
	go v.loop(ctx)
	go v.worker(ctx)
}

// build creates every slot, with what m says, in menu order.
func (v *view) build(m Menu) {
	add := func(it Item) *slot {
		var item *systray.MenuItem
		if it.Checkbox {
			item = systray.AddMenuItemCheckbox(it.Label, "", it.Checked)
		} else {
			item = systray.AddMenuItem(it.Label, "")
		}
		return &slot{item: item, fresh: true}
	}
	sub := func(parent *slot, it Item) *slot {
		var item *systray.MenuItem
		if it.Checkbox {
			item = parent.item.AddSubMenuItemCheckbox(it.Label, "", it.Checked)
		} else {
			item = parent.item.AddSubMenuItem(it.Label, "")
		}
		return &slot{item: item, parent: parent, fresh: true}
	}
	v.status = add(m.Status)
	systray.AddSeparator()
	for _, it := range m.Start {
		v.start = append(v.start, add(it))
	}
	v.stop = add(m.Stop)
	systray.AddSeparator()
	v.openLast = add(m.OpenLast)
	v.recent = add(m.Recent)
	for _, it := range m.RecentItems {
		v.recentItems = append(v.recentItems, sub(v.recent, it))
	}
	v.folder = add(m.Folder)
	systray.AddSeparator()
	v.ifaces = add(m.Ifaces)
	for _, it := range m.IfaceItems {
		v.ifaceItems = append(v.ifaceItems, sub(v.ifaces, it))
	}
	v.alert = add(m.Alert)
	for _, it := range m.AlertItems {
		v.alertItems = append(v.alertItems, sub(v.alert, it))
	}
	v.autostart = add(m.Autostart)
	systray.AddSeparator()
	v.quitItem = add(m.Quit)
	v.each(m, func(s *slot, _ Item) { forwardClicks(v.ctrl.ctx, s.item, s, v.clicks) })
}

// each calls f for every slot with the item m has for it.
func (v *view) each(m Menu, f func(*slot, Item)) {
	f(v.status, m.Status)
	for i, s := range v.start {
		f(s, at(m.Start, i))
	}
	f(v.stop, m.Stop)
	f(v.openLast, m.OpenLast)
	f(v.recent, m.Recent)
	for i, s := range v.recentItems {
		f(s, at(m.RecentItems, i))
	}
	f(v.folder, m.Folder)
	f(v.ifaces, m.Ifaces)
	for i, s := range v.ifaceItems {
		f(s, at(m.IfaceItems, i))
	}
	f(v.alert, m.Alert)
	for i, s := range v.alertItems {
		f(s, at(m.AlertItems, i))
	}
	f(v.autostart, m.Autostart)
	f(v.quitItem, m.Quit)
}

func at(items []Item, i int) Item {
	if i < len(items) {
		return items[i]
	}
	return Item{Hidden: true}
}

// set changes what a slot shows, only where it differs: an unchanged menu
// costs no D-Bus traffic. Labels are made safe for D-Bus (valid UTF-8, no
// NUL) and bounded.
func (v *view) set(s *slot, it Item) {
	it.Label = sanitize.Bus(it.Label, maxLabel)
	old := s.shown
	if s.fresh || it.Label != old.Label {
		s.item.SetTitle(it.Label)
	}
	if s.fresh || it.Enabled != old.Enabled {
		if it.Enabled {
			s.item.Enable()
		} else {
			s.item.Disable()
		}
	}
	if it.Checkbox && (s.fresh || it.Checked != old.Checked) {
		if it.Checked {
			s.item.Check()
		} else {
			s.item.Uncheck()
		}
	}
	if s.fresh || it.Hidden != old.Hidden {
		if it.Hidden {
			s.item.Hide()
		} else {
			s.item.Show()
		}
	}
	s.shown, s.fresh = it, false
}

// clickable reports whether a click on s, as the menu is shown now, does
// anything: s and every menu above it are shown and enabled.
func clickable(s *slot) bool {
	for ; s != nil; s = s.parent {
		if s.shown.Hidden || !s.shown.Enabled {
			return false
		}
	}
	return true
}

// worker runs click actions one at a time, off the view goroutine.
func (v *view) worker(ctx context.Context) {
	for {
		select {
		case a := <-v.work:
			if a.Kind == Quit {
				v.quit()
				continue
			}
			v.ctrl.Do(a)
		case <-ctx.Done():
			return
		}
	}
}

// loop applies state changes to the menu, and checks clicks against it.
func (v *view) loop(ctx context.Context) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	opened := forwardOpened(ctx)
	for {
		select {
		case <-ctx.Done():
			v.shutdown()
			return
		case <-v.ctrl.Changed():
			v.update(v.ctrl.State(), false)
		case s := <-v.clicks:
			if !clickable(s) || s.shown.Action.Kind == NoAction {
				v.log.Debug("ignored a click on an item that is hidden, disabled or does nothing", "item", s.shown.Label)
				continue
			}
			select {
			case v.work <- s.shown.Action:
			default:
				v.log.Warn("too many clicks at once; ignoring one")
			}
		case <-opened:
			// Fresh figures the moment the menu is shown, and live ones
			// while it is likely to stay open.
			v.log.Debug("the panel opened the menu")
			v.openedAt = time.Now()
			v.ctrl.RefreshRecent()
			v.update(v.ctrl.State(), false)
		case <-tick.C:
			if v.shown.Phase != Recording {
				v.ctrl.RefreshInterfaces()
			}
			v.update(v.ctrl.State(), false)
		}
	}
}

func (v *view) update(s State, force bool) {
	safely(v.lost, v.lose, func() { v.apply(s, force) })
}

func (v *view) shutdown() {
	saving := v.status.shown
	saving.Label = "Saving…"
	safely(v.lost, func(any) {}, func() { v.set(v.status, saving) })
	v.ctrl.Shutdown()
	v.update(v.ctrl.State(), true)
	systray.Quit()
}

func (v *view) apply(s State, force bool) {
	now := time.Now()
	m := v.ctrl.Menu(s)
	changed := force || s.Phase != v.shown.Phase || s.Problem != v.shown.Problem || s.ChartNote != v.shown.ChartNote
	status := m.Status
	if status.Label != v.status.shown.Label && !StatusDue(now, v.lastStatus, v.openedAt, changed) {
		status.Label = v.status.shown.Label // the live figures wait their turn
	} else if status.Label != v.status.shown.Label {
		v.lastStatus = now
	}
	m.Status = status
	v.each(m, v.set)
	if tip := sanitize.Bus(Tooltip(s), 0); tip != v.tooltip && (force || TooltipDue(now, v.lastTip, s.Phase != v.shown.Phase)) {
		systray.SetTooltip(tip)
		v.tooltip, v.lastTip = tip, now
	}
	if icon := Icon(s); force || !v.iconSet || icon != v.icon {
		systray.SetIcon(iconBytes(icon))
		v.icon, v.iconSet = icon, true
	}
	v.shown = s
}
