package chart

import "time"

// Downsampler reduces a stream of samples to about buckets points, in
// memory that does not grow with the stream: it cuts the time between
// start and end into equal buckets and keeps, for each, the average
// download and upload rates (what the bucket moved over its length, so
// the line agrees with the totals) and the highest rate of any sample in
// it (so short bursts stay visible, as a band above the line). A gap
// longer than a bucket stays a sample of its own, so it is still drawn.
// Streams no longer than buckets are kept as they are. It also keeps the
// moment of each direction's highest rate, to the sample.
type Downsampler struct {
	start   time.Time
	width   time.Duration
	buckets int
	raw     []Sample // the first samples, kept as they are
	out     []Sample // bucketed, once raw overflowed
	cur     Sample
	bytes   [2]float64 // what cur's samples moved, for its average
	gapSpan time.Duration
	bucket  int
	open    bool
	reduced bool
	peaks   [2]Moment
}

// Moment is a rate at a point in time: the end of the sample that had it
// (as samples.csv and the chart's lines place a sample).
type Moment struct {
	Rate float64
	At   time.Time
}

// NewDownsampler returns a Downsampler for samples between start and end.
func NewDownsampler(start, end time.Time, buckets int) *Downsampler {
	d := &Downsampler{start: start, buckets: buckets}
	if buckets > 0 && end.After(start) {
		d.width = end.Sub(start) / time.Duration(buckets)
	}
	return d
}

// Add takes the next sample, in time order.
func (d *Downsampler) Add(s Sample) {
	s.Recv, s.Sent = clean(s.Recv), clean(s.Sent)
	// A sample may already be a bucket of others, with their peak.
	s.PeakRecv, s.PeakSent = max(clean(s.PeakRecv), s.Recv), max(clean(s.PeakSent), s.Sent)
	if !s.Gap {
		if s.PeakRecv > d.peaks[0].Rate {
			d.peaks[0] = Moment{s.PeakRecv, s.End}
		}
		if s.PeakSent > d.peaks[1].Rate {
			d.peaks[1] = Moment{s.PeakSent, s.End}
		}
	}
	if !d.reduced {
		if len(d.raw) < d.buckets || d.width <= 0 {
			d.raw = append(d.raw, s)
			return
		}
		d.reduced = true
		d.out = make([]Sample, 0, d.buckets+8)
		for _, r := range d.raw {
			d.bucketize(r)
		}
		d.raw = nil
	}
	d.bucketize(s)
}

func (d *Downsampler) bucketize(s Sample) {
	if s.Gap && s.Span > d.width {
		d.flush()
		d.out = append(d.out, s)
		d.bucket = -1
		return
	}
	b := int(s.End.Sub(d.start) / d.width)
	secs := s.Span.Seconds()
	if !d.open || b != d.bucket {
		d.flush()
		d.cur, d.bucket, d.open = s, b, true
		d.bytes = [2]float64{s.Recv * secs, s.Sent * secs}
		d.gapSpan = 0
		if s.Gap {
			d.gapSpan = s.Span
		}
		return
	}
	if s.Gap {
		d.gapSpan += s.Span
	}
	d.cur.Span += s.Span
	d.cur.End = s.End
	d.bytes[0] += s.Recv * secs
	d.bytes[1] += s.Sent * secs
	d.cur.PeakRecv = max(d.cur.PeakRecv, s.PeakRecv)
	d.cur.PeakSent = max(d.cur.PeakSent, s.PeakSent)
}

func (d *Downsampler) flush() {
	if d.open {
		// A bucket mostly asleep or stalled is drawn as a gap; a short
		// gap inside a bucket is invisible at this scale.
		d.cur.Gap = d.gapSpan*2 >= d.cur.Span
		if secs := d.cur.Span.Seconds(); secs > 0 {
			d.cur.Recv, d.cur.Sent = d.bytes[0]/secs, d.bytes[1]/secs
		}
		d.out = append(d.out, d.cur)
		d.open = false
	}
}

// Samples returns the reduced samples. Call it once, after the last Add.
func (d *Downsampler) Samples() []Sample {
	if !d.reduced {
		return d.raw
	}
	d.flush()
	return d.out
}

// Peaks returns the highest download and upload rates of any sample
// (gaps apart, whose rates are averages over a sleep), and when.
func (d *Downsampler) Peaks() (recv, sent Moment) { return d.peaks[0], d.peaks[1] }

// Downsample reduces samples already in memory; see Downsampler.
func Downsample(samples []Sample, start, end time.Time, buckets int) []Sample {
	d := NewDownsampler(start, end, buckets)
	for _, s := range samples {
		d.Add(s)
	}
	return d.Samples()
}
