package apps

import (
	"math"
	"math/bits"
)

// Unattributed is the part of a session's bytes no app row holds, and
// the likely reasons.
type Unattributed struct {
	Bytes
	Reasons []string `json:"reasons,omitempty"`
}

// Split makes the app rows and the remainder add up exactly to the
// session's totals, with no row negative: the remainder is what the
// interfaces counted beyond the apps' sockets (never spread over the
// apps). Where the apps' estimated header bytes exceed what an interface
// counted, the rows are scaled down in that direction to fit, and scaled
// says so. The rows are returned in the same order.
func Split(rows []Total, session Bytes) (out []Total, rest Bytes, scaled bool) {
	out = append([]Total(nil), rows...)
	var sum Bytes
	for i := range out {
		// Rows past 2^64 bytes together are clamped, so the sum is exact.
		r := &out[i]
		r.Recv = min(r.Recv, math.MaxUint64-sum.Recv)
		r.Sent = min(r.Sent, math.MaxUint64-sum.Sent)
		sum.Add(r.Bytes)
	}
	fit := func(get func(*Total) *uint64, total, have uint64) uint64 {
		if have <= total {
			return total - have
		}
		scaled = true
		// Largest remainder: the scaled rows add up to total exactly.
		var given uint64
		type frac struct {
			i   int
			rem uint64
		}
		fracs := make([]frac, len(out))
		for i := range out {
			v := get(&out[i])
			num := mulDiv(*v, total, have)
			fracs[i] = frac{i, mulMod(*v, total, have)}
			*v = num
			given += num
		}
		for left := total - given; left > 0; left-- {
			best := -1
			for j, f := range fracs {
				if best < 0 || f.rem > fracs[best].rem {
					best = j
				}
			}
			*get(&out[fracs[best].i])++
			fracs[best].rem = 0
		}
		return 0
	}
	rest.Recv = fit(func(t *Total) *uint64 { return &t.Recv }, session.Recv, sum.Recv)
	rest.Sent = fit(func(t *Total) *uint64 { return &t.Sent }, session.Sent, sum.Sent)
	return out, rest, scaled
}

// mulDiv is a*b/c and mulMod a*b%c without overflow (128-bit products).
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := mul64(a, b)
	q, _ := div128(hi, lo, c)
	return q
}

func mulMod(a, b, c uint64) uint64 {
	hi, lo := mul64(a, b)
	_, r := div128(hi, lo, c)
	return r
}

func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }

// div128 divides hi:lo by c; hi < c always holds here (a ≤ c).
func div128(hi, lo, c uint64) (q, r uint64) { return bits.Div64(hi, lo, c) }
