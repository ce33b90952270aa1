package session

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/meter"
)

// replay is an apps.Source that gives what the test sets, as the kernel
// would: the live sockets with their counters, and close events.
type replay struct {
	live   []apps.Socket
	closed []apps.Socket
}

func (r *replay) Dump(_ context.Context, into []apps.Socket) ([]apps.Socket, error) {
	return append(into[:0], r.live...), nil
}

func (r *replay) Closed(into []apps.Socket) ([]apps.Socket, int) {
	into = append(into[:0], r.closed...)
	r.closed = nil
	return into, 0
}

func (r *replay) Seen(into []apps.Socket) []apps.Socket { return into[:0] }

func (r *replay) UDP(_ context.Context, into []apps.Socket) ([]apps.Socket, error) {
	return into[:0], nil
}

func (r *replay) Close() error { return nil }

// byUID names owners after their uid.
type byUID struct{}

func (byUID) Look() {}

func (byUID) Name(uid uint32, _ uint64, _ uint32) apps.Owner {
	return apps.Owner{App: map[uint32]string{1: "steam", 2: "firefox"}[uid]}
}

func withApps(r *rig) *replay {
	src := &replay{}
	r.env.Apps = func(ctx context.Context, _ func(string) bool, now time.Time) (*apps.Recorder, error) {
		return apps.NewRecorder(ctx, src, byUID{}, func(netip.Addr) bool { return true }, now)
	}
	return src
}

func sock(cookie uint64, uid uint32, recv uint64) apps.Socket {
	return apps.Socket{Cookie: cookie, UID: uid, Recv: recv,
		Local:  netip.MustParseAddrPort("192.0.2.1:40000"),
		Remote: netip.MustParseAddrPort("198.51.100.7:443")}
}

// wireRecv is what a socket's received bytes count as on the wire.
func wireRecv(s apps.Socket) uint64 { r, _ := s.Wire(); return r }

// A session with attribution: rows and remainder add up to the totals,
// apps.csv has a row per app per 10-second window, all files private.
func TestRecordWithApps(t *testing.T) {
	r := newRig(t)
	src := withApps(r)
	rec := r.begin(Request{Length: 12 * time.Second, Selection: meter.Selection{Mode: meter.Real}})
	done := drive(context.Background(), rec, nil)
	s1, s2 := sock(1, 1, 0), sock(2, 2, 0)
	for i := range 12 {
		s1.Recv += 100_000
		if i < 5 {
			s2.Recv += 10_000
		}
		src.live = []apps.Socket{s1}
		if i < 5 {
			src.live = append(src.live, s2)
		}
		if i == 5 {
			src.closed = []apps.Socket{s2}
		}
		r.src.Add("eth0", 150_000, 1_000)
		r.clock.Tick(r.ctx)
	}
	info := <-done
	if info.Warning != "" {
		t.Fatal(info.Warning)
	}
	if len(info.Apps) != 2 || info.Apps[0].Name != "steam" || info.Apps[1].Name != "firefox" || info.Unattributed == nil {
		t.Fatalf("apps %+v, unattributed %+v", info.Apps, info.Unattributed)
	}
	if info.Apps[0].Recv != wireRecv(s1) || info.Apps[1].Recv != wireRecv(s2) {
		t.Errorf("steam ↓ %d firefox ↓ %d; want %d, %d", info.Apps[0].Recv, info.Apps[1].Recv, wireRecv(s1), wireRecv(s2))
	}
	sum := info.Unattributed.Bytes
	for _, a := range info.Apps {
		sum.Add(a.Bytes)
	}
	if sum.Recv != info.BytesRecv || sum.Sent != info.BytesSent {
		t.Errorf("rows and remainder %+v, session ↓ %d ↑ %d", sum, info.BytesRecv, info.BytesSent)
	}
	b, err := os.ReadFile(filepath.Join(info.Dir, AppsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// The header, both apps at 10 s, steam for the last 2 s.
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "2026-11-25T14:05:13") || !strings.Contains(lines[3], ",steam,") {
		t.Errorf("apps.csv:\n%s", b)
	}
	if fi, _ := os.Stat(filepath.Join(info.Dir, AppsFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("apps.csv mode %v", fi.Mode().Perm())
	}
	saved, err := Load(info.Dir)
	if err != nil || len(saved.Apps) != 2 || saved.Unattributed == nil || saved.Unattributed.Bytes != info.Unattributed.Bytes {
		t.Errorf("session.json: %+v, %v", saved, err)
	}
}

// Without attribution (or where the platform has none), no apps field
// and no apps.csv.
func TestRecordWithoutApps(t *testing.T) {
	r := newRig(t)
	withApps(r)
	rec := r.begin(Request{Length: 2 * time.Second, NoApps: true, Selection: meter.Selection{Mode: meter.Real}})
	done := drive(context.Background(), rec, nil)
	r.clock.Tick(r.ctx)
	r.clock.Tick(r.ctx)
	info := <-done
	if info.Apps != nil || info.Unattributed != nil {
		t.Errorf("apps with NoApps: %+v", info)
	}
	if _, err := os.Stat(filepath.Join(info.Dir, AppsFile)); !os.IsNotExist(err) {
		t.Errorf("apps.csv with NoApps: %v", err)
	}
}

// A crash keeps the apps' windows already written: recovery adds them up
// and the rows and remainder still add up to the recovered totals.
func TestRecoverKeepsApps(t *testing.T) {
	r := newRig(t)
	rec := crashed(t, r, 12)
	os.WriteFile(filepath.Join(rec.Info().Dir, AppsFile), []byte(appsHeader+
		"2026-11-25T14:05:13.000Z,steam,app-steam.scope,steam,40,0,0\n"+
		"2026-11-25T14:05:13.000Z,firefox,,,20,0,1\n"+
		"junk\n"+
		"2026-11-25T14:05:23.000Z,steam,app-steam.scope,steam,18,0,0\n"+
		"2026-11-25T14:05:33.000Z,ste"), 0o600)
	got, problems := r.store.Recover()
	if len(got) != 1 || len(problems) != 0 {
		t.Fatalf("Recover: %+v, %v", got, problems)
	}
	info := got[0]
	if len(info.Apps) != 2 || info.Apps[0].Name != "steam" || info.Apps[0].Recv != 58 || !info.Apps[1].Estimated {
		t.Fatalf("apps %+v", info.Apps)
	}
	un := info.Unattributed
	if un == nil || un.Recv+58+20 != info.BytesRecv || !strings.Contains(strings.Join(un.Reasons, ";"), "interrupted") {
		t.Errorf("unattributed %+v of ↓ %d", un, info.BytesRecv)
	}
}

// apps.csv is data: lines of any length or shape are skipped and counted,
// and a file naming too many apps cannot make recovery hoard memory.
func TestScanAppsHostile(t *testing.T) {
	long := strings.Repeat("x", 3*maxRow)
	in := appsHeader + long + "\n" +
		"2026-11-25T14:05:13Z,a,,,1,2,0\n" +
		"2026-11-25T14:05:13Z,,,,1,2,0\n" + // no name
		"2026-11-25T14:05:13Z,b,,,-1,2,0\n" +
		"2026-11-25T14:05:13Z,c,,,1,99999999999999999999999,0\n" +
		"2026-11-25T14:05:13Z,d,,,1,2,0,extra\n" +
		"not a time,e,,,1,2,0\n" +
		"2026-11-25T14:05:13Z,f,,,3,4,1"
	var got []string
	skipped, err := ScanApps(strings.NewReader(in), func(w AppWindow) { got = append(got, w.Name) })
	if err != nil || skipped != 6 || strings.Join(got, ",") != "a,f" {
		t.Errorf("read %v, skipped %d, %v", got, skipped, err)
	}
	var many strings.Builder
	many.WriteString(appsHeader)
	for i := range maxApps + 100 {
		many.WriteString("2026-11-25T14:05:13Z,app" + strings.Repeat("z", i%7) + strconv.Itoa(i) + ",,,1,1,0\n")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, AppsFile), []byte(many.String()), 0o600)
	d, err := safefs.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, skipped, err := appsFromFile(d)
	if err != nil || len(rows) != maxApps || skipped != 100 {
		t.Errorf("%d apps, %d skipped, %v", len(rows), skipped, err)
	}
}
