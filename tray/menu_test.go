package tray

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

var menuIn = MenuInput{
	Now:          time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC),
	Presets:      []time.Duration{time.Minute, 5 * time.Minute},
	Until:        []units.ClockTime{{Hour: 17, Minute: 30}, {Hour: 9}},
	AlertChoices: AlertChoices(0),
}

func labels(items []Item) (shown []string) {
	for _, it := range items {
		if !it.Hidden {
			shown = append(shown, it.Label)
		}
	}
	return shown
}

func TestBuildMenuIdleAndRecording(t *testing.T) {
	idle := BuildMenu(State{}, menuIn)
	if got, want := strings.Join(labels(idle.Start), "|"), "Record 1 minute|Record 5 minutes|Record until 15:00|Record until 17:30|Record until 09:00 tomorrow"; got != want {
		t.Errorf("idle start entries = %q, want %q", got, want)
	}
	if !idle.Stop.Hidden || idle.OpenLast.Enabled || idle.Recent.Enabled || !idle.Ifaces.Enabled || idle.Status.Enabled {
		t.Errorf("idle menu: stop %+v, open last %+v, recent %+v, interfaces %+v, status %+v", idle.Stop, idle.OpenLast, idle.Recent, idle.Ifaces, idle.Status)
	}
	if a := idle.Start[0].Action; a.Kind != StartFor || a.Length != time.Minute {
		t.Errorf("first start action %+v", a)
	}
	if a := idle.Start[3].Action; a.Kind != StartUntil || a.Until != (units.ClockTime{Hour: 17, Minute: 30}) {
		t.Errorf("until action %+v", a)
	}
	last := &session.Info{Chart: "/s/chart.svg", Status: session.Completed}
	rec := BuildMenu(State{Phase: Recording, Last: last}, menuIn)
	if len(labels(rec.Start)) != 0 || rec.Stop.Hidden || !rec.Stop.Enabled || rec.Ifaces.Enabled || !rec.Alert.Enabled {
		t.Errorf("recording menu: start %q, stop %+v, interfaces %+v", labels(rec.Start), rec.Stop, rec.Ifaces)
	}
	if !rec.OpenLast.Enabled || rec.OpenLast.Action.Kind != OpenPath || rec.OpenLast.Action.Path != "/s/chart.svg" {
		t.Errorf("open last chart %+v", rec.OpenLast)
	}
}

func TestBuildMenuInterfaces(t *testing.T) {
	var ifaces []meter.Interface
	for i := range 20 {
		ifaces = append(ifaces, meter.Interface{Name: fmt.Sprintf("veth%02d", i), Kind: meter.Virtual})
	}
	sel := meter.Selection{Mode: meter.Named, Names: []string{"veth03"}}
	m := BuildMenu(State{Interfaces: ifaces, Selection: sel}, menuIn)
	if len(m.IfaceItems) != 2+ifaceSlots+1 {
		t.Fatalf("%d interface slots", len(m.IfaceItems))
	}
	more := m.IfaceItems[len(m.IfaceItems)-1]
	if more.Hidden || more.Label != "4 more not listed: name them in the settings file" {
		t.Errorf("no word about the interfaces beyond the slots: %+v", more)
	}
	v3 := m.IfaceItems[2+3]
	if v3.Label != "veth03 (virtual)" || !v3.Checked || v3.Action.Selection.Mode != meter.Real {
		t.Errorf("veth03 %+v: unchecking the last named one goes back to real interfaces", v3)
	}
	if m.IfaceItems[0].Checked || m.IfaceItems[1].Checked {
		t.Error("Real or All checked with named interfaces")
	}
	few := BuildMenu(State{Interfaces: ifaces[:2]}, menuIn)
	if !few.IfaceItems[len(few.IfaceItems)-1].Hidden || !few.IfaceItems[2+2].Hidden {
		t.Error("empty slots or the overflow line shown with few interfaces")
	}
}

func TestStatusDue(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	never := time.Time{}
	tests := []struct {
		name              string
		now, last, opened time.Time
		changed, want     bool
	}{
		{"phase or problem changed: at once", t0, t0, never, true, true},
		{"menu closed: every 5 s", t0.Add(4 * time.Second), t0, never, false, false},
		{"menu closed: after 5 s", t0.Add(5 * time.Second), t0, never, false, true},
		{"menu just opened: every second", t0.Add(time.Second), t0, t0.Add(500 * time.Millisecond), false, true},
		{"menu just opened: not twice a second", t0.Add(900 * time.Millisecond), t0, t0.Add(500 * time.Millisecond), false, false},
		{"opened long ago: back to 5 s", t0.Add(2 * time.Second), t0, t0.Add(-time.Minute), false, false},
	}
	for _, tt := range tests {
		if got := StatusDue(tt.now, tt.last, tt.opened, tt.changed); got != tt.want {
			t.Errorf("%s: StatusDue = %v, want %v", tt.name, got, tt.want)
		}
	}
	if TooltipDue(t0.Add(500*time.Millisecond), t0, false) || !TooltipDue(t0.Add(500*time.Millisecond), t0, true) || !TooltipDue(t0.Add(time.Second), t0, false) {
		t.Error("TooltipDue: at most once a second unless the phase changed")
	}
}

func TestClickable(t *testing.T) {
	parent := &slot{shown: Item{Label: "Interfaces", Enabled: true}}
	child := &slot{parent: parent, shown: Item{Label: "All interfaces", Enabled: true}}
	hidden := &slot{shown: Item{Label: "", Enabled: true, Hidden: true}}
	if !clickable(child) || clickable(hidden) {
		t.Error("clickable: a shown enabled item in a shown enabled menu is; a hidden one is not")
	}
	parent.shown.Enabled = false // recording: the Interfaces submenu is disabled
	if clickable(child) {
		t.Error("an item in a disabled submenu is clickable")
	}
	parent.shown.Enabled, child.shown.Enabled = true, false
	if clickable(child) {
		t.Error("a disabled item is clickable")
	}
}

func TestIcon(t *testing.T) {
	if Icon(State{}) != IconIdle || Icon(State{Phase: Recording}) != IconRecording ||
		Icon(State{Phase: Recording, Progress: session.Progress{Alerted: true}}) != IconWarning {
		t.Error("icons: idle, red while recording, amber once the cap is reached")
	}
}
