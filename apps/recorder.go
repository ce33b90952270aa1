package apps

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Source gives the Tracker its observations. The kernel's sock_diag is
// the one on Linux; a privileged one (eBPF, which would count UDP too)
// could be added without touching the rest.
type Source interface {
	// Dump appends every TCP socket of the namespace, with its counters.
	Dump(ctx context.Context, into []Socket) ([]Socket, error)
	// Closed appends the sockets closed since the last call, with their
	// final counters, and says how many bursts of them were lost.
	Closed(into []Socket) ([]Socket, int)
	// Seen appends sockets seen alive since the last call outside Dump
	// (a source may look again when sockets close, to see short
	// connections' owners); none is fine.
	Seen(into []Socket) []Socket
	// UDP appends the UDP sockets (owners only: no counters).
	UDP(ctx context.Context, into []Socket) ([]Socket, error)
	Close() error
}

// ErrUnsupported says the platform has no source an ordinary user may read.
var ErrUnsupported = errors.New("which apps moved the data is known on Linux only")

// Recorder attributes a session's bytes to apps while it records.
type Recorder struct {
	src     Source
	namer   Namer
	counts  func(netip.Addr) bool
	tracker *Tracker
	buf     []Socket
	seen    []Socket
	closed  []Socket
	lost    int
	heard   int // close events taken
	// udp names the apps that held UDP sockets on counted interfaces;
	// udpNow the sockets of the last look, already named.
	udp     map[string]bool
	udpBuf  []Socket
	udpNow  map[uint64]bool
	udpLast map[uint64]bool
}

// NewRecorder takes the baseline: the sockets open now are counted only
// for what they move from now on.
func NewRecorder(ctx context.Context, src Source, namer Namer, counts func(netip.Addr) bool, now time.Time) (*Recorder, error) {
	r := &Recorder{src: src, namer: namer, counts: counts, tracker: NewTracker(namer, counts),
		udp: map[string]bool{}, udpNow: map[uint64]bool{}, udpLast: map[uint64]bool{}}
	var err error
	if r.buf, err = src.Dump(ctx, r.buf); err != nil {
		return nil, err
	}
	r.closed, _ = src.Closed(r.closed) // closes before now are not ours
	r.seen = src.Seen(r.seen)
	r.tracker.Baseline(r.buf, now)
	r.listUDP(ctx)
	return r, nil
}

// Step takes the next look: the sockets seen since the last, what closed
// since, then every live socket (in that order: a close event's final
// counters come after any sighting of its socket, and a dump never
// brings a closed socket back). It runs at each sample.
func (r *Recorder) Step(ctx context.Context, now time.Time) error {
	r.seen = r.src.Seen(r.seen)
	r.tracker.Sighted(r.seen, now)
	var lost int
	r.closed, lost = r.src.Closed(r.closed)
	r.lost += lost
	r.heard += len(r.closed)
	r.tracker.Closed(r.closed, now)
	var err error
	if r.buf, err = r.src.Dump(ctx, r.buf); err != nil {
		return err
	}
	r.tracker.Dump(r.buf, now)
	r.listUDP(ctx)
	return nil
}

// listUDP names the apps holding UDP sockets that can reach the counted
// interfaces; a socket is named once.
func (r *Recorder) listUDP(ctx context.Context) {
	var err error
	if r.udpBuf, err = r.src.UDP(ctx, r.udpBuf); err != nil {
		return
	}
	r.udpLast, r.udpNow = r.udpNow, r.udpLast
	clear(r.udpNow)
	for _, s := range r.udpBuf {
		r.udpNow[s.Cookie] = true
		if r.udpLast[s.Cookie] {
			continue
		}
		l := s.Local.Addr()
		if l.IsLoopback() || !(l.IsUnspecified() || r.counts(l)) {
			continue
		}
		r.udp[r.namer.Name(s.UID, s.CgroupID, s.Inode).App] = true
	}
}

// finishWait lets the close events of the session's last moments arrive
// (they are heard within ~20 ms).
const finishWait = 50 * time.Millisecond

// Window returns what each app moved since the last call.
func (r *Recorder) Window() []Total { return r.tracker.Window() }

// Finish takes the last look and splits the session's totals: the apps'
// rows, largest first, and the remainder with its likely reasons; rows
// and remainder add up exactly to session.
func (r *Recorder) Finish(ctx context.Context, now time.Time, session Bytes) ([]Total, Unattributed) {
	// Close events of the last moments may still be on their way.
	select {
	case <-time.After(finishWait):
	case <-ctx.Done():
	}
	r.Step(ctx, now)
	var lost int
	r.closed, lost = r.src.Closed(r.closed)
	r.lost += lost
	r.heard += len(r.closed)
	r.tracker.Closed(r.closed, now)
	rows, rest, scaled := Split(r.tracker.Totals(), session)
	un := Unattributed{Bytes: rest, Reasons: r.reasons(rest, scaled)}
	return rows, un
}

// maxUDPNames is how many apps holding UDP sockets the reason names.
const maxUDPNames = 4

// reasons says why bytes may be unattributed, most likely first.
func (r *Recorder) reasons(rest Bytes, scaled bool) []string {
	var why []string
	if !rest.Zero() && len(r.udp) > 0 {
		names := make([]string, 0, len(r.udp))
		for n := range r.udp {
			names = append(names, n)
		}
		slices.Sort(names)
		if len(names) > maxUDPNames {
			names = append(names[:maxUDPNames], fmt.Sprintf("%d more", len(names)-maxUDPNames))
		}
		why = append(why, "UDP/QUIC: "+strings.Join(names, ", "))
	}
	if r.lost > 0 || r.tracker.Lost > 0 {
		why = append(why, fmt.Sprintf("lost close events: %d", r.lost+r.tracker.Lost))
	}
	if !rest.Zero() {
		why = append(why, "not visible: other protocols and network namespaces")
	}
	if scaled {
		why = append(why, "app rows fitted to the interface counters")
	}
	return why
}

// Heard says how many close events were taken, and how many bursts of
// them the kernel dropped (each burst one or more events).
func (r *Recorder) Heard() (closes, lost int) { return r.heard, r.lost }

// Close stops the source.
func (r *Recorder) Close() error { return r.src.Close() }

// Open starts attributing with the kernel's sock_diag, for a session that
// counts the interfaces counted says (by name).
func Open(ctx context.Context, counted func(name string) bool, now time.Time) (*Recorder, error) {
	src, err := OpenKernel(ctx)
	if err != nil {
		return nil, err
	}
	ifcs := NewInterfaces(counted)
	r, err := NewRecorder(ctx, src, NewSystemNamer(), ifcs.Counts, now)
	if err != nil {
		src.Close()
		return nil, err
	}
	return r, nil
}
