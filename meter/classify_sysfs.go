package meter

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Sysfs classifies interfaces the way Linux describes them under a sysfs
// root (normally /sys): software interfaces live under devices/virtual/net,
// and loopback has link type 772 (ARPHRD_LOOPBACK). Reading files under a
// given root keeps this testable against a fixture tree.
type Sysfs struct {
	Root string
}

const arphrdLoopback = "772"

// Classify returns the kind of the named interface. An interface sysfs does
// not know (another namespace's view, or no sysfs) is taken as physical, so
// that it is counted rather than silently dropped.
func (s Sysfs) Classify(name string) Kind {
	if !validName(name) {
		return Virtual
	}
	virt := filepath.Join(s.Root, "devices", "virtual", "net", name)
	if _, err := os.Stat(virt); err != nil {
		return Physical
	}
	if typ, err := os.ReadFile(filepath.Join(virt, "type")); err == nil && strings.TrimSpace(string(typ)) == arphrdLoopback {
		return Loopback
	}
	return Virtual
}

// Identify returns the interface's ifindex, which changes when an interface
// is deleted and created again under the same name, or 0 if unknown.
func (s Sysfs) Identify(name string) uint64 {
	if !validName(name) {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(s.Root, "class", "net", name, "ifindex"))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// validName rejects names that would escape the sysfs directory; Linux
// itself forbids '/' and names "." and "..".
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}
