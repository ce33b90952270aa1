package apps

import (
	"math"
	"testing"
)

func row(name string, recv, sent uint64) Total {
	return Total{Name: name, Bytes: Bytes{Recv: recv, Sent: sent}}
}

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		name    string
		rows    []Total
		session Bytes
		want    []Bytes
		rest    Bytes
		scaled  bool
	}{
		{"remainder kept apart", []Total{row("a", 600, 60), row("b", 300, 30)}, Bytes{1000, 100},
			[]Bytes{{600, 60}, {300, 30}}, Bytes{100, 10}, false},
		{"exact", []Total{row("a", 1000, 100)}, Bytes{1000, 100}, []Bytes{{1000, 100}}, Bytes{}, false},
		{"no apps", nil, Bytes{5, 7}, nil, Bytes{5, 7}, false},
		{"nothing moved", []Total{row("a", 0, 0)}, Bytes{}, []Bytes{{}}, Bytes{}, false},
		// Estimated headers beyond the interface: rows fitted, exactly.
		{"fitted", []Total{row("a", 2, 0), row("b", 1, 0)}, Bytes{2, 0}, []Bytes{{1, 0}, {1, 0}}, Bytes{}, true},
		{"fitted one way only", []Total{row("a", 1010, 5), row("b", 10, 5)}, Bytes{1000, 100},
			[]Bytes{{990, 5}, {10, 5}}, Bytes{0, 90}, true},
		{"session saw nothing", []Total{row("a", 10, 10)}, Bytes{}, []Bytes{{}}, Bytes{}, true},
		{"huge", []Total{row("a", math.MaxUint64/4, 1), row("b", math.MaxUint64/4, 1)}, Bytes{math.MaxUint64, 2},
			[]Bytes{{math.MaxUint64 / 4, 1}, {math.MaxUint64 / 4, 1}}, Bytes{math.MaxUint64 - (math.MaxUint64/4)*2, 0}, false},
		// Rows past 2^64 together are clamped first: the first keeps all.
		{"huge fitted", []Total{row("a", math.MaxUint64, 0), row("b", math.MaxUint64, 0)}, Bytes{math.MaxUint64 / 2, 0},
			[]Bytes{{math.MaxUint64 / 2, 0}, {0, 0}}, Bytes{}, true},
	} {
		out, rest, scaled := Split(c.rows, c.session)
		if rest != c.rest || scaled != c.scaled || len(out) != len(c.want) {
			t.Errorf("%s: rest %+v scaled %v rows %+v; want %+v %v %+v", c.name, rest, scaled, out, c.rest, c.want, c.scaled)
			continue
		}
		sum := rest
		for i, r := range out {
			if r.Bytes != c.want[i] {
				t.Errorf("%s: row %d is %+v, want %+v", c.name, i, r.Bytes, c.want[i])
			}
			sum.Add(r.Bytes)
		}
		if sum != c.session && len(c.rows) > 0 {
			t.Errorf("%s: rows and remainder add up to %+v, not %+v", c.name, sum, c.session)
		}
	}
}

// The invariant for any input: rows and remainder add up exactly to the
// session, no row grows, names and order stay.
func FuzzSplit(f *testing.F) {
	f.Add(uint64(600), uint64(300), uint64(1000), uint64(5), uint64(9), uint64(10))
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint64), uint64(3), uint64(0), uint64(1), uint64(0))
	f.Fuzz(func(t *testing.T, a, b, total, as, bs, stotal uint64) {
		rows := []Total{row("a", a, as), row("b", b, bs)}
		session := Bytes{total, stotal}
		out, rest, _ := Split(rows, session)
		sum := rest
		for i, r := range out {
			if r.Name != rows[i].Name || r.Recv > rows[i].Recv || r.Sent > rows[i].Sent {
				t.Fatalf("row %d: %+v from %+v", i, r, rows[i])
			}
			if sum.Recv+r.Recv < sum.Recv || sum.Sent+r.Sent < sum.Sent {
				t.Fatalf("rows %+v and remainder %+v overflow", out, rest)
			}
			sum.Add(r.Bytes)
		}
		if sum != session {
			t.Fatalf("rows %+v and remainder %+v add up to %+v, not %+v", out, rest, sum, session)
		}
	})
}

func TestWire(t *testing.T) {
	for _, c := range []struct {
		s          Socket
		recv, sent uint64
	}{
		{Socket{Recv: 1000, Sent: 100, SegsIn: 2, SegsOut: 3, Timestamps: true}, 1000 + 2*66 + 8, 100 + 3*66 + 8},
		{Socket{Recv: 1000, Sent: 100, SegsIn: 2, SegsOut: 3}, 1000 + 2*54 + 12, 100 + 3*54 + 12},
		{Socket{Recv: 1000, SegsIn: 1, V6: true, Timestamps: true}, 1000 + 86 + 8, 8},
	} {
		if r, s := c.s.Wire(); r != c.recv || s != c.sent {
			t.Errorf("Wire(%+v) = %d, %d; want %d, %d", c.s, r, s, c.recv, c.sent)
		}
	}
}
