//go:build !linux

package notify

import (
	"context"
	"errors"
	"log/slog"
)

// busNotifier is Linux-only; elsewhere beeep does the work.
type busNotifier struct{}

func newBusNotifier(context.Context, string, *slog.Logger) (*busNotifier, error) {
	return nil, errors.New("click actions are not supported on this platform yet")
}

func (*busNotifier) send(context.Context, Message) error { return errors.New("unsupported") }
