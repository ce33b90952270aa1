//go:build !linux

package meter

import (
	"net"
	"strings"
)

// virtualPrefixes are names macOS, the BSDs and Windows give to software
// interfaces (VPN tunnels, Apple Wireless Direct Link, Hyper-V switches).
var virtualPrefixes = []string{
	"utun", "awdl", "llw", "bridge", "gif", "stf", "anpi", "ap", "tun", "tap",
	"vboxnet", "vmnet", "veth", "docker", "vEthernet", "isatap", "Teredo",
}

// Classify returns the kind of the named interface on this machine.
func Classify(name string) Kind {
	if ifc, err := net.InterfaceByName(name); err == nil && ifc.Flags&net.FlagLoopback != 0 {
		return Loopback
	}
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

// Identify returns 0: without a cheap, reliable interface identity the
// Tracker falls back to comparing counters.
func Identify(string) uint64 { return 0 }
