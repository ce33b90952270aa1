package meter

// Classify returns the kind of the named interface on this machine.
func Classify(name string) Kind { return Sysfs{Root: "/sys"}.Classify(name) }

// Identify returns an identity that changes when the interface is recreated
// (its ifindex), or 0 if unknown.
func Identify(name string) uint64 { return Sysfs{Root: "/sys"}.Identify(name) }
