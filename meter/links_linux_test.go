package meter

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
	"golang.org/x/tools/txtar"
)

// recorded reads the link notifications in testdata/rtnetlink.txtar, as
// the kernel sent them, and converts them as the meter does.
func recorded(t *testing.T) []LinkEvent {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/rtnetlink.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var events []LinkEvent
	for _, f := range ar.Files {
		raw, err := hex.DecodeString(strings.TrimSpace(string(f.Data)))
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		var m netlink.Message
		if err := m.UnmarshalBinary(raw); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		var lm rtnetlink.LinkMessage
		if err := lm.UnmarshalBinary(m.Data); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		events = append(events, linkEvent(&lm, m.Header.Type == unix.RTM_DELLINK))
	}
	return events
}

func TestLinkEventFromRecordedMessages(t *testing.T) {
	events := recorded(t)
	if len(events) != 18 {
		t.Fatalf("%d events recorded, want 18", len(events))
	}
	want := map[int]LinkEvent{
		0:  {Observation: Observation{Index: 2, Counters: Counters{Name: "va"}}},
		9:  {Observation: Observation{Index: 2, Counters: Counters{Name: "vz", Recv: 382, Sent: 408}}},
		14: {Observation: Observation{Index: 3, Counters: Counters{Name: "mv", Recv: 42, Sent: 312}}, Gone: true},
		16: {Observation: Observation{Index: 2, Counters: Counters{Name: "vz", Recv: 0, Sent: 498}}},
		17: {Observation: Observation{Index: 2, Counters: Counters{Name: "vz", Recv: 0, Sent: 498}}, Gone: true},
	}
	for i, w := range want {
		if events[i] != w {
			t.Errorf("message %d: %+v, want %+v", i+1, events[i], w)
		}
	}
}

// Replaying the recording counts each interface's bytes once: va/vz across
// its rename, mv to its deletion (its final counters come with it), and
// the veth's received bytes despite the deletion's rx of 0 (its peer is
// detached first, so the deletion carries none: older, higher counters
// stand).
func TestTrackerReplaysRecordedMessages(t *testing.T) {
	tr := NewTracker(func(n string) bool { return n != "lo" }, nil)
	tr.Baseline([]Observation{{Index: 1, Counters: Counters{Name: "lo"}}})
	for _, e := range recorded(t) {
		tr.Event(e)
	}
	recv, sent, events := tr.Update(nil)
	if recv != 382+42 || sent != 498+312 {
		t.Errorf("recv=%d sent=%d, want %d and %d", recv, sent, 382+42, 498+312)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.String())
	}
	want := []string{
		"interface va appeared; counting from now",
		"interface mv appeared; counting from now",
		"interface va was renamed vz; still counting it",
		"interface mv is gone; keeping what it counted",
		"interface vz is gone; keeping what it counted",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if names := tr.Names(); !slices.Equal(names, []string{"mv", "va", "vz"}) {
		t.Errorf("Names() = %v", names)
	}
}
