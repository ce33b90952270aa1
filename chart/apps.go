package chart

import "time"

// App is one app's row in the chart's table.
type App struct {
	Name       string
	Recv, Sent uint64
	// Estimated: some of its bytes had a guessed owner.
	Estimated bool
}

// Remainder is what no app row holds, and why.
type Remainder struct {
	Recv, Sent uint64
	Reasons    []string
}

// MaxStacked is how many apps are drawn as areas over time; the rest
// stay in the table.
const MaxStacked = 5

// appBuckets bounds the points of each app's area: five apps in two
// directions must fit the SVG's size budget.
const appBuckets = 200

// AppRates turns the apps' windows (apps.csv: what each app moved in each
// 10-second window) into each stacked app's rates over the chart's time,
// in memory that does not grow with the session. Within a window, an
// app's bytes are spread as the interfaces' own traffic was (from the
// samples), so the areas follow the rate line instead of smearing each
// window flat.
type AppRates struct {
	start, end time.Time
	width      time.Duration
	index      map[string]int
	names      []string
	iface      [2][]float64   // the interfaces' bytes per bucket, each direction
	bytes      [][2][]float64 // app, direction, bucket
	winStart   time.Time      // the current window: rows of one window share its end
	winEnd     time.Time
	any        bool
}

// NewAppRates returns AppRates for the apps named (at most MaxStacked,
// largest first) between start and end, weighting windows by samples
// (the session's, downsampled or not).
func NewAppRates(start, end time.Time, names []string, samples []Sample) *AppRates {
	names = names[:min(len(names), MaxStacked)]
	n := max(1, min(len(samples), appBuckets))
	a := &AppRates{start: start, end: end, index: map[string]int{}, names: names, winStart: start, winEnd: start}
	if !end.After(start) {
		return a
	}
	a.width = end.Sub(start) / time.Duration(n)
	if a.width <= 0 {
		return a
	}
	a.iface = [2][]float64{make([]float64, n), make([]float64, n)}
	for _, x := range samples {
		secs := x.Span.Seconds()
		if secs <= 0 {
			continue
		}
		r, w := clean(x.Recv)*secs, clean(x.Sent)*secs
		a.spread(x.End.Add(-x.Span), x.End, func(b int, share float64) {
			a.iface[0][b] += r * share
			a.iface[1][b] += w * share
		})
	}
	for i, name := range names {
		a.index[name] = i
		a.bytes = append(a.bytes, [2][]float64{make([]float64, n), make([]float64, n)})
	}
	return a
}

// spread calls f for each bucket that [from, to) overlaps, with the
// share of the interval in it.
func (a *AppRates) spread(from, to time.Time, f func(b int, share float64)) {
	span := to.Sub(from).Seconds()
	from, to = maxTime(from, a.start), minTime(to, a.end)
	if span <= 0 || !to.After(from) {
		return
	}
	n := len(a.iface[0])
	for b := max(0, int(from.Sub(a.start)/a.width)); b < n; b++ {
		bs := a.start.Add(time.Duration(b) * a.width)
		if !bs.Before(to) {
			break
		}
		if overlap := minTime(bs.Add(a.width), to).Sub(maxTime(bs, from)).Seconds(); overlap > 0 {
			f(b, overlap/span)
		}
	}
}

// Add takes what app moved in the window ending at end. Windows come in
// time order; the rows of one window share its end, and a window starts
// where the one before ended (the first at the session's start).
func (a *AppRates) Add(app string, end time.Time, recv, sent uint64) {
	if !end.Equal(a.winEnd) {
		if end.Before(a.winEnd) {
			return // out of order: a damaged file
		}
		a.winStart, a.winEnd = a.winEnd, end
	}
	i, ok := a.index[app]
	if !ok || a.width <= 0 {
		return
	}
	for dir, v := range []uint64{recv, sent} {
		if v == 0 {
			continue
		}
		// The interfaces' bytes in each bucket's part of the window.
		var total float64
		type part struct {
			b            int
			iface, share float64
		}
		var parts []part
		a.spread(a.winStart, a.winEnd, func(b int, share float64) {
			// share of the window in bucket b; of the bucket in the window:
			inBucket := share * a.winEnd.Sub(a.winStart).Seconds() / a.width.Seconds()
			p := part{b, a.iface[dir][b] * inBucket, share}
			total += p.iface
			parts = append(parts, p)
		})
		for _, p := range parts {
			w := p.share // evenly, when the interfaces show nothing then
			if total > 0 {
				w = p.iface / total
			}
			a.bytes[i][dir][p.b] += float64(v) * w
			a.any = true
		}
	}
}

// rates returns the buckets' ends and each app's download and upload
// rates in them (bytes per second); nil when no app moved anything.
func (a *AppRates) rates() (ends []time.Time, recv, sent [][]float64) {
	if a == nil || !a.any || a.width <= 0 || len(a.names) == 0 {
		return nil, nil, nil
	}
	secs := a.width.Seconds()
	n := len(a.bytes[0][0])
	for b := range n {
		ends = append(ends, a.start.Add(time.Duration(b+1)*a.width))
	}
	for i := range a.names {
		r, s := make([]float64, n), make([]float64, n)
		for b := range n {
			r[b], s[b] = a.bytes[i][0][b]/secs, a.bytes[i][1][b]/secs
		}
		recv, sent = append(recv, r), append(sent, s)
	}
	return ends, recv, sent
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
