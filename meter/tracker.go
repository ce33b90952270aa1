// Package meter samples the kernel's per-interface byte counters and turns
// them into exact per-interval deltas.
//
// The counters are cumulative since the interface was created, so a session's
// traffic is the sum of per-interface differences between consecutive
// readings, never a sum of the readings themselves. The pure part (Tracker,
// Totals, selection) is kept apart from the I/O (Source, Clock, Meter.Run) so
// that it can be tested exhaustively without a network or a sleep.
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

// EventKind says what the Tracker noticed about an interface.
type EventKind int

const (
	// Appeared: a selected interface was seen for the first time; it was
	// baselined, so its earlier traffic is not counted.
	Appeared EventKind = iota
	// Vanished: a selected interface is gone; what it contributed stays.
	Vanished
	// Returned: an interface seen earlier in the session is back.
	Returned
	// Reset: a counter went down (driver reload, wrap, reset); the interval
	// contributed nothing for that interface.
	Reset
	// Recreated: the interface was deleted and created again between two
	// readings; its new counters started from zero and are counted.
	Recreated
)

// Event is something worth logging that happened to one interface.
type Event struct {
	Kind  EventKind
	Iface string
}

// String describes the event for a log line.
func (e Event) String() string {
	switch e.Kind {
	case Appeared:
		return fmt.Sprintf("interface %s appeared; counting from now", e.Iface)
	case Vanished:
		return fmt.Sprintf("interface %s is gone; keeping what it counted", e.Iface)
	case Returned:
		return fmt.Sprintf("interface %s is back", e.Iface)
	case Reset:
		return fmt.Sprintf("counters of %s went down (reset or wrap); the interval counts 0 for it", e.Iface)
	case Recreated:
		return fmt.Sprintf("interface %s was recreated; counting its new counters from zero", e.Iface)
	}
	return fmt.Sprintf("interface %s: event %d", e.Iface, e.Kind)
}

type ifaceState struct {
	recv, sent uint64
	present    bool // in the latest reading
	gone       bool // missing since an earlier reading
	// id tells incarnations apart (the ifindex on Linux); 0 when unknown.
	id uint64
}

// Tracker turns successive counter readings into per-interval deltas for the
// selected interfaces. It is not safe for concurrent use.
type Tracker struct {
	selected func(name string) bool
	identify func(name string) uint64
	ifaces   map[string]*ifaceState
	decided  map[string]bool // selection is decided once per name
	events   []Event
	active   int
}

// NewTracker returns a Tracker counting the interfaces for which selected
// returns true. identify, if not nil, returns an identity for an interface
// (0 if unknown) that changes when it is deleted and created again; it is
// only called when an interface is first seen, comes back, or its counters
// go down, so it may be slow.
func NewTracker(selected func(name string) bool, identify func(name string) uint64) *Tracker {
	if identify == nil {
		identify = func(string) uint64 { return 0 }
	}
	return &Tracker{
		selected: selected,
		identify: identify,
		ifaces:   make(map[string]*ifaceState),
		decided:  make(map[string]bool),
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

// Baseline records the starting point. Nothing before it is ever counted.
func (t *Tracker) Baseline(readings []Counters) {
	t.active = 0
	for _, c := range readings {
		if !t.isSelected(c.Name) {
			continue
		}
		t.ifaces[c.Name] = &ifaceState{recv: c.Recv, sent: c.Sent, present: true, id: t.identify(c.Name)}
		t.active++
	}
}

// Update takes the next reading and returns the bytes received and sent by
// the selected interfaces since the previous one, and what happened to them.
// The events slice is nil when nothing noteworthy happened, and is only
// valid until the next call.
func (t *Tracker) Update(readings []Counters) (recv, sent uint64, events []Event) {
	t.events = t.events[:0]
	for _, st := range t.ifaces {
		st.present = false
	}
	t.active = 0
	for _, c := range readings {
		if !t.isSelected(c.Name) {
			continue
		}
		t.active++
		st, known := t.ifaces[c.Name]
		if !known {
			t.ifaces[c.Name] = &ifaceState{recv: c.Recv, sent: c.Sent, present: true, id: t.identify(c.Name)}
			t.events = append(t.events, Event{Appeared, c.Name})
			continue
		}
		r, s := t.delta(st, c)
		recv += r
		sent += s
		st.recv, st.sent, st.present, st.gone = c.Recv, c.Sent, true, false
	}
	for name, st := range t.ifaces {
		if !st.present && !st.gone {
			st.gone = true
			t.events = append(t.events, Event{Vanished, name})
		}
	}
	if len(t.events) == 0 {
		return recv, sent, nil
	}
	return recv, sent, t.events
}

func (t *Tracker) delta(st *ifaceState, c Counters) (recv, sent uint64) {
	if st.gone {
		t.events = append(t.events, Event{Returned, c.Name})
		// A new incarnation started from zero while we were not looking, so
		// all it counted happened during the session. The same incarnation
		// (moved to another namespace and back) continues where it was.
		id := t.identify(c.Name)
		same := id == st.id
		if id == 0 || st.id == 0 {
			same = c.Recv >= st.recv && c.Sent >= st.sent
		}
		st.id = id
		if !same {
			return c.Recv, c.Sent
		}
	}
	if c.Recv >= st.recv && c.Sent >= st.sent {
		return c.Recv - st.recv, c.Sent - st.sent
	}
	// A counter went down. If the interface is a new incarnation, its
	// counters started at zero within this interval: count them. Otherwise
	// it is a reset or a wrap we cannot size: that direction counts nothing
	// rather than a phantom spike.
	if id := t.identify(c.Name); id != 0 && st.id != 0 && id != st.id {
		st.id = id
		t.events = append(t.events, Event{Recreated, c.Name})
		return c.Recv, c.Sent
	}
	t.events = append(t.events, Event{Reset, c.Name})
	if c.Recv >= st.recv {
		recv = c.Recv - st.recv
	}
	if c.Sent >= st.sent {
		sent = c.Sent - st.sent
	}
	return recv, sent
}

// Active is the number of selected interfaces present in the last reading.
func (t *Tracker) Active() int { return t.active }

// Names returns every selected interface seen during the session, sorted.
func (t *Tracker) Names() []string {
	names := make([]string, 0, len(t.ifaces))
	for n := range t.ifaces {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
