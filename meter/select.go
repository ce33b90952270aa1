package meter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Kind classifies a network interface.
type Kind int

const (
	// Physical is a real device: Ethernet, Wi-Fi, a USB modem.
	Physical Kind = iota
	// Virtual is a software interface: bridge, veth, tun/tap, WireGuard,
	// docker. Its traffic also crosses a physical interface (or never
	// leaves the machine), so counting it would count bytes twice.
	Virtual
	// Loopback never leaves the machine.
	Loopback
)

// Mode says which interfaces a Selection counts.
type Mode int

const (
	// Real counts physical interfaces only (the default).
	Real Mode = iota
	// All counts every interface except loopback.
	All
	// Named counts exactly the named interfaces, virtual ones included.
	Named
)

// Selection says which interfaces a session counts.
type Selection struct {
	Mode  Mode
	Names []string // for Named
}

// String describes the selection for people: "real interfaces",
// "all interfaces" or the names.
func (s Selection) String() string {
	switch s.Mode {
	case All:
		return "all interfaces"
	case Named:
		return strings.Join(s.Names, ", ")
	}
	return "real interfaces"
}

// Key is a short stable form for files and config: "real", "all", or the
// names joined with commas.
func (s Selection) Key() string {
	switch s.Mode {
	case All:
		return "all"
	case Named:
		return strings.Join(s.Names, ",")
	}
	return "real"
}

// EmptyNameError says a list of interface names holds an empty one.
type EmptyNameError struct {
	// Value is the list as given.
	Value string
}

func (e *EmptyNameError) Error() string { return fmt.Sprintf("empty interface name in %q", e.Value) }

// ErrAllAndNamed says every interface and named ones were asked for at
// once.
var ErrAllAndNamed = errors.New("all interfaces and named ones asked for at once")

// ParseSelection builds a Selection from "all" and interface names; each
// value may itself be a comma-separated list.
func ParseSelection(all bool, ifaces []string) (Selection, error) {
	var names []string
	for _, v := range ifaces {
		for n := range strings.SplitSeq(v, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				return Selection{}, &EmptyNameError{Value: v}
			}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	switch {
	case all && len(names) > 0:
		return Selection{}, ErrAllAndNamed
	case all:
		return Selection{Mode: All}, nil
	case len(names) > 0:
		return Selection{Mode: Named, Names: names}, nil
	}
	return Selection{Mode: Real}, nil
}

// Matcher returns the predicate the Tracker uses, with interfaces
// classified by classify.
func (s Selection) Matcher(classify func(name string) Kind) func(name string) bool {
	switch s.Mode {
	case Named:
		return func(name string) bool { return slices.Contains(s.Names, name) }
	case All:
		return func(name string) bool { return classify(name) != Loopback }
	}
	return func(name string) bool { return classify(name) == Physical }
}

// UnknownInterfaceError says selected interfaces are missing from this
// machine, and which it has.
type UnknownInterfaceError struct {
	Missing, Present []string
}

func (e *UnknownInterfaceError) Error() string {
	word := "interface"
	if len(e.Missing) > 1 {
		word = "interfaces"
	}
	return fmt.Sprintf("unknown %s %s: this machine has %s", word, quoteAll(e.Missing), quoteAll(e.Present))
}

// Check returns an *UnknownInterfaceError naming any selected interface
// missing from present.
func (s Selection) Check(present []string) error {
	if s.Mode != Named {
		return nil
	}
	var missing []string
	for _, n := range s.Names {
		if !slices.Contains(present, n) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sorted := slices.Clone(present)
	slices.Sort(sorted)
	return &UnknownInterfaceError{Missing: missing, Present: sorted}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Interfaces lists the machine's interfaces with their kinds, sorted by name.
func Interfaces(readings []Counters, classify func(string) Kind) []Interface {
	out := make([]Interface, 0, len(readings))
	for _, c := range readings {
		out = append(out, Interface{Name: c.Name, Kind: classify(c.Name)})
	}
	slices.SortFunc(out, func(a, b Interface) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Interface is a named interface and its kind.
type Interface struct {
	Name string
	Kind Kind
}
