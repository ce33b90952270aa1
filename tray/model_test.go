package tray

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

func TestStatusLineAndTooltip(t *testing.T) {
	end := time.Date(2026, 11, 25, 14, 5, 0, 0, time.Local)
	last := &session.Info{End: end, BytesRecv: 310e6, BytesSent: 12e6, Status: session.Completed}
	rec := State{Phase: Recording, Progress: session.Progress{
		Length: 5 * time.Minute, Elapsed: 48 * time.Second, Active: 1,
		Totals: meter.Totals{Recv: 12.3e6, Sent: 1.2e6},
		Last:   meter.Sample{Span: time.Second, Recv: 1_250_000, Sent: 40_000},
	}}
	tests := []struct {
		name   string
		s      State
		status string
		tip    []string
	}{
		{"idle", State{}, "Idle", []string{"idle"}},
		{"recording", rec, "Recording · 4:12 left · ↓ 12.3 MB ↑ 1.20 MB", []string{"4:12 left", "↓ 12.3 MB 1.25 MB/s", "↑ 1.20 MB 40.0 kB/s"}},
		{"finished", State{Phase: Finished, Last: last}, "Finished 14:05 · ↓ 310 MB ↑ 12.0 MB", []string{"Finished 14:05"}},
		{"stopped", State{Phase: Finished, Last: &session.Info{End: end, Status: session.Stopped}}, "Stopped 14:05 · ↓ 0 B ↑ 0 B", nil},
		{"no interface", func() State { s := rec; s.Progress.Active = 0; return s }(), "Recording · 4:12 left · ↓ 12.3 MB ↑ 1.20 MB · no interface", []string{"no interface"}},
		{"problem", State{Problem: "settings file has an error; using defaults"}, "Idle · settings file has an error; using defaults", []string{"settings file"}},
		{"chart note", State{Phase: Finished, Last: last, ChartNote: "chart: /x/chart.svg"}, "Finished 14:05 · ↓ 310 MB ↑ 12.0 MB · chart: /x/chart.svg", nil},
		{"bits", func() State { s := rec; s.Format = units.Format{Bits: true}; return s }(), "Recording · 4:12 left · ↓ 12.3 MB ↑ 1.20 MB", []string{"10.0 Mbit/s"}},
	}
	for _, tt := range tests {
		if got := StatusLine(tt.s); got != tt.status {
			t.Errorf("%s: StatusLine = %q, want %q", tt.name, got, tt.status)
		}
		tip := Tooltip(tt.s)
		for _, w := range tt.tip {
			if !strings.Contains(tip, w) {
				t.Errorf("%s: Tooltip %q lacks %q", tt.name, tip, w)
			}
		}
		if n := utf8.RuneCountInString(tip); n > tooltipMax {
			t.Errorf("%s: tooltip is %d characters", tt.name, n)
		}
	}
	long := State{Problem: strings.Repeat("very long problem ", 20)}
	if n := utf8.RuneCountInString(Tooltip(long)); n != tooltipMax {
		t.Errorf("long tooltip clipped to %d", n)
	}
}

func TestUntilChoices(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 25, h, m, 0, 0, time.UTC) }
	ct := func(h, m int) units.ClockTime { return units.ClockTime{Hour: h, Minute: m} }
	tests := []struct {
		now        time.Time
		configured []units.ClockTime
		want       []units.ClockTime
	}{
		{at(14, 5), nil, []units.ClockTime{ct(15, 0)}},
		{at(14, 58), nil, []units.ClockTime{ct(16, 0)}}, // too close to 15:00
		{at(14, 5), []units.ClockTime{ct(17, 30), ct(9, 0)}, []units.ClockTime{ct(15, 0), ct(17, 30), ct(9, 0)}},
		{at(14, 5), []units.ClockTime{ct(15, 0)}, []units.ClockTime{ct(15, 0)}}, // no duplicate
		{at(23, 30), nil, []units.ClockTime{ct(0, 0)}},
	}
	for _, tt := range tests {
		if got := UntilChoices(tt.now, tt.configured); !slices.Equal(got, tt.want) {
			t.Errorf("UntilChoices(%v, %v) = %v, want %v", tt.now.Format("15:04"), tt.configured, got, tt.want)
		}
	}
	if got := UntilLabel(at(14, 5), ct(9, 0)); got != "Until 09:00 tomorrow" {
		t.Errorf("UntilLabel = %q", got)
	}
	if got := UntilLabel(at(14, 5), ct(17, 30)); got != "Until 17:30" {
		t.Errorf("UntilLabel = %q", got)
	}
}

func TestToggle(t *testing.T) {
	real := meter.Selection{Mode: meter.Real}
	s := Toggle(real, "eth0")
	if s.Mode != meter.Named || !slices.Equal(s.Names, []string{"eth0"}) {
		t.Fatalf("first toggle = %+v", s)
	}
	s2 := Toggle(s, "wlan0")
	if !slices.Equal(s2.Names, []string{"eth0", "wlan0"}) || !slices.Equal(s.Names, []string{"eth0"}) {
		t.Fatalf("second toggle = %+v (and the first must be unchanged: %+v)", s2, s)
	}
	if s3 := Toggle(s2, "eth0"); !slices.Equal(s3.Names, []string{"wlan0"}) {
		t.Errorf("untoggle = %+v", s3)
	}
	if s4 := Toggle(s, "eth0"); s4.Mode != meter.Real {
		t.Errorf("removing the last = %+v, want real interfaces", s4)
	}
	if s5 := Toggle(meter.Selection{Mode: meter.All}, "lo"); s5.Mode != meter.Named {
		t.Errorf("from all = %+v", s5)
	}
}

func TestLabels(t *testing.T) {
	if got := PresetLabel(90 * time.Minute); got != "1 hour 30 minutes" {
		t.Errorf("PresetLabel = %q", got)
	}
	info := session.Info{Start: time.Date(2026, 11, 25, 14, 5, 3, 0, time.Local), DurationSeconds: 600, BytesRecv: 310e6, BytesSent: 12e6, Status: session.Interrupted}
	if got := RecentLabel(info, units.Format{}); got != "25 Nov 14:05 · 10:00 · ↓ 310 MB ↑ 12.0 MB (interrupted)" {
		t.Errorf("RecentLabel = %q", got)
	}
	if got := InterfaceLabel(meter.Interface{Name: "wg0", Kind: meter.Virtual}); got != "wg0 (virtual)" {
		t.Errorf("InterfaceLabel = %q", got)
	}
	info.Interfaces = []string{"a&b<c>"}
	info.Chart = "/x/chart.svg"
	info.PeakRecvBps, info.PeakSentBps = 12.1e6, 1.1e6
	info.End = info.Start.Add(10 * time.Minute)
	title, body, where := Summary(info, units.Format{})
	if title != "Session finished: ↓ 310 MB ↑ 12.0 MB" || where != "Chart: /x/chart.svg" {
		t.Errorf("Summary = %q / %q", title, where)
	}
	// GNOME joins the lines and cuts after about 60 characters: duration,
	// time window and peaks must come first.
	if first, _, _ := strings.Cut(body, "\n"); first != "10:00 · 14:05–14:15 · peak ↓ 12.1 MB/s ↑ 1.10 MB/s" {
		t.Errorf("first line %q", first)
	}
	if !strings.Contains(body, "on a&b<c>") || strings.Contains(body, "chart.svg") {
		t.Errorf("body %q", body)
	}
	// The apps that moved the most, in one short second line; a name from
	// the system is bounded and made safe for the bus.
	info.Apps = []apps.Total{
		{Name: "steam", Bytes: apps.Bytes{Recv: 250e6, Sent: 1e6}},
		{Name: "firefox\x1b[31m" + strings.Repeat("x", 100), Bytes: apps.Bytes{Recv: 40e6}},
		{Name: "curl", Bytes: apps.Bytes{Recv: 10e6}},
		{Name: "apt", Bytes: apps.Bytes{Recv: 5e6}},
	}
	_, body, _ = Summary(info, units.Format{})
	lines := strings.Split(body, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "steam 251 MB · firefox") || !strings.HasSuffix(lines[1], "· curl 10.0 MB") ||
		strings.Contains(lines[1], "\x1b") || strings.Contains(lines[1], "apt") || len([]rune(lines[1])) > 80 {
		t.Errorf("apps line %q", lines[1])
	}
	if got := RecentLabel(info, units.Format{}); !strings.HasSuffix(got, "↑ 12.0 MB · steam (interrupted)") {
		t.Errorf("RecentLabel with apps = %q", got)
	}
}

func TestNoHostMessage(t *testing.T) {
	tests := map[string]string{
		"GNOME":        "gnome-shell-extension-appindicator",
		"ubuntu:GNOME": "gnome-shell-extension-appindicator",
		"i3":           "snixembed",
		"":             "snixembed",
	}
	for desktop, want := range tests {
		title, body := NoHostMessage(desktop)
		if !strings.Contains(body, want) || !strings.Contains(body, "bwtray record") || !strings.Contains(title, "no panel shows its icon") {
			t.Errorf("NoHostMessage(%q) = %q / %q", desktop, title, body)
		}
	}
}

func TestAlertModel(t *testing.T) {
	if got := AlertChoices(0); !slices.Equal(got, []uint64{0, 100e6, 500e6, 1e9, 5e9}) {
		t.Errorf("AlertChoices(0) = %v", got)
	}
	if got := AlertChoices(2e9); !slices.Equal(got, []uint64{0, 100e6, 500e6, 1e9, 2e9, 5e9}) {
		t.Errorf("AlertChoices(2GB) = %v", got)
	}
	if got := AlertChoices(500e6); len(got) != 5 {
		t.Errorf("a configured preset is listed twice: %v", got)
	}
	for n, want := range map[uint64]string{0: "Off", 100e6: "100 MB", 1e9: "1 GB", 1.5e9: "1.5 GB", 2_340_000: "2.34 MB"} {
		if got := AlertLabel(n); got != want {
			t.Errorf("AlertLabel(%d) = %q, want %q", n, got, want)
		}
	}
	rec := State{Phase: Recording, Progress: session.Progress{Length: time.Minute, Elapsed: 30 * time.Second, Active: 1,
		Totals: meter.Totals{Recv: 450e6, Sent: 60e6}, AlertAt: 500e6, Alerted: true}}
	if got := StatusLine(rec); got != "Recording · 30s left · ↓ 450 MB ↑ 60.0 MB · over 500 MB" {
		t.Errorf("StatusLine = %q", got)
	}
	if !strings.Contains(Tooltip(rec), "over 500 MB") {
		t.Errorf("Tooltip = %q", Tooltip(rec))
	}
	title, body := AlertMessage(rec.Progress, units.Format{})
	if title != "Data alert: 510 MB moved" || !strings.Contains(body, "over your 500 MB alert") || !strings.Contains(body, "30s left") {
		t.Errorf("AlertMessage = %q / %q", title, body)
	}
}

// On Windows the tooltip must fit 63 UTF-16 units (systray's structure
// size; fyne-io/systray#133): what matters comes first and stays.
func TestTooltipWithinWindowsLimit(t *testing.T) {
	rec := State{Phase: Recording, Progress: session.Progress{
		Length: 90 * time.Minute, Elapsed: 48 * time.Second, Active: 1, AlertAt: 100e6, Alerted: true,
		Totals: meter.Totals{Recv: 123.4e6, Sent: 12.3e6},
		Last:   meter.Sample{Span: time.Second, Recv: 12_500_000, Sent: 400_000},
	}}
	bits := rec
	bits.Format = units.Format{Bits: true, System: units.IEC}
	gone := rec
	gone.Progress.Active = 0
	last := &session.Info{End: time.Date(2026, 11, 25, 14, 5, 0, 0, time.Local), BytesRecv: 310e9, BytesSent: 12e9, Status: session.Interrupted}
	for name, c := range map[string]struct {
		s    State
		want []string
	}{
		"recording, alert": {rec, []string{"1:29:12 left", "↓ 123 MB", "↑ 12.3 MB", "over 100 MB"}},
		"bits, iec":        {bits, []string{"left", "↓ 118 MiB", "↑ 11.7 MiB", "over 100 MB"}},
		"no interface":     {gone, []string{"left", "↓ 123 MB", "over 100 MB", "no interface"}},
		"finished":         {State{Phase: Finished, Last: last}, []string{"14:05", "↓ 310 GB", "↑ 12.0 GB"}},
		"idle":             {State{}, []string{"idle"}},
		"problem":          {State{Problem: "settings file has an error; using defaults"}, []string{"idle", "settings file"}},
	} {
		tip := TooltipWithin(c.s, 63)
		if n := utf16Len(tip); n > 63 {
			t.Errorf("%s: %q is %d UTF-16 units", name, tip, n)
		}
		for _, w := range c.want {
			if !strings.Contains(tip, w) {
				t.Errorf("%s: %q lacks %q", name, tip, w)
			}
		}
	}
	// Where it fits, nothing is dropped.
	if tip := TooltipWithin(rec, 120); !strings.Contains(tip, "12.5 MB/s") || !strings.HasPrefix(tip, "bwtray") {
		t.Errorf("wide tooltip %q", tip)
	}
	// Characters beyond the BMP count twice, as Windows counts them.
	if got := clipUTF16("ab😀cd", 4); got != "ab…" {
		t.Errorf("clipUTF16 = %q", got)
	}
}
