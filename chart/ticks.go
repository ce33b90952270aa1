package chart

import (
	"math"
	"time"

	gochart "github.com/wcharczuk/go-chart/v2"

	"github.com/bwtray/bwtray/units"
)

// rateTicks returns about divisions+1 evenly spaced ticks from 0 to a
// round value at or above peak, labelled in the format's units. peak is
// already in the displayed unit (bytes or bits per second).
func rateTicks(peak float64, f units.Format, divisions int) []gochart.Tick {
	base := 1000.0
	if f.System == units.IEC {
		base = 1024
	}
	if peak <= 0 || math.IsNaN(peak) || math.IsInf(peak, 0) {
		peak = base // an idle session still gets a readable axis
	} else {
		peak *= 1.05 // a line on the top edge looks clipped
	}
	// Work in the prefix unit the peak is shown in, so steps are round
	// there (1, 2, 2.5, 5 times a power of ten of that unit).
	unit := 1.0
	for peak/unit >= base {
		unit *= base
	}
	step := niceStep(peak/unit/float64(divisions)) * unit
	n := int(math.Ceil(peak/step - 1e-9))
	n = max(n, 1)
	ticks := make([]gochart.Tick, 0, n+1)
	for i := 0; i <= n; i++ {
		v := float64(i) * step
		ticks = append(ticks, gochart.Tick{Value: v, Label: rateLabel(v, f)})
	}
	return ticks
}

func rateLabel(v float64, f units.Format) string {
	if v == 0 {
		return "0"
	}
	if f.Bits {
		v /= 8
	}
	// Ticks are round numbers: "8 MB/s" reads better than "8.00 MB/s".
	return units.Round(f.Rate(v))
}

// niceStep rounds x up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if x <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

var timeSteps = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// timeTicks puts 3 to 8 ticks on round clock times (every 15 s, 5 min,
// 2 h...) between start and end, labelled in the local clock: seconds shown
// only when the step needs them, the date only at midnight.
func timeTicks(start, end time.Time) []gochart.Tick {
	span := end.Sub(start)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= 7 {
			step = s
			break
		}
	}
	for span/step > 8 {
		step *= 2
	}
	layout := "15:04"
	if step < time.Minute {
		layout = "15:04:05"
	}
	// Round in the local clock so ticks land on 14:15, not 14:15 UTC.
	_, offset := start.Zone()
	off := time.Duration(offset) * time.Second
	first := start.Add(off).Truncate(step).Add(-off)
	if first.Before(start) {
		first = first.Add(step)
	}
	var ticks []gochart.Tick
	for t := first; !t.After(end); t = t.Add(step) {
		label := t.Format(layout)
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && step >= time.Hour {
			label = t.Format("2 Jan")
		}
		ticks = append(ticks, gochart.Tick{Value: tf(t), Label: label})
	}
	if len(ticks) < 2 {
		// A span shorter than one step: label both ends.
		return []gochart.Tick{{Value: tf(start), Label: start.Format("15:04:05")}, {Value: tf(end), Label: end.Format("15:04:05")}}
	}
	// go-chart stretches the axis to the outermost ticks, so unlabelled
	// ticks pin it to the session's exact start and end.
	if ticks[0].Value > tf(start) {
		ticks = append([]gochart.Tick{{Value: tf(start)}}, ticks...)
	}
	if ticks[len(ticks)-1].Value < tf(end) {
		ticks = append(ticks, gochart.Tick{Value: tf(end)})
	}
	return ticks
}
