package apps

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The kernel's sock_diag interface (linux/inet_diag.h, linux/sock_diag.h).
// mdlayher/netlink carries the messages and parses their attributes, and
// x/sys/unix has tcp_info; the fixed 72-byte inet_diag_msg header before
// the attributes is the only layout read here (no served library parses
// the messages this needs: close events it did not ask for, and the
// cgroup id attribute).
const (
	inetDiagInfo     = 2  // INET_DIAG_INFO: struct tcp_info
	inetDiagCgroupID = 21 // INET_DIAG_CGROUP_ID: u64
	inetDiagMsgLen   = 72 // sizeof(struct inet_diag_msg)
	inetDiagReqLen   = 56 // sizeof(struct inet_diag_req_v2)
	tcpiOptTimestamp = 1  // TCPI_OPT_TIMESTAMPS
	// liveStates are the TCP states of full sockets: all but TIME_WAIT
	// (6) and NEW_SYN_RECV (12).
	liveStates  = 0xfff &^ (1<<6 | 1<<12)
	tcpListen   = 10
	closeBuffer = 4 << 20 // asked for; capped at net.core.rmem_max
)

// kernel is the Source on Linux: the kernel's own view of the namespace's
// TCP sockets, as an ordinary user may see it.
type kernel struct {
	dumpMu sync.Mutex // the dump connection is shared with hear's sightings
	dump   *netlink.Conn
	// dumpRaw reads the dump's datagrams into dumpBuf, made once: a dump
	// of 5,000 sockets is ~2 MB, and reading it through netlink.Conn's
	// Execute (a peek, then a fresh buffer per datagram, of the size the
	// peek found) allocated all of it every second and made the kernel
	// fill 4 kB at a time.
	dumpRaw  syscall.RawConn
	dumpBuf  []byte
	dumpRead func(fd uintptr) bool
	dumpN    int
	dumpErr  error
	// events hears every TCP socket's close, with its final counters.
	events *netlink.Conn
	raw    syscall.RawConn
	buf    []byte

	mu     sync.Mutex
	closed []Socket
	lost   int
	// known holds the cookies of the last dump and of the sightings since:
	// a sighting keeps only sockets not known yet.
	known     map[uint64]struct{}
	seen      []Socket
	lastSight time.Time
}

// sightEvery bounds the extra dumps taken when sockets close: a socket
// that opens and closes between two samples is then often seen alive,
// with its owner (from ~1 % to ~86 % of short connections measured).
const sightEvery = 100 * time.Millisecond

// OpenKernel opens the sock_diag connections and starts hearing close
// events until ctx ends.
func OpenKernel(ctx context.Context) (Source, error) {
	d, err := netlink.Dial(unix.NETLINK_SOCK_DIAG, nil)
	if err != nil {
		return nil, fmt.Errorf("opening sock_diag: %w", err)
	}
	groups := uint32(1<<(unix.SKNLGRP_INET_TCP_DESTROY-1) | 1<<(unix.SKNLGRP_INET6_TCP_DESTROY-1))
	e, err := netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{Groups: groups})
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("listening for closed sockets: %w", err)
	}
	e.SetReadBuffer(closeBuffer)
	raw, err := e.SyscallConn()
	if err != nil {
		d.Close()
		e.Close()
		return nil, fmt.Errorf("listening for closed sockets: %w", err)
	}
	draw, err := d.SyscallConn()
	if err != nil {
		d.Close()
		e.Close()
		return nil, fmt.Errorf("opening sock_diag: %w", err)
	}
	k := &kernel{dump: d, events: e, raw: raw, buf: make([]byte, 64<<10), known: map[uint64]struct{}{},
		dumpRaw: draw, dumpBuf: make([]byte, 64<<10)}
	k.dumpRead = func(fd uintptr) bool {
		k.dumpN, k.dumpErr = unix.Read(int(fd), k.dumpBuf)
		return !errors.Is(k.dumpErr, unix.EAGAIN)
	}
	go k.hear(ctx)
	return k, nil
}

// hear collects close events. It blocks for the first event of a burst,
// waits a little, then takes everything queued without waiting: a wakeup
// per event costs ~100 µs and loses events in bursts, while this keeps up
// with thousands of closes a second at ~21 µs each. (mdlayher/netlink's
// Receive with a deadline already passed returns before reading, so the
// drain reads the socket itself.)
func (k *kernel) hear(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() { k.events.Close() })
	defer stop()
	var n int
	var rerr error
	wait := func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), k.buf)
		return !errors.Is(rerr, unix.EAGAIN)
	}
	now := func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), k.buf)
		return true
	}
	for {
		if err := k.raw.Read(wait); err != nil || !k.take(k.buf[:max(n, 0)], rerr) {
			return
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return
		}
		for {
			if err := k.raw.Read(now); err != nil {
				return
			}
			if errors.Is(rerr, unix.EAGAIN) {
				break
			}
			if !k.take(k.buf[:max(n, 0)], rerr) {
				return
			}
		}
		k.sight(ctx)
	}
}

// take queues the close events of one datagram; it returns false when
// the connection is gone.
func (k *kernel) take(b []byte, rerr error) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case errors.Is(rerr, unix.ENOBUFS):
		k.lost++ // the kernel dropped events: counted, reported
		return true
	case errors.Is(rerr, unix.EINTR):
		return true
	case rerr != nil:
		return false
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		k.lost++
		return true
	}
	for _, m := range msgs {
		if s, ok := parseSocket(m.Data); ok {
			s.Closed = true
			k.closed = append(k.closed, s)
		}
	}
	return true
}

// sight takes an extra dump after a burst of closes (at most every
// sightEvery), keeping the sockets not known yet: the Tracker learns the
// owners of short connections from them.
func (k *kernel) sight(ctx context.Context) {
	k.mu.Lock()
	due := time.Since(k.lastSight) >= sightEvery
	if due {
		k.lastSight = time.Now()
	}
	k.mu.Unlock()
	if !due {
		return
	}
	socks, err := k.list(ctx, nil, unix.IPPROTO_TCP, 1<<(inetDiagInfo-1))
	if err != nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, s := range socks {
		if _, ok := k.known[s.Cookie]; !ok {
			k.known[s.Cookie] = struct{}{}
			k.seen = append(k.seen, s)
		}
	}
}

// Closed returns the close events heard since the last call, and how many
// bursts the kernel dropped.
func (k *kernel) Closed(into []Socket) ([]Socket, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	into = append(into[:0], k.closed...)
	k.closed = k.closed[:0]
	lost := k.lost
	k.lost = 0
	return into, lost
}

// Seen returns the sockets the extra dumps saw first since the last call.
func (k *kernel) Seen(into []Socket) []Socket {
	k.mu.Lock()
	defer k.mu.Unlock()
	into = append(into[:0], k.seen...)
	k.seen = k.seen[:0]
	return into
}

func request(family, protocol uint8, ext uint8) []byte {
	b := make([]byte, inetDiagReqLen)
	b[0], b[1], b[2] = family, protocol, ext
	binary.NativeEndian.PutUint32(b[4:], liveStates)
	return b
}

// Dump appends every TCP socket of the namespace, both families.
func (k *kernel) Dump(ctx context.Context, into []Socket) ([]Socket, error) {
	into, err := k.list(ctx, into[:0], unix.IPPROTO_TCP, 1<<(inetDiagInfo-1))
	if err != nil {
		return into, fmt.Errorf("listing TCP sockets: %w", err)
	}
	k.mu.Lock()
	clear(k.known)
	for _, s := range into {
		k.known[s.Cookie] = struct{}{}
	}
	k.mu.Unlock()
	return into, nil
}

// UDP lists the UDP sockets of the namespace (who holds them; the kernel
// counts no bytes per UDP socket for ordinary users).
func (k *kernel) UDP(ctx context.Context, into []Socket) ([]Socket, error) {
	into, err := k.list(ctx, into[:0], unix.IPPROTO_UDP, 0)
	if err != nil {
		return into, fmt.Errorf("listing UDP sockets: %w", err)
	}
	return into, nil
}

// list dumps the sockets of one protocol, both families. Sockets in
// TIME_WAIT or still in the handshake are left out: they are minisockets
// with no owner and no counters (their socket's close event has the
// final counts).
func (k *kernel) list(_ context.Context, into []Socket, proto, ext uint8) ([]Socket, error) {
	k.dumpMu.Lock()
	defer k.dumpMu.Unlock()
	// A dump the kernel stops answering must not stop the meter.
	k.dump.SetReadDeadline(time.Now().Add(dumpTimeout))
	for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
		_, err := k.dump.Send(netlink.Message{
			Header: netlink.Header{Type: unix.SOCK_DIAG_BY_FAMILY, Flags: netlink.Request | netlink.Dump},
			Data:   request(fam, proto, ext),
		})
		if err != nil {
			return into, err
		}
		for done := false; !done; {
			if err := k.dumpRaw.Read(k.dumpRead); err != nil {
				return into, err
			}
			if k.dumpErr != nil {
				return into, k.dumpErr
			}
			msgs, err := syscall.ParseNetlinkMessage(k.dumpBuf[:k.dumpN])
			if err != nil {
				return into, err
			}
			for _, m := range msgs {
				switch m.Header.Type {
				case unix.NLMSG_DONE:
					done = true
				case unix.NLMSG_ERROR:
					if len(m.Data) >= 4 {
						if errno := -int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
							return into, syscall.Errno(errno)
						}
					}
					done = true
				default:
					if s, ok := parseSocket(m.Data); ok {
						into = append(into, s)
					}
				}
			}
		}
	}
	return into, nil
}

// dumpTimeout bounds one dump (a few ms for thousands of sockets).
const dumpTimeout = 5 * time.Second

func (k *kernel) Close() error {
	return errors.Join(k.dump.Close(), k.events.Close())
}

// parseSocket reads an inet_diag_msg and its attributes.
func parseSocket(b []byte) (Socket, bool) {
	if len(b) < inetDiagMsgLen {
		return Socket{}, false
	}
	var s Socket
	family := b[0]
	s.Listening = b[1] == tcpListen
	sport := binary.BigEndian.Uint16(b[4:])
	dport := binary.BigEndian.Uint16(b[6:])
	src, dst := b[8:24], b[24:40]
	s.Cookie = uint64(binary.NativeEndian.Uint32(b[44:])) | uint64(binary.NativeEndian.Uint32(b[48:]))<<32
	s.UID = binary.NativeEndian.Uint32(b[64:])
	s.Inode = binary.NativeEndian.Uint32(b[68:])
	switch family {
	case unix.AF_INET:
		s.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(src[:4])), sport)
		s.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(dst[:4])), dport)
	case unix.AF_INET6:
		l, r := netip.AddrFrom16([16]byte(src)), netip.AddrFrom16([16]byte(dst))
		s.V6 = !l.Is4In6()
		s.Local = netip.AddrPortFrom(l.Unmap(), sport)
		s.Remote = netip.AddrPortFrom(r.Unmap(), dport)
	default:
		return Socket{}, false
	}
	// The attributes, walked in place: mdlayher/netlink's AttributeDecoder
	// copies every attribute it passes (Attribute.unmarshal), ~2 MB a
	// second with 5,000 sockets, for the two read here.
	for a := b[inetDiagMsgLen:]; len(a) >= unix.NLA_HDRLEN; {
		n := int(binary.NativeEndian.Uint16(a))
		if n < unix.NLA_HDRLEN || n > len(a) {
			break
		}
		data := a[unix.NLA_HDRLEN:n]
		switch binary.NativeEndian.Uint16(a[2:]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER) {
		case inetDiagInfo:
			var ti unix.TCPInfo
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&ti)), unsafe.Sizeof(ti)), data)
			s.Recv, s.Sent = ti.Bytes_received, ti.Bytes_sent
			s.SegsIn, s.SegsOut = ti.Segs_in, ti.Segs_out
			s.Timestamps = ti.Options&tcpiOptTimestamp != 0
		case inetDiagCgroupID:
			if len(data) >= 8 {
				s.CgroupID = binary.NativeEndian.Uint64(data)
			}
		}
		a = a[min(len(a), (n+unix.NLA_ALIGNTO-1)&^(unix.NLA_ALIGNTO-1)):]
	}
	return s, true
}
