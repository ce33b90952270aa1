// Package chart draws a session's download and upload rates over time as an
// SVG, with go-chart.
//
// go-chart has sharp edges that this package files down: it fails on empty,
// single-point and all-zero data, floods the axis with labels when the range
// is degenerate, does not escape text, and writes a stub file when it fails.
// Here ranges and ticks are always set explicitly, every text is escaped,
// long sessions are downsampled to the chart's width keeping each bucket's
// peak, and output is rendered to memory, never to a file directly.
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
	// Recv and Sent are rates in bytes per second.
	Recv, Sent float64
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
}

// Size of the chart in SVG user units; Width also bounds the number of
// points drawn, since more than one per pixel cannot be seen.
const (
	Width  = 1024
	Height = 480
)

var (
	recvColor = drawing.Color{R: 0x1f, G: 0x77, B: 0xb4, A: 255} // blue
	sentColor = drawing.Color{R: 0xe6, G: 0x7e, B: 0x22, A: 255} // orange
	gapColor  = drawing.Color{R: 0x99, G: 0x99, B: 0x99, A: 70}
	gridColor = drawing.Color{R: 0xdd, G: 0xdd, B: 0xdd, A: 255}
)

// Render returns the session's chart as SVG. go-chart writes a stub
// file when it fails; rendering to memory means nothing partial is ever
// written: the caller replaces the file atomically.
func Render(s Session) ([]byte, error) {
	var buf bytes.Buffer
	if err := render(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func render(buf *bytes.Buffer, s Session) (err error) {
	// go-chart panics on some inputs (mismatched series lengths); a chart is
	// never worth crashing a recording for.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering chart: %v", r)
		}
	}()
	start, end := s.Start, s.End
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
	samples := Downsample(s.Samples, start, end, Width)
	scale := 1.0
	if s.Format.Bits {
		scale = 8
	}
	recv, sent, gaps := series(samples, start, scale)
	peak := 0.0
	for _, v := range recv.YValues {
		peak = max(peak, v)
	}
	for _, v := range sent.YValues {
		peak = max(peak, v)
	}
	yTicks := rateTicks(peak, s.Format)
	yMax := yTicks[len(yTicks)-1].Value

	yAxis := gochart.YAxis{
		Range:          &gochart.ContinuousRange{Min: 0, Max: yMax},
		Ticks:          yTicks,
		GridMajorStyle: gochart.Style{StrokeColor: gridColor, StrokeWidth: 1},
		GridLines:      gridLines(yTicks),
	}
	graph := gochart.Chart{
		Title:      escape(title(s, start, end)),
		Width:      Width,
		Height:     Height,
		TitleStyle: gochart.Style{FontSize: 13, Padding: gochart.Box{Top: 12}},
		Background: gochart.Style{Padding: gochart.Box{Top: 64, Left: 16, Right: 32, Bottom: 12}},
		XAxis: gochart.XAxis{
			Name:           escape(axisName(s.Interfaces)),
			Range:          &gochart.ContinuousRange{Min: tf(start), Max: tf(end)},
			Ticks:          timeTicks(start, end),
			GridMajorStyle: gochart.Style{StrokeColor: gridColor, StrokeWidth: 1},
		},
		// The rate axis reads best on the left, where go-chart puts the
		// secondary axis; the primary one is kept only as a hidden twin.
		YAxis:          yAxis,
		YAxisSecondary: yAxis,
	}
	graph.YAxis.Style.Hidden = true
	graph.YAxis.GridLines = nil
	items := []legendItem{{"Download", recvColor}, {"Upload", sentColor}}
	if len(gaps.XValues) > 0 {
		for i := range gaps.YValues {
			gaps.YValues[i] *= yMax
		}
		graph.Series = append(graph.Series, gaps)
		items = append(items, legendItem{gaps.Name, gapColor})
	}
	graph.Series = append(graph.Series, recv, sent)
	graph.Elements = []gochart.Renderable{legend(items)}
	if err := graph.Render(gochart.SVG, buf); err != nil {
		buf.Reset()
		return fmt.Errorf("rendering chart: %w", err)
	}
	return nil
}

func tf(t time.Time) float64 { return float64(t.UnixNano()) }

// series turns samples into the drawn lines. Each sample's rate is plotted
// at its end, and the first one also at its start, so even a single sample
// draws a line. Gaps drop to zero and get a shaded band (values 0 or 1,
// scaled to the axis later) instead of a spike.
func series(samples []Sample, start time.Time, scale float64) (recv, sent, gaps gochart.TimeSeries) {
	n := len(samples) + 2
	recv = gochart.TimeSeries{Name: "Download", YAxis: gochart.YAxisSecondary, Style: lineStyle(recvColor), XValues: make([]time.Time, 0, n), YValues: make([]float64, 0, n)}
	sent = gochart.TimeSeries{Name: "Upload", YAxis: gochart.YAxisSecondary, Style: lineStyle(sentColor), XValues: make([]time.Time, 0, n), YValues: make([]float64, 0, n)}
	gaps = gochart.TimeSeries{Name: "Asleep or stalled", YAxis: gochart.YAxisSecondary, Style: gochart.Style{StrokeColor: gapColor, FillColor: gapColor, StrokeWidth: 0.5}}
	add := func(t time.Time, r, s float64) {
		recv.XValues, recv.YValues = append(recv.XValues, t), append(recv.YValues, r*scale)
		sent.XValues, sent.YValues = append(sent.XValues, t), append(sent.YValues, s*scale)
	}
	if len(samples) == 0 {
		end := start.Add(time.Second)
		add(start, 0, 0)
		add(end, 0, 0)
		return recv, sent, gaps
	}
	for i, s := range samples {
		from := s.End.Add(-s.Span)
		if s.Gap {
			add(from, 0, 0)
			add(s.End, 0, 0)
			gaps.XValues = append(gaps.XValues, from, from, s.End, s.End)
			gaps.YValues = append(gaps.YValues, 0, 1, 1, 0)
			continue
		}
		if i == 0 || samples[i-1].Gap {
			add(from, clean(s.Recv), clean(s.Sent))
		}
		add(s.End, clean(s.Recv), clean(s.Sent))
	}
	return recv, sent, gaps
}

func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

func lineStyle(c drawing.Color) gochart.Style {
	return gochart.Style{StrokeColor: c, StrokeWidth: 1.5, FillColor: c.WithAlpha(28)}
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

// escape makes text safe inside SVG: go-chart writes it verbatim. Characters
// XML cannot carry at all (most control characters) become U+FFFD.
func escape(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF)) {
			return r
		}
		return utf8.RuneError
	}, s)
	return html.EscapeString(s)
}

func gridLines(ticks []gochart.Tick) []gochart.GridLine {
	lines := make([]gochart.GridLine, 0, len(ticks))
	for _, t := range ticks[1:] {
		lines = append(lines, gochart.GridLine{Value: t.Value})
	}
	return lines
}

type legendItem struct {
	label string
	color drawing.Color
}

// legend draws a one-line key right-aligned above the plot, below the
// title (go-chart's own legends overlap either the title or the lines).
func legend(items []legendItem) gochart.Renderable {
	return func(r gochart.Renderer, cb gochart.Box, _ gochart.Style) {
		font, _ := gochart.GetDefaultFont()
		text := gochart.Style{Font: font, FontSize: 10, FontColor: drawing.Color{R: 0x33, G: 0x33, B: 0x33, A: 255}}
		const swatch, gap, pad = 14, 6, 18
		widths := make([]int, len(items))
		total := 0
		for i, it := range items {
			text.WriteTextOptionsToRenderer(r)
			widths[i] = r.MeasureText(it.label).Width()
			total += swatch + gap + widths[i] + pad
		}
		x := cb.Right - total + pad
		y := cb.Top - 12
		for i, it := range items {
			gochart.Draw.Box(r, gochart.Box{Left: x, Top: y - 9, Right: x + swatch, Bottom: y - 1},
				gochart.Style{FillColor: it.color, StrokeColor: it.color, StrokeWidth: 1})
			x += swatch + gap
			text.WriteTextOptionsToRenderer(r)
			r.Text(escape(it.label), x, y)
			x += widths[i] + pad
		}
	}
}
