package meter

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// rtLinks listens to rtnetlink's link group: RTM_NEWLINK and RTM_DELLINK
// carry each interface's index, name and 64-bit counters at the moment of
// the change, deletion (and moving to another namespace) included. The
// kernel queues them on the socket, counters and all, so the meter reads
// them only when it samples: nothing waits on the socket in between (a
// pending read would make every open of /proc/net/dev, which gopsutil
// does at each sample, pay for epoll bookkeeping).
type rtLinks struct {
	conn *netlink.Conn
	raw  syscall.RawConn
	buf  []byte
	// read reads one datagram without waiting (the socket is non-blocking);
	// made once, so polling allocates nothing.
	read func(fd uintptr) bool
	n    int
	rerr error
}

// linkBuffer asks for room for about 700 queued link messages between
// samples (the kernel caps it at net.core.rmem_max for ordinary users); a
// storm beyond that is noticed (ENOBUFS) and settled with a dump.
const linkBuffer = 1 << 20

func openLinks(context.Context) (Links, error) {
	conn, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{Groups: unix.RTMGRP_LINK})
	if err != nil {
		return nil, fmt.Errorf("listening for interface changes: %w", err)
	}
	conn.SetReadBuffer(linkBuffer)
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("listening for interface changes: %w", err)
	}
	l := &rtLinks{conn: conn, raw: raw, buf: make([]byte, 64<<10)}
	l.read = func(fd uintptr) bool {
		l.n, l.rerr = unix.Read(int(fd), l.buf)
		return true // never wait
	}
	return l, nil
}

func (l *rtLinks) Close() error { return l.conn.Close() }

// Poll reads what the kernel queued, without waiting.
func (l *rtLinks) Poll(f func(LinkEvent)) (lost bool) {
	for {
		err := l.raw.Read(l.read)
		n, rerr := l.n, l.rerr
		switch {
		case err != nil || errors.Is(rerr, unix.EAGAIN):
			return lost
		case errors.Is(rerr, unix.ENOBUFS):
			lost = true // the kernel dropped some: a dump settles it
			continue
		case rerr != nil:
			return true
		}
		msgs, err := syscall.ParseNetlinkMessage(l.buf[:n])
		if err != nil {
			lost = true
			continue
		}
		for _, m := range msgs {
			if m.Header.Type != unix.RTM_NEWLINK && m.Header.Type != unix.RTM_DELLINK {
				continue
			}
			var lm rtnetlink.LinkMessage
			if err := lm.UnmarshalBinary(m.Data); err != nil {
				lost = true
				continue
			}
			f(linkEvent(&lm, m.Header.Type == unix.RTM_DELLINK))
		}
	}
}

// linkEvent converts a link message; its counters are the link's at the
// moment of the change.
func linkEvent(lm *rtnetlink.LinkMessage, gone bool) LinkEvent {
	e := LinkEvent{Gone: gone, Observation: Observation{Index: lm.Index}}
	if a := lm.Attributes; a != nil {
		e.Name = a.Name
		switch {
		case a.Stats64 != nil:
			e.Recv, e.Sent = a.Stats64.RXBytes, a.Stats64.TXBytes
		case a.Stats != nil:
			e.Recv, e.Sent = uint64(a.Stats.RXBytes), uint64(a.Stats.TXBytes)
		default:
			e.NoCounters = true
		}
	}
	return e
}

// Dump lists every interface of this namespace with its counters.
func (l *rtLinks) Dump(context.Context) ([]Observation, error) {
	conn, err := rtnetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	defer conn.Close()
	links, err := conn.Link.List()
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	obs := make([]Observation, 0, len(links))
	for i := range links {
		if e := linkEvent(&links[i], false); !e.NoCounters && e.Name != "" {
			obs = append(obs, e.Observation)
		}
	}
	return obs, nil
}
