package apps

import (
	"net/netip"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"
)

// Interfaces decides whether a socket's traffic crosses the interfaces a
// session counts, from the socket's local address: the interface that has
// the address carries its packets. Loopback never counts, nor do bridges
// and veths a session leaves out (a container's internal traffic); a
// tunnel (a VPN) counts, because its packets also cross a real interface.
type Interfaces struct {
	counted func(name string) bool
	addrs   map[netip.Addr]ifcInfo
	read    time.Time
}

type ifcInfo struct {
	name   string
	tunnel bool
}

// NewInterfaces reads the interfaces' addresses; counted says which
// interfaces the session counts, by name.
func NewInterfaces(counted func(name string) bool) *Interfaces {
	i := &Interfaces{counted: counted}
	i.refresh()
	return i
}

// Counts reports whether traffic from local address a crosses the
// counted interfaces.
func (i *Interfaces) Counts(a netip.Addr) bool {
	if !a.IsValid() || a.IsLoopback() || a.IsUnspecified() {
		return false
	}
	f, ok := i.addrs[a]
	if !ok && time.Since(i.read) > rereadEvery {
		i.refresh()
		f, ok = i.addrs[a]
	}
	return ok && (f.tunnel || i.counted(f.name))
}

// rereadEvery bounds how often an address not known sends the
// interfaces' addresses to be read again (an address just added).
const rereadEvery = 2 * time.Second

func (i *Interfaces) refresh() {
	i.read = time.Now()
	conn, err := rtnetlink.Dial(nil)
	if err != nil {
		return
	}
	defer conn.Close()
	links, err := conn.Link.List()
	if err != nil {
		return
	}
	byIndex := map[uint32]ifcInfo{}
	for _, l := range links {
		if l.Attributes == nil {
			continue
		}
		tunnel := l.Flags&unix.IFF_POINTOPOINT != 0
		switch l.Type {
		case unix.ARPHRD_NONE, unix.ARPHRD_TUNNEL, unix.ARPHRD_TUNNEL6, unix.ARPHRD_IPGRE, unix.ARPHRD_SIT, unix.ARPHRD_PPP:
			tunnel = true
		}
		byIndex[l.Index] = ifcInfo{name: l.Attributes.Name, tunnel: tunnel}
	}
	addrs, err := conn.Address.List()
	if err != nil {
		return
	}
	m := map[netip.Addr]ifcInfo{}
	for _, a := range addrs {
		if a.Attributes == nil {
			continue
		}
		if ip, ok := netip.AddrFromSlice(a.Attributes.Address); ok {
			m[ip.Unmap()] = byIndex[a.Index]
		}
	}
	i.addrs = m
}
