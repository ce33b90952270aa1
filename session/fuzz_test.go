package session

import (
	"bytes"
	"testing"
	"time"

	"github.com/bwtray/bwtray/meter"
)

// FuzzReadSamples: any file gives rows and a count of skipped lines, never
// a panic or an error, and every row it returns has sane times.
func FuzzReadSamples(f *testing.F) {
	row := appendRow(nil, meter.Sample{Time: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC), Elapsed: time.Second, Span: time.Second, Recv: 5, Sent: 6, Active: 1})
	f.Add([]byte("time,elapsed_s,interval_s,recv_bytes,sent_bytes,recv_bps,sent_bps,gap,interfaces\n" + string(row)))
	f.Add(row[:len(row)/2])
	f.Add([]byte("\"unterminated,quote\n" + string(row)))
	f.Add([]byte("2026-11-25T14:00:00Z,1e308,NaN,1,1\n"))
	f.Add([]byte("2026-11-25T14:00:00Z,-1,1,18446744073709551615,0\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		samples, skipped, err := ReadSamples(bytes.NewReader(data))
		if err != nil && len(data) < 1<<20 {
			t.Fatalf("error on a small input: %v", err)
		}
		if skipped < 0 {
			t.Fatal("negative skip count")
		}
		for _, s := range samples {
			if s.Elapsed < 0 || s.Span < 0 {
				t.Fatalf("negative duration in %+v", s)
			}
		}
	})
}
