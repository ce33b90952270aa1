//go:build !linux

package notify

import (
	"context"
	"errors"
	"log/slog"
)

// busNotifier is Linux-only; elsewhere the platform's notifications do
// the work (toasts with their click on Windows).
type busNotifier struct{}

func newBusNotifier(context.Context, string, *slog.Logger) (*busNotifier, error) {
	return nil, errNoBus
}

func (*busNotifier) send(context.Context, Message) error { return errors.New("unsupported") }
