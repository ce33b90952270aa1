package chart

import "time"

// Downsampler reduces a stream of samples to about buckets points, in
// memory that does not grow with the stream: it cuts the time between
// start and end into equal buckets and keeps, for each, the highest
// download and upload rates (so short bursts stay visible). A gap longer
// than a bucket stays a sample of its own, so it is still drawn. Streams
// no longer than buckets are kept as they are.
type Downsampler struct {
	start   time.Time
	width   time.Duration
	buckets int
	raw     []Sample // the first samples, kept as they are
	out     []Sample // bucketed, once raw overflowed
	cur     Sample
	bucket  int
	open    bool
	reduced bool
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
	if !d.open || b != d.bucket {
		d.flush()
		d.cur, d.bucket, d.open = s, b, true
		d.cur.Gap = false // a short gap inside a bucket is invisible at this scale
		return
	}
	d.cur.Span += s.Span
	d.cur.End = s.End
	d.cur.Recv = max(d.cur.Recv, s.Recv)
	d.cur.Sent = max(d.cur.Sent, s.Sent)
}

func (d *Downsampler) flush() {
	if d.open {
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

// Downsample reduces samples already in memory; see Downsampler.
func Downsample(samples []Sample, start, end time.Time, buckets int) []Sample {
	d := NewDownsampler(start, end, buckets)
	for _, s := range samples {
		d.Add(s)
	}
	return d.Samples()
}
