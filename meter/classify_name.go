package meter

import "strings"

// virtualPrefixes are names macOS, the BSDs and Windows give to software
// interfaces (VPN tunnels, Apple Wireless Direct Link, Hyper-V switches).
var virtualPrefixes = []string{
	"utun", "awdl", "llw", "bridge", "gif", "stf", "anpi", "ap", "tun", "tap",
	"vboxnet", "vmnet", "veth", "docker", "vEthernet", "isatap", "Teredo",
}

// classifyByName guesses an interface's kind from its name, where the
// system says nothing better.
func classifyByName(name string) Kind {
	if strings.HasPrefix(name, "lo") || strings.Contains(name, "Loopback") {
		return Loopback
	}
	for _, p := range virtualPrefixes {
		if strings.HasPrefix(name, p) {
			return Virtual
		}
	}
	return Physical
}

// Windows' interface types (ipifcons.h) and MIB_IF_ROW2 flags that say
// what an adapter is.
const (
	ifTypeSoftwareLoopback = 24
	ifTypePropVirtual      = 53
	ifTypeTunnel           = 131
	ifHardwareInterface    = 1 << 0 // InterfaceAndOperStatusFlags
)

// kindOfAdapter is the kind of a Windows adapter from what Windows reports
// of it: its interface type, and whether it is hardware. A software
// adapter of any type (Hyper-V's vEthernet, a VPN's TAP, an intermediate
// filter) is virtual, whatever it is named.
func kindOfAdapter(ifType uint32, flags uint8) Kind {
	switch {
	case ifType == ifTypeSoftwareLoopback:
		return Loopback
	case ifType == ifTypeTunnel || ifType == ifTypePropVirtual:
		return Virtual
	case flags&ifHardwareInterface == 0:
		return Virtual
	}
	return Physical
}
