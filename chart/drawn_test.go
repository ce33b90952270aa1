package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here read the drawn chart back: the paths and texts of the
// SVG, with pixel heights turned back into rates through the axis's own
// labels and grid lines, and check them against synthetic sessions whose
// averages and peaks are known.

type svgPath struct {
	stroke, fill string
	width        int
	pts          []point
}

type svgText struct {
	x, y int
	text string
}

type drawn struct {
	paths []svgPath
	texts []svgText
}

func parseDrawn(t *testing.T, svg []byte) drawn {
	t.Helper()
	var d drawn
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var inText *svgText
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return d
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			style := map[string]string{}
			for _, kv := range strings.Split(attr["style"], ";") {
				if k, v, ok := strings.Cut(kv, ":"); ok {
					style[k] = v
				}
			}
			switch tok.Name.Local {
			case "path":
				p := svgPath{stroke: style["stroke"], fill: style["fill"]}
				p.width, _ = strconv.Atoi(style["stroke-width"])
				for _, f := range strings.Split(attr["d"], "\n") {
					var c string
					var x, y int
					if n, _ := fmt.Sscanf(f, "%s %d %d", &c, &x, &y); n == 3 {
						p.pts = append(p.pts, point{x, y})
					}
				}
				d.paths = append(d.paths, p)
			case "text":
				x, _ := strconv.Atoi(attr["x"])
				y, _ := strconv.Atoi(attr["y"])
				d.texts = append(d.texts, svgText{x: x, y: y})
				inText = &d.texts[len(d.texts)-1]
			}
		case xml.CharData:
			if inText != nil {
				inText.text += string(tok)
			}
		case xml.EndElement:
			inText = nil
		}
	}
}

func (d drawn) find(stroke, fill string, width int) []svgPath {
	var out []svgPath
	for _, p := range d.paths {
		if (stroke == "" || p.stroke == stroke) && (fill == "" || p.fill == fill) && (width == 0 || p.width == width) {
			out = append(out, p)
		}
	}
	return out
}

func (d drawn) has(text string) bool {
	for _, t := range d.texts {
		if strings.Contains(t.text, text) {
			return true
		}
	}
	return false
}

func (d drawn) all() string {
	var b strings.Builder
	for _, t := range d.texts {
		b.WriteString(t.text + "\n")
	}
	return b.String()
}

const (
	svgRecv = "rgba(31,119,180,1.0)"
	svgSent = "rgba(230,126,34,1.0)"
	svgAxis = "rgba(102,102,102,1.0)"
	svgGrid = "rgba(221,221,221,1.0)"
)

// ruler turns a pixel row back into a rate, from the axis as drawn: the
// zero line, and the grid line beside the y label that says label.
func ruler(t *testing.T, d drawn, label string, value float64) func(y int) float64 {
	t.Helper()
	zero := d.find(svgAxis, "none", 1)
	if len(zero) != 1 {
		t.Fatalf("%d zero lines", len(zero))
	}
	y0 := zero[0].pts[0].y
	var ly = -1
	for _, tx := range d.texts {
		if tx.text == label && tx.x < 70 {
			ly = tx.y
		}
	}
	if ly < 0 {
		t.Fatalf("no y label %q in:\n%s", label, d.all())
	}
	best, gy := 1000, 0
	for _, g := range d.find(svgGrid, "none", 0) {
		if len(g.pts) == 2 && g.pts[0].y == g.pts[1].y {
			if dist := abs(g.pts[0].y - ly); dist < best {
				best, gy = dist, g.pts[0].y
			}
		}
	}
	if best > 10 || gy == y0 {
		t.Fatalf("no grid line beside the label %q", label)
	}
	return func(y int) float64 { return value * float64(y0-y) / float64(y0-gy) }
}

func abs(x int) int { return max(x, -x) }

// values reads a path's points (its first n, or all) as rates.
func values(p svgPath, r func(int) float64, n int) []float64 {
	if n <= 0 || n > len(p.pts) {
		n = len(p.pts)
	}
	out := make([]float64, n)
	for i := range n {
		out[i] = r(p.pts[i].y)
	}
	return out
}

func mean(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s / float64(len(vs))
}

func quantile(vs []float64, q float64) float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return vs[int(q*float64(len(vs)-1))]
}

// week streams a 7-day session at 1 s, rates uniformly random between 0
// and 5 MB/s down and 200 kB/s up, through the downsampler, as the
// session package does: its average is 2.5 MB/s, its peaks 5 MB/s, and
// one spike of 40 MB/s at a known second.
func week() (Session, time.Time) {
	const n = 7 * 24 * 3600
	rng := rand.New(rand.NewSource(7))
	end := t0.Add(n * time.Second)
	ds := NewDownsampler(t0, end, Width)
	spike := t0.Add(300_000 * time.Second)
	var recv, sent float64
	for i := range n {
		s := Sample{End: t0.Add(time.Duration(i+1) * time.Second), Span: time.Second, Recv: rng.Float64() * 5e6, Sent: rng.Float64() * 2e5}
		if s.End.Equal(spike) {
			s.Recv = 40e6
		}
		recv, sent = recv+s.Recv, sent+s.Sent
		ds.Add(s)
	}
	s := Session{Start: t0, End: end, Recv: uint64(recv), Sent: uint64(sent), Interfaces: []string{"eth0"}, Samples: ds.Samples()}
	s.PeakRecv, s.PeakSent = ds.Peaks()
	return s, spike
}

// A week of traffic is drawn as its average, with its peaks as a band
// above: the line agrees with the title's totals.
func TestLongSessionDrawsAverageAndPeak(t *testing.T) {
	s, spike := week()
	svg, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(svg) > 150_000 {
		t.Errorf("SVG is %d bytes", len(svg))
	}
	d := parseDrawn(t, svg)
	r := ruler(t, d, "10 MB/s", 10e6)
	line := d.find(svgRecv, "none", 2)
	if len(line) != 1 {
		t.Fatalf("%d download lines", len(line))
	}
	avg := values(line[0], r, 0)
	if m := mean(avg); math.Abs(m-2.5e6) > 0.1e6 || quantile(avg, 0.99) > 3.2e6 {
		t.Errorf("the download line averages %.3g B/s (99th percentile %.3g): want the average, 2.5 MB/s, not the peaks", m, quantile(avg, 0.99))
	}
	band := d.find("none", "rgba(31,119,180,0.2)", 0)
	if len(band) != 1 {
		t.Fatalf("%d download peak bands", len(band))
	}
	top := values(band[0], r, len(band[0].pts)/2)
	if q := quantile(top, 0.5); math.Abs(q-5e6) > 0.25e6 {
		t.Errorf("the peak band's top is at %.3g B/s (median); want 5 MB/s", q)
	}
	if q := quantile(top, 1); math.Abs(q-40e6) > 1e6 {
		t.Errorf("the spike reaches %.3g B/s; want 40 MB/s", q)
	}
	for _, want := range []string{"average 2.50 MB/s", "peak 40.0 MB/s at " + spike.Format("2 Jan 15:04"), "peak 40.0 MB/s", "peak"} {
		if !d.has(want) {
			t.Errorf("the chart does not say %q:\n%s", want, d.all())
		}
	}
	// The upload: mirrored below the axis, on its own scale.
	up := d.find(svgSent, "none", 2)
	ru := ruler(t, d, "200 kB/s", -200e3)
	ups := values(up[0], ru, 0)
	if m := -mean(ups); math.Abs(m-100e3) > 5e3 {
		t.Errorf("the upload line averages %.3g B/s; want 100 kB/s", m)
	}
	if !d.has("own scale") {
		t.Error("the legend does not say the upload has its own scale")
	}
}

// A short session, one sample per column, draws each sample's rate, and
// no band.
func TestShortSessionDrawsEachSample(t *testing.T) {
	samples := steady(45, 0, 0)
	for i := range samples {
		samples[i].Recv = float64(1+i%5) * 1e6
		samples[i].Sent = float64(1+i%3) * 1e5
	}
	svg, text := render1(t, Session{Start: t0, End: t0.Add(45 * time.Second), Samples: samples, Recv: 135e6, Sent: 9e6})
	d := parseDrawn(t, svg)
	if len(d.find("none", "rgba(31,119,180,0.2)", 0)) != 0 {
		t.Error("a peak band where every column is one sample")
	}
	r := ruler(t, d, "4 MB/s", 4e6)
	got := values(d.find(svgRecv, "none", 2)[0], r, 0)
	if len(got) != 46 {
		t.Fatalf("%d points for 45 samples", len(got))
	}
	for i, v := range got[1:] {
		if want := samples[i].Recv; math.Abs(v-want) > 0.03e6 {
			t.Errorf("sample %d drawn at %.3g B/s, want %.3g", i, v, want)
		}
	}
	if !strings.Contains(text, "average 3.00 MB/s") {
		t.Errorf("stats:\n%s", text)
	}
}

// The upload never vanishes next to a large download: the README's own
// session (137 MB down, 149 kB up in 45 s) draws it below the axis, tall
// enough to see; comparable directions share one scale.
func TestUploadMirroredAndVisible(t *testing.T) {
	s := Session{Start: t0, End: t0.Add(45 * time.Second), Samples: steady(45, 137e6/45, 149e3/45), Recv: 137e6, Sent: 149e3}
	svg, _ := render1(t, s)
	d := parseDrawn(t, svg)
	y0 := d.find(svgAxis, "none", 1)[0].pts[0].y
	up := d.find(svgSent, "none", 2)[0]
	down := d.find(svgRecv, "none", 2)[0]
	if h := up.pts[1].y - y0; h < 30 {
		t.Errorf("the upload is %d px below the axis: too small to see", h)
	}
	if h := y0 - down.pts[1].y; h < 150 {
		t.Errorf("the download is %d px above the axis", h)
	}
	ru := ruler(t, d, "4 kB/s", -4e3)
	if v := -ru(up.pts[1].y); math.Abs(v-149e3/45) > 150 {
		t.Errorf("the upload reads %.4g B/s on its axis, want %.4g", v, 149e3/45)
	}
	// Comparable: one scale, so heights compare.
	s = Session{Start: t0, End: t0.Add(10 * time.Second), Samples: steady(10, 1e6, 0.8e6)}
	svg, text := render1(t, s)
	d = parseDrawn(t, svg)
	y0 = d.find(svgAxis, "none", 1)[0].pts[0].y
	hd := float64(y0 - d.find(svgRecv, "none", 2)[0].pts[1].y)
	hu := float64(d.find(svgSent, "none", 2)[0].pts[1].y - y0)
	if math.Abs(hu/hd-0.8) > 0.03 || strings.Contains(text, "own scale") {
		t.Errorf("upload %v px, download %v px on one scale (want 0.8:1); own scale said: %v", hu, hd, strings.Contains(text, "own scale"))
	}
	// A large upload and a small download: the download gets its own.
	s = Session{Start: t0, End: t0.Add(10 * time.Second), Samples: steady(10, 2e3, 5e6)}
	_, text = render1(t, s)
	if !strings.Contains(text, "Download, average (own scale)") {
		t.Errorf("legend:\n%s", text)
	}
}

// The peak's moment is marked and said.
func TestPeakMarked(t *testing.T) {
	samples := steady(120, 1e6, 1e4)
	samples[70].Recv = 9e6
	samples[30].Sent = 5e5
	svg, text := render1(t, Session{Start: t0, End: t0.Add(120 * time.Second), Samples: samples})
	for _, want := range []string{"peak 9.00 MB/s at 14:06:14", "peak 500 kB/s at 14:05:34", "peak 9.00 MB/s", "peak 500 kB/s"} {
		if !strings.Contains(text, want) {
			t.Errorf("chart does not say %q:\n%s", want, text)
		}
	}
	d := parseDrawn(t, svg)
	r := ruler(t, d, "10 MB/s", 10e6)
	marks := d.find("none", "rgba(51,51,51,1.0)", 0)
	found := false
	for _, m := range marks {
		if len(m.pts) == 4 { // a diamond around the point
			if v := r((m.pts[0].y + m.pts[2].y) / 2); math.Abs(v-9e6) < 0.1e6 {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no mark at 9 MB/s among %d", len(marks))
	}
}

func appSession() Session {
	s := Session{Start: t0, End: t0.Add(time.Hour), Samples: steady(3600, 3e6, 1e5), Recv: 3e6 * 3600, Sent: 1e5 * 3600}
	names := []string{"steam", "firefox", "org.mozilla.Thunderbird", "apt-daily", "curl", "rsync", "ssh"}
	var left uint64 = s.Recv
	for i, n := range names {
		a := App{Name: n, Recv: s.Recv / uint64(2<<i), Sent: s.Sent / uint64(2<<i), Estimated: i == 1}
		left -= a.Recv
		s.Apps = append(s.Apps, a)
	}
	s.Unattributed = &Remainder{Recv: left, Sent: 1000, Reasons: []string{"UDP/QUIC: chromium", `not visible: <other> & "protocols"`}}
	s.AppRates = NewAppRates(s.Start, s.End, names, s.Samples)
	for w := 1; w <= 360; w++ {
		for _, a := range s.Apps {
			s.AppRates.Add(a.Name, t0.Add(time.Duration(w)*10*time.Second), a.Recv/360, a.Sent/360)
		}
	}
	return s
}

// The apps: the top five as stacked areas, a table under the plot with
// the rest added up and the remainder with its reasons.
func TestAppsDrawn(t *testing.T) {
	s := appSession()
	svg, text := render1(t, s)
	for _, want := range []string{"steam", "curl", "2 more apps", "unattributed", "partly estimated", `not visible: <other> & "protocols"`, "50%", "share"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "rsync") {
		t.Error("an app beyond the top five has its own row")
	}
	d := parseDrawn(t, svg)
	for i, c := range appColors {
		fill := fmt.Sprintf("rgba(%d,%d,%d,0.5)", c.R, c.G, c.B)
		if areas := d.find("none", fill, 0); len(areas) != 2 { // download, upload
			t.Errorf("app %d: %d shapes in %s", i, len(areas), fill)
		}
	}
	// steam moved half the download: its area is half the line's height.
	r := ruler(t, d, "2 MB/s", 2e6)
	steam := d.find("none", fmt.Sprintf("rgba(%d,%d,%d,0.5)", appColors[0].R, appColors[0].G, appColors[0].B), 0)[0]
	if v := r(steam.pts[len(steam.pts)/4].y); math.Abs(v-1.5e6) > 0.05e6 {
		t.Errorf("steam's area reaches %.3g B/s, want 1.5 MB/s", v)
	}
	if Height(s) <= BaseHeight {
		t.Error("no room for the table")
	}
	// Without apps: no table, the height as before.
	s.Apps, s.Unattributed, s.AppRates = nil, nil, nil
	_, text = render1(t, s)
	if strings.Contains(text, "unattributed") || Height(s) != BaseHeight {
		t.Error("an apps table without apps")
	}
}

// AppRates spreads each window's bytes as the interfaces' own traffic
// went within it, and loses none; windows out of order (a damaged file)
// are dropped, and a window the interfaces show nothing in is spread
// evenly.
func TestAppRates(t *testing.T) {
	// 30 one-second samples: traffic only in seconds 3-5 and 12-20.
	samples := steady(30, 0, 0)
	for i := range samples {
		if i >= 2 && i < 5 || i >= 11 && i < 20 {
			samples[i].Recv = 1000
		}
	}
	a := NewAppRates(t0, t0.Add(30*time.Second), []string{"x", "y"}, samples)
	a.Add("x", t0.Add(10*time.Second), 3000, 10)
	a.Add("y", t0.Add(10*time.Second), 600, 0)
	a.Add("x", t0.Add(20*time.Second), 9000, 0)
	a.Add("x", t0.Add(15*time.Second), 1e9, 0) // out of order
	a.Add("z", t0.Add(25*time.Second), 7, 0)   // not stacked
	a.Add("x", t0.Add(30*time.Second), 500, 0) // the interfaces saw nothing
	ends, recv, sent := a.rates()
	if len(ends) != 30 || len(recv) != 2 {
		t.Fatalf("%d buckets, %d apps", len(ends), len(recv))
	}
	total := 0.0
	for _, v := range recv[0] {
		total += v
	}
	if math.Abs(total-12500) > 1e-6 {
		t.Errorf("x's buckets hold %v bytes, want 12,500: %v", total, recv[0])
	}
	for i, v := range recv[0][:20] {
		want := 0.0
		if i >= 2 && i < 5 || i >= 11 && i < 20 {
			want = 1000
		}
		if math.Abs(v-want) > 1e-6 {
			t.Errorf("x in second %d: %v B/s, want %v (as the interface)", i, v, want)
		}
	}
	// z's row ended a window at 25 s: x's last one is 25-30 s.
	if math.Abs(recv[0][27]-100) > 1e-6 || recv[0][22] != 0 {
		t.Errorf("a window with no interface traffic: %v B/s, want 100 (spread evenly), and nothing before it", recv[0][27])
	}
	if math.Abs(sent[0][3]-1) > 1e-6 || math.Abs(recv[1][3]-200) > 1e-6 {
		t.Errorf("upload spread evenly %v, y's share %v", sent[0][3], recv[1][3])
	}
	if e, _, _ := NewAppRates(t0, t0.Add(time.Minute), []string{"x"}, nil).rates(); e != nil {
		t.Error("rates with nothing added")
	}
	if e, _, _ := NewAppRates(t0, t0, []string{"x"}, samples).rates(); e != nil {
		t.Error("rates for an empty span")
	}
}

// The PNG is the same drawing, a real PNG of the chart's size.
func TestRenderPNG(t *testing.T) {
	for name, s := range map[string]Session{
		"apps":    appSession(),
		"empty":   {Start: t0, End: t0},
		"hostile": {Start: t0, End: t0.Add(2 * time.Second), Samples: steady(2, 1, 1), Interfaces: []string{"a&b<c>", "ctl\x01\x7f"}, Status: "<x>"},
	} {
		b, err := RenderPNG(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || format != "png" || cfg.Width != Width || cfg.Height != Height(s) {
			t.Errorf("%s: %v %s %dx%d", name, err, format, cfg.Width, cfg.Height)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A day with five apps stays within the size bound.
func TestRenderDayWithAppsSizeBound(t *testing.T) {
	s := dayWithApps()
	svg, _ := render1(t, s)
	if len(svg) > 150_000 {
		t.Errorf("a day-long chart with apps is %d bytes, want <= 150 kB", len(svg))
	}
}

func dayWithApps() Session {
	const n = 86_400
	rng := rand.New(rand.NewSource(3))
	samples := make([]Sample, n)
	for i := range samples {
		samples[i] = Sample{End: t0.Add(time.Duration(i+1) * time.Second), Span: time.Second, Recv: rng.Float64() * 5e6, Sent: rng.Float64() * 1e6}
	}
	s := Session{Start: t0, End: samples[n-1].End, Samples: samples, Recv: 216e9, Sent: 43e9}
	names := []string{"a", "b", "c", "d", "e"}
	s.AppRates = NewAppRates(s.Start, s.End, names, Downsample(s.Samples, s.Start, s.End, Width))
	for w := 1; w <= n/10; w++ {
		for i, a := range names {
			s.Apps = append(s.Apps[:min(len(s.Apps), 5)], App{Name: a})
			s.AppRates.Add(a, t0.Add(time.Duration(w)*10*time.Second), uint64(rng.Intn(4e6)*(i+1)), uint64(rng.Intn(1e6)))
		}
	}
	s.Apps = s.Apps[:5]
	s.Unattributed = &Remainder{Reasons: []string{"UDP/QUIC: x"}}
	return s
}

func BenchmarkRenderDayPNG(b *testing.B) {
	s := dayWithApps()
	s.Samples = Downsample(s.Samples, s.Start, s.End, Width)
	var out []byte
	for b.Loop() {
		var err error
		if out, err = RenderPNG(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out))/1000, "kB/png")
}
