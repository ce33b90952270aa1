package apps

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

// recorded reads the sockets of one section of testdata/sockdiag.txtar,
// real kernel messages (see the file's comment).
func recorded(t *testing.T, name string) []Socket {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/sockdiag.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name != name {
			continue
		}
		var out []Socket
		for _, l := range strings.Fields(string(f.Data)) {
			b, err := hex.DecodeString(l)
			if err != nil {
				t.Fatal(err)
			}
			s, ok := parseSocket(b)
			if !ok {
				t.Fatalf("%s: message not parsed: %s", name, l)
			}
			out = append(out, s)
		}
		return out
	}
	t.Fatalf("no %s in testdata/sockdiag.txtar", name)
	return nil
}

func TestParseRecorded(t *testing.T) {
	v4 := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port) }
	v6 := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.IPv6Loopback(), port) }
	none4 := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	none6 := netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	type want struct {
		local, remote netip.AddrPort
		listening     bool
		recv, sent    uint64
		uid           uint32
	}
	for _, c := range []struct {
		file string
		v6   bool
		want []want
	}{
		{"dump-tcp4.hex", false, []want{
			{v4(47001), none4, true, 0, 0, 1001},
			{v4(47001), v4(40382), false, 100000, 2000, 1001},
			{v4(40382), v4(47001), false, 2000, 100000, 1001},
		}},
		// tcpi_bytes_received counts the peer's FIN as one byte.
		{"close-tcp4.hex", false, []want{
			{v4(40382), v4(47001), false, 2001, 100500, 0},
			{v4(47001), v4(40382), false, 100501, 2000, 0},
			{v4(47001), none4, false, 0, 0, 0},
		}},
		{"dump-tcp6.hex", true, []want{
			{v6(47002), none6, true, 0, 0, 1001},
			{v6(47002), v6(36582), false, 100000, 2000, 1001},
			{v6(36582), v6(47002), false, 2000, 100000, 1001},
		}},
		{"close-tcp6.hex", true, []want{
			{v6(36582), v6(47002), false, 2001, 100500, 0},
			{v6(47002), v6(36582), false, 100501, 2000, 0},
			{v6(47002), none6, false, 0, 0, 0},
		}},
	} {
		got := recorded(t, c.file)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %d sockets, want %d", c.file, len(got), len(c.want))
		}
		for i, w := range c.want {
			s := got[i]
			if s.Local != w.local || s.Remote != w.remote || s.Listening != w.listening ||
				s.Recv != w.recv || s.Sent != w.sent || s.UID != w.uid || s.V6 != c.v6 {
				t.Errorf("%s #%d: got %+v, want %+v", c.file, i, s, w)
			}
			if s.Cookie == 0 {
				t.Errorf("%s #%d: no cookie", c.file, i)
			}
			if alive := strings.HasPrefix(c.file, "dump"); alive != (s.Inode != 0) {
				t.Errorf("%s #%d: inode %d", c.file, i, s.Inode)
			}
			if s.Recv > 0 && (!s.Timestamps || s.SegsIn == 0) {
				t.Errorf("%s #%d: tcp_info not read: %+v", c.file, i, s)
			}
		}
	}
	// The dump and the close events name the same sockets.
	dump, closed := recorded(t, "dump-tcp4.hex"), recorded(t, "close-tcp4.hex")
	if dump[2].Cookie != closed[0].Cookie || dump[1].Cookie != closed[1].Cookie || dump[0].Cookie != closed[2].Cookie {
		t.Error("cookies of the dump and the close events differ")
	}
}

func TestParseShortOrJunk(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, 71), append(make([]byte, 72), 0xff, 0xff, 0xff)} {
		if s, ok := parseSocket(b); ok && len(b) < inetDiagMsgLen {
			t.Errorf("parsed %d bytes: %+v", len(b), s)
		}
	}
	// An unknown family is not a socket.
	b := make([]byte, inetDiagMsgLen)
	b[0] = 99
	if _, ok := parseSocket(b); ok {
		t.Error("family 99 parsed")
	}
}

// byInode names the recorded sockets' owners.
type byInode map[uint32]string

func (byInode) Look() {}

func (m byInode) Name(uid uint32, cg uint64, inode uint32) Owner {
	if a, ok := m[inode]; ok {
		return Owner{App: a}
	}
	return Owner{App: "nobody-knows"}
}

func all(netip.Addr) bool { return true }

func appsOf(ts []Total) map[string]Total {
	m := map[string]Total{}
	for _, t := range ts {
		m[t.Name] = t
	}
	return m
}

// The recorded connection replayed: seen alive, closed, its close events
// heard twice and a stale dump after them. Every byte counts once, and
// the closed sockets are forgotten.
func TestTrackerReplay(t *testing.T) {
	for _, fam := range []string{"tcp4", "tcp6"} {
		dump, closed := recorded(t, "dump-"+fam+".hex"), recorded(t, "close-"+fam+".hex")
		names := byInode{dump[0].Inode: "server", dump[1].Inode: "server", dump[2].Inode: "client"}
		t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		tr := NewTracker(names, all)
		tr.Baseline(nil, t0)
		tr.Dump(dump, t0.Add(time.Second))
		got := appsOf(tr.Totals())
		if got["client"].Bytes != wire(dump[2]) || got["server"].Bytes != wire(dump[1]) {
			t.Errorf("%s after the dump: %+v", fam, got)
		}
		tr.Closed(closed, t0.Add(2*time.Second))
		tr.Closed(closed, t0.Add(3*time.Second)) // heard again
		tr.Dump(dump, t0.Add(3*time.Second))     // a stale dump
		got = appsOf(tr.Totals())
		if got["client"].Bytes != wire(closed[0]) || got["server"].Bytes != wire(closed[1]) || len(got) != 2 {
			t.Errorf("%s: %+v; want client %+v, server %+v", fam, got, wire(closed[0]), wire(closed[1]))
		}
		if got["client"].Estimated || got["server"].Estimated {
			t.Errorf("%s: owners seen alive marked estimated: %+v", fam, got)
		}
		if tr.Window(); len(tr.socks) != 0 {
			t.Errorf("%s: %d closed sockets still tracked", fam, len(tr.socks))
		}
		tr.Dump(nil, t0.Add(2*time.Second+closedKeep+time.Second))
		if len(tr.closed) != 0 || len(tr.socks) != 0 || tr.Lost != 0 {
			t.Errorf("%s: closed %d, socks %d, lost %d after they expired", fam, len(tr.closed), len(tr.socks), tr.Lost)
		}
		// A close event later than the memory of its cookie would count
		// again; the kernel sends it within milliseconds, far inside it.
	}
}

// Sockets never seen alive: the accepted one goes to the app listening on
// its port, the client one to nobody known; both marked estimated.
func TestTrackerGuessesOwners(t *testing.T) {
	dump, closed := recorded(t, "dump-tcp4.hex"), recorded(t, "close-tcp4.hex")
	tr := NewTracker(byInode{dump[0].Inode: "server"}, all)
	t0 := time.Now()
	tr.Baseline(dump[:1], t0) // only the listener
	tr.Closed(closed, t0.Add(time.Second))
	got := appsOf(tr.Totals())
	if s := got["server"]; s.Bytes != wire(closed[1]) || !s.Estimated {
		t.Errorf("server: %+v, want %+v estimated", s, wire(closed[1]))
	}
	if u := got[Unknown]; u.Bytes != wire(closed[0]) || !u.Estimated {
		t.Errorf("unknown: %+v, want %+v estimated", u, wire(closed[0]))
	}
	// Once an app talked to the endpoint, its next unseen sockets go to it.
	tr = NewTracker(byInode{dump[2].Inode: "client"}, all)
	tr.Baseline(nil, t0)
	tr.Dump(dump[2:], t0.Add(time.Second))
	closedAgain := closed[0]
	closedAgain.Cookie++ // another connection to the same server
	tr.Closed([]Socket{closed[0], closedAgain}, t0.Add(2*time.Second))
	if c := appsOf(tr.Totals())["client"]; c.Recv != 2*wire(closed[0]).Recv || !c.Estimated {
		t.Errorf("client: %+v", c)
	}
}

// A socket that vanishes without its close event is forgotten and
// counted as lost; what it moved before stays.
func TestTrackerForgetsLostSockets(t *testing.T) {
	dump := recorded(t, "dump-tcp4.hex")
	tr := NewTracker(byInode{}, all)
	t0 := time.Now()
	tr.Baseline(nil, t0)
	tr.Dump(dump, t0)
	before := tr.Totals()
	tr.Dump(nil, t0.Add(missingKeep+time.Second))
	if tr.Lost != 3 || len(tr.socks) != 0 {
		t.Errorf("lost %d, tracked %d", tr.Lost, len(tr.socks))
	}
	if after := tr.Totals(); len(after) != len(before) || after[0] != before[0] {
		t.Errorf("totals changed: %+v -> %+v", before, after)
	}
}

// Traffic that does not cross the counted interfaces is in no row.
func TestTrackerLeavesUncountedOut(t *testing.T) {
	dump, closed := recorded(t, "dump-tcp4.hex"), recorded(t, "close-tcp4.hex")
	tr := NewTracker(byInode{}, func(a netip.Addr) bool { return !a.IsLoopback() })
	tr.Baseline(nil, time.Now())
	tr.Dump(dump, time.Now())
	tr.Closed(closed, time.Now())
	if got := tr.Totals(); len(got) != 0 {
		t.Errorf("loopback counted: %+v", got)
	}
}

// What sockets moved before the session never counts.
func TestTrackerBaseline(t *testing.T) {
	dump, closed := recorded(t, "dump-tcp4.hex"), recorded(t, "close-tcp4.hex")
	tr := NewTracker(byInode{dump[2].Inode: "client"}, all)
	tr.Baseline(dump, time.Now())
	tr.Closed(closed, time.Now())
	c := appsOf(tr.Totals())["client"]
	d0, d1 := wire(dump[2]), wire(closed[0])
	if c.Recv != d1.Recv-d0.Recv || c.Sent != d1.Sent-d0.Sent {
		t.Errorf("client %+v, want only what moved after the baseline", c)
	}
}
