package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/units"
)

var t0 = time.Date(2026, 11, 25, 14, 5, 3, 0, time.UTC)

// steady returns n one-second samples at the given rates.
func steady(n int, recv, sent float64) []Sample {
	out := make([]Sample, n)
	for i := range out {
		out[i] = Sample{End: t0.Add(time.Duration(i+1) * time.Second), Span: time.Second, Recv: recv, Sent: sent}
	}
	return out
}

// wellFormed parses the SVG and returns its text content.
func wellFormed(t *testing.T, svg []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%.300s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte('\n')
		}
	}
	if root != "svg" {
		t.Fatalf("root element is %q, want svg", root)
	}
	return text.String()
}

func render1(t *testing.T, s Session) (svg []byte, text string) {
	t.Helper()
	b, err := Render(s)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b, wellFormed(t, b)
}

func TestRenderEdgeCases(t *testing.T) {
	long := steady(3, 1000, 10)
	long[1] = Sample{End: t0.Add(2*time.Second + time.Hour), Span: time.Hour, Recv: 5, Gap: true}
	long[2].End = t0.Add(3*time.Second + time.Hour)
	tests := []struct {
		name    string
		s       Session
		mustSay []string
	}{
		{"no samples", Session{Start: t0, End: t0}, []string{"↓ 0 B", "↑ 0 B"}},
		{"no samples, some time", Session{Start: t0, End: t0.Add(5 * time.Second), Status: "stopped"}, []string{"stopped"}},
		{"one sample", Session{Start: t0, End: t0.Add(time.Second), Samples: steady(1, 2e6, 1e5), Recv: 2e6, Sent: 1e5}, []string{"2.00 MB", "Download", "Upload"}},
		{"two samples", Session{Start: t0, End: t0.Add(2 * time.Second), Samples: steady(2, 2e6, 1e5)}, nil},
		{"all zero", Session{Start: t0, End: t0.Add(time.Minute), Samples: steady(60, 0, 0)}, []string{"200 B/s"}},
		{"constant", Session{Start: t0, End: t0.Add(time.Minute), Samples: steady(60, 5e6, 5e6)}, []string{"6 MB/s"}},
		{"hostile names", Session{Start: t0, End: t0.Add(2 * time.Second), Samples: steady(2, 1, 1), Interfaces: []string{`a&b<c>`, `q"u'o te`, "ctl\x01x"}, Status: "<interrupted>"},
			[]string{`a&b<c>`, `q"u'o te`, "<interrupted>"}},
		{"gap", Session{Start: t0, End: long[2].End, Samples: long}, []string{"Asleep or stalled"}},
		{"bits", Session{Start: t0, End: t0.Add(10 * time.Second), Samples: steady(10, 1.25e6, 0), Format: units.Format{Bits: true}}, []string{"Mbit/s"}},
		{"iec", Session{Start: t0, End: t0.Add(10 * time.Second), Samples: steady(10, 3<<20, 0), Format: units.Format{System: units.IEC}}, []string{"MiB/s"}},
		{"nan and inf rates", Session{Start: t0, End: t0.Add(3 * time.Second), Samples: []Sample{
			{End: t0.Add(time.Second), Span: time.Second, Recv: math.NaN()},
			{End: t0.Add(2 * time.Second), Span: time.Second, Recv: math.Inf(1), Sent: -4},
			{End: t0.Add(3 * time.Second), Span: time.Second, Recv: 10},
		}}, nil},
		{"zero start time", Session{Samples: steady(5, 100, 100)}, nil},
		{"end before start", Session{Start: t0.Add(time.Hour), End: t0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, text := render1(t, tt.s)
			for _, want := range tt.mustSay {
				if !strings.Contains(text, want) {
					t.Errorf("chart text lacks %q; it has:\n%s", want, text)
				}
			}
			if len(svg) > 150_000 {
				t.Errorf("SVG is %d bytes", len(svg))
			}
			if strings.Count(text, "\n") > 80 {
				t.Errorf("chart has %d text elements: labels are piling up", strings.Count(text, "\n"))
			}
		})
	}
}

func TestRenderDaySizeBound(t *testing.T) {
	const n = 86_400
	samples := make([]Sample, n)
	for i := range samples {
		samples[i] = Sample{End: t0.Add(time.Duration(i+1) * time.Second), Span: time.Second, Recv: float64(i % 977 * 1000), Sent: float64(i % 13 * 100)}
	}
	samples[50_000].Recv = 99e6 // one short burst must survive downsampling
	svg, text := render1(t, Session{Start: t0, End: samples[n-1].End, Samples: samples})
	if len(svg) > 150_000 {
		t.Errorf("a day-long chart is %d bytes, want <= 150 kB", len(svg))
	}
	if !strings.Contains(text, "100 MB/s") {
		t.Errorf("the 99 MB/s burst was lost: the y axis does not reach 100 MB/s:\n%s", text)
	}
}

func TestDownsample(t *testing.T) {
	s := steady(1000, 10, 1)
	s[500].Recv = 9999
	s[501].Sent = 777
	out := Downsample(s, t0, t0.Add(1000*time.Second), 100)
	if len(out) > 101 || len(out) < 90 {
		t.Fatalf("downsampled to %d points, want about 100", len(out))
	}
	var peakR, peakS, bytesR float64
	var span time.Duration
	for _, p := range out {
		peakR, peakS = max(peakR, p.PeakRecv), max(peakS, p.PeakSent)
		bytesR += p.Recv * p.Span.Seconds()
		span += p.Span
	}
	if peakR != 9999 || peakS != 777 {
		t.Errorf("peaks lost: %v, %v", peakR, peakS)
	}
	// The averages keep what moved: 999 seconds at 10 and one at 9999.
	if math.Abs(bytesR-(999*10+9999)) > 1e-6 {
		t.Errorf("the columns' averages add up to %v bytes, want %v", bytesR, 999*10+9999)
	}
	if span != 1000*time.Second {
		t.Errorf("spans add up to %v, want 1000s", span)
	}
	if got := Downsample(s[:50], t0, t0.Add(50*time.Second), 100); len(got) != 50 {
		t.Errorf("short input changed: %d", len(got))
	}
}

func TestDownsampleKeepsLongGaps(t *testing.T) {
	s := steady(1000, 10, 1)
	s[300] = Sample{End: s[300].End, Span: 200 * time.Second, Gap: true}
	out := Downsample(s, t0, t0.Add(1000*time.Second), 100)
	gaps := 0
	for _, p := range out {
		if p.Gap {
			gaps++
			if p.Span != 200*time.Second {
				t.Errorf("gap span %v", p.Span)
			}
		}
	}
	if gaps != 1 {
		t.Errorf("%d gaps after downsampling, want 1", gaps)
	}
}

func TestRateTicks(t *testing.T) {
	tests := []struct {
		peak   float64
		f      units.Format
		labels []string
	}{
		{0, units.Format{}, []string{"0", "200 B/s", "400 B/s", "600 B/s", "800 B/s", "1 kB/s"}},
		{9e6, units.Format{}, []string{"0", "2 MB/s", "4 MB/s", "6 MB/s", "8 MB/s", "10 MB/s"}},
		{1.1e6, units.Format{}, []string{"0", "250 kB/s", "500 kB/s", "750 kB/s", "1 MB/s", "1.25 MB/s"}},
		{80e6, units.Format{Bits: true}, []string{"0", "20 Mbit/s", "40 Mbit/s", "60 Mbit/s", "80 Mbit/s", "100 Mbit/s"}},
		{3 << 20, units.Format{System: units.IEC}, []string{"0", "1 MiB/s", "2 MiB/s", "3 MiB/s", "4 MiB/s"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range rateTicks(tt.peak, tt.f, 5) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, "|") != strings.Join(tt.labels, "|") {
			t.Errorf("rateTicks(%v, %v) = %q, want %q", tt.peak, tt.f, got, tt.labels)
		}
	}
}

func TestTimeTicks(t *testing.T) {
	tests := []struct {
		span  time.Duration
		first string // first labelled tick
		count int    // labelled ticks
	}{
		{3 * time.Second, "14:05:03", 4},
		{time.Minute, "14:05:10", 6},
		{10 * time.Minute, "14:06", 5},
		{time.Hour, "14:10", 6},
		{24 * time.Hour, "18:00", 4},
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range timeTicks(t0, t0.Add(tt.span)) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if len(labels) == 0 || labels[0] != tt.first || len(labels) != tt.count {
			t.Errorf("span %v: labels %q, want %d starting at %s", tt.span, labels, tt.count, tt.first)
		}
	}
}

// BenchmarkRenderDay renders a 24-hour session at 1 s with five apps
// stacked and the table: the largest chart bwtray draws.
func BenchmarkRenderDay(b *testing.B) {
	s := dayWithApps()
	var svg []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if svg, err = Render(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(svg))/1000, "kB/svg")
}

// BenchmarkDownsample times the only pass that sees every sample, for 6,
// 12 and 24 hours of one-second samples: it should grow linearly. (Whole
// renders do not show that: their time is dominated by collecting the
// ~18 MB of garbage go-chart's text measuring makes, whatever the length.)
func BenchmarkDownsample(b *testing.B) {
	for _, n := range []int{21_600, 43_200, 86_400} {
		samples := make([]Sample, n)
		for i := range samples {
			samples[i] = Sample{End: t0.Add(time.Duration(i+1) * time.Second), Span: time.Second, Recv: float64(i % 977 * 1000), Sent: float64(i % 13 * 100)}
		}
		end := samples[n-1].End
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				Downsample(samples, t0, end, Width)
			}
		})
	}
}

// A stretch of short gaps (a stall, sampled through) is drawn as a gap
// once it fills most of a column; a lone short gap is not.
func TestDownsampleMergesShortGaps(t *testing.T) {
	s := steady(10_000, 10, 1)
	for i := 5000; i < 5300; i++ {
		s[i].Gap = true
	}
	s[8000].Gap = true
	out := Downsample(s, t0, t0.Add(10_000*time.Second), 100)
	var gapTime time.Duration
	for _, p := range out {
		if p.Gap {
			gapTime += p.Span
			if p.End.Before(s[5000].End) || p.End.After(s[5400].End) {
				t.Errorf("a gap column at %v", p.End)
			}
		}
	}
	if gapTime < 200*time.Second || gapTime > 400*time.Second {
		t.Errorf("gap columns span %v, want about 300s", gapTime)
	}
}
