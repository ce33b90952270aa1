//go:build linux

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bwtray/bwtray/apps"
)

// The tests here check which apps bwtray says moved the bytes, against
// the kernel's own interface counters, with the load made by processes
// placed in their own cgroup as a desktop places an app (a systemd scope
// such as app-gnome-fetcher-1234.scope).

// cgroup2Root is where the unified cgroup hierarchy is mounted.
func cgroup2Root(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if ok && strings.HasPrefix(post, "cgroup2 ") {
			if f := strings.Fields(pre); len(f) >= 5 {
				return f[4]
			}
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s needs a cgroup v2 hierarchy, and CI must run it", t.Name())
	}
	t.Skipf("SKIP: %s needs a cgroup v2 hierarchy (none is mounted)", t.Name())
	return ""
}

// appScope makes a cgroup like the scope a desktop starts an app in, and
// returns its folder.
func appScope(t *testing.T, app string) string {
	t.Helper()
	slice := filepath.Join(cgroup2Root(t), fmt.Sprintf("bwtray-e2e-%d.slice", os.Getpid()))
	scope := filepath.Join(slice, fmt.Sprintf("app-gnome-%s-%d.scope", app, len(app)*1000+os.Getpid()%1000))
	if err := os.MkdirAll(scope, 0o755); err != nil {
		t.Fatalf("making a cgroup for %s: %v", app, err)
	}
	t.Cleanup(func() {
		os.Remove(scope)
		os.Remove(slice)
	})
	return scope
}

// nobody is the ordinary user the apps tests run bwtray and the app as:
// what they show needs no privilege.
const nobody = "65534"

// asNobody is the command prefix that drops to nobody, with no groups.
func asNobody(t *testing.T) string {
	t.Helper()
	requireTool(t, "setpriv")
	return "setpriv --reuid=" + nobody + " --regid=" + nobody + " --clear-groups -- "
}

// nobodyDir makes a folder the user nobody owns, under a path nobody can
// reach.
func nobodyDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bwtray-e2e-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	n, _ := strconv.Atoi(nobody)
	if err := os.Chown(dir, n, n); err != nil {
		t.Fatal(err)
	}
	return dir
}

// recordAsNobody runs bwtray record in namespace ns as an ordinary user,
// with the cgroup tree visible (ip netns exec mounts a fresh /sys
// without it, where a real session has it), and returns the session's
// output folder.
func (p *netnsPair) recordAsNobody(t *testing.T, ns string, args ...string) (*started, string) {
	t.Helper()
	home := nobodyDir(t)
	out := filepath.Join(home, "out")
	e := []string{
		"HOME=" + home, "XDG_DATA_HOME=" + home + "/data", "XDG_CONFIG_HOME=" + home + "/config",
		"XDG_STATE_HOME=" + home + "/state", "XDG_CACHE_HOME=" + home + "/cache",
		"PATH=" + os.Getenv("PATH"),
	}
	cmd := "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec " + asNobody(t) + shellQuote(bin) +
		" record --json --verbose --out " + shellQuote(out) + " " + strings.Join(args, " ")
	return startCmd(t, e, "ip", "netns", "exec", ns, "sh", "-c", cmd), out
}

// helperIn starts the traffic helper in namespace ns; with a name, as
// nobody, in cgroup scope, under that process name (like an app).
func (p *netnsPair) helperIn(t *testing.T, ns, scope, name string, args ...string) *started {
	t.Helper()
	e := append(os.Environ(), helperEnv+"=1")
	if name == "" {
		return startCmd(t, e, "ip", append([]string{"netns", "exec", ns, p.testBinary}, args...)...)
	}
	exe := filepath.Join(nobodyDir(t), name)
	b, err := os.ReadFile(p.testBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := "echo $$ > " + shellQuote(filepath.Join(scope, "cgroup.procs")) +
		" && exec ip netns exec " + ns + " " + asNobody(t) + shellQuote(exe) + " " + strings.Join(args, " ")
	return startCmd(t, e, "sh", "-c", cmd)
}

// wireFrames turns segmentation offloads off on both ends: a veth counts
// a 64 kB offloaded packet with one header, where a real network card
// counts each frame on the wire, which is what bwtray estimates per app.
func (p *netnsPair) wireFrames(t *testing.T) {
	t.Helper()
	requireTool(t, "ethtool")
	for _, e := range [][2]string{{p.a, p.ifA}, {p.b, p.ifB}} {
		p.ip("netns", "exec", e[0], "ethtool", "-K", e[1], "tso", "off", "gso", "off", "gro", "off")
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func doneOK(t *testing.T, procs ...*started) {
	t.Helper()
	for _, s := range procs {
		if r := s.wait(t); r.code != 0 || !strings.Contains(r.stdout, "done") {
			t.Fatalf("traffic helper failed: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
}

// csvTotals adds up apps.csv's windows per app: the apps' bytes as
// estimated, before they are fitted to the session's totals.
func csvTotals(t *testing.T, dir string) map[string]apps.Bytes {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "apps.csv"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]apps.Bytes{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(l, ",")
		if len(f) != 7 {
			t.Fatalf("apps.csv line %q", l)
		}
		r, _ := strconv.ParseUint(f[4], 10, 64)
		w, _ := strconv.ParseUint(f[5], 10, 64)
		a := out[f[1]]
		a.Add(apps.Bytes{Recv: r, Sent: w})
		out[f[1]] = a
	}
	return out
}

func appRow(info sessionInfo, name string) (apps.Total, bool) {
	for _, a := range info.Apps {
		if a.Name == name {
			return a, true
		}
	}
	return apps.Total{}, false
}

func within(got, want uint64, frac float64) bool {
	d := float64(got) - float64(want)
	if d < 0 {
		d = -d
	}
	return d <= frac*float64(want)
}

// (a) A 100 MB download by a process named fetcher, in its own app scope:
// its row names it and equals, within 0.5 %, what the kernel counted on
// the interface for the transfer.
func TestAppsNameTheDownloader(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	p.wireFrames(t)
	scope := appScope(t, "fetcher")
	rec, out := p.recordAsNobody(t, p.a, "--iface", p.ifA, "--for", "8s", "--interval", "1s")
	waitSession(t, out)
	rx0, tx0 := p.counters(p.a, p.ifA)
	addr := p.addrB + ":5501"
	server := p.helperIn(t, p.b, "", "", "serve", addr, "100000000", "40000000")
	server.waitLine(t, "listening")
	doneOK(t, p.helperIn(t, p.a, scope, "fetcher", "fetch", addr, "100000000"), server)
	rx1, tx1 := p.counters(p.a, p.ifA)
	r := rec.wait(t)
	info := decodeInfo(t, r.stdout)
	row, ok := appRow(info, "fetcher")
	if !ok {
		t.Fatalf("no row for fetcher: %+v\n%s", info.Apps, r.stderr)
	}
	// The estimate as measured, before any fitting to the session's
	// totals: apps.csv keeps it.
	est := csvTotals(t, info.Dir)["fetcher"]
	if !within(est.Recv, rx1-rx0, 0.005) || !within(est.Sent, tx1-tx0, 0.005) {
		t.Errorf("fetcher: ↓ %d ↑ %d; the interface counted ↓ %d ↑ %d for the transfer", est.Recv, est.Sent, rx1-rx0, tx1-tx0)
	}
	if !strings.HasPrefix(row.Unit, "app-gnome-fetcher-") || row.Exe != "fetcher" || row.Estimated {
		t.Errorf("fetcher's row: %+v", row)
	}
	t.Logf("fetcher ↓ %d ↑ %d; interface ↓ %d ↑ %d", est.Recv, est.Sent, rx1-rx0, tx1-tx0)
	// Everywhere the session is listed, the apps are too.
	ls := run(t, env(t), "sessions", "--json", "--dir", out)
	var listed []sessionInfo
	if err := json.Unmarshal([]byte(ls.stdout), &listed); err != nil || len(listed) != 1 || len(listed[0].Apps) == 0 || listed[0].Apps[0] != info.Apps[0] {
		t.Errorf("sessions --json: %v\n%s", err, ls.stdout)
	}
	if ls := run(t, env(t), "sessions", "--dir", out); !strings.Contains(ls.stdout, "TOP APP") || !strings.Contains(ls.stdout, " fetcher ") {
		t.Errorf("sessions:\n%s", ls.stdout)
	}
}

// (b) 2,000 connections of 50 kB that each close at once: all their bytes
// are in app rows (their owner may be estimated), within 0.5 % of what the
// interface counted.
func TestAppsCatchShortConnections(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	p.wireFrames(t)
	scope := appScope(t, "fetcher")
	rec, out := p.recordAsNobody(t, p.a, "--iface", p.ifA, "--for", "10s", "--interval", "1s")
	waitSession(t, out)
	addr := p.addrB + ":5502"
	server := p.helperIn(t, p.b, "", "", "serve-many", addr, "2000", "50000")
	server.waitLine(t, "listening")
	doneOK(t, p.helperIn(t, p.a, scope, "fetcher", "fetch-many", addr, "2000", "50000"), server)
	r := rec.wait(t)
	info := decodeInfo(t, r.stdout)
	var sum apps.Bytes
	for _, a := range csvTotals(t, info.Dir) {
		sum.Add(a)
	}
	if !within(sum.Recv, info.BytesRecv, 0.005) || !within(sum.Sent, info.BytesSent, 0.005) {
		t.Errorf("app rows ↓ %d ↑ %d; the interface counted ↓ %d ↑ %d; rows %+v, unattributed %+v", sum.Recv, sum.Sent, info.BytesRecv, info.BytesSent, info.Apps, info.Unattributed)
	}
	if row, ok := appRow(info, "fetcher"); !ok || row.Recv < info.BytesRecv/2 {
		t.Errorf("fetcher's row %+v holds too little of ↓ %d; rows %+v", row, info.BytesRecv, info.Apps)
	}
	t.Logf("rows %+v; unattributed %+v", info.Apps, info.Unattributed)
}

// (c) A 50 MB UDP transfer stays unattributed (no per-socket counter
// without privileges), and the reason names UDP and the app holding the
// socket.
func TestAppsUDPIsUnattributedAndNamed(t *testing.T) {
	p := newNetnsPair(t)
	p.pinNeighbours()
	p.wireFrames(t)
	scope := appScope(t, "voipapp")
	rec, out := p.recordAsNobody(t, p.a, "--iface", p.ifA, "--for", "8s", "--interval", "1s")
	waitSession(t, out)
	addr := p.addrA + ":5503"
	recv := p.helperIn(t, p.a, scope, "voipapp", "udp-recv", addr, "50000000")
	recv.waitLine(t, "listening")
	doneOK(t, p.helperIn(t, p.b, "", "", "udp-send", addr, "50000000", "25000000"), recv)
	r := rec.wait(t)
	info := decodeInfo(t, r.stdout)
	un := info.Unattributed
	if un == nil || info.BytesRecv < 50_000_000 || float64(un.Recv) < 0.99*float64(info.BytesRecv) {
		t.Fatalf("unattributed %+v of ↓ %d", un, info.BytesRecv)
	}
	if why := strings.Join(un.Reasons, "; "); !strings.Contains(why, "UDP") || !strings.Contains(why, "voipapp") {
		t.Errorf("reasons %q do not name UDP and voipapp", why)
	}
}

// (d) TCP traffic over loopback during the session is in no row.
func TestAppsLeaveLoopbackOut(t *testing.T) {
	p := newNetnsPair(t)
	scope := appScope(t, "fetcher")
	rec, out := p.recordAsNobody(t, p.a, "--all", "--for", "4s", "--interval", "1s")
	waitSession(t, out)
	doneOK(t, p.helperIn(t, p.a, scope, "fetcher", "loopback", "50000000"))
	r := rec.wait(t)
	info := decodeInfo(t, r.stdout)
	if len(info.Apps) != 0 {
		t.Errorf("loopback traffic in app rows: %+v", info.Apps)
	}
}

// Without attribution (--no-apps, or apps = false) the session has no
// apps field, and no apps.csv.
func TestAppsOff(t *testing.T) {
	e := env(t)
	out := t.TempDir()
	r := run(t, e, "record", "--for", "1s", "--interval", "250ms", "--iface", "lo", "--no-apps", "--json", "--out", out)
	info := decodeInfo(t, r.stdout)
	if info.Apps != nil || info.Unattributed != nil || strings.Contains(r.stdout, `"apps"`) {
		t.Errorf("--no-apps: %s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(info.Dir, "apps.csv")); err == nil {
		t.Error("apps.csv written with --no-apps")
	}
	cfg := filepath.Join(homeOf(e), "config", "bwtray", "config.toml")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte("apps = false\n"), 0o600)
	r = run(t, e, "record", "--for", "1s", "--interval", "250ms", "--iface", "lo", "--json", "--out", out)
	if info := decodeInfo(t, r.stdout); info.Unattributed != nil {
		t.Errorf("apps = false: %s", r.stdout)
	}
}

// checkAppsSum is the invariant of every session: the app rows and the
// remainder add up exactly to the totals, and none is negative (they are
// unsigned; an underflow would show as absurdly large).
func checkAppsSum(t *testing.T, info sessionInfo) {
	t.Helper()
	if info.Unattributed == nil {
		if len(info.Apps) > 0 {
			t.Errorf("app rows without the remainder: %+v", info.Apps)
		}
		return
	}
	sum := info.Unattributed.Bytes
	for _, a := range info.Apps {
		if a.Recv > info.BytesRecv || a.Sent > info.BytesSent {
			t.Errorf("app row %+v is larger than the session's ↓ %d ↑ %d", a, info.BytesRecv, info.BytesSent)
		}
		sum.Add(a.Bytes)
	}
	if sum.Recv != info.BytesRecv || sum.Sent != info.BytesSent {
		t.Errorf("apps and remainder add up to ↓ %d ↑ %d, the session to ↓ %d ↑ %d", sum.Recv, sum.Sent, info.BytesRecv, info.BytesSent)
	}
}
