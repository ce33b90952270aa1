// Package meter samples the kernel's per-interface byte counters and turns
// them into exact per-interval deltas.
//
// The counters are cumulative since the interface was created, so a session's
// traffic is the sum of per-interface differences between consecutive
// readings, never a sum of the readings themselves. Interfaces are tracked
// by their kernel identity (the ifindex, where the platform says), not their
// name: a rename keeps counting, and an interface moved away and back, or
// deleted and created again, is counted only for what crossed it here. The
// pure part (Tracker, Totals, selection) is kept apart from the I/O (Source,
// Links, Clock, Meter.Run) so that it can be tested exhaustively without a
// network or a sleep.
package meter

import (
	"fmt"
	"slices"
)

// Counters is one interface's cumulative byte counters at one moment, as the
// kernel reports them (link-layer frame bytes: payload plus headers).
type Counters struct {
	Name string
	Recv uint64
	Sent uint64
}

// Observation is one interface's counters at one moment, with its
// identity where known.
type Observation struct {
	// Index is the kernel's interface index (ifindex), or 0 if unknown.
	Index uint32
	Counters
}

// LinkEvent is a change the kernel announced for one interface (created,
// renamed, brought up or down, deleted), with its counters at that moment.
type LinkEvent struct {
	Observation
	// Gone says the interface was deleted or moved to another network
	// namespace: its counters are final.
	Gone bool
	// NoCounters says the event carried no counters, only the name.
	NoCounters bool
}

// EventKind says what the Tracker noticed about an interface.
type EventKind int

const (
	// Appeared: a selected interface was seen for the first time; it is
	// counted from that moment.
	Appeared EventKind = iota
	// Vanished: a selected interface is gone; what it counted stays.
	Vanished
	// Returned: an interface gone earlier in the session is back; it is
	// counted from its return.
	Returned
	// Reset: a counter went down (driver reload, wrap, reset); the interval
	// contributed nothing for that interface and direction.
	Reset
	// Recreated: an interface was deleted and created again under the same
	// name; both are counted, each for its own traffic.
	Recreated
	// Renamed: an interface changed its name; it is counted on.
	Renamed
)

// Event is something worth logging that happened to one interface.
type Event struct {
	Kind  EventKind
	Iface string
	// Old is the previous name, for Renamed.
	Old string
}

// String describes the event for a log line.
func (e Event) String() string {
	switch e.Kind {
	case Appeared:
		return fmt.Sprintf("interface %s appeared; counting from now", e.Iface)
	case Vanished:
		return fmt.Sprintf("interface %s is gone; keeping what it counted", e.Iface)
	case Returned:
		return fmt.Sprintf("interface %s is back; counting from now", e.Iface)
	case Reset:
		return fmt.Sprintf("counters of %s went down (reset or wrap); the interval counts 0 for it", e.Iface)
	case Recreated:
		return fmt.Sprintf("interface %s was recreated; counting the new one from its start", e.Iface)
	case Renamed:
		return fmt.Sprintf("interface %s was renamed %s; still counting it", e.Old, e.Iface)
	}
	return fmt.Sprintf("interface %s: event %d", e.Iface, e.Kind)
}

// key identifies a link: its ifindex, or, where the platform gives none,
// a number given to its name.
type key uint64

const synthetic key = 1 << 32

type link struct {
	name     string
	selected bool
	gone     bool
	present  bool // in the latest observations
	// last is the latest counters seen; floor the earliest. What the link
	// counted is last - floor, per direction. A link first seen after the
	// session started may have a floor lowered by an older observation
	// that arrives late (its creation event, say), never below what it
	// had when it appeared here.
	last, floor [2]uint64
	floating    bool
}

// Tracker turns successive observations of the interfaces into per-interval
// deltas for the selected ones. It is not safe for concurrent use.
type Tracker struct {
	selected func(name string) bool
	identify func(name string) uint64
	links    map[key]*link
	byName   map[string]key
	decided  map[string]bool
	names    map[string]bool // names of selected links seen
	ids      map[string]uint64
	pending  [2]uint64 // bytes from events since the last Update
	events   []Event
	active   int
	nextKey  key
	bound    []Observation
	// indexed: interfaces are known by index (the platform has link
	// events); otherwise by name alone.
	indexed bool
}

// NewTracker returns a Tracker counting the interfaces for which selected
// returns true. identify is used only for interfaces seen without an
// index (where the platform has no link events): it returns an identity
// that changes when an interface is deleted and created again (0 if
// unknown), and is called only when counters go down, so it may be slow.
func NewTracker(selected func(name string) bool, identify func(name string) uint64) *Tracker {
	if identify == nil {
		identify = func(string) uint64 { return 0 }
	}
	return &Tracker{
		selected: selected,
		identify: identify,
		links:    make(map[key]*link),
		byName:   make(map[string]key),
		decided:  make(map[string]bool),
		names:    make(map[string]bool),
		ids:      make(map[string]uint64),
		nextKey:  synthetic,
	}
}

func (t *Tracker) isSelected(name string) bool {
	sel, ok := t.decided[name]
	if !ok {
		sel = t.selected(name)
		t.decided[name] = sel
	}
	return sel
}

func (t *Tracker) keyOf(o Observation) key {
	if o.Index != 0 {
		return key(o.Index)
	}
	if k, ok := t.byName[o.Name]; ok && k >= synthetic {
		return k
	}
	k := t.nextKey
	t.nextKey++
	return k
}

func counts(c Counters) [2]uint64 { return [2]uint64{c.Recv, c.Sent} }

// add creates a link first seen now, counted from these counters.
func (t *Tracker) add(k key, o Observation, floating bool) *link {
	c := counts(o.Counters)
	l := &link{name: o.Name, selected: t.isSelected(o.Name), last: c, floor: c, floating: floating, present: true}
	t.links[k] = l
	t.byName[o.Name] = k
	if l.selected {
		t.names[o.Name] = true
		if o.Index == 0 {
			t.ids[o.Name] = t.identify(o.Name)
		}
	}
	return l
}

// appear adds a link that appeared during the session, and says so:
// recreated if a counted interface had its name before.
func (t *Tracker) appear(k key, o Observation) *link {
	seen := t.names[o.Name]
	l := t.add(k, o, o.Index != 0)
	if l.selected {
		kind := Appeared
		if seen {
			kind = Recreated
		}
		t.events = append(t.events, Event{Kind: kind, Iface: o.Name})
	}
	return l
}

// comeBack replaces a gone link whose key is seen again: moved back from
// another namespace, a reused index, or a name back without link events.
// It is counted afresh from now.
func (t *Tracker) comeBack(k key, o Observation) *link {
	l := t.add(k, o, o.Index != 0)
	if l.selected {
		t.events = append(t.events, Event{Kind: Returned, Iface: o.Name})
	}
	return l
}

// Baseline records the starting point. Nothing before it is ever counted.
// Observations with indexes put the Tracker in indexed mode: readings by
// name are then bound to indexes by Bind.
func (t *Tracker) Baseline(obs []Observation) {
	t.active = 0
	for _, o := range obs {
		if o.Index != 0 {
			t.indexed = true
		}
		l := t.add(t.keyOf(o), o, false)
		if l.selected {
			t.active++
		}
	}
}

// observe accounts for counters c of link l, seen at a moment no later
// than l's last (late) or after it. It returns what l moved.
func (t *Tracker) observe(l *link, c [2]uint64) (moved [2]uint64) {
	for d := range 2 {
		switch {
		case c[d] >= l.last[d]:
			moved[d] = c[d] - l.last[d]
			l.last[d] = c[d]
		case l.floating && c[d] < l.floor[d]:
			// An older observation of a link that appeared here during the
			// session: what it moved before we first saw it counts too.
			moved[d] = l.floor[d] - c[d]
			l.floor[d] = c[d]
		}
	}
	if !l.selected {
		return [2]uint64{}
	}
	return moved
}

// Event takes a change the kernel announced. The bytes it shows moved
// (such as an interface's last bytes before it was deleted) are returned
// by the next Update.
func (t *Tracker) Event(e LinkEvent) {
	k := key(e.Index)
	l := t.links[k]
	switch {
	case e.Index == 0:
		return
	case l == nil && e.Gone, (l == nil || l.gone) && e.NoCounters:
		return // gone before the session started, or nothing to count from
	case l == nil:
		t.appear(k, e.Observation)
		return
	case l.gone:
		t.comeBack(k, e.Observation)
		return
	}
	if e.Name != l.name {
		if t.byName[l.name] == k {
			delete(t.byName, l.name)
		}
		if l.selected {
			t.events = append(t.events, Event{Kind: Renamed, Iface: e.Name, Old: l.name})
			t.names[e.Name] = true
		}
		l.name = e.Name
		t.byName[e.Name] = k
	}
	if !e.NoCounters {
		moved := t.observe(l, counts(e.Counters))
		t.pending[0] = SatAdd(t.pending[0], moved[0])
		t.pending[1] = SatAdd(t.pending[1], moved[1])
	}
	if e.Gone {
		l.gone, l.present = true, false
		if t.byName[l.name] == k {
			delete(t.byName, l.name)
		}
		if l.selected {
			t.events = append(t.events, Event{Kind: Vanished, Iface: l.name})
		}
	}
}

// Bind gives each reading by name its interface index, as the link
// events so far say. ok is false when that cannot be trusted for every
// reading: a name not known, or counters lower than last seen (a reset,
// or an interface recreated whose events have not arrived yet). The
// caller then asks the kernel (Links.Dump) instead. Where no index was
// ever known (no link events on this platform) readings keep index 0.
// The result is only valid until the next call.
func (t *Tracker) Bind(readings []Counters) (obs []Observation, ok bool) {
	t.bound = t.bound[:0]
	ok = true
	for _, c := range readings {
		if !t.indexed {
			t.bound = append(t.bound, Observation{Counters: c})
			continue
		}
		k, known := t.byName[c.Name]
		if !known {
			ok = false
			continue
		}
		if l := t.links[k]; c.Recv < l.last[0] || c.Sent < l.last[1] {
			ok = false
		}
		t.bound = append(t.bound, Observation{Index: uint32(k), Counters: c})
	}
	return t.bound, ok
}

// Update takes the next complete observation of the interfaces and
// returns the bytes the selected ones received and sent since the
// previous one (link events included), and what happened to them. The
// events slice is nil when nothing noteworthy happened, and is only
// valid until the next call.
func (t *Tracker) Update(obs []Observation) (recv, sent uint64, events []Event) {
	recv, sent = t.pending[0], t.pending[1]
	t.pending = [2]uint64{}
	for _, l := range t.links {
		l.present = false
	}
	t.active = 0
	for _, o := range obs {
		k := t.keyOf(o)
		l := t.links[k]
		c := counts(o.Counters)
		switch {
		case l == nil:
			l = t.appear(k, o)
		case l.gone:
			l = t.comeBack(k, o)
		case c[0] < l.last[0] || c[1] < l.last[1]:
			r, s := t.decrease(l, o)
			recv, sent = SatAdd(recv, r), SatAdd(sent, s)
		default:
			moved := t.observe(l, c)
			recv, sent = SatAdd(recv, moved[0]), SatAdd(sent, moved[1])
		}
		l.present = true
		if l.selected {
			t.active++
		}
	}
	// Without link events, an interface missing from a complete reading
	// is gone; with them, its deletion is announced (and counted) there.
	for _, l := range t.links {
		if !l.present && !l.gone && t.keyIsSynthetic(l) {
			l.gone = true
			if l.selected {
				t.events = append(t.events, Event{Kind: Vanished, Iface: l.name})
			}
		}
	}
	if len(t.events) == 0 {
		return recv, sent, nil
	}
	events = slices.Clone(t.events)
	t.events = t.events[:0]
	return recv, sent, events
}

func (t *Tracker) keyIsSynthetic(l *link) bool {
	k, ok := t.byName[l.name]
	return ok && k >= synthetic && t.links[k] == l
}

// decrease handles counters lower than last seen. With an index (checked
// against the kernel by the caller) it is a reset or a wrap: nothing is
// counted for that direction. Without one, the interface may have been
// deleted and recreated under its name: if its identity says so, its new
// counters started at zero during the interval and are counted.
func (t *Tracker) decrease(l *link, o Observation) (recv, sent uint64) {
	c := counts(o.Counters)
	if o.Index == 0 {
		if id := t.identify(o.Name); id != 0 && t.ids[o.Name] != 0 && id != t.ids[o.Name] {
			t.ids[o.Name] = id
			l.last, l.floor = c, [2]uint64{}
			if l.selected {
				t.events = append(t.events, Event{Kind: Recreated, Iface: o.Name})
				return c[0], c[1]
			}
			return 0, 0
		}
	}
	if l.selected {
		t.events = append(t.events, Event{Kind: Reset, Iface: o.Name})
	}
	var moved [2]uint64
	for d := range 2 {
		if c[d] >= l.last[d] {
			moved[d] = c[d] - l.last[d]
		}
	}
	l.last = c
	if !l.selected {
		return 0, 0
	}
	return moved[0], moved[1]
}

// Active is the number of selected interfaces present in the last update.
func (t *Tracker) Active() int { return t.active }

// Names returns every name a selected interface had during the session,
// sorted.
func (t *Tracker) Names() []string {
	names := make([]string, 0, len(t.names))
	for n := range t.names {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
