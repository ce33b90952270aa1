package chart

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font/gofont/goregular"

	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/bwtray/bwtray/units"
)

// layer is something drawn in the plot by this package: go-chart has
// lines, and fills down to zero, but no bands between two lines, no
// mirrored fills and no marks.
type layer struct {
	name string
	draw func(painter)
}

func (l layer) GetName() string             { return l.name }
func (l layer) GetYAxis() gochart.YAxisType { return gochart.YAxisSecondary }
func (l layer) GetStyle() gochart.Style     { return gochart.Style{} }
func (l layer) Validate() error             { return nil }
func (l layer) Render(r gochart.Renderer, cb gochart.Box, xr, yr gochart.Range, _ gochart.Style) {
	l.draw(painter{r, cb, xr, yr})
}

// painter draws in plot coordinates (time in nanoseconds, rates in plot
// units).
type painter struct {
	r      gochart.Renderer
	cb     gochart.Box
	xr, yr gochart.Range
}

type point struct{ x, y int }

func (p painter) at(x, y float64) point {
	return point{p.cb.Left + p.xr.Translate(x), p.cb.Bottom - p.yr.Translate(y)}
}

// trace draws a path through pts, skipping points that land on the same
// pixel as the one before (a long session has more columns than pixels).
func (p painter) trace(pts []point, close bool) {
	for i, pt := range pts {
		switch {
		case i == 0:
			p.r.MoveTo(pt.x, pt.y)
		case pt != pts[i-1]:
			p.r.LineTo(pt.x, pt.y)
		}
	}
	if close {
		p.r.Close()
	}
}

// fill fills a closed shape. go-chart's renderers stroke with whatever
// stroke is set, even for Fill, and the SVG one fills text-coloured when
// a font colour is left over: the style is reset first.
func (p painter) fill(pts []point, c drawing.Color) {
	if len(pts) < 2 {
		return
	}
	p.r.ResetStyle()
	p.r.SetFillColor(c)
	p.r.SetStrokeWidth(0)
	p.trace(pts, true)
	p.r.Fill()
}

func (p painter) stroke(pts []point, c drawing.Color, width float64) {
	if len(pts) < 2 {
		return
	}
	p.r.ResetStyle()
	p.r.SetStrokeColor(c)
	p.r.SetStrokeWidth(width)
	p.trace(pts, false)
	p.r.Stroke()
}

// band fills between lo (nil: zero) and hi, mapped through f.
func (p painter) band(xs, lo, hi []float64, f func(float64) float64, c drawing.Color) {
	pts := make([]point, 0, 2*len(xs))
	for i, x := range xs {
		pts = append(pts, p.at(x, f(hi[i])))
	}
	for i := len(xs) - 1; i >= 0; i-- {
		v := 0.0
		if lo != nil {
			v = lo[i]
		}
		pts = append(pts, p.at(xs[i], f(v)))
	}
	p.fill(pts, c)
}

func (p painter) line(xs, ys []float64, f func(float64) float64, c drawing.Color, width float64) {
	pts := make([]point, len(xs))
	for i, x := range xs {
		pts[i] = p.at(x, f(ys[i]))
	}
	p.stroke(pts, c, width)
}

// gapBands shades sleeps and stalls across the whole height.
func (p painter) gapBands(gaps [][2]float64, sc scale) {
	for _, g := range gaps {
		p.fill([]point{p.at(g[0], sc.bottom), p.at(g[0], sc.top), p.at(g[1], sc.top), p.at(g[1], sc.bottom)}, gapColor)
	}
}

// stacks draws the apps' areas, stacked, the download above the axis and
// the upload below: each bucket's rate at its end, as the rate lines are
// drawn, and the first bucket's also at the chart's start.
func (p painter) stacks(ends []time.Time, start time.Time, recv, sent [][]float64, sc scale) {
	xs := make([]float64, 0, len(ends)+1)
	xs = append(xs, tf(start))
	for _, e := range ends {
		xs = append(xs, tf(e))
	}
	edged := func(v []float64) []float64 { return append([]float64{v[0]}, v...) }
	for i := range recv {
		c := appColors[i%len(appColors)].WithAlpha(140)
		var loR, loS []float64
		if i > 0 {
			loR, loS = edged(recv[i-1]), edged(sent[i-1])
		}
		p.band(xs, loR, edged(recv[i]), sc.down, c)
		p.band(xs, loS, edged(sent[i]), sc.up, c)
	}
}

// mark puts a dot on a direction's peak and says its rate beside it,
// inside the plot.
func (p painter) mark(m Moment, unit float64, f func(float64) float64, above bool, format units.Format, text func(string) string) {
	if m.Rate <= 0 || m.At.IsZero() {
		return
	}
	pt := p.at(tf(m.At), f(m.Rate*unit))
	// A diamond, as a path: go-chart's Circle draws at once in SVG but
	// only queues a path in PNG, so neither way of finishing it suits both.
	p.fill([]point{{pt.x, pt.y - 4}, {pt.x + 4, pt.y}, {pt.x, pt.y + 4}, {pt.x - 4, pt.y}}, textColor)
	label := text("peak " + format.Rate(m.Rate))
	style := textStyle(9)
	style.WriteTextOptionsToRenderer(p.r)
	w := p.r.MeasureText(label).Width()
	x := pt.x + 6
	if x+w > p.cb.Right {
		x = pt.x - 6 - w
	}
	y := pt.y - 5
	if !above {
		y = pt.y + 13
	}
	y = max(min(y, p.cb.Bottom-2), p.cb.Top+10)
	p.r.Text(label, max(x, p.cb.Left+2), y)
}

func textStyle(size float64) gochart.Style {
	return gochart.Style{Font: chartFont(), FontSize: size, FontColor: textColor}
}

// chartFont is Go Regular: go-chart's Roboto has no arrows (↓ ↑), which
// the PNG would draw as boxes.
var chartFont = sync.OnceValue(func() *truetype.Font {
	f, err := truetype.Parse(goregular.TTF)
	if err != nil {
		panic(err) // an embedded font that does not parse is a broken build
	}
	return f
})

// subtitle is the line of figures under the title.
func subtitle(text string) gochart.Renderable {
	return func(r gochart.Renderer, _ gochart.Box, _ gochart.Style) {
		style := textStyle(10)
		style.WriteTextOptionsToRenderer(r)
		w := r.MeasureText(text).Width()
		r.Text(text, (Width-w)/2, 46)
	}
}

type legendItem struct {
	label string
	color drawing.Color
}

// legend draws a one-line key right-aligned above the plot, below the
// figures (go-chart's own legends overlap either the title or the lines).
func legend(items []legendItem, text func(string) string) gochart.Renderable {
	return func(r gochart.Renderer, cb gochart.Box, _ gochart.Style) {
		style := textStyle(10)
		const swatch, gap, pad = 14, 6, 18
		widths := make([]int, len(items))
		total := 0
		for i, it := range items {
			style.WriteTextOptionsToRenderer(r)
			// SVG viewers draw with their own fonts, often wider than
			// the one measured here: leave room.
			widths[i] = r.MeasureText(it.label).Width() * 23 / 20
			total += swatch + gap + widths[i] + pad
		}
		x := max(cb.Right-total+pad, 16)
		y := cb.Top - 14
		for i, it := range items {
			r.ResetStyle()
			gochart.Draw.Box(r, gochart.Box{Left: x, Top: y - 9, Right: x + swatch, Bottom: y - 1},
				gochart.Style{FillColor: it.color, StrokeColor: it.color, StrokeWidth: 1})
			x += swatch + gap
			style.WriteTextOptionsToRenderer(r)
			r.Text(text(it.label), x, y)
			x += widths[i] + pad
		}
	}
}

// tableRow is one line of the apps table.
type tableRow struct {
	swatch         drawing.Color // zero: none
	name, down, up string
	share, note    string
	header         bool
}

// tableRows is the apps table: the stacked apps (with their colours),
// the rest added up, and the remainder with its reasons.
func tableRows(s Session) []tableRow {
	if len(s.Apps) == 0 && s.Unattributed == nil {
		return nil
	}
	f := s.Format
	total := float64(s.Recv) + float64(s.Sent)
	share := func(recv, sent uint64) string {
		if total <= 0 {
			return "–"
		}
		pct := (float64(recv) + float64(sent)) / total * 100
		if pct > 0 && pct < 0.5 {
			return "<1%"
		}
		return fmt.Sprintf("%.0f%%", pct)
	}
	rows := []tableRow{{header: true, name: "app", down: "download", up: "upload", share: "share"}}
	stacked := s.AppRates != nil && s.AppRates.any
	for i, a := range s.Apps[:min(len(s.Apps), MaxStacked)] {
		r := tableRow{name: cut(a.Name, 32), down: "↓ " + f.Bytes(a.Recv), up: "↑ " + f.Bytes(a.Sent), share: share(a.Recv, a.Sent)}
		if stacked {
			r.swatch = appColors[i%len(appColors)].WithAlpha(140)
		}
		if a.Estimated {
			r.note = "partly estimated"
		}
		rows = append(rows, r)
	}
	if more := s.Apps[min(len(s.Apps), MaxStacked):]; len(more) > 0 {
		var recv, sent uint64
		for _, a := range more {
			recv, sent = recv+a.Recv, sent+a.Sent
		}
		rows = append(rows, tableRow{name: fmt.Sprintf("%d more apps", len(more)), down: "↓ " + f.Bytes(recv), up: "↑ " + f.Bytes(sent), share: share(recv, sent)})
	}
	if u := s.Unattributed; u != nil {
		rows = append(rows, tableRow{name: "unattributed", down: "↓ " + f.Bytes(u.Recv), up: "↑ " + f.Bytes(u.Sent), share: share(u.Recv, u.Sent),
			note: strings.Join(u.Reasons, "; ")})
	}
	return rows
}

func tableHeight(rows []tableRow) int {
	if len(rows) == 0 {
		return 0
	}
	return len(rows)*rowHeight + 10
}

// table draws the apps table under the plot, notes cut to the width.
// Texts are cut before they are made safe for the format (an SVG entity
// must not be cut in two).
func table(rows []tableRow, height int, text func(string) string) gochart.Renderable {
	return func(r gochart.Renderer, _ gochart.Box, _ gochart.Style) {
		if len(rows) == 0 {
			return
		}
		const left, right = 60, Width - 32
		cols := []int{left + 18, left + 300, left + 410, left + 520, left + 580}
		y := height - tableHeight(rows) + 6
		for _, row := range rows {
			y += rowHeight
			style := textStyle(10)
			if row.header {
				style.FontColor = axisColor
			}
			if !row.swatch.IsZero() {
				r.ResetStyle()
				gochart.Draw.Box(r, gochart.Box{Left: left, Top: y - 10, Right: left + 12, Bottom: y},
					gochart.Style{FillColor: row.swatch, StrokeColor: row.swatch, StrokeWidth: 1})
			}
			style.WriteTextOptionsToRenderer(r)
			for i, t := range []string{row.name, row.down, row.up, row.share} {
				r.Text(text(t), cols[i], y)
			}
			if note := row.note; note != "" {
				for r.MeasureText(note).Width() > right-cols[4] && utf8.RuneCountInString(note) > 1 {
					note = cut(note, utf8.RuneCountInString(note)-2)
				}
				r.Text(text(note), cols[4], y)
			}
		}
	}
}

// cut shortens s to at most n runes, ending with "…" when it cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:max(n-1, 0)]) + "…"
}
