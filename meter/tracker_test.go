package meter

import (
	"slices"
	"testing"
)

func c(name string, recv, sent uint64) Counters { return Counters{Name: name, Recv: recv, Sent: sent} }

func TestTrackerUpdate(t *testing.T) {
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
				{read: []Counters{c("eth0", 1000, 2000)}, recv: 0, sent: 0, events: []Event{{Reset, "eth0"}}},
				{read: []Counters{c("eth0", 1500, 2100)}, recv: 500, sent: 100},
			},
		},
		{
			name:     "32-bit wrap counts zero for that interval",
			baseline: []Counters{c("eth0", 4_294_967_000, 10)},
			steps: []step{
				{read: []Counters{c("eth0", 200, 30)}, recv: 0, sent: 20, events: []Event{{Reset, "eth0"}}},
				{read: []Counters{c("eth0", 700, 30)}, recv: 500, sent: 0},
			},
		},
		{
			name:     "interface appearing mid-session is baselined",
			baseline: []Counters{c("eth0", 0, 0)},
			steps: []step{
				{read: []Counters{c("eth0", 10, 10), c("usb0", 9_999, 8_888)}, recv: 10, sent: 10, events: []Event{{Appeared, "usb0"}}},
				{read: []Counters{c("eth0", 10, 10), c("usb0", 10_000, 9_000)}, recv: 1, sent: 112},
			},
		},
		{
			name:     "vanished interface keeps what it counted, recreated one counts from zero",
			baseline: []Counters{c("eth0", 0, 0), c("usb0", 100, 100)},
			ids:      map[string]uint64{"eth0": 2, "usb0": 7},
			steps: []step{
				{read: []Counters{c("eth0", 0, 0), c("usb0", 150, 120)}, recv: 50, sent: 20},
				{read: []Counters{c("eth0", 0, 0)}, recv: 0, sent: 0, events: []Event{{Vanished, "usb0"}}},
				{read: []Counters{c("eth0", 0, 0)}, recv: 0, sent: 0},
				{read: []Counters{c("eth0", 0, 0), c("usb0", 40, 4)}, ids: map[string]uint64{"usb0": 9}, recv: 40, sent: 4, events: []Event{{Returned, "usb0"}}},
				{read: []Counters{c("eth0", 0, 0), c("usb0", 45, 5)}, recv: 5, sent: 1},
			},
		},
		{
			name:     "same incarnation back from another namespace continues",
			baseline: []Counters{c("veth1", 100, 100)},
			ids:      map[string]uint64{"veth1": 5},
			steps: []step{
				{read: nil, events: []Event{{Vanished, "veth1"}}},
				{read: []Counters{c("veth1", 130, 100)}, recv: 30, sent: 0, events: []Event{{Returned, "veth1"}}},
			},
		},
		{
			name:     "returning without identity: lower counters mean a new incarnation",
			baseline: []Counters{c("usb0", 1000, 1000)},
			steps: []step{
				{read: nil, events: []Event{{Vanished, "usb0"}}},
				{read: []Counters{c("usb0", 10, 20)}, recv: 10, sent: 20, events: []Event{{Returned, "usb0"}}},
			},
		},
		{
			name:     "deleted and recreated between two readings counts the new counters",
			baseline: []Counters{c("veth1", 1_000_000, 1_000_000)},
			ids:      map[string]uint64{"veth1": 5},
			steps: []step{
				{read: []Counters{c("veth1", 1_000_500, 1_000_000)}, recv: 500},
				{read: []Counters{c("veth1", 300, 200)}, ids: map[string]uint64{"veth1": 6}, recv: 300, sent: 200, events: []Event{{Recreated, "veth1"}}},
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
			tr.Baseline(tt.baseline)
			for i, st := range tt.steps {
				for k, v := range st.ids {
					ids[k] = v
				}
				recv, sent, events := tr.Update(st.read)
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

func TestTrackerNamesAndActive(t *testing.T) {
	tr := NewTracker(func(n string) bool { return n != "lo" }, nil)
	tr.Baseline([]Counters{c("wlan0", 0, 0), c("lo", 0, 0)})
	tr.Update([]Counters{c("wlan0", 0, 0), c("eth0", 0, 0)})
	if got, want := tr.Names(), []string{"eth0", "wlan0"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	if tr.Active() != 2 {
		t.Errorf("Active() = %d, want 2", tr.Active())
	}
	tr.Update(nil)
	if tr.Active() != 0 {
		t.Errorf("Active() after all vanished = %d, want 0", tr.Active())
	}
	if got := tr.Names(); len(got) != 2 {
		t.Errorf("vanished interfaces must still be listed, got %v", got)
	}
}

func TestTrackerSteadyStateDoesNotAllocate(t *testing.T) {
	tr := NewTracker(func(string) bool { return true }, nil)
	read := []Counters{c("eth0", 0, 0), c("wlan0", 0, 0)}
	tr.Baseline(read)
	allocs := testing.AllocsPerRun(100, func() {
		read[0].Recv += 100
		tr.Update(read)
	})
	if allocs != 0 {
		t.Errorf("Update allocates %v times per call in steady state, want 0", allocs)
	}
}
