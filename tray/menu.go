package tray

import (
	"fmt"
	"slices"
	"time"

	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/units"
)

// Item is one menu entry as the user should see it.
type Item struct {
	Label   string
	Enabled bool
	Hidden  bool
	// Checkbox items show Checked.
	Checkbox bool
	Checked  bool
	// Action is what a click does; the zero Action does nothing.
	Action Action
}

// ActionKind says what a click asks for.
type ActionKind int

// The things a menu click can do.
const (
	NoAction ActionKind = iota
	StartFor
	StartUntil
	StopSession
	OpenPath
	OpenFolder
	SetSelection
	SetAlert
	ToggleAutostart
	Quit
)

// Action is a click's request, with what it needs.
type Action struct {
	Kind      ActionKind
	Length    time.Duration   // StartFor
	Until     units.ClockTime // StartUntil
	Path      string          // OpenPath
	Selection meter.Selection // SetSelection
	Bytes     uint64          // SetAlert
}

// Menu is the whole tray menu, computed from the State and the clock by
// BuildMenu. Each list has a fixed number of slots (systray cannot add
// items to a menu once a panel has it; see workarounds.go), the extra
// ones hidden.
type Menu struct {
	Status Item
	// Start holds a "Record ..." entry per preset, then the Until times;
	// shown while idle. Stop replaces them while recording.
	Start    []Item
	Stop     Item
	OpenLast Item
	Recent   Item
	// RecentItems has recentMax slots.
	RecentItems []Item
	Folder      Item
	Ifaces      Item
	// IfaceItems are Real, All, one slot per interface (ifaceSlots), and
	// a last line saying how many more there are than slots.
	IfaceItems []Item
	Alert      Item
	AlertItems []Item
	Autostart  Item
	Quit       Item
}

// Slots in lists whose length varies at run time.
const (
	untilSlots = 8
	ifaceSlots = 16
)

// MenuInput is what BuildMenu needs besides the State: the settings that
// shape the menu, and the time.
type MenuInput struct {
	Now          time.Time
	Presets      []time.Duration
	Until        []units.ClockTime
	AlertChoices []uint64
}

// maxLabel bounds a menu label, so no name makes the menu absurdly wide.
const maxLabel = 100

// BuildMenu is the menu the user should see for s at in.Now.
func BuildMenu(s State, in MenuInput) Menu {
	recording := s.Phase == Recording
	m := Menu{
		Status:    Item{Label: StatusLine(s)},
		Stop:      Item{Label: "Stop session", Enabled: true, Hidden: !recording, Action: Action{Kind: StopSession}},
		OpenLast:  Item{Label: "Open last chart", Enabled: s.Last != nil},
		Recent:    Item{Label: "Recent sessions", Enabled: len(s.Recent) > 0},
		Folder:    Item{Label: "Open sessions folder", Enabled: true, Action: Action{Kind: OpenFolder}},
		Ifaces:    Item{Label: "Interfaces", Enabled: !recording},
		Alert:     Item{Label: "Alert at", Enabled: true},
		Autostart: Item{Label: "Start at login", Enabled: true, Checkbox: true, Checked: s.Autostart, Action: Action{Kind: ToggleAutostart}},
		Quit:      Item{Label: "Quit", Enabled: true, Action: Action{Kind: Quit}},
	}
	if s.Last != nil {
		m.OpenLast.Action = Action{Kind: OpenPath, Path: s.Last.Chart}
	}
	for _, d := range in.Presets {
		m.Start = append(m.Start, Item{Label: "Record " + PresetLabel(d), Enabled: true, Hidden: recording, Action: Action{Kind: StartFor, Length: d}})
	}
	times := UntilChoices(in.Now, in.Until)
	for i := range untilSlots {
		it := Item{Hidden: true}
		if i < len(times) {
			it = Item{Label: "Record " + lowerFirst(UntilLabel(in.Now, times[i])), Enabled: true, Hidden: recording, Action: Action{Kind: StartUntil, Until: times[i]}}
		}
		m.Start = append(m.Start, it)
	}
	for i := range recentMax {
		it := Item{Hidden: true}
		if i < len(s.Recent) {
			it = Item{Label: RecentLabel(s.Recent[i], s.Format), Enabled: true, Action: Action{Kind: OpenPath, Path: s.Recent[i].Chart}}
		}
		m.RecentItems = append(m.RecentItems, it)
	}
	m.IfaceItems = append(m.IfaceItems,
		Item{Label: "Real interfaces (default)", Enabled: true, Checkbox: true, Checked: s.Selection.Mode == meter.Real, Action: Action{Kind: SetSelection, Selection: meter.Selection{Mode: meter.Real}}},
		Item{Label: "All interfaces", Enabled: true, Checkbox: true, Checked: s.Selection.Mode == meter.All, Action: Action{Kind: SetSelection, Selection: meter.Selection{Mode: meter.All}}},
	)
	for i := range ifaceSlots {
		it := Item{Hidden: true, Checkbox: true}
		if i < len(s.Interfaces) {
			ifc := s.Interfaces[i]
			named := s.Selection.Mode == meter.Named && slices.Contains(s.Selection.Names, ifc.Name)
			it = Item{Label: InterfaceLabel(ifc), Enabled: true, Checkbox: true, Checked: named, Action: Action{Kind: SetSelection, Selection: Toggle(s.Selection, ifc.Name)}}
		}
		m.IfaceItems = append(m.IfaceItems, it)
	}
	// No silent cap: more interfaces than slots are counted, not hidden.
	more := Item{Hidden: true}
	if n := len(s.Interfaces) - ifaceSlots; n > 0 {
		more = Item{Label: fmt.Sprintf("%d more not listed: name them in the settings file", n)}
	}
	m.IfaceItems = append(m.IfaceItems, more)
	for _, n := range in.AlertChoices {
		m.AlertItems = append(m.AlertItems, Item{Label: AlertLabel(n), Enabled: true, Checkbox: true, Checked: s.AlertAt == n, Action: Action{Kind: SetAlert, Bytes: n}})
	}
	return m
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// Status line pacing. A label change makes systray emit LayoutUpdated,
// and a panel then fetches the whole menu again: once a second for a
// whole session is real work for both sides. So the status line follows
// the live figures only while the menu is probably open (just after the
// panel said it opened); otherwise it changes at most every statusEvery.
// A change of phase, problem or chart note shows at once. The tooltip
// stays live (at most once a second).
const (
	statusEvery = 5 * time.Second
	statusLive  = 30 * time.Second
)

// StatusDue reports whether the status line should be updated now: now,
// the last update, the last time the panel said the menu opened, and
// whether something other than the live figures changed.
func StatusDue(now, lastUpdate, openedAt time.Time, changed bool) bool {
	switch {
	case changed:
		return true
	case now.Sub(openedAt) < statusLive:
		return now.Sub(lastUpdate) >= time.Second
	}
	return now.Sub(lastUpdate) >= statusEvery
}

// TooltipDue reports whether a changed tooltip should be sent now: at
// most once a second, unless the phase changed.
func TooltipDue(now, lastUpdate time.Time, phaseChanged bool) bool {
	return phaseChanged || now.Sub(lastUpdate) >= time.Second
}

// IconKind is which icon the tray shows.
type IconKind int

// The tray's icons.
const (
	IconIdle IconKind = iota
	IconRecording
	IconWarning
)

// Icon is the icon for s: amber once a session reaches its data cap, red
// while recording.
func Icon(s State) IconKind {
	switch {
	case s.Alerted():
		return IconWarning
	case s.Phase == Recording:
		return IconRecording
	}
	return IconIdle
}
