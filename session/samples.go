package session

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bwtray/bwtray/meter"
)

// csvHeader names the columns of samples.csv. Rates are over the interval
// that ends at time; bytes are link-layer frame bytes.
var csvHeader = []string{"time", "elapsed_s", "interval_s", "recv_bytes", "sent_bytes", "recv_bps", "sent_bps", "gap", "interfaces"}

// appendRow formats a sample as one CSV line without allocating.
func appendRow(b []byte, s meter.Sample) []byte {
	b = s.Time.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, ',')
	b = strconv.AppendFloat(b, s.Elapsed.Seconds(), 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, s.Span.Seconds(), 'f', 3, 64)
	b = append(b, ',')
	b = strconv.AppendUint(b, s.Recv, 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, s.Sent, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, s.RecvRate(), 'f', 1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, s.SentRate(), 'f', 1, 64)
	b = append(b, ',')
	if s.Gap {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(s.Active), 10)
	return append(b, '\n')
}

// samplesWriter appends rows to samples.csv. Rows that cannot be written
// (disk full) are kept in memory and written as soon as the disk takes
// them again, so a full disk never loses a sample.
type samplesWriter struct {
	f       *os.File
	line    []byte
	pending []byte
}

func createSamples(path string) (*samplesWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating samples file: %w", err)
	}
	w := &samplesWriter{f: f}
	for i, h := range csvHeader {
		if i > 0 {
			w.pending = append(w.pending, ',')
		}
		w.pending = append(w.pending, h...)
	}
	w.pending = append(w.pending, '\n')
	if err := w.flush(); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing samples file: %w", err)
	}
	return w, nil
}

// Write queues a row and writes everything queued. The error says the
// row is safe in memory but not yet on disk.
func (w *samplesWriter) Write(s meter.Sample) error {
	w.line = appendRow(w.line[:0], s)
	w.pending = append(w.pending, w.line...)
	return w.flush()
}

func (w *samplesWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	n, err := w.f.Write(w.pending)
	// With O_APPEND, writing the rest later continues a torn line exactly.
	w.pending = w.pending[:copy(w.pending, w.pending[n:])]
	return err
}

// Pending is the number of bytes not yet on disk.
func (w *samplesWriter) Pending() int { return len(w.pending) }

// Close writes what it can, syncs and closes.
func (w *samplesWriter) Close() error {
	err := w.flush()
	if serr := w.f.Sync(); err == nil && serr != nil {
		err = serr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadSamples parses samples.csv. Rows that cannot be parsed (a line torn
// by a crash, a damaged file) are skipped and counted, never fatal. Rows
// never contain quotes or commas inside fields, so each line is one row;
// a CSV parser would let one stray quote swallow the rest of a damaged file.
func ReadSamples(r io.Reader) (samples []meter.Sample, skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	fields := make([]string, 0, len(csvHeader))
	first := true
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if first {
			first = false
			if strings.HasPrefix(line, csvHeader[0]+",") {
				continue
			}
		}
		if line == "" {
			continue
		}
		fields = fields[:0]
		for f := range strings.SplitSeq(line, ",") {
			fields = append(fields, f)
		}
		s, ok := parseRow(fields)
		if !ok {
			skipped++
			continue
		}
		samples = append(samples, s)
	}
	if err := sc.Err(); err != nil {
		return samples, skipped, fmt.Errorf("reading samples: %w", err)
	}
	return samples, skipped, nil
}

// trimTornTail cuts a last line that a crash left without its newline, so
// the file holds only whole rows again.
func trimTornTail(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	// Rows are short: the last newline is within the final few kilobytes.
	const tail = 64 << 10
	off := max(fi.Size()-tail, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return err
	}
	if buf[len(buf)-1] == '\n' {
		return nil
	}
	cut := bytes.LastIndexByte(buf, '\n') + 1
	return f.Truncate(off + int64(cut))
}

func parseRow(rec []string) (meter.Sample, bool) {
	if len(rec) < 5 {
		return meter.Sample{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, rec[0])
	if err != nil {
		return meter.Sample{}, false
	}
	el, err1 := strconv.ParseFloat(rec[1], 64)
	span, err2 := strconv.ParseFloat(rec[2], 64)
	recv, err3 := strconv.ParseUint(rec[3], 10, 64)
	sent, err4 := strconv.ParseUint(rec[4], 10, 64)
	// Asked positively so that NaN, which fails every comparison, fails too.
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || !(el >= 0 && el <= 1e9) || !(span >= 0 && span <= 1e9) {
		return meter.Sample{}, false
	}
	s := meter.Sample{
		Time:    t,
		Elapsed: time.Duration(el * float64(time.Second)),
		Span:    time.Duration(span * float64(time.Second)),
		Recv:    recv,
		Sent:    sent,
	}
	if len(rec) > 7 {
		s.Gap = rec[7] == "1"
	}
	if len(rec) > 8 {
		if n, err := strconv.Atoi(rec[8]); err == nil {
			s.Active = n
		}
	}
	return s, true
}
