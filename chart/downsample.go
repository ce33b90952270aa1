package chart

import "time"

// Downsample reduces samples to about buckets points by cutting the time
// between start and end into equal buckets and keeping, for each, the
// highest download and upload rates (so short bursts stay visible). A gap
// longer than a bucket stays a sample of its own, so it is still drawn.
// Samples already fewer than buckets are returned as they are.
func Downsample(samples []Sample, start, end time.Time, buckets int) []Sample {
	if len(samples) <= buckets || buckets <= 0 || !end.After(start) {
		return samples
	}
	width := end.Sub(start) / time.Duration(buckets)
	if width <= 0 {
		return samples
	}
	out := make([]Sample, 0, buckets+8)
	var cur Sample
	curBucket, open := -1, false
	flush := func() {
		if open {
			out = append(out, cur)
			open = false
		}
	}
	for _, s := range samples {
		if s.Gap && s.Span > width {
			flush()
			out = append(out, s)
			curBucket = -1
			continue
		}
		b := int(s.End.Sub(start) / width)
		if !open || b != curBucket {
			flush()
			cur, curBucket, open = s, b, true
			cur.Gap = false // a short gap inside a bucket is invisible at this scale
			continue
		}
		cur.Span += s.Span
		cur.End = s.End
		cur.Recv = max(cur.Recv, s.Recv)
		cur.Sent = max(cur.Sent, s.Sent)
	}
	flush()
	return out
}
