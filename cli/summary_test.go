package cli

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

func TestSummaryApps(t *testing.T) {
	info := session.Info{Start: time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC), DurationSeconds: 60, Status: session.Completed,
		BytesRecv: 5e9, BytesSent: 30e6, Interfaces: []string{"eth0"}, Chart: "/s/chart.svg", Samples: "/s/samples.csv"}
	for i := range 10 {
		info.Apps = append(info.Apps, apps.Total{Name: "app" + strconv.Itoa(i), Bytes: apps.Bytes{Recv: uint64(100-i) * 1e6}})
	}
	info.Apps[0].Name = "steam\x1b]0;pwned\a"
	info.Apps[1].Estimated = true
	info.Unattributed = &apps.Unattributed{Bytes: apps.Bytes{Recv: 120e6, Sent: 3e6}, Reasons: []string{"UDP/QUIC: chromium"}}
	var b strings.Builder
	if err := printSummary(&b, info, units.Format{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`  apps        steam\x1b]0;pwned\a  ↓ 100 MB    ↑ 0 B`,
		`              app1                 ↓ 99.0 MB   ↑ 0 B        (partly estimated)`,
		`              2 more               ↓ 183 MB    ↑ 0 B`,
		`              unattributed         ↓ 120 MB    ↑ 3.00 MB    (UDP/QUIC: chromium)`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, " ") || strings.ContainsAny(l, "\x1b\a") {
			t.Errorf("line %q", l)
		}
	}
	// Nothing moved, or attribution off: no apps lines.
	for _, un := range []*apps.Unattributed{nil, {}} {
		info.Apps, info.Unattributed = nil, un
		b.Reset()
		printSummary(&b, info, units.Format{})
		if strings.Contains(b.String(), "apps") {
			t.Errorf("apps lines for %+v:\n%s", un, b.String())
		}
	}
}

func TestPruneReport(t *testing.T) {
	for _, c := range []struct {
		deleted int
		freed   int64
		want    string
	}{
		{0, 0, "deleted nothing"},
		{0, 118e3, "deleted nothing"}, // the sizes of sessions that could not go
		{1, 118e3, "deleted 1 session, freed 118 kB"},
		{3, 2e9, "deleted 3 sessions, freed 2.00 GB"},
	} {
		if got := pruneReport(c.deleted, c.freed, units.Format{}); got != c.want {
			t.Errorf("pruneReport(%d, %d) = %q, want %q", c.deleted, c.freed, got, c.want)
		}
	}
}
