package meter

import (
	"slices"
	"testing"
)

func c(name string, recv, sent uint64) Counters { return Counters{Name: name, Recv: recv, Sent: sent} }

// byName are readings without identity, as platforms without link events
// give them.
func byName(cs ...Counters) []Observation {
	obs := make([]Observation, len(cs))
	for i, x := range cs {
		obs[i] = Observation{Counters: x}
	}
	return obs
}

func TestTrackerByName(t *testing.T) {
	onlyReal := func(n string) bool { return n != "lo" && n != "docker0" }
	type step struct {
		read       []Counters
		ids        map[string]uint64 // identities at this step
		recv, sent uint64
		events     []Event
	}
	tests := []struct {
		name     string
		baseline []Counters
		ids      map[string]uint64
		steps    []step
	}{
		{
			name:     "deltas, not cumulative values",
			baseline: []Counters{c("eth0", 1_000_000, 500_000)},
			steps: []step{
				{read: []Counters{c("eth0", 1_000_100, 500_010)}, recv: 100, sent: 10},
				{read: []Counters{c("eth0", 1_000_300, 500_010)}, recv: 200, sent: 0},
			},
		},
		{
			name:     "unselected interfaces are ignored",
			baseline: []Counters{c("eth0", 0, 0), c("lo", 0, 0), c("docker0", 5, 5)},
			steps: []step{
				{read: []Counters{c("eth0", 10, 20), c("lo", 1e9, 1e9), c("docker0", 1e6, 1e6)}, recv: 10, sent: 20},
			},
		},
		{
			name:     "several interfaces add up",
			baseline: []Counters{c("eth0", 100, 100), c("wlan0", 7, 7)},
			steps: []step{
				{read: []Counters{c("eth0", 150, 110), c("wlan0", 27, 8)}, recv: 70, sent: 11},
			},
		},
		{
			name:     "counter reset counts zero, never a spike",
			baseline: []Counters{c("eth0", 5_000_000, 5_000_000)},
			steps: []step{
				{read: []Counters{c("eth0", 1000, 2000)}, recv: 0, sent: 0, events: []Event{{Kind: Reset, Iface: "eth0"}}},
				{read: []Counters{c("eth0", 1500, 2100)}, recv: 500, sent: 100},
			},
		},
		{
			name:     "32-bit wrap counts zero for that interval",
			baseline: []Counters{c("eth0", 4_294_967_000, 10)},
			steps: []step{
				{read: []Counters{c("eth0", 200, 30)}, recv: 0, sent: 20, events: []Event{{Kind: Reset, Iface: "eth0"}}},
				{read: []Counters{c("eth0", 700, 30)}, recv: 500, sent: 0},
			},
		},
		{
			name:     "interface appearing mid-session is baselined",
			baseline: []Counters{c("eth0", 0, 0)},
			steps: []step{
				{read: []Counters{c("eth0", 10, 10), c("usb0", 9_999, 8_888)}, recv: 10, sent: 10, events: []Event{{Kind: Appeared, Iface: "usb0"}}},
				{read: []Counters{c("eth0", 10, 10), c("usb0", 10_000, 9_000)}, recv: 1, sent: 112},
			},
		},
		{
			// Without identities, what an interface did while it was away
			// (in another namespace, or as a new incarnation) is unknown:
			// it is never counted.
			name:     "vanished interface keeps what it counted; back, it counts from its return",
			baseline: []Counters{c("eth0", 0, 0), c("usb0", 100, 100)},
			ids:      map[string]uint64{"eth0": 2, "usb0": 7},
			steps: []step{
				{read: []Counters{c("eth0", 0, 0), c("usb0", 150, 120)}, recv: 50, sent: 20},
				{read: []Counters{c("eth0", 0, 0)}, recv: 0, sent: 0, events: []Event{{Kind: Vanished, Iface: "usb0"}}},
				{read: []Counters{c("eth0", 0, 0)}, recv: 0, sent: 0},
				{read: []Counters{c("eth0", 0, 0), c("usb0", 40, 4)}, ids: map[string]uint64{"usb0": 9}, recv: 0, sent: 0, events: []Event{{Kind: Returned, Iface: "usb0"}}},
				{read: []Counters{c("eth0", 0, 0), c("usb0", 45, 5)}, recv: 5, sent: 1},
			},
		},
		{
			name:     "back from another namespace: its traffic there is not counted",
			baseline: []Counters{c("veth1", 100, 100)},
			ids:      map[string]uint64{"veth1": 5},
			steps: []step{
				{read: nil, events: []Event{{Kind: Vanished, Iface: "veth1"}}},
				{read: []Counters{c("veth1", 53_100_000, 100)}, recv: 0, sent: 0, events: []Event{{Kind: Returned, Iface: "veth1"}}},
				{read: []Counters{c("veth1", 53_100_030, 100)}, recv: 30, sent: 0},
			},
		},
		{
			name:     "deleted and recreated between two readings counts the new counters",
			baseline: []Counters{c("veth1", 1_000_000, 1_000_000)},
			ids:      map[string]uint64{"veth1": 5},
			steps: []step{
				{read: []Counters{c("veth1", 1_000_500, 1_000_000)}, recv: 500},
				{read: []Counters{c("veth1", 300, 200)}, ids: map[string]uint64{"veth1": 6}, recv: 300, sent: 200, events: []Event{{Kind: Recreated, Iface: "veth1"}}},
				{read: []Counters{c("veth1", 400, 200)}, recv: 100},
			},
		},
		{
			name:     "no interfaces at all",
			baseline: nil,
			steps:    []step{{read: nil}, {read: []Counters{c("lo", 5, 5)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := map[string]uint64{}
			for k, v := range tt.ids {
				ids[k] = v
			}
			tr := NewTracker(onlyReal, func(n string) uint64 { return ids[n] })
			tr.Baseline(byName(tt.baseline...))
			for i, st := range tt.steps {
				for k, v := range st.ids {
					ids[k] = v
				}
				obs, ok := tr.Bind(st.read)
				if !ok {
					t.Fatalf("step %d: Bind is never in doubt without indexes", i)
				}
				recv, sent, events := tr.Update(obs)
				if recv != st.recv || sent != st.sent {
					t.Errorf("step %d: got recv=%d sent=%d, want recv=%d sent=%d", i, recv, sent, st.recv, st.sent)
				}
				if !slices.Equal(events, st.events) {
					t.Errorf("step %d: events %v, want %v", i, events, st.events)
				}
			}
		})
	}
}

// ix is an interface with its index, for readings and events.
func ix(index uint32, name string, recv, sent uint64) Observation {
	return Observation{Index: index, Counters: c(name, recv, sent)}
}

func newLink(index uint32, name string, recv, sent uint64) LinkEvent {
	return LinkEvent{Observation: ix(index, name, recv, sent)}
}

func delLink(index uint32, name string, recv, sent uint64) LinkEvent {
	return LinkEvent{Observation: ix(index, name, recv, sent), Gone: true}
}

// TestTrackerByIndex replays what the kernel tells (link events, and
// readings by name that the Tracker binds to indexes, or a dump when it
// cannot) and checks each interval's bytes against what really crossed
// the interfaces in this namespace.
func TestTrackerByIndex(t *testing.T) {
	type step struct {
		events []LinkEvent
		read   []Counters    // a reading by name (gopsutil)...
		dump   []Observation // ...or, if Bind is in doubt, the kernel's list
		doubt  bool          // Bind must be in doubt
		recv   uint64
		sent   uint64
		kinds  []EventKind
	}
	all := func(string) bool { return true }
	onlyVa := func(n string) bool { return n == "va" }
	tests := []struct {
		name     string
		selected func(string) bool
		baseline []Observation
		steps    []step
	}{
		{
			name:     "rename va -> vz -> va counts every byte once",
			selected: all,
			baseline: []Observation{ix(5, "va", 1000, 1000)},
			steps: []step{
				{read: []Counters{c("va", 2000, 1000)}, recv: 1000},
				{events: []LinkEvent{newLink(5, "vz", 2500, 1000)}, read: []Counters{c("vz", 3000, 1000)}, recv: 1000, kinds: []EventKind{Renamed}},
				{events: []LinkEvent{newLink(5, "va", 3100, 1000)}, read: []Counters{c("va", 4000, 1500)}, recv: 1000, sent: 500, kinds: []EventKind{Renamed}},
			},
		},
		{
			name:     "a named interface renamed is still counted",
			selected: onlyVa,
			baseline: []Observation{ix(5, "va", 0, 0), ix(6, "eth0", 0, 0)},
			steps: []step{
				{events: []LinkEvent{newLink(5, "vz", 10, 0)}, read: []Counters{c("vz", 20, 0), c("eth0", 999, 999)}, recv: 20, kinds: []EventKind{Renamed}},
			},
		},
		{
			name:     "moved to another namespace and back with a new index: only traffic here counts",
			selected: all,
			baseline: []Observation{ix(5, "va", 10_000, 10_000)},
			steps: []step{
				{read: []Counters{c("va", 10_500, 10_000)}, recv: 500},
				// Leaves with 200 more bytes than read last; away, it moves
				// 53 MB; back as index 9 it moves 300 more.
				{events: []LinkEvent{delLink(5, "va", 10_700, 10_000)}, read: nil, recv: 200, kinds: []EventKind{Vanished}},
				{events: []LinkEvent{newLink(9, "va", 53_110_700, 10_000)}, read: []Counters{c("va", 53_111_000, 10_000)}, recv: 300, kinds: []EventKind{Recreated}},
			},
		},
		{
			name:     "moved away and back with the same index: counted from its return",
			selected: all,
			baseline: []Observation{ix(5, "va", 0, 0)},
			steps: []step{
				{events: []LinkEvent{delLink(5, "va", 100, 0), newLink(5, "va", 50_000_100, 0)}, read: []Counters{c("va", 50_000_150, 0)}, recv: 150, kinds: []EventKind{Vanished, Returned}},
			},
		},
		{
			name:     "deleted and recreated within one interval counts both",
			selected: all,
			baseline: []Observation{ix(5, "va", 1_000_000, 0)},
			steps: []step{
				{read: []Counters{c("va", 1_100_000, 0)}, recv: 100_000},
				// 50 kB more on the old one before it was deleted; the new
				// one starts at 0 and moves 8 MB before the reading.
				{events: []LinkEvent{delLink(5, "va", 1_150_000, 0), newLink(7, "va", 0, 0)}, read: []Counters{c("va", 8_000_000, 0)}, recv: 8_050_000, kinds: []EventKind{Vanished, Recreated}},
				{read: []Counters{c("va", 8_000_010, 0)}, recv: 10},
			},
		},
		{
			name:     "recreated, events late: the dump settles the reading, the late events the rest",
			selected: all,
			baseline: []Observation{ix(5, "va", 1_000_000, 0)},
			steps: []step{
				// The reading shows the new va (counters lower than the old
				// one's): Bind is in doubt, and the kernel's list says va is
				// now index 7.
				{read: []Counters{c("va", 3_000, 0)}, doubt: true, dump: []Observation{ix(7, "va", 3_000, 0)}, recv: 0, kinds: []EventKind{Recreated}},
				// Then the events: the old one's last bytes, and the new
				// one's creation at 0, which lowers its floor.
				{events: []LinkEvent{delLink(5, "va", 1_002_000, 0), newLink(7, "va", 0, 0)}, read: []Counters{c("va", 3_500, 0)}, recv: 2_000 + 3_000 + 500, kinds: []EventKind{Vanished}},
			},
		},
		{
			name:     "an interface unknown by name makes Bind ask the kernel",
			selected: all,
			baseline: []Observation{ix(5, "eth0", 0, 0)},
			steps: []step{
				{read: []Counters{c("eth0", 10, 0), c("usb0", 777, 0)}, doubt: true, dump: []Observation{ix(5, "eth0", 10, 0), ix(8, "usb0", 777, 0)}, recv: 10, kinds: []EventKind{Appeared}},
				{read: []Counters{c("eth0", 10, 0), c("usb0", 800, 0)}, recv: 23},
			},
		},
		{
			name:     "stale events and events from before the session count nothing",
			selected: all,
			baseline: []Observation{ix(5, "eth0", 5_000, 5_000)},
			steps: []step{
				{events: []LinkEvent{newLink(5, "eth0", 4_000, 4_000), newLink(6, "old", 1, 1), delLink(6, "old", 9, 9), delLink(11, "gone-before", 1e9, 1e9)}, read: []Counters{c("eth0", 5_100, 5_000)}, recv: 100 + 8, sent: 8, kinds: []EventKind{Appeared, Vanished}},
			},
		},
		{
			name:     "a reset, confirmed by the kernel, counts zero",
			selected: all,
			baseline: []Observation{ix(5, "eth0", 5_000_000, 0)},
			steps: []step{
				{read: []Counters{c("eth0", 100, 0)}, doubt: true, dump: []Observation{ix(5, "eth0", 100, 0)}, recv: 0, kinds: []EventKind{Reset}},
				{read: []Counters{c("eth0", 600, 0)}, recv: 500},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(tt.selected, nil)
			tr.Baseline(tt.baseline)
			for i, st := range tt.steps {
				for _, e := range st.events {
					tr.Event(e)
				}
				obs, ok := tr.Bind(st.read)
				if ok == st.doubt {
					t.Fatalf("step %d: Bind in doubt = %v, want %v", i, !ok, st.doubt)
				}
				if !ok {
					obs = st.dump
				}
				recv, sent, events := tr.Update(obs)
				if recv != st.recv || sent != st.sent {
					t.Errorf("step %d: got recv=%d sent=%d, want recv=%d sent=%d", i, recv, sent, st.recv, st.sent)
				}
				var kinds []EventKind
				for _, e := range events {
					kinds = append(kinds, e.Kind)
				}
				if !slices.Equal(kinds, st.kinds) {
					t.Errorf("step %d: events %v, want kinds %v", i, events, st.kinds)
				}
			}
		})
	}
}

func TestTrackerNamesAndActive(t *testing.T) {
	tr := NewTracker(func(n string) bool { return n != "lo" }, nil)
	tr.Baseline([]Observation{ix(2, "wlan0", 0, 0), ix(1, "lo", 0, 0)})
	tr.Event(newLink(3, "eth0", 0, 0))
	tr.Event(newLink(2, "wifi", 0, 0))
	obs, _ := tr.Bind([]Counters{c("wifi", 0, 0), c("eth0", 0, 0)})
	tr.Update(obs)
	if got, want := tr.Names(), []string{"eth0", "wifi", "wlan0"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v (every name a counted interface had)", got, want)
	}
	if tr.Active() != 2 {
		t.Errorf("Active() = %d, want 2", tr.Active())
	}
	tr.Event(delLink(3, "eth0", 0, 0))
	tr.Event(delLink(2, "wifi", 0, 0))
	tr.Update(nil)
	if tr.Active() != 0 {
		t.Errorf("Active() after all vanished = %d, want 0", tr.Active())
	}
	if got := tr.Names(); len(got) != 3 {
		t.Errorf("vanished interfaces must still be listed, got %v", got)
	}
}

func TestTrackerSteadyStateDoesNotAllocate(t *testing.T) {
	for _, indexed := range []bool{false, true} {
		tr := NewTracker(func(string) bool { return true }, nil)
		read := []Counters{c("eth0", 0, 0), c("wlan0", 0, 0)}
		if indexed {
			tr.Baseline([]Observation{ix(2, "eth0", 0, 0), ix(3, "wlan0", 0, 0)})
		} else {
			tr.Baseline(byName(read...))
		}
		obs, _ := tr.Bind(read)
		tr.Update(obs)
		allocs := testing.AllocsPerRun(100, func() {
			read[0].Recv += 100
			obs, _ := tr.Bind(read)
			tr.Update(obs)
		})
		if allocs != 0 {
			t.Errorf("indexed=%v: Bind+Update allocate %v times per call in steady state, want 0", indexed, allocs)
		}
	}
}
