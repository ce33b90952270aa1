//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// netnsPair is two private network namespaces joined by a veth pair. Its
// addresses exist only inside them; nothing leaves the machine.
type netnsPair struct {
	a, b       string // namespace names
	ifA, ifB   string
	addrA      string
	addrB      string
	t          *testing.T
	testBinary string
}

func newNetnsPair(t *testing.T) *netnsPair {
	t.Helper()
	requireRoot(t, "create network namespaces and a veth pair")
	requireTool(t, "ip")
	id := strconv.Itoa(os.Getpid() % 100000)
	p := &netnsPair{
		a: "bwtA" + id, b: "bwtB" + id, ifA: "bwa" + id, ifB: "bwb" + id,
		addrA: "10.213.7.1", addrB: "10.213.7.2", t: t,
	}
	p.testBinary, _ = os.Executable()
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", p.a).Run()
		exec.Command("ip", "netns", "del", p.b).Run()
	})
	p.ip("netns", "add", p.a)
	p.ip("netns", "add", p.b)
	p.ip("link", "add", p.ifA, "netns", p.a, "type", "veth", "peer", "name", p.ifB, "netns", p.b)
	p.setup(p.a, p.ifA, p.addrA, p.addrB)
	p.setup(p.b, p.ifB, p.addrB, p.addrA)
	return p
}

func (p *netnsPair) ip(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// setup brings an end up with no stray traffic: no IPv6 (no router or
// neighbour solicitations), and a permanent neighbour entry (no ARP), so
// the only frames are the test's own.
func (p *netnsPair) setup(ns, ifc, addr, peer string) {
	p.ip("netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	p.ip("netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1")
	p.ip("-n", ns, "addr", "add", addr+"/30", "dev", ifc)
	p.ip("-n", ns, "link", "set", ifc, "up")
	p.ip("-n", ns, "link", "set", "lo", "up")
}

func (p *netnsPair) pinNeighbours() {
	macA := p.mac(p.a, p.ifA)
	macB := p.mac(p.b, p.ifB)
	p.ip("-n", p.a, "neigh", "replace", p.addrB, "lladdr", macB, "dev", p.ifA, "nud", "permanent")
	p.ip("-n", p.b, "neigh", "replace", p.addrA, "lladdr", macA, "dev", p.ifB, "nud", "permanent")
}

func (p *netnsPair) mac(ns, ifc string) string {
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/sys/class/net/"+ifc+"/address").Output()
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// counters reads the kernel's own rx_bytes and tx_bytes for an interface.
func (p *netnsPair) counters(ns, ifc string) (rx, tx uint64) {
	p.t.Helper()
	read := func(name string) uint64 {
		out, err := exec.Command("ip", "netns", "exec", ns, "cat", filepath.Join("/sys/class/net", ifc, "statistics", name)).Output()
		if err != nil {
			p.t.Fatalf("reading %s of %s: %v", name, ifc, err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			p.t.Fatal(err)
		}
		return v
	}
	return read("rx_bytes"), read("tx_bytes")
}

// transfer sends n payload bytes from namespace b to a's sink and m back,
// and waits until both ends are done.
func (p *netnsPair) transfer(port, n, m int) {
	p.t.Helper()
	p.transferTo(p.addrA, port, n, m)
}

// transferTo is transfer to a sink on another of a's addresses.
func (p *netnsPair) transferTo(host string, port, n, m int) {
	p.t.Helper()
	e := append(os.Environ(), helperEnv+"=1")
	addr := fmt.Sprintf("%s:%d", host, port)
	sink := startCmd(p.t, e, "ip", "netns", "exec", p.a, p.testBinary, "sink", addr, strconv.Itoa(n), strconv.Itoa(m))
	sink.waitLine(p.t, "listening")
	source := startCmd(p.t, e, "ip", "netns", "exec", p.b, p.testBinary, "source", addr, strconv.Itoa(n), strconv.Itoa(m))
	for _, s := range []*started{source, sink} {
		if r := s.wait(p.t); r.code != 0 || !strings.Contains(r.stdout, "done") {
			p.t.Fatalf("traffic helper failed: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
}

// TestExactCountsOverRealVeth checks bwtray against the kernel's own
// counters to the byte, with traffic before the session (so cumulative
// totals would be wrong) and during it in both directions.
func TestExactCountsOverRealVeth(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	p.transfer(5001, 3_000_000, 1_000_000) // before the session: must not count

	rx0, tx0 := p.counters(p.a, p.ifA)
	out := t.TempDir()
	e := append(env(t), "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
	rec := startCmd(t, e, "ip", "netns", "exec", p.a, bin, "record", "--iface", p.ifA, "--for", "4s", "--interval", "250ms", "--json", "--out", out)
	waitFor(t, "the session to start", func() bool {
		m, _ := filepath.Glob(filepath.Join(out, "*", "session.json"))
		return len(m) == 1
	})
	const down, up = 5_000_000, 2_000_000
	p.transfer(5002, down, up) // during the session: b sends down to a, a sends up
	r := rec.wait(t)
	rx1, tx1 := p.counters(p.a, p.ifA)
	if r.code != 0 {
		t.Fatalf("bwtray: exit %d\n%s", r.code, r.stderr)
	}
	info := decodeInfo(t, r.stdout)
	if info.BytesRecv != rx1-rx0 || info.BytesSent != tx1-tx0 {
		t.Errorf("bwtray counted recv=%d sent=%d; the kernel counted rx=%d tx=%d", info.BytesRecv, info.BytesSent, rx1-rx0, tx1-tx0)
	}
	if info.BytesRecv < down || info.BytesSent < up {
		t.Errorf("less than the payload: recv=%d (payload %d) sent=%d (payload %d)", info.BytesRecv, down, info.BytesSent, up)
	}
	if info.BytesRecv > down*11/10 {
		t.Errorf("recv=%d is far more than the %d payload bytes: cumulative counting?", info.BytesRecv, down)
	}
	if info.Status != "completed" || info.PeakRecvBps <= 0 {
		t.Errorf("info %+v", info)
	}
	checkChart(t, info.Chart)
	t.Logf("payload %d/%d bytes; kernel and bwtray: recv %d, sent %d", down, up, info.BytesRecv, info.BytesSent)
}
