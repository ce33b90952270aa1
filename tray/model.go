package tray

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwtray/bwtray/internal/sanitize"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

// Phase is what the app is doing.
type Phase int

const (
	// Idle: no session yet since start.
	Idle Phase = iota
	// Recording: a session is running.
	Recording
	// Finished: a session ended since start.
	Finished
)

// State is everything the view shows. The controller owns it; the view
// gets copies.
type State struct {
	Phase    Phase
	Progress session.Progress
	// Label says what is recording: "5 minutes", "until 15:00".
	Label string
	// Last is the most recent finished session, from this run or before.
	Last *session.Info
	// Recent are the newest finished sessions, newest first, at most 5.
	Recent []session.Info
	// Problem is an error the user should see in the status line.
	Problem string
	// ChartNote says where the chart is when the notification could not.
	ChartNote string
	// Selection is which interfaces the next session counts.
	Selection meter.Selection
	// Interfaces are the interfaces present, with their kinds.
	Interfaces []meter.Interface
	Format     units.Format
	// AlertAt is the data cap for sessions, in bytes (0: off).
	AlertAt uint64
	// Autostart says bwtray starts at login.
	Autostart bool
}

// Alerted reports whether the running session has reached its data cap.
func (s State) Alerted() bool { return s.Phase == Recording && s.Progress.Alerted }

// tooltipMax bounds tooltips on panels with no limit of their own.
const tooltipMax = 120

// StatusLine is the first (disabled) menu item: it always tells the state,
// because GNOME shows no tooltips.
func StatusLine(s State) string {
	f := s.Format
	var line string
	switch s.Phase {
	case Recording:
		p := s.Progress
		line = fmt.Sprintf("Recording · %s left · ↓ %s ↑ %s", units.Duration(p.Remaining()), f.Bytes(p.Totals.Recv), f.Bytes(p.Totals.Sent))
		if p.Active == 0 {
			line += " · no interface"
		}
		if s.Alerted() {
			line += " · over " + AlertLabel(p.AlertAt)
		}
		if p.Warning != "" {
			line += " · " + p.Warning
		}
	case Finished:
		line = "Idle"
		if s.Last != nil {
			word := "Finished"
			if s.Last.Status == session.Stopped {
				word = "Stopped"
			}
			line = fmt.Sprintf("%s %s · ↓ %s ↑ %s", word, s.Last.End.Local().Format("15:04"), f.Bytes(s.Last.BytesRecv), f.Bytes(s.Last.BytesSent))
		}
	default:
		line = "Idle"
	}
	if s.ChartNote != "" && s.Phase == Finished {
		line += " · " + s.ChartNote
	}
	if s.Problem != "" {
		line += " · " + s.Problem
	}
	return line
}

// Tooltip is the hover text: totals, current rates and time left.
func Tooltip(s State) string { return TooltipWithin(s, platformTooltipMax) }

// TooltipWithin is the tooltip in at most max UTF-16 units (what Windows
// counts): the full text when it fits, else shorter forms that keep what
// matters first (time left, the totals, the alert), dropping the rates,
// then the app's name; only then is it cut.
func TooltipWithin(s State, max int) string {
	f := s.Format
	var forms []string
	switch s.Phase {
	case Recording:
		p := s.Progress
		var tail string
		if s.Alerted() {
			tail += " · over " + AlertLabel(p.AlertAt)
		}
		if p.Active == 0 {
			tail += " · no interface"
		}
		left := units.Duration(p.Remaining()) + " left"
		down, up := "↓ "+f.Bytes(p.Totals.Recv), "↑ "+f.Bytes(p.Totals.Sent)
		forms = []string{
			fmt.Sprintf("bwtray · %s · %s %s · %s %s%s", left, down, f.Rate(p.Last.RecvRate()), up, f.Rate(p.Last.SentRate()), tail),
			fmt.Sprintf("bwtray · %s · %s %s%s", left, down, up, tail),
			fmt.Sprintf("%s · %s %s%s", left, down, up, tail),
		}
	case Finished:
		line := StatusLine(State{Phase: Finished, Last: s.Last, Format: f})
		forms = []string{"bwtray · " + line, line}
	default:
		forms = []string{"bwtray · idle · click to start a session", "bwtray · idle"}
	}
	if s.Problem != "" {
		for i := range forms {
			forms[i] += " · " + s.Problem
		}
		// A problem is said, even if only its start fits.
		forms = append(forms, forms[len(forms)-1])
	}
	for _, t := range forms {
		if utf16Len(t) <= max {
			return t
		}
	}
	return clipUTF16(forms[len(forms)-1], max)
}

// utf16Len is the length Windows counts (szTip holds UTF-16 units).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// clipUTF16 cuts s to at most max UTF-16 units, ending with "…".
func clipUTF16(s string, max int) string {
	if utf16Len(s) <= max {
		return s
	}
	n := 1 // the ellipsis
	for i, r := range s {
		if n+utf16.RuneLen(r) > max {
			return s[:i] + "…"
		}
		n += utf16.RuneLen(r)
	}
	return s
}

// ShortPath shortens a path for a menu line: the session folder's name
// and the file name are what tell charts apart, so a long path keeps
// those two and drops the folders above them.
func ShortPath(p string) string {
	const keep = 60
	if utf8.RuneCountInString(p) <= keep {
		return p
	}
	dir, file := filepath.Split(p)
	return "…" + string(filepath.Separator) + filepath.Join(filepath.Base(dir), file)
}

// PresetLabel is a start-menu label for a preset length: "5 minutes".
func PresetLabel(d time.Duration) string { return units.Words(d) }

// UntilChoices are the "Until" entries at time now: the next full hour,
// then the configured clock times, soonest first, without duplicates.
func UntilChoices(now time.Time, configured []units.ClockTime) []units.ClockTime {
	next := now.Truncate(time.Hour).Add(time.Hour)
	if next.Sub(now) < 5*time.Minute {
		// "Until 15:00" at 14:58 is hardly a session; offer the hour after.
		next = next.Add(time.Hour)
	}
	choices := []units.ClockTime{{Hour: next.Hour()}}
	for _, c := range configured {
		if !slices.Contains(choices, c) {
			choices = append(choices, c)
		}
	}
	slices.SortStableFunc(choices, func(a, b units.ClockTime) int {
		ta, _ := a.Next(now)
		tb, _ := b.Next(now)
		return ta.Compare(tb)
	})
	return choices
}

// UntilLabel is "Until 17:30", or "Until 08:00 tomorrow".
func UntilLabel(now time.Time, c units.ClockTime) string {
	_, tomorrow := c.Next(now)
	if tomorrow {
		return "Until " + c.String() + " tomorrow"
	}
	return "Until " + c.String()
}

// maxAppName bounds an app's name in one-line places (a scope or an
// executable may be named anything, at any length).
const maxAppName = 24

// TopApps is one short line with the apps that moved the most, both ways:
// "steam 4.11 GB · firefox 238 MB"; "" when the session has none.
func TopApps(info session.Info, f units.Format, n int) string {
	var parts []string
	for _, a := range info.Apps[:min(n, len(info.Apps))] {
		parts = append(parts, fmt.Sprintf("%s %s", sanitize.Bus(a.Name, maxAppName), f.Bytes(a.Recv+a.Sent)))
	}
	return strings.Join(parts, " · ")
}

// RecentLabel is a Recent sessions entry: "25 Nov 14:05 · 10:00 · ↓ 310 MB
// ↑ 12 MB · steam", with the app that moved the most.
func RecentLabel(info session.Info, f units.Format) string {
	l := fmt.Sprintf("%s · %s · ↓ %s ↑ %s", info.Start.Local().Format("2 Jan 15:04"), units.Duration(info.Duration()),
		f.Bytes(info.BytesRecv), f.Bytes(info.BytesSent))
	if len(info.Apps) > 0 {
		l += " · " + sanitize.Bus(info.Apps[0].Name, maxAppName)
	}
	if info.Status != session.Completed {
		l += " (" + string(info.Status) + ")"
	}
	return l
}

// InterfaceLabel names an interface in the Interfaces submenu.
func InterfaceLabel(i meter.Interface) string {
	switch i.Kind {
	case meter.Virtual:
		return i.Name + " (virtual)"
	case meter.Loopback:
		return i.Name + " (loopback)"
	}
	return i.Name
}

// Toggle returns the selection after the user clicks interface name in
// the Interfaces submenu: it is added to or removed from the named set;
// removing the last one returns to real interfaces.
func Toggle(sel meter.Selection, name string) meter.Selection {
	if sel.Mode != meter.Named {
		return meter.Selection{Mode: meter.Named, Names: []string{name}}
	}
	if i := slices.Index(sel.Names, name); i >= 0 {
		names := slices.Delete(slices.Clone(sel.Names), i, i+1)
		if len(names) == 0 {
			return meter.Selection{Mode: meter.Real}
		}
		return meter.Selection{Mode: meter.Named, Names: names}
	}
	return meter.Selection{Mode: meter.Named, Names: append(slices.Clone(sel.Names), name)}
}

// Summary is the notification for a finished session: its title, its
// body, and where the chart is, for notifications that cannot be clicked.
func Summary(info session.Info, f units.Format) (title, body, where string) {
	switch info.Status {
	case session.Stopped:
		title = "Session stopped"
	default:
		title = "Session finished"
	}
	title += fmt.Sprintf(": ↓ %s ↑ %s", f.Bytes(info.BytesRecv), f.Bytes(info.BytesSent))
	ifaces := strings.Join(info.Interfaces, ", ")
	if ifaces == "" {
		ifaces = "no interface"
	}
	clock := "15:04"
	if info.Duration() < 10*time.Minute {
		clock = "15:04:05" // "14:05–14:05" says nothing about a short session
	}
	// GNOME joins the body's lines and cuts it after about 60 characters:
	// what matters comes first, in short lines.
	body = fmt.Sprintf("%s · %s–%s · peak ↓ %s ↑ %s",
		units.Duration(info.Duration()), info.Start.Local().Format(clock), info.End.Local().Format(clock),
		f.Rate(info.PeakRecvBps), f.Rate(info.PeakSentBps))
	if top := TopApps(info, f, 3); top != "" {
		body += "\n" + top
	}
	body += "\non " + ifaces
	if info.Warning != "" {
		body += "\nWarning: " + info.Warning
	}
	return title, body, "Chart: " + info.Chart
}

// alertPresets are the data caps the Alert at submenu always offers.
var alertPresets = []uint64{100e6, 500e6, 1e9, 5e9}

// AlertChoices are the Alert at entries: off (0), the presets and the
// configured cap, smallest first.
func AlertChoices(configured uint64) []uint64 {
	choices := append([]uint64{0}, alertPresets...)
	if configured != 0 && !slices.Contains(choices, configured) {
		choices = append(choices, configured)
		slices.Sort(choices)
	}
	return choices
}

// AlertLabel names a data cap: "Off", "500 MB", "1.5 GB". Caps are data
// sizes as sold, so always in SI units, without trailing zeros.
func AlertLabel(n uint64) string {
	if n == 0 {
		return "Off"
	}
	return units.Round(units.Format{}.Bytes(n))
}

// AlertMessage is the notification when a session reaches its data cap.
func AlertMessage(p session.Progress, f units.Format) (title, body string) {
	title = fmt.Sprintf("Data alert: %s moved", f.Bytes(p.Total()))
	body = fmt.Sprintf("This session has moved %s (↓ %s ↑ %s), over your %s alert.",
		f.Bytes(p.Total()), f.Bytes(p.Totals.Recv), f.Bytes(p.Totals.Sent), AlertLabel(p.AlertAt))
	if p.Length > 0 {
		body += fmt.Sprintf(" %s left.", units.Duration(p.Remaining()))
	}
	return title, body
}

// NoHostMessage is what bwtray says when no panel shows tray icons, for
// the desktop named by XDG_CURRENT_DESKTOP: the fix for that desktop
// first (GNOME shows only the first ~60 characters of a body), then why,
// and that recording from a terminal works meanwhile.
func NoHostMessage(desktop string) (title, body string) {
	title = "bwtray is running, but no panel shows its icon"
	d := strings.ToLower(desktop)
	switch {
	case strings.Contains(d, "gnome") || strings.Contains(d, "unity"):
		body = "Install gnome-shell-extension-appindicator and turn it on in Extensions: GNOME shows tray icons only with it (Debian and Ubuntu package it under that name). The icon appears as soon as it is on."
	case strings.Contains(d, "i3") || strings.Contains(d, "bspwm") || strings.Contains(d, "openbox") || strings.Contains(d, "awesome") || strings.Contains(d, "dwm"):
		body = "Run snixembed, or use a bar that shows StatusNotifierItems (such as waybar): this tray shows only old-style (XEmbed) icons. The icon appears as soon as one runs."
	default:
		body = "Add a system tray (status notifier) to your panel, or run snixembed: no panel here shows StatusNotifierItem icons. The icon appears as soon as one runs."
	}
	body += "\nMeanwhile, 'bwtray record --for 10m' records in a terminal."
	return title, body
}
