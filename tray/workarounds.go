package tray

// This file holds the workarounds bwtray needs for fyne.io/systray
// v1.12.2 on every platform; the D-Bus ones are in workarounds_linux.go.
// Each names the upstream behaviour it works around.

import (
	"context"

	"fyne.io/systray"
)

// forwardOpened forwards systray's "the menu was opened" events to a
// channel of ours. systray sends them with a non-blocking send, so an
// event is lost unless someone waits at that very moment: this goroutine
// does nothing but wait.
func forwardOpened(ctx context.Context) <-chan struct{} {
	opened := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-systray.TrayOpenedCh:
				select {
				case opened <- struct{}{}:
				default:
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return opened
}

// forwardClicks forwards an item's clicks to clicks. systray delivers a
// click with a non-blocking send on ClickedCh and drops it when no
// goroutine waits there, so each item has one that only waits, and never
// blocks on the receiver (clicks is buffered; a flood is dropped).
func forwardClicks(ctx context.Context, item *systray.MenuItem, s *slot, clicks chan<- *slot) {
	go func() {
		for {
			select {
			case <-item.ClickedCh:
				select {
				case clicks <- s:
				default:
				}
			case <-ctx.Done():
				return
			}
		}
	}()
}

// setIdentity sets the icon and title. On Linux the first Set* calls
// race systray's onReady and can be lost, so they are made before
// systray.Run and again in onReady.
func setIdentity(icon []byte) {
	systray.SetIcon(icon)
	systray.SetTitle("bwtray")
}

// safely runs f, which changes the tray. systray panics on any change
// after its bus connection closed (godbus SetMust); lost is checked
// first, and a panic that slips through (the connection closed before
// lost said so) is turned into onPanic instead of a crash.
func safely(lost func() bool, onPanic func(any), f func()) {
	if lost() {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			onPanic(r)
		}
	}()
	f()
}
