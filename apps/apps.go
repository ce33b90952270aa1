// Package apps tells which applications moved a session's bytes, without
// root.
//
// On Linux an ordinary user can ask the kernel (sock_diag over netlink)
// for every TCP socket of the network namespace, with its byte counters
// (tcp_info), its owner's uid and cgroup, and the socket's inode; and can
// hear every TCP socket's final counters when it closes. An app is what a
// person recognises: the systemd scope or service of the socket's cgroup
// (app-gnome-firefox-1234.scope is firefox), refined by the executable for
// the user's own processes, else the user's name. UDP (QUIC, games, calls)
// has no per-socket counter without privileges: its bytes stay in the
// unattributed remainder, which names the apps holding UDP sockets.
//
// The Tracker is pure: it turns socket observations into per-app bytes and
// is tested with recorded kernel messages. A Source (the kernel's
// sock_diag on Linux; a privileged one could be added) gives it sockets;
// a Namer names their owners.
package apps

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/bwtray/bwtray/meter"
)

// Socket is one TCP socket as the kernel reports it.
type Socket struct {
	// Cookie identifies the socket; the kernel never reuses one.
	Cookie uint64
	// V6 says the packets carry IPv6 headers (not for IPv4-mapped
	// addresses on an IPv6 socket).
	V6            bool
	Local, Remote netip.AddrPort
	UID           uint32
	Inode         uint32
	CgroupID      uint64
	// Recv and Sent are payload bytes (tcpi_bytes_received, _sent).
	Recv, Sent uint64
	// SegsIn and SegsOut count every segment, pure ACKs included.
	SegsIn, SegsOut uint32
	// Timestamps says the TCP timestamps option is in use (12 more bytes
	// of header per segment).
	Timestamps bool
	// Listening: a TCP socket waiting for connections (it moves no bytes;
	// the connections it accepts share its local port).
	Listening bool
	// Closed: from a close event, with the socket's final counters; its
	// owner is not known (uid, inode and cgroup are not sent then).
	Closed bool
}

// Wire is the bytes the socket's packets take on an Ethernet-like link,
// received and sent: payload plus a header per segment, and the
// handshake's longer options (MSS, SACK, window scale). Measured against
// interface counters with offloads off (a real card counts each frame),
// this reproduces them to 99.97-100 %.
func (s Socket) Wire() (recv, sent uint64) {
	hdr := uint64(14 + 20 + 20) // Ethernet, IPv4, TCP
	syn := uint64(12)           // MSS, SACK permitted, window scale
	if s.V6 {
		hdr += 20
	}
	if s.Timestamps {
		hdr += 12
		syn = 8 // the SYN's options beyond the timestamps every segment carries
	}
	return s.Recv + uint64(s.SegsIn)*hdr + syn, s.Sent + uint64(s.SegsOut)*hdr + syn
}

// Owner is who a socket belongs to, as a person would say it.
type Owner struct {
	// App is the name shown: "firefox", "org.mozilla.firefox", "apt-daily",
	// or a user's name.
	App string
	// Unit is the systemd scope or service, where there is one.
	Unit string
	// Exe is the executable's name, where it could be read.
	Exe string
}

// Namer names the owner of a socket seen alive.
type Namer interface {
	// Look starts a new look at the system: what could not be found
	// before may be searched for again (at most once per look, so naming
	// never costs more than a walk per sample).
	Look()
	Name(uid uint32, cgroup uint64, inode uint32) Owner
}

// Bytes is a pair of byte counts.
type Bytes struct {
	Recv uint64 `json:"bytes_recv"`
	Sent uint64 `json:"bytes_sent"`
}

// Add adds b to a, stopping at the largest count rather than wrapping.
func (a *Bytes) Add(b Bytes) {
	a.Recv = meter.SatAdd(a.Recv, b.Recv)
	a.Sent = meter.SatAdd(a.Sent, b.Sent)
}

// Zero reports whether nothing moved.
func (a Bytes) Zero() bool { return a.Recv == 0 && a.Sent == 0 }

// Total is what an app moved, as session.json and the summaries show it.
type Total struct {
	Name string `json:"name"`
	Unit string `json:"unit,omitempty"`
	Exe  string `json:"exe,omitempty"`
	Bytes
	// Estimated says some of these bytes came from sockets whose owner was
	// guessed (they opened and closed between two looks).
	Estimated bool `json:"estimated,omitempty"`
}

// closedKeep is how long a closed socket's cookie is remembered, so that a
// close event arriving after a dump that still listed it (or twice) is
// never counted again.
const closedKeep = 30 * time.Second

// missingKeep is how long a socket missing from dumps is kept waiting for
// its close event before it is forgotten (the event was lost).
const missingKeep = 10 * time.Second

type sock struct {
	owner    Owner
	counted  bool // its traffic crosses the counted interfaces
	last     Bytes
	lastSeen time.Time
	remote   netip.AddrPort
	app      *appState
}

type appState struct {
	Total
	window   Bytes
	lastUsed time.Time
}

// Tracker turns successive socket observations into per-app bytes. It is
// not safe for concurrent use.
type Tracker struct {
	namer  Namer
	counts func(local netip.Addr) bool
	socks  map[uint64]*sock
	closed map[uint64]time.Time
	apps   map[string]*appState
	// byRemote remembers which app last talked to a remote endpoint, for
	// sockets whose owner was never seen.
	byRemote   map[netip.AddrPort]*appState
	byRemoteIP map[netip.Addr]*appState
	// listeners are the apps listening on a local port: the connections
	// they accept share it.
	listeners map[uint16]*appState
	started   bool
	// Lost counts sockets that vanished without their close event.
	Lost int
}

// NewTracker returns a Tracker that names owners with namer and counts a
// socket's traffic only if counts says its local address sends and
// receives through the interfaces the session counts (not loopback, not a
// container's bridge).
func NewTracker(namer Namer, counts func(local netip.Addr) bool) *Tracker {
	return &Tracker{
		namer:      namer,
		counts:     counts,
		socks:      map[uint64]*sock{},
		closed:     map[uint64]time.Time{},
		apps:       map[string]*appState{},
		byRemote:   map[netip.AddrPort]*appState{},
		byRemoteIP: map[netip.Addr]*appState{},
		listeners:  map[uint16]*appState{},
	}
}

func (t *Tracker) app(o Owner) *appState {
	a := t.apps[o.App]
	if a == nil {
		a = &appState{Total: Total{Name: o.App, Unit: o.Unit, Exe: o.Exe}}
		t.apps[o.App] = a
	}
	if a.Exe == "" {
		a.Exe = o.Exe
	}
	if a.Unit == "" {
		a.Unit = o.Unit
	}
	return a
}

func wire(s Socket) Bytes {
	r, w := s.Wire()
	return Bytes{Recv: r, Sent: w}
}

// Baseline takes the first dump: what those sockets moved before it is
// never counted.
func (t *Tracker) Baseline(socks []Socket, now time.Time) {
	t.namer.Look()
	for _, s := range socks {
		t.socks[s.Cookie] = t.newSock(s, now, wire(s))
	}
	t.started = true
}

func (t *Tracker) newSock(s Socket, now time.Time, last Bytes) *sock {
	o := t.namer.Name(s.UID, s.CgroupID, s.Inode)
	st := &sock{owner: o, counted: t.counts(s.Local.Addr()), last: last, lastSeen: now, remote: s.Remote}
	if s.Listening {
		st.counted = false
		t.listen(s, st, now)
	}
	if st.counted {
		st.app = t.app(o)
		t.remember(st.app, s.Remote, now)
	}
	return st
}

func (t *Tracker) remember(a *appState, remote netip.AddrPort, now time.Time) {
	a.lastUsed = now
	t.byRemote[remote] = a
	t.byRemoteIP[remote.Addr()] = a
}

// Dump takes a dump of the live sockets. A socket first seen after the
// baseline opened during the session: all its bytes count.
func (t *Tracker) Dump(socks []Socket, now time.Time) {
	t.Sighted(socks, now)
	t.expire(now)
}

// Sighted takes sockets seen alive outside the regular dumps (an extra
// look when sockets close): new ones are named while their owner lives.
func (t *Tracker) Sighted(socks []Socket, now time.Time) {
	t.namer.Look()
	for _, s := range socks {
		if _, done := t.closed[s.Cookie]; done {
			continue // its close event came first
		}
		w := wire(s)
		st := t.socks[s.Cookie]
		if st == nil {
			st = t.newSock(s, now, Bytes{})
			t.socks[s.Cookie] = st
		}
		t.account(st, w, now)
		st.lastSeen = now
		if s.Listening {
			t.listen(s, st, now)
		}
	}
}

// listen remembers who listens on a port.
func (t *Tracker) listen(s Socket, st *sock, now time.Time) {
	a := t.app(st.owner)
	a.lastUsed = now
	t.listeners[s.Local.Port()] = a
}

// account adds what a socket moved since last seen (never less than
// nothing: a late, older observation changes nothing).
func (t *Tracker) account(st *sock, w Bytes, now time.Time) {
	var d Bytes
	if w.Recv > st.last.Recv {
		d.Recv = w.Recv - st.last.Recv
		st.last.Recv = w.Recv
	}
	if w.Sent > st.last.Sent {
		d.Sent = w.Sent - st.last.Sent
		st.last.Sent = w.Sent
	}
	if st.app != nil && !d.Zero() {
		st.app.Add(d)
		st.app.window.Add(d)
		t.remember(st.app, st.remote, now)
	}
}

// Closed takes close events: each carries a socket's final counters. A
// socket seen alive is counted up to them; one never seen (it opened and
// closed between two looks) is counted whole and marked estimated, for
// the app listening on its local port (a connection it accepted), else
// the app that last talked to the same remote endpoint, else to the same
// remote address, else "unknown". A cookie is counted once, however many
// times its event arrives.
func (t *Tracker) Closed(events []Socket, now time.Time) {
	for _, s := range events {
		if _, done := t.closed[s.Cookie]; done {
			continue
		}
		t.closed[s.Cookie] = now
		st := t.socks[s.Cookie]
		delete(t.socks, s.Cookie)
		if st != nil {
			t.account(st, wire(s), now)
			continue
		}
		if !t.counts(s.Local.Addr()) {
			continue
		}
		a := t.listeners[s.Local.Port()]
		if a == nil {
			a = t.byRemote[s.Remote]
		}
		if a == nil {
			a = t.byRemoteIP[s.Remote.Addr()]
		}
		if a == nil {
			a = t.app(Owner{App: Unknown})
		}
		a.Estimated = true
		w := wire(s)
		a.Add(w)
		a.window.Add(w)
	}
}

// Unknown names the owner of sockets that could be given to no app.
const Unknown = "unknown"

// expire forgets closed cookies after closedKeep, and sockets missing from
// dumps for missingKeep (their close event was lost).
func (t *Tracker) expire(now time.Time) {
	for c, at := range t.closed {
		if now.Sub(at) > closedKeep {
			delete(t.closed, c)
		}
	}
	for c, st := range t.socks {
		if now.Sub(st.lastSeen) > missingKeep {
			delete(t.socks, c)
			t.Lost++
		}
	}
	for r, a := range t.byRemote {
		if now.Sub(a.lastUsed) > closedKeep {
			delete(t.byRemote, r)
		}
	}
	for r, a := range t.byRemoteIP {
		if now.Sub(a.lastUsed) > closedKeep {
			delete(t.byRemoteIP, r)
		}
	}
	for p, a := range t.listeners {
		if now.Sub(a.lastUsed) > closedKeep {
			delete(t.listeners, p)
		}
	}
}

// Window returns what each app moved since the last call, largest first,
// and starts a new window.
func (t *Tracker) Window() []Total {
	var out []Total
	for _, a := range t.apps {
		if !a.window.Zero() {
			out = append(out, Total{Name: a.Name, Unit: a.Unit, Exe: a.Exe, Bytes: a.window, Estimated: a.Estimated})
			a.window = Bytes{}
		}
	}
	sortTotals(out)
	return out
}

// Totals returns what each app moved in the session, largest first.
func (t *Tracker) Totals() []Total {
	var out []Total
	for _, a := range t.apps {
		if !a.Bytes.Zero() {
			out = append(out, a.Total)
		}
	}
	sortTotals(out)
	return out
}

// Sort orders totals largest first (then by name).
func Sort(ts []Total) { sortTotals(ts) }

func sortTotals(ts []Total) {
	slices.SortFunc(ts, func(a, b Total) int {
		if x, y := a.Recv+a.Sent, b.Recv+b.Sent; x != y {
			if x > y {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
}
