package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// What Windows needs so that a click on a bwtray toast opens the chart,
// even after bwtray has quit. It is plain data here, so it is tested on
// every platform; toast_windows.go writes it and serves the clicks.

// ToastAppID is bwtray's AppUserModelID: the name its toasts are shown
// and grouped under, and the key of its registration.
const ToastAppID = AppName

// toastCLSID is bwtray's toast activation class: Windows keeps it in the
// registry with the AppID and starts bwtray as its COM server (with
// -Embedding) for a click after bwtray has quit, so it must never change.
const toastCLSID = "{5C4B0C53-1F1E-4D1B-9E7A-6A2F3B8D9E41}"

// regValue is one string value under HKEY_CURRENT_USER.
type regValue struct {
	Key, Name, Value string
}

// toastRegistry is what an unpackaged app registers for its toasts: its
// AppID with a display name and its activator class, and that class's
// local server, this executable (quoted: the path may hold spaces).
func toastRegistry(exe string) []regValue {
	app := `SOFTWARE\Classes\AppUserModelId\` + ToastAppID
	class := `SOFTWARE\Classes\CLSID\` + toastCLSID
	return []regValue{
		{app, "DisplayName", ToastAppID},
		{app, "CustomActivator", toastCLSID},
		{class, "", ToastAppID + " notification activator"},
		{class + `\LocalServer32`, "", `"` + exe + `"`},
	}
}

// errNoBus says the platform's notifications do not go over D-Bus.
var errNoBus = errors.New("no D-Bus notifications on this platform")

// activator is what serving a click needs from the platform.
type activator struct {
	// onClick sets the function a click's target goes to.
	onClick func(func(target string))
	// register registers the activation class object, so Windows can
	// deliver the click.
	register func() error
	// allowed says whether a target may be opened: a click carries the
	// path bwtray put in the toast, but any local program can start
	// bwtray -Embedding and deliver one.
	allowed func(target string) bool
	open    func(target string) error
	wait    time.Duration
}

// serveActivation serves a click on a toast of a bwtray that has quit:
// Windows then starts bwtray with -Embedding, as the COM server of its
// activation class, and delivers the click once the class is registered.
// It reports whether this run was such a start.
func serveActivation(ctx context.Context, args []string, a activator) (bool, error) {
	if !slices.Contains(args, "-Embedding") {
		return false, nil
	}
	clicked := make(chan string, 1)
	a.onClick(func(target string) {
		select {
		case clicked <- target:
		default:
		}
	})
	if err := a.register(); err != nil {
		return true, fmt.Errorf("registering for toast clicks: %w", err)
	}
	select {
	case target := <-clicked:
		if !a.allowed(target) {
			return true, fmt.Errorf("a toast click asked to open %q, which is not a bwtray chart", target)
		}
		return true, a.open(target)
	case <-time.After(a.wait):
		return true, errors.New("no toast click arrived, though Windows started bwtray for one")
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

// clicks routes the clicks of toasts shown by this run to their actions.
type clicks struct {
	mu      sync.Mutex
	actions map[string]func() // by target
}

func (c *clicks) add(target string, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.actions == nil {
		c.actions = map[string]func(){}
	}
	c.actions[target] = f
}

// click runs the action of the toast with this target, once; a target
// no toast of this run carries is ignored.
func (c *clicks) click(target string) {
	c.mu.Lock()
	f := c.actions[target]
	delete(c.actions, target)
	c.mu.Unlock()
	if f != nil {
		go f()
	}
}
