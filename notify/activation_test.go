package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// What Windows needs for bwtray's toasts: the AppID registered with its
// activator class, and the class's local server this executable, quoted.
func TestToastRegistry(t *testing.T) {
	got := toastRegistry(`C:\Program Files\bwtray\bwtray.exe`)
	want := map[string]string{
		`SOFTWARE\Classes\AppUserModelId\bwtray|DisplayName`:       "bwtray",
		`SOFTWARE\Classes\AppUserModelId\bwtray|CustomActivator`:   toastCLSID,
		`SOFTWARE\Classes\CLSID\` + toastCLSID + `\LocalServer32|`: `"C:\Program Files\bwtray\bwtray.exe"`,
		`SOFTWARE\Classes\CLSID\` + toastCLSID + `|`:               "bwtray notification activator",
	}
	if len(got) != len(want) {
		t.Fatalf("%d values: %+v", len(got), got)
	}
	for _, v := range got {
		if w, ok := want[v.Key+"|"+v.Name]; !ok || w != v.Value {
			t.Errorf("%s\\%s = %q, want %q", v.Key, v.Name, v.Value, w)
		}
	}
	// The class is bwtray's own, not go-toast's default (whose
	// registration was the bug), and never changes.
	if toastCLSID == "{0F82E845-CB89-4039-BDBF-67CA33254C76}" || toastCLSID != "{5C4B0C53-1F1E-4D1B-9E7A-6A2F3B8D9E41}" {
		t.Errorf("CLSID %s", toastCLSID)
	}
}

type fakeWindows struct {
	callback   func(string)
	registered bool
	opened     []string
	regErr     error
}

func (w *fakeWindows) activator(wait time.Duration) activator {
	return activator{
		onClick: func(f func(string)) { w.callback = f },
		register: func() error {
			if w.callback == nil {
				return errors.New("registered before the click had somewhere to go")
			}
			w.registered = true
			return w.regErr
		},
		allowed: func(p string) bool { return strings.HasSuffix(p, `\chart.svg`) },
		open:    func(p string) error { w.opened = append(w.opened, p); return nil },
		wait:    wait,
	}
}

// Started with -Embedding, bwtray registers its class object (so Windows
// can deliver the click), then opens the chart the click names.
func TestServeActivation(t *testing.T) {
	w := &fakeWindows{}
	a := w.activator(5 * time.Second)
	reg := a.register
	a.register = func() error {
		err := reg()
		go w.callback(`C:\s\2026\chart.svg`) // Windows delivers the click
		return err
	}
	handled, err := serveActivation(context.Background(), []string{"-Embedding"}, a)
	if !handled || err != nil || !w.registered || len(w.opened) != 1 || w.opened[0] != `C:\s\2026\chart.svg` {
		t.Errorf("handled %v, err %v, registered %v, opened %q", handled, err, w.registered, w.opened)
	}
}

func TestServeActivationRefusesOtherTargets(t *testing.T) {
	w := &fakeWindows{}
	a := w.activator(5 * time.Second)
	reg := a.register
	a.register = func() error {
		err := reg()
		go w.callback(`C:\Windows\System32\calc.exe`) // any program can deliver a "click"
		return err
	}
	handled, err := serveActivation(context.Background(), []string{"-Embedding"}, a)
	if !handled || err == nil || len(w.opened) != 0 {
		t.Errorf("handled %v, err %v, opened %q", handled, err, w.opened)
	}
}

func TestServeActivationOtherRuns(t *testing.T) {
	w := &fakeWindows{}
	if handled, _ := serveActivation(context.Background(), []string{"record", "--for", "1m"}, w.activator(time.Second)); handled || w.registered {
		t.Error("an ordinary run was taken for an activation")
	}
	w = &fakeWindows{regErr: errors.New("no COM")}
	if handled, err := serveActivation(context.Background(), []string{"-Embedding"}, w.activator(time.Second)); !handled || err == nil {
		t.Errorf("a failed registration: %v %v", handled, err)
	}
	w = &fakeWindows{}
	if handled, err := serveActivation(context.Background(), []string{"-Embedding"}, w.activator(10*time.Millisecond)); !handled || err == nil || !w.registered {
		t.Errorf("no click: %v %v", handled, err)
	}
}

func TestClicksRunOnce(t *testing.T) {
	var c clicks
	ran := make(chan string, 4)
	c.add("a", func() { ran <- "a" })
	c.click("a")
	c.click("a")
	c.click("unknown")
	time.Sleep(20 * time.Millisecond)
	if len(ran) != 1 {
		t.Errorf("%d runs", len(ran))
	}
}
