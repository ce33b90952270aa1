//go:build !windows

package notify

import (
	"context"
	"log/slog"
	"os"
)

// sendPlatform has nothing better than beeep outside Windows (Linux uses
// the D-Bus path first).
func sendPlatform(ctx context.Context, m Message, _ *slog.Logger) error { return fallback(ctx, m) }

// HandleActivation handles Windows relaunching bwtray to deliver a
// notification click; elsewhere there is nothing to handle.
func HandleActivation(context.Context, []string, func(string) bool, func(string) error) (bool, error) {
	return false, nil
}

// Exit ends the process with code.
func Exit(code int) { os.Exit(code) }
