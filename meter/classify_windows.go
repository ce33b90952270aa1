package meter

import (
	"net"

	"golang.org/x/sys/windows"
)

// Classify returns the kind of the named interface as Windows reports it
// (GetIfEntry2Ex: its interface type and whether it is hardware), so an
// adapter is not taken for real because of its name; by name only when
// Windows does not say.
func Classify(name string) Kind {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return classifyByName(name)
	}
	row := windows.MibIfRow2{InterfaceIndex: uint32(ifc.Index)}
	if err := windows.GetIfEntry2Ex(windows.MibIfTableNormalWithoutStatistics, &row); err == nil {
		return kindOfAdapter(row.Type, row.InterfaceAndOperStatusFlags)
	}
	if ifc.Flags&net.FlagLoopback != 0 {
		return Loopback
	}
	return classifyByName(name)
}

// Identify returns 0: without a cheap, reliable interface identity the
// Tracker falls back to comparing counters.
func Identify(string) uint64 { return 0 }
