package session

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/bwtray/bwtray/internal/safefs"
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

// syncEvery is how often the rows written so far are made durable: a
// power cut loses at most this much of a session. Rows reach the file at
// every sample, so a crash of bwtray itself loses nothing.
const syncEvery = 10 * time.Second

// samplesWriter appends rows to samples.csv. Rows that cannot be written
// (disk full) are kept in memory and written as soon as the disk takes
// them again, so a full disk never loses a sample.
type samplesWriter struct {
	f        *os.File
	line     []byte
	pending  []byte
	lastSync time.Duration // elapsed time of the last fsync
}

// createSamples creates samples.csv (never over anything already there)
// and makes it and its header durable.
func createSamples(d *safefs.Dir) (*samplesWriter, error) {
	f, err := d.Create(SamplesFile)
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
	err = w.flush()
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = d.Sync()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writing samples file: %w", err)
	}
	return w, nil
}

// Write queues a row and writes everything queued; every syncEvery it
// also makes the rows durable. The error says the row is safe in memory
// but not yet on disk.
func (w *samplesWriter) Write(s meter.Sample) error {
	w.line = appendRow(w.line[:0], s)
	w.pending = append(w.pending, w.line...)
	if err := w.flush(); err != nil {
		return err
	}
	if s.Elapsed-w.lastSync >= syncEvery {
		w.lastSync = s.Elapsed
		return w.f.Sync()
	}
	return nil
}

func (w *samplesWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	n, err := w.f.Write(w.pending)
	// The file is opened for appending at its end, so writing the rest
	// later continues a torn line exactly.
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

// maxRow bounds one row of samples.csv: real rows are under 120 bytes.
// A longer line is damage, skipped without being held in memory.
const maxRow = 4096

// maxRowBytes bounds the bytes one row may claim: more than any link
// carries in an hour (the longest interval), yet far from the uint64
// limit, so that sums of rows can never wrap.
const maxRowBytes = 1 << 56

// ScanSamples reads samples.csv from r and calls fn with each sample, in
// order. A line that cannot be parsed (torn by a crash, damaged, of any
// length) is skipped and counted, never fatal, and never hides the rows
// after it. Rows never contain quotes or commas inside fields, so each
// line is one row; a CSV parser would let one stray quote swallow the rest.
func ScanSamples(r io.Reader, fn func(meter.Sample)) (skipped int, err error) {
	var fields [10][]byte
	return scanRows(r, "samples", func(line []byte) bool {
		n := 0
		for f := range bytes.SplitSeq(line, []byte{','}) {
			if n == len(fields) {
				n++
				break
			}
			fields[n] = f
			n++
		}
		s, ok := parseRow(fields[:min(n, len(fields))], n <= len(csvHeader))
		if ok {
			fn(s)
		}
		return ok
	})
}

// scanRows reads the rows of one of a session's CSV files (samples.csv,
// apps.csv), skipping the header, and calls row with each line; a line
// row rejects, or one longer than maxRow (not held in memory), is counted
// as skipped and never hides the lines after it. what names the file in
// errors.
func scanRows(r io.Reader, what string, row func(line []byte) bool) (skipped int, err error) {
	br := bufio.NewReaderSize(r, maxRow)
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Too long to be a row: skip to the end of the line.
			skipped++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return skipped, nil
			}
			if err != nil {
				return skipped, fmt.Errorf("reading %s: %w", what, err)
			}
			first = false
			continue
		}
		if err != nil && err != io.EOF {
			return skipped, fmt.Errorf("reading %s: %w", what, err)
		}
		eof := err == io.EOF
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'})
		if first {
			first = false
			if bytes.HasPrefix(line, []byte(csvHeader[0]+",")) {
				line = nil
			}
		}
		if len(line) > 0 && !row(line) {
			skipped++
		}
		if eof {
			return skipped, nil
		}
	}
}

// ReadSamples reads every sample of samples.csv into memory; for tests
// and small files. ScanSamples reads any size in bounded memory.
func ReadSamples(r io.Reader) (samples []meter.Sample, skipped int, err error) {
	skipped, err = ScanSamples(r, func(s meter.Sample) { samples = append(samples, s) })
	return samples, skipped, err
}

// scanSamplesFile scans the samples of the session in d, followed by rows
// still in memory (pending).
func scanSamplesFile(d *safefs.Dir, pending []byte, fn func(meter.Sample)) (int, error) {
	var r io.Reader = bytes.NewReader(pending)
	f, err := d.Open(SamplesFile, os.O_RDONLY)
	if err == nil {
		defer f.Close()
		r = io.MultiReader(f, r)
	} else if len(pending) == 0 {
		return 0, fmt.Errorf("opening samples: %w", err)
	}
	return ScanSamples(r, fn)
}

// trimTornTail cuts a last line that a crash left without its newline, so
// the file holds only whole rows again, however long that line is.
func trimTornTail(d *safefs.Dir) error {
	f, err := d.Open(SamplesFile, os.O_RDWR)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	end := fi.Size()
	for pos := end; pos > 0; {
		off := max(pos-chunk, 0)
		b := buf[:pos-off]
		if _, err := f.ReadAt(b, off); err != nil {
			return err
		}
		if pos == end && b[len(b)-1] == '\n' {
			return nil
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return f.Truncate(off + int64(i) + 1)
		}
		pos = off
	}
	return f.Truncate(0)
}

// parseRow reads one row's fields; ok says whether the row had no more
// fields than a row has.
func parseRow(rec [][]byte, fieldsOK bool) (meter.Sample, bool) {
	if len(rec) < 5 || !fieldsOK {
		return meter.Sample{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(rec[0]))
	if err != nil {
		return meter.Sample{}, false
	}
	el, err1 := strconv.ParseFloat(string(rec[1]), 64)
	span, err2 := strconv.ParseFloat(string(rec[2]), 64)
	recv, err3 := strconv.ParseUint(string(rec[3]), 10, 64)
	sent, err4 := strconv.ParseUint(string(rec[4]), 10, 64)
	// Asked positively so that NaN, which fails every comparison, fails too.
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || !(el >= 0 && el <= 1e9) || !(span >= 0 && span <= 1e9) ||
		recv > maxRowBytes || sent > maxRowBytes {
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
		s.Gap = len(rec[7]) == 1 && rec[7][0] == '1'
	}
	if len(rec) > 8 {
		if n, err := strconv.Atoi(string(rec[8])); err == nil && n >= 0 {
			s.Active = n
		}
	}
	return s, true
}
