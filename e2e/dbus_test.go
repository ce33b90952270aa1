//go:build linux

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/internal/dbustest"
)

// The desktop side of the protocols lives in internal/dbustest; these
// wrappers fail the test instead of returning errors.

func privateBus(t *testing.T) string {
	t.Helper()
	return privateBusProc(t).Addr
}

func privateBusProc(t *testing.T) *dbustest.Bus {
	t.Helper()
	requireTool(t, "dbus-daemon")
	bus, err := dbustest.StartBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	return bus
}

func startWatcher(t *testing.T, addr string) *dbustest.Watcher {
	t.Helper()
	w, err := dbustest.StartWatcher(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

type notifyServer struct {
	*dbustest.NotifyServer
	t *testing.T
}

func startNotifyServer(t *testing.T, addr string, caps ...string) *notifyServer {
	t.Helper()
	return startNotify(t, addr, false, caps...)
}

func startNotify(t *testing.T, addr string, hang bool, caps ...string) *notifyServer {
	t.Helper()
	s, err := dbustest.StartNotifyServer(addr, hang, caps...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &notifyServer{s, t}
}

func (s *notifyServer) next(t *testing.T) dbustest.Notification {
	t.Helper()
	select {
	case n := <-s.Got:
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("no notification within 30 s")
	}
	return dbustest.Notification{}
}

func (s *notifyServer) click(t *testing.T, id uint32) {
	t.Helper()
	if err := s.Click(id); err != nil {
		t.Fatal(err)
	}
}

// client drives a tray item and fails the test on errors.
type client struct {
	*dbustest.Client
	t *testing.T
}

func newClient(t *testing.T, addr, item string) *client {
	t.Helper()
	c, err := dbustest.NewClient(addr, item)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &client{c, t}
}

func (c *client) tooltip() string {
	c.t.Helper()
	s, err := c.Tooltip()
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

func (c *client) layout() *dbustest.MenuNode {
	c.t.Helper()
	m, err := c.Layout()
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// click clicks the first enabled, visible entry whose label starts with
// label, waiting for it to be there.
func (c *client) click(label string) {
	c.t.Helper()
	n := c.waitMenu("an enabled "+label+" entry", func(m *dbustest.MenuNode) bool {
		e := m.Find(label)
		return e != nil && e.Enabled && e.Visible
	}).Find(label)
	if err := c.Click(n.ID); err != nil && !strings.Contains(label, "Quit") {
		c.t.Fatalf("clicking %q: %v", label, err)
	}
}

func (c *client) waitFor(what string, cond func() bool) {
	c.t.Helper()
	if err := c.WaitFor(30*time.Second, cond); err != nil {
		c.t.Fatalf("timed out waiting for %s", what)
	}
}

func (c *client) waitMenu(what string, cond func(*dbustest.MenuNode) bool) *dbustest.MenuNode {
	c.t.Helper()
	var m *dbustest.MenuNode
	c.waitFor(what, func() bool {
		m = c.layout()
		return cond(m)
	})
	return m
}

func (c *client) status() string {
	m := c.layout()
	if len(m.Children) == 0 {
		return ""
	}
	return m.Children[0].Label
}

func (c *client) waitStatus(prefix string) string {
	c.t.Helper()
	var s string
	c.waitFor(fmt.Sprintf("status line %q", prefix), func() bool {
		s = c.status()
		return strings.HasPrefix(s, prefix)
	})
	return s
}
