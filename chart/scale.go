package chart

import (
	"math"
	"slices"

	gochart "github.com/wcharczuk/go-chart/v2"

	"github.com/bwtray/bwtray/units"
)

// ownScaleBelow is the share of the larger direction's peak under which
// the smaller direction gets its own scale: drawn on the larger one's, it
// would be a flat line on the axis.
const ownScaleBelow = 0.25

// scale maps rates to the chart's y axis: the download upwards from 0,
// the upload downwards, in plot units (the larger side spans 1).
type scale struct {
	top, bottom      float64
	downUnit, upUnit float64 // rate per plot unit, each side
	ticks            []gochart.Tick
	// own names the direction drawn on its own, magnified scale ("" when
	// both share one).
	own string
}

func (s scale) down(v float64) float64 { return v / s.downUnit }
func (s scale) up(v float64) float64   { return -v / s.upUnit }

// newScale chooses the axis for peaks (in the displayed unit) of each
// direction: one scale for both when they are comparable; otherwise the
// smaller gets a quarter of the larger's height and a scale of its own.
func newScale(down, up float64, f units.Format) scale {
	var s scale
	big, small := max(down, up), min(down, up)
	if small >= ownScaleBelow*big {
		ticks := rateTicks(big, f, 5)
		step := ticks[1].Value
		dTop, uTop := sideTop(down, step), sideTop(up, step)
		unit := max(dTop, uTop)
		s.downUnit, s.upUnit = unit, unit
		s.top, s.bottom = dTop/unit, -uTop/unit
		s.ticks = append(sideTicks(dTop, step, unit, 1, f), sideTicks(uTop, step, unit, -1, f)...)
	} else {
		bt, st := rateTicks(big, f, 5), rateTicks(small, f, 2)
		bigTop, smallTop := bt[len(bt)-1].Value, st[len(st)-1].Value
		bigUnit, smallUnit := bigTop, smallTop/ownScaleBelow
		if down >= up {
			s.downUnit, s.upUnit, s.own = bigUnit, smallUnit, "upload"
			s.top, s.bottom = 1, -ownScaleBelow
			s.ticks = append(sideTicks(bigTop, bt[1].Value, bigUnit, 1, f), sideTicks(smallTop, st[1].Value, smallUnit, -1, f)...)
		} else {
			s.downUnit, s.upUnit, s.own = smallUnit, bigUnit, "download"
			s.top, s.bottom = ownScaleBelow, -1
			s.ticks = append(sideTicks(smallTop, st[1].Value, smallUnit, 1, f), sideTicks(bigTop, bt[1].Value, bigUnit, -1, f)...)
		}
	}
	s.ticks = append(s.ticks, gochart.Tick{Value: 0, Label: "0"})
	slices.SortFunc(s.ticks, func(a, b gochart.Tick) int {
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return 0
	})
	return s
}

// sideTop is the first multiple of step at or above peak (with room, so
// a line does not sit on the edge); at least one step.
func sideTop(peak, step float64) float64 {
	n := math.Ceil(peak * 1.05 / step * (1 - 1e-9))
	return max(n, 1) * step
}

// sideTicks labels one side, sign 1 above the axis and -1 below, with
// magnitudes.
func sideTicks(sideTop, step, unit, sign float64, f units.Format) []gochart.Tick {
	var ticks []gochart.Tick
	for i := 1; float64(i)*step <= sideTop*(1+1e-9); i++ {
		v := float64(i) * step
		ticks = append(ticks, gochart.Tick{Value: sign * v / unit, Label: rateLabel(v, f)})
	}
	return ticks
}

// grid is a line at every tick but 0, which the chart draws darker.
func (s scale) grid() []gochart.GridLine {
	var lines []gochart.GridLine
	for _, t := range s.ticks {
		if t.Value != 0 {
			lines = append(lines, gochart.GridLine{Value: t.Value})
		}
	}
	return lines
}
