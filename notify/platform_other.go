//go:build !windows

package notify

import (
	"context"
	"log/slog"
)

// sendPlatform has nothing better than beeep outside Windows (Linux uses
// the D-Bus path first).
func sendPlatform(ctx context.Context, m Message, _ *slog.Logger) error { return fallback(ctx, m) }

// HandleActivation handles Windows relaunching bwtray to deliver a
// notification click; elsewhere there is nothing to handle.
func HandleActivation(context.Context, []string, func(string) error) (bool, error) {
	return false, nil
}
