// Package e2e tests the built bwtray binary the way people and scripts use
// it: the CLI over real processes and signals, the counters over a real
// kernel veth pair in private network namespaces, and the tray and
// notifications over a private D-Bus session bus.
package e2e
