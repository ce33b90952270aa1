package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	toast "git.sr.ht/~jackmordaunt/go-toast"
)

// Untested on a real Windows machine: it cross-compiles, and follows
// go-toast's activation API (the README says so).

// toastGUID is bwtray's stable COM activation id: Windows keeps it in the
// registry with the AppID, so it must never change.
const toastGUID = "{5C4B0C53-1F1E-4D1B-9E7A-6A2F3B8D9E41}"

var (
	setupOnce sync.Once
	setupErr  error
	actionsMu sync.Mutex
	actions   = map[string]func(){} // by Target
	opened    = make(chan struct{}, 1)
)

// setup registers bwtray with Windows: its AppID (shown in the Action
// Centre), and this executable as the one to start when a toast is
// clicked while bwtray is not running.
func setup() error {
	setupOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			setupErr = err
			return
		}
		setupErr = toast.SetAppData(toast.AppData{AppID: AppName, GUID: toastGUID, ActivationExe: exe})
		toast.SetActivationCallback(func(args string, _ []toast.UserData) {
			actionsMu.Lock()
			f := actions[args]
			actionsMu.Unlock()
			if f != nil {
				go f()
			}
			select {
			case opened <- struct{}{}:
			default:
			}
		})
	})
	return setupErr
}

// sendPlatform shows a toast whose click runs m.OnAction (or, after a
// relaunch, opens m.Target); without an action it is a plain beeep toast.
func sendPlatform(ctx context.Context, m Message, log *slog.Logger) error {
	if m.OnAction == nil || m.Target == "" {
		return fallback(ctx, m)
	}
	if err := setup(); err != nil {
		log.Info("toast activation unavailable; the toast will not open the chart", "err", err)
		return fallback(ctx, m)
	}
	actionsMu.Lock()
	actions[m.Target] = m.OnAction
	actionsMu.Unlock()
	n := toast.Notification{
		AppID:               AppName,
		Title:               m.Title,
		Body:                m.Body,
		ActivationType:      toast.Foreground,
		ActivationArguments: m.Target,
	}
	done := make(chan error, 1)
	go func() { done <- n.Push() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("showing a toast: %w", err)
		}
		return nil
	case <-ctx.Done():
		return errors.New("showing a toast: no answer in time")
	}
}

// HandleActivation serves a click on a toast of a bwtray that has quit:
// Windows then starts bwtray with -Embedding and delivers the click. It
// opens the toast's target with open and reports that it handled the run.
func HandleActivation(ctx context.Context, args []string, open func(string) error) (bool, error) {
	if !slices.Contains(args, "-Embedding") {
		return false, nil
	}
	var openErr error
	var once sync.Once
	toast.SetActivationCallback(func(target string, _ []toast.UserData) {
		once.Do(func() { openErr = open(target) })
		select {
		case opened <- struct{}{}:
		default:
		}
	})
	if err := toast.SetAppData(toast.AppData{AppID: AppName, GUID: toastGUID}); err != nil {
		return true, fmt.Errorf("registering for toast clicks: %w", err)
	}
	select {
	case <-opened:
		return true, openErr
	case <-time.After(10 * time.Second):
		return true, errors.New("no toast click arrived, though Windows started bwtray for one")
	case <-ctx.Done():
		return true, ctx.Err()
	}
}
