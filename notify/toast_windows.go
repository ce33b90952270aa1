package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	toast "git.sr.ht/~jackmordaunt/go-toast"
	"git.sr.ht/~jackmordaunt/go-toast/wintoast"
	"github.com/go-ole/go-ole"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// Workarounds for go-toast v1.1.2, all here:
//   - SetAppData writes the activation executable (LocalServer32) under a
//     CLSID computed once, at package init, from go-toast's own default
//     GUID, not the GUID it is given: Windows, looking under bwtray's class,
//     found nothing to start. bwtray writes its registration itself
//     (toastRegistry) and gives go-toast no executable.
//   - The class object is registered (CoRegisterClassObject) only inside
//     Push, so a bwtray started with -Embedding to deliver a click never
//     registered it and Windows gave up. registerClass does it, with
//     go-toast's exported class factory, and revokes it when done.
//   - Push registers the class object again at every toast and drops the
//     cookie that would revoke it; at exit, ExitProcess's teardown then
//     calls the factory (Go callbacks) while the Go runtime is exiting,
//     which it cannot take: bwtray crashed or hung on quitting (seen under
//     Wine 8). Exit ends such a process with TerminateProcess, which skips
//     that teardown; everything bwtray writes is synced before it exits.
// Untested on a real Windows machine (the README says so): Wine runs the
// registration and the -Embedding start, but shows no toasts.

var (
	setupOnce sync.Once
	setupErr  error
	running   clicks
	// comUsed says COM holds class objects of go-toast's (see Exit).
	comUsed atomic.Bool
)

// setup registers bwtray's toasts with Windows, once per run.
func setup() error {
	setupOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			setupErr = err
			return
		}
		if setupErr = writeRegistry(toastRegistry(exe)); setupErr != nil {
			return
		}
		// The AppID and GUID go-toast uses from now on; it writes only
		// values that are missing, which are bwtray's by now.
		setupErr = toast.SetAppData(toast.AppData{AppID: ToastAppID, GUID: toastCLSID})
		toast.SetActivationCallback(func(target string, _ []toast.UserData) { running.click(target) })
	})
	return setupErr
}

// writeRegistry writes the values under HKEY_CURRENT_USER, replacing
// what is there (a bwtray that moved registers its new path).
func writeRegistry(values []regValue) error {
	for _, v := range values {
		k, _, err := registry.CreateKey(registry.CURRENT_USER, v.Key, registry.SET_VALUE)
		if err != nil {
			return fmt.Errorf("registering toasts: %s: %w", v.Key, err)
		}
		err = k.SetStringValue(v.Name, v.Value)
		k.Close()
		if err != nil {
			return fmt.Errorf("registering toasts: %s\\%s: %w", v.Key, v.Name, err)
		}
	}
	return nil
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
	running.add(m.Target, m.OnAction)
	n := toast.Notification{
		AppID:               ToastAppID,
		Title:               m.Title,
		Body:                m.Body,
		ActivationType:      toast.Foreground,
		ActivationArguments: m.Target,
	}
	comUsed.Store(true)
	done := make(chan error, 1)
	go func() { done <- n.Push() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		// No toast (an old Windows, a broken Runtime, Wine): a plain
		// notification still says the session ended.
		log.Info("no toast; a plain notification instead, without the click", "err", err)
		if ferr := fallback(ctx, m); ferr != nil {
			return fmt.Errorf("showing a toast: %w; and a plain notification: %v", err, ferr)
		}
		return nil
	case <-ctx.Done():
		return errors.New("showing a toast: no answer in time")
	}
}

// activationWait is how long a bwtray started for a click waits for it:
// Windows delivers it within a second of the class being registered.
const activationWait = 10 * time.Second

var (
	combase                 = windows.NewLazySystemDLL("combase.dll")
	procRegisterClassObject = combase.NewProc("CoRegisterClassObject")
	procRevokeClassObject   = combase.NewProc("CoRevokeClassObject")
)

// registerClass registers bwtray's activation class object, served by
// go-toast's class factory, so Windows can deliver a click; revoke
// withdraws it.
func registerClass() (revoke func(), err error) {
	comUsed.Store(true)
	if err := ole.RoInitialize(1); err != nil {
		var oe *ole.OleError
		// S_FALSE: this thread was initialized already.
		if !errors.As(err, &oe) || oe.Code() != 1 {
			return nil, fmt.Errorf("RoInitialize: %w", err)
		}
	}
	var cookie uint32
	hr, _, _ := procRegisterClassObject.Call(
		uintptr(unsafe.Pointer(ole.NewGUID(toastCLSID))),
		uintptr(unsafe.Pointer(wintoast.ClassFactory)),
		uintptr(ole.CLSCTX_LOCAL_SERVER),
		1, // REGCLS_MULTIPLEUSE
		uintptr(unsafe.Pointer(&cookie)),
	)
	if hr != 0 {
		return nil, fmt.Errorf("CoRegisterClassObject: %w", ole.NewError(hr))
	}
	return func() { procRevokeClassObject.Call(uintptr(cookie)) }, nil
}

// Exit ends the process with code; on Windows after toasts, without the
// teardown that crashes (see the workarounds above).
func Exit(code int) {
	if comUsed.Load() {
		windows.TerminateProcess(windows.CurrentProcess(), uint32(code))
	}
	os.Exit(code)
}

// HandleActivation serves a click on a toast of a bwtray that has quit:
// Windows then starts bwtray with -Embedding and delivers the click. It
// opens the toast's target with open, if allowed says it is bwtray's, and
// reports whether it handled the run.
func HandleActivation(ctx context.Context, args []string, allowed func(string) bool, open func(string) error) (bool, error) {
	var revoke func()
	defer func() {
		if revoke != nil {
			revoke()
		}
	}()
	return serveActivation(ctx, args, activator{
		onClick: func(f func(string)) {
			toast.SetActivationCallback(func(target string, _ []toast.UserData) { f(target) })
		},
		register: func() error {
			if err := toast.SetAppData(toast.AppData{AppID: ToastAppID, GUID: toastCLSID}); err != nil {
				return err
			}
			var err error
			revoke, err = registerClass()
			return err
		},
		allowed: allowed,
		open:    open,
		wait:    activationWait,
	})
}
