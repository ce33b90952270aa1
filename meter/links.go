package meter

import "context"

// Links tells the meter about interfaces by their kernel identity, where
// the platform announces changes (rtnetlink on Linux). With it, a rename
// keeps counting, an interface moved to another network namespace and
// back is counted only for what crossed it here, and one deleted is
// counted up to the moment it went, from the counters the kernel sends
// with each change.
type Links interface {
	// Poll hands each change announced since the last call to f, in
	// order, without waiting. lost says some were lost (the kernel's queue
	// overflowed): a dump is then needed.
	Poll(f func(LinkEvent)) (lost bool)
	// Dump returns every interface with its index and counters, now.
	Dump(ctx context.Context) ([]Observation, error)
	// Close stops listening.
	Close() error
}

// OpenLinks listens for changes to this network namespace's interfaces.
// Where the platform has no link events it returns nil and no error, and
// the meter knows interfaces by name alone.
func OpenLinks(ctx context.Context) (Links, error) { return openLinks(ctx) }
