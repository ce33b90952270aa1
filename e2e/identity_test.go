//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here check bwtray against the bytes the kernel counted on the
// device itself while it was in bwtray's namespace, when interfaces are
// renamed, moved and recreated under the meter. Each was miscounted when
// interfaces were tracked by name.

// recordIn starts bwtray record inside namespace ns.
func (p *netnsPair) recordIn(t *testing.T, ns, out string, args ...string) *started {
	t.Helper()
	e := append(env(t), "PATH="+os.Getenv("PATH"))
	base := []string{"netns", "exec", ns, bin, "record", "--json", "--verbose", "--out", out}
	return startCmd(t, e, "ip", append(base, args...)...)
}

func (p *netnsPair) ifindex(ns, ifc string) int {
	p.t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/sys/class/net/"+ifc+"/ifindex").Output()
	if err != nil {
		p.t.Fatalf("ifindex of %s: %v", ifc, err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// rename renames a's end of the pair (it must be down to be renamed).
func (p *netnsPair) rename(to string) {
	p.ip("-n", p.a, "link", "set", p.ifA, "down")
	p.ip("-n", p.a, "link", "set", p.ifA, "name", to)
	p.ip("-n", p.a, "link", "set", to, "up")
	p.ifA = to
	p.pinNeighbours()
}

func TestRenamedInterfaceCountedOnce(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	orig := p.ifA
	rx0, tx0 := p.counters(p.a, p.ifA)
	out := t.TempDir()
	rec := p.recordIn(t, p.a, out, "--all", "--for", "6s", "--interval", "200ms")
	waitSession(t, out)
	// Each name is read before and after its traffic (readings every
	// 200 ms): a meter that knows interfaces by name counts the traffic
	// under the second name twice.
	p.transfer(5201, 1_000_000, 100_000)
	time.Sleep(400 * time.Millisecond)
	p.rename("bwz" + orig[3:])
	time.Sleep(400 * time.Millisecond)
	p.transfer(5202, 2_000_000, 200_000)
	time.Sleep(400 * time.Millisecond)
	p.rename(orig)
	time.Sleep(400 * time.Millisecond)
	p.transfer(5203, 3_000_000, 300_000)
	r := rec.wait(t)
	rx1, tx1 := p.counters(p.a, p.ifA)
	info := decodeInfo(t, r.stdout)
	if info.BytesRecv != rx1-rx0 || info.BytesSent != tx1-tx0 {
		t.Errorf("bwtray counted recv=%d sent=%d; the kernel counted %d and %d on the device", info.BytesRecv, info.BytesSent, rx1-rx0, tx1-tx0)
	}
	if !strings.Contains(r.stderr, "was renamed") {
		t.Errorf("no word about the rename:\n%s", r.stderr)
	}
}

func TestInterfaceMovedAwayAndBackWithNewIndex(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	away := "bwtC" + strconv.Itoa(os.Getpid()%100000)
	p.ip("netns", "add", away)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", away).Run() })
	rx0, tx0 := p.counters(p.a, p.ifA)
	index := p.ifindex(p.a, p.ifA)
	out := t.TempDir()
	rec := p.recordIn(t, p.a, out, "--all", "--for", "8s", "--interval", "200ms")
	waitSession(t, out)
	p.transfer(5301, 1_000_000, 100_000) // here: counted
	rx1, tx1 := p.counters(p.a, p.ifA)
	p.ip("-n", p.a, "link", "set", p.ifA, "netns", away)
	// Take its index here, so that it comes back with a new one.
	p.ip("-n", p.a, "link", "add", "bwhold", "index", strconv.Itoa(index), "type", "veth", "peer", "name", "bwhold2")
	p.setup(away, p.ifA, p.addrA, p.addrB)
	realA := p.a
	p.a = away
	p.pinNeighbours()
	p.transfer(5302, 20_000_000, 1_000_000) // away: not bwtray's namespace
	p.a = realA
	p.ip("-n", away, "link", "set", p.ifA, "netns", p.a)
	rx2, tx2 := p.counters(p.a, p.ifA)
	if got := p.ifindex(p.a, p.ifA); got == index {
		t.Fatalf("the interface came back with its old index %d", got)
	}
	p.setup(p.a, p.ifA, p.addrA, p.addrB)
	p.pinNeighbours()
	p.transfer(5303, 1_500_000, 150_000) // back: counted
	r := rec.wait(t)
	rx3, tx3 := p.counters(p.a, p.ifA)
	info := decodeInfo(t, r.stdout)
	wantRecv, wantSent := (rx1-rx0)+(rx3-rx2), (tx1-tx0)+(tx3-tx2)
	if info.BytesRecv != wantRecv || info.BytesSent != wantSent {
		t.Errorf("bwtray counted recv=%d sent=%d; in this namespace the kernel counted %d and %d (and %d away)", info.BytesRecv, info.BytesSent, wantRecv, wantSent, rx2-rx1)
	}
}

// An interface deleted and created again within one interval is counted
// exactly: the old one up to its deletion (from the counters the kernel
// sends with it), the new one from its creation. A macvlan on the pair
// stands in for a real NIC: both keep their own counters. (A veth's
// received bytes are its peer's, which the kernel detaches before it
// announces the deletion: see TestInterfaceRecreatedMidSession.)
func TestDeletedAndRecreatedWithinOneInterval(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	mv := "bwm" + p.ifA[3:]
	const mvAddr, bAddr = "10.213.8.1", "10.213.8.2"
	p.ip("-n", p.b, "addr", "add", bAddr+"/24", "dev", p.ifB)
	mac := "02:62:77:74:72:79" // kept across the recreation, as a NIC's is
	addMacvlan := func() {
		p.ip("-n", p.a, "link", "add", "link", p.ifA, "name", mv, "address", mac, "type", "macvlan", "mode", "bridge")
		p.ip("-n", p.a, "addr", "add", mvAddr+"/24", "dev", mv)
		p.ip("-n", p.a, "link", "set", mv, "up")
	}
	addMacvlan()
	p.transferTo(mvAddr, 5400, 10_000, 1_000) // neighbours resolved
	rx0, tx0 := p.counters(p.a, mv)
	out := t.TempDir()
	rec := p.recordIn(t, p.a, out, "--iface", mv, "--for", "12s", "--interval", "5s")
	dir := waitSession(t, out)
	// Right after the first reading, everything below happens within one
	// 5-second interval.
	waitFor(t, "the first reading", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "samples.csv"))
		return strings.Count(string(b), "\n") >= 2
	})
	start := time.Now()
	p.transferTo(mvAddr, 5401, 1_000_000, 100_000)
	rxOld, txOld := p.counters(p.a, mv)
	p.ip("-n", p.a, "link", "del", mv)
	addMacvlan()
	p.transferTo(mvAddr, 5402, 3_000_000, 300_000)
	if took := time.Since(start); took > 4*time.Second {
		t.Fatalf("the delete and recreate took %v: not within one interval", took)
	}
	r := rec.wait(t)
	rxNew, txNew := p.counters(p.a, mv)
	info := decodeInfo(t, r.stdout)
	wantRecv, wantSent := (rxOld-rx0)+rxNew, (txOld-tx0)+txNew
	if info.BytesRecv != wantRecv || info.BytesSent != wantSent {
		t.Errorf("bwtray counted recv=%d sent=%d; the kernel counted %d and %d on both incarnations", info.BytesRecv, info.BytesSent, wantRecv, wantSent)
	}
	if !strings.Contains(r.stderr, "was recreated") {
		t.Errorf("no word about the recreation:\n%s", r.stderr)
	}
}
