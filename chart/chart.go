// Package chart draws a session's download and upload rates over time, as
// an SVG and as a PNG for sharing, with go-chart.
//
// What it draws: the download above the time axis and the upload mirrored
// below it (each on its own scale when one is tiny next to the other, so
// it never vanishes); the average rate of each pixel column as the line
// and the highest rate in it as a lighter band above (a week of traffic is
// not drawn as its peaks); each direction's average and peak, the peak's
// moment marked; sleeps and stalls as grey bands; and, where the session
// knows them, the apps that moved the bytes: the top five as stacked areas
// and a table under the plot.
//
// go-chart has sharp edges that this package files down: it fails on empty,
// single-point and all-zero data, floods the axis with labels when the range
// is degenerate, does not escape text, and writes a stub file when it fails.
// Here ranges and ticks are always set explicitly, every text is escaped
// (for SVG), everything but the axes is drawn by this package on go-chart's
// renderer, and output is rendered to memory, never to a file directly.
package chart

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/bwtray/bwtray/units"
)

// Sample is one sampling interval: it ends at End and lasts Span.
type Sample struct {
	End  time.Time
	Span time.Duration
	// Recv and Sent are average rates over the interval, in bytes per
	// second.
	Recv, Sent float64
	// PeakRecv and PeakSent are the highest rates of the samples a
	// downsampled interval stands for (0: Recv and Sent).
	PeakRecv, PeakSent float64
	// Gap marks an interval during which the machine slept or the meter
	// was stalled: its rate is only an average, so it is drawn as a band.
	Gap bool
}

// Session is what the chart shows.
type Session struct {
	Start, End time.Time
	// Recv and Sent are the session's total bytes.
	Recv, Sent uint64
	Interfaces []string
	Status     string
	Format     units.Format
	Samples    []Sample
	// PeakRecv and PeakSent are each direction's highest sample rate and
	// when it was; zero: found in Samples.
	PeakRecv, PeakSent Moment
	// Apps (largest first) and Unattributed are the session's apps table;
	// AppRates their rates over time. All optional.
	Apps         []App
	Unattributed *Remainder
	AppRates     *AppRates
}

// Size of the chart in SVG user units (and PNG pixels); Width also bounds
// the number of points drawn, since more than one per pixel cannot be
// seen. The height grows with the apps table.
const (
	Width      = 1024
	BaseHeight = 500
	rowHeight  = 16
)

var (
	recvColor = drawing.Color{R: 0x1f, G: 0x77, B: 0xb4, A: 255} // blue
	sentColor = drawing.Color{R: 0xe6, G: 0x7e, B: 0x22, A: 255} // orange
	gapColor  = drawing.Color{R: 0x99, G: 0x99, B: 0x99, A: 70}
	gridColor = drawing.Color{R: 0xdd, G: 0xdd, B: 0xdd, A: 255}
	axisColor = drawing.Color{R: 0x66, G: 0x66, B: 0x66, A: 255}
	textColor = drawing.Color{R: 0x33, G: 0x33, B: 0x33, A: 255}
	// appColors are the stacked apps', apart from the download's blue and
	// the upload's orange.
	appColors = []drawing.Color{
		{R: 0x2c, G: 0xa0, B: 0x2c, A: 255}, // green
		{R: 0x94, G: 0x67, B: 0xbd, A: 255}, // purple
		{R: 0x8c, G: 0x56, B: 0x4b, A: 255}, // brown
		{R: 0xe3, G: 0x77, B: 0xc2, A: 255}, // pink
		{R: 0xbc, G: 0xbd, B: 0x22, A: 255}, // olive
	}
)

// output is a format: go-chart's renderer, and how text must be made safe
// for it.
type output struct {
	provider gochart.RendererProvider
	text     func(string) string
}

var (
	svgOutput = output{gochart.SVG, escape}
	pngOutput = output{gochart.PNG, plain}
)

// Render returns the session's chart as SVG. go-chart writes a stub
// file when it fails; rendering to memory means nothing partial is ever
// written: the caller replaces the file atomically.
func Render(s Session) ([]byte, error) { return renderTo(s, svgOutput) }

// RenderPNG returns the same chart as a PNG, which chat apps and mail
// clients preview.
func RenderPNG(s Session) ([]byte, error) { return renderTo(s, pngOutput) }

func renderTo(s Session, out output) ([]byte, error) {
	var buf bytes.Buffer
	if err := render(&buf, s, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Height is the chart's height for a session: more with an apps table.
func Height(s Session) int {
	return BaseHeight + tableHeight(tableRows(s))
}

func render(buf *bytes.Buffer, s Session, out output) (err error) {
	// go-chart panics on some inputs; a chart is never worth crashing a
	// recording for.
	defer func() {
		if r := recover(); r != nil {
			buf.Reset()
			err = fmt.Errorf("rendering chart: %v", r)
		}
	}()
	p := plan(s)
	rows := tableRows(s)
	height := BaseHeight + tableHeight(rows)
	yAxis := gochart.YAxis{
		Range:          &gochart.ContinuousRange{Min: p.sc.bottom, Max: p.sc.top},
		Ticks:          p.sc.ticks,
		GridMajorStyle: gochart.Style{StrokeColor: gridColor, StrokeWidth: 1},
		GridLines:      p.sc.grid(),
	}
	graph := gochart.Chart{
		Font:       chartFont(),
		Title:      out.text(title(s, p.start, p.end)),
		Width:      Width,
		Height:     height,
		TitleStyle: gochart.Style{FontSize: 13, Padding: gochart.Box{Top: 12}},
		Background: gochart.Style{Padding: gochart.Box{Top: 84, Left: 16, Right: 32, Bottom: 12 + tableHeight(rows)}},
		XAxis: gochart.XAxis{
			Name:           out.text(axisName(s.Interfaces)),
			Range:          &gochart.ContinuousRange{Min: tf(p.start), Max: tf(p.end)},
			Ticks:          timeTicks(p.start, p.end),
			GridMajorStyle: gochart.Style{StrokeColor: gridColor, StrokeWidth: 1},
		},
		// The rate axis reads best on the left, where go-chart puts the
		// secondary axis; the primary one is kept only as a hidden twin.
		YAxis:          yAxis,
		YAxisSecondary: yAxis,
		Series:         p.layers(s.Format, out.text),
		Elements: []gochart.Renderable{
			subtitle(out.text(statsLine(s, p.start, p.end, p.peakR, p.peakS))),
			legend(p.legend(), out.text),
			table(rows, height, out.text),
		},
	}
	graph.YAxis.Style.Hidden = true
	graph.YAxis.GridLines = nil
	if err := graph.Render(out.provider, buf); err != nil {
		buf.Reset()
		return fmt.Errorf("rendering chart: %w", err)
	}
	return nil
}

// picture is what the plot shows, worked out from the session: the
// lines, bands, apps' areas and marks, on their scale.
type picture struct {
	start, end   time.Time
	unit         float64 // the axis's unit per byte per second
	tr           trace
	banded       bool
	ends         []time.Time
	stackR       [][]float64
	stackS       [][]float64
	peakR, peakS Moment
	sc           scale
}

func plan(s Session) picture {
	d := picture{unit: 1}
	d.start, d.end = bounds(s)
	ds := NewDownsampler(d.start, d.end, Width)
	for _, x := range s.Samples {
		ds.Add(x)
	}
	d.peakR, d.peakS = s.PeakRecv, s.PeakSent
	if d.peakR.Rate == 0 && d.peakS.Rate == 0 {
		d.peakR, d.peakS = ds.Peaks()
	}
	if s.Format.Bits {
		d.unit = 8
	}
	d.tr = traceOf(ds.Samples(), d.start, d.unit)
	d.banded = d.tr.banded()
	var appRecv, appSent [][]float64
	d.ends, appRecv, appSent = s.AppRates.rates()
	d.stackR, d.stackS = stack(appRecv, d.unit), stack(appSent, d.unit)
	down := max(d.tr.maxPeak(d.tr.recvPeak), top(d.stackR))
	up := max(d.tr.maxPeak(d.tr.sentPeak), top(d.stackS))
	d.sc = newScale(down, up, s.Format)
	return d
}

// legend names what is drawn, and which side has its own scale.
func (d picture) legend() []legendItem {
	down, up := "Download, average", "Upload, average (below the axis)"
	switch d.sc.own {
	case "upload":
		up = "Upload, average (below the axis, own scale)"
	case "download":
		down = "Download, average (own scale)"
	}
	items := []legendItem{{down, recvColor}}
	if d.banded {
		items = append(items, legendItem{"peak", recvColor.WithAlpha(60)})
	}
	items = append(items, legendItem{up, sentColor})
	if d.banded {
		items = append(items, legendItem{"peak", sentColor.WithAlpha(60)})
	}
	if len(d.tr.gaps) > 0 {
		items = append(items, legendItem{"Asleep or stalled", gapColor})
	}
	return items
}

// layers are the plot's contents, back to front.
func (d picture) layers(f units.Format, text func(string) string) []gochart.Series {
	var out []gochart.Series
	if len(d.tr.gaps) > 0 {
		out = append(out, layer{"gaps", func(p painter) { p.gapBands(d.tr.gaps, d.sc) }})
	}
	if d.stackR != nil {
		out = append(out, layer{"apps", func(p painter) { p.stacks(d.ends, d.start, d.stackR, d.stackS, d.sc) }})
	}
	tr, sc := d.tr, d.sc
	return append(out,
		layer{"peaks", func(p painter) {
			if d.banded {
				p.band(tr.xs, tr.recvAvg, tr.recvPeak, sc.down, recvColor.WithAlpha(60))
				p.band(tr.xs, tr.sentAvg, tr.sentPeak, sc.up, sentColor.WithAlpha(60))
			}
		}},
		layer{"rates", func(p painter) {
			if d.stackR == nil { // the apps' areas fill the space under the line
				p.band(tr.xs, nil, tr.recvAvg, sc.down, recvColor.WithAlpha(36))
				p.band(tr.xs, nil, tr.sentAvg, sc.up, sentColor.WithAlpha(36))
			}
			p.line(tr.xs, tr.recvAvg, sc.down, recvColor, 2)
			p.line(tr.xs, tr.sentAvg, sc.up, sentColor, 2)
			p.line([]float64{tf(d.start), tf(d.end)}, []float64{0, 0}, sc.down, axisColor, 1)
		}},
		layer{"marks", func(p painter) {
			p.mark(d.peakR, d.unit, sc.down, true, f, text)
			p.mark(d.peakS, d.unit, sc.up, false, f, text)
		}},
	)
}

// bounds is the time the chart spans: the session's, widened to its
// samples, never empty.
func bounds(s Session) (start, end time.Time) {
	start, end = s.Start, s.End
	if n := len(s.Samples); n > 0 {
		if first := s.Samples[0].End.Add(-s.Samples[0].Span); first.Before(start) || start.IsZero() {
			start = first
		}
		if last := s.Samples[n-1].End; last.After(end) {
			end = last
		}
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	return start, end
}

func tf(t time.Time) float64 { return float64(t.UnixNano()) }

// trace is the drawn rates, in the axis's unit: each sample's rate at
// its end, and the first one also at its start, so even a single sample
// draws a line. Gaps drop to zero and get a shaded band instead of a
// spike.
type trace struct {
	xs                []float64
	recvAvg, recvPeak []float64
	sentAvg, sentPeak []float64
	gaps              [][2]float64
}

func traceOf(samples []Sample, start time.Time, unit float64) trace {
	var t trace
	add := func(at time.Time, s Sample) {
		t.xs = append(t.xs, tf(at))
		t.recvAvg, t.recvPeak = append(t.recvAvg, s.Recv*unit), append(t.recvPeak, max(s.PeakRecv, s.Recv)*unit)
		t.sentAvg, t.sentPeak = append(t.sentAvg, s.Sent*unit), append(t.sentPeak, max(s.PeakSent, s.Sent)*unit)
	}
	if len(samples) == 0 {
		add(start, Sample{})
		add(start.Add(time.Second), Sample{})
		return t
	}
	for i, s := range samples {
		from := s.End.Add(-s.Span)
		if s.Gap {
			add(from, Sample{})
			add(s.End, Sample{})
			t.gaps = append(t.gaps, [2]float64{tf(from), tf(s.End)})
			continue
		}
		if i == 0 || samples[i-1].Gap {
			add(from, s)
		}
		add(s.End, s)
	}
	return t
}

func (t trace) maxPeak(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// banded says some column's peak is above its average: a long session.
func (t trace) banded() bool {
	for i := range t.xs {
		if t.recvPeak[i] > t.recvAvg[i]*1.001 || t.sentPeak[i] > t.sentAvg[i]*1.001 {
			return true
		}
	}
	return false
}

// stack turns rates per app into cumulative tops, in the axis's unit.
func stack(rates [][]float64, unit float64) [][]float64 {
	if len(rates) == 0 {
		return nil
	}
	out := make([][]float64, len(rates))
	for i, r := range rates {
		out[i] = make([]float64, len(r))
		for b, v := range r {
			out[i][b] = v * unit
			if i > 0 {
				out[i][b] += out[i-1][b]
			}
		}
	}
	return out
}

func top(stacks [][]float64) float64 {
	if len(stacks) == 0 {
		return 0
	}
	m := 0.0
	for _, v := range stacks[len(stacks)-1] {
		m = max(m, v)
	}
	return m
}

func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

func title(s Session, start, end time.Time) string {
	f := s.Format
	window := fmt.Sprintf("%s – %s", start.Format("2 Jan 2006 15:04:05"), end.Format("15:04:05"))
	if start.YearDay() != end.YearDay() || start.Year() != end.Year() {
		window = fmt.Sprintf("%s – %s", start.Format("2 Jan 2006 15:04"), end.Format("2 Jan 15:04"))
	}
	t := fmt.Sprintf("↓ %s   ↑ %s   ·   %s (%s)", f.Bytes(s.Recv), f.Bytes(s.Sent), window, units.Duration(end.Sub(start)))
	if s.Status != "" && s.Status != "completed" {
		t += "   ·   " + s.Status
	}
	return t
}

// statsLine gives each direction's average (what it moved over the
// session's length, so it agrees with the totals) and peak, with when.
func statsLine(s Session, start, end time.Time, peakR, peakS Moment) string {
	f := s.Format
	secs := end.Sub(start).Seconds()
	at := func(m Moment) string {
		if m.Rate <= 0 {
			return ""
		}
		layout := "15:04:05"
		if end.Sub(start) >= 24*time.Hour {
			layout = "2 Jan 15:04"
		}
		return " at " + m.At.Format(layout)
	}
	return fmt.Sprintf("download: average %s, peak %s%s   ·   upload: average %s, peak %s%s",
		f.Rate(float64(s.Recv)/secs), f.Rate(peakR.Rate), at(peakR),
		f.Rate(float64(s.Sent)/secs), f.Rate(peakS.Rate), at(peakS))
}

func axisName(ifaces []string) string {
	switch len(ifaces) {
	case 0:
		return "no interface counted"
	case 1:
		return "interface " + ifaces[0]
	}
	name := "interfaces " + strings.Join(ifaces, ", ")
	if utf8.RuneCountInString(name) > 140 {
		name = fmt.Sprintf("%d interfaces: %s, …", len(ifaces), strings.Join(ifaces[:3], ", "))
	}
	return name
}

// plain keeps only what a font can draw: characters XML could not carry
// either (most control characters) become U+FFFD.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0x7f && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF)) {
			return r
		}
		return utf8.RuneError
	}, s)
}

// escape makes text safe inside SVG: go-chart writes it verbatim.
func escape(s string) string { return html.EscapeString(plain(s)) }
