//go:build !linux

package apps

import (
	"context"
	"net/netip"
)

// OpenKernel: no source an ordinary user may read on this platform.
func OpenKernel(context.Context) (Source, error) { return nil, ErrUnsupported }

// NewSystemNamer names nobody here.
func NewSystemNamer() Namer { return nobody{} }

type nobody struct{}

func (nobody) Look() {}

func (nobody) Name(uint32, uint64, uint32) Owner { return Owner{App: Unknown} }

// Interfaces: unused without a source.
type Interfaces struct{}

// NewInterfaces returns Interfaces that count nothing.
func NewInterfaces(func(string) bool) *Interfaces { return &Interfaces{} }

// Counts reports false.
func (*Interfaces) Counts(netip.Addr) bool { return false }
