package session

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/meter"
)

// crashed leaves a session as a killed recorder would, with rows samples.
func crashed(t *testing.T, r *rig, rows int) *Recording {
	t.Helper()
	rec := r.begin(Request{Length: time.Hour, Selection: meter.Selection{Mode: meter.Real}})
	at := r.clock.Now()
	for i := 1; i <= rows; i++ {
		s := meter.Sample{Time: at.Add(time.Duration(i) * time.Second), Elapsed: time.Duration(i) * time.Second, Span: time.Second, Recv: uint64(i)}
		rec.totals.Add(s, time.Second)
		rec.samples.Write(s)
	}
	crash(rec)
	return rec
}

// Recovery decides from what is on disk once it holds the lock: a session
// that finished between the first look and the lock is left as it is.
func TestRecoverRereadsUnderTheLock(t *testing.T) {
	r := newRig(t)
	rec := crashed(t, r, 3)
	dir := rec.Info().Dir
	if !r.store.mayNeedRecovery(dir) {
		t.Fatal("a crashed session does not need recovery")
	}
	// The recorder finishes now, between the look and the lock.
	b, _ := os.ReadFile(filepath.Join(dir, InfoFile))
	done := bytes.Replace(b, []byte(`"status": "running"`), []byte(`"status": "completed"`), 1)
	os.WriteFile(filepath.Join(dir, InfoFile), done, 0o600)
	if _, recovered, err := r.store.recoverOne(dir); recovered || err != nil {
		t.Fatalf("recoverOne finalized a finished session: %v %v", recovered, err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, InfoFile)); !bytes.Equal(after, done) {
		t.Errorf("session.json changed:\n%s", after)
	}
	if _, err := os.Lstat(filepath.Join(dir, lockFile)); err == nil {
		t.Error("a lock file is left in a finished session")
	}
}

func TestRecoverRebuildsLostSessionJSON(t *testing.T) {
	r := newRig(t)
	rec := crashed(t, r, 4)
	dir := rec.Info().Dir
	os.Remove(filepath.Join(dir, InfoFile))
	got, problems := r.store.Recover()
	if len(got) != 1 || len(problems) != 0 {
		t.Fatalf("Recover = %+v %v", got, problems)
	}
	in := got[0]
	if in.Status != Interrupted || in.SampleCount != 4 || in.BytesRecv != 10 || in.IntervalSeconds != 1 || !in.Start.Equal(r.clock.Now()) {
		t.Errorf("rebuilt %+v", in)
	}
	if list, _ := r.store.List(); len(list) != 1 {
		t.Errorf("the rebuilt session is not listed")
	}
}

func TestScanSamplesSkipsLinesOfAnyLength(t *testing.T) {
	row := func(i int) string {
		return string(appendRow(nil, meter.Sample{Time: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Elapsed: time.Duration(i) * time.Second, Span: time.Second, Recv: uint64(i)}))
	}
	in := strings.Join(csvHeader, ",") + "\n" + row(1) + strings.Repeat("x", 3<<20) + "\n" + row(2) + strings.Repeat(",", 5000) + "\n" + row(3) + "1,2,3,4,5,6,7,8,9,10\n" + row(4)
	var got []uint64
	skipped, err := ScanSamples(strings.NewReader(in), func(s meter.Sample) { got = append(got, s.Recv) })
	if err != nil || skipped != 3 || len(got) != 4 || got[3] != 4 {
		t.Errorf("ScanSamples: rows %v, skipped %d, err %v", got, skipped, err)
	}
	// A long line at the very end, without a newline, is skipped too.
	skipped, err = ScanSamples(strings.NewReader(row(1)+strings.Repeat("y", 10000)), func(meter.Sample) {})
	if err != nil || skipped != 1 {
		t.Errorf("long last line: skipped %d, %v", skipped, err)
	}
}

func TestTrimTornTailOfAnyLength(t *testing.T) {
	for _, tail := range []int{0, 10, 64 << 10, 64<<10 + 1, 300 << 10} {
		dir := t.TempDir()
		whole := "header\nrow1\nrow2\n"
		os.WriteFile(filepath.Join(dir, SamplesFile), []byte(whole+strings.Repeat("z", tail)), 0o600)
		d, _ := safefs.OpenDir(dir)
		if err := trimTornTail(d); err != nil {
			t.Fatal(err)
		}
		d.Close()
		if b, _ := os.ReadFile(filepath.Join(dir, SamplesFile)); string(b) != whole {
			t.Errorf("tail of %d bytes: %d bytes left", tail, len(b))
		}
	}
}

// Sums of absurd totals stop at the largest uint64.
func TestSumSaturates(t *testing.T) {
	big := Info{BytesRecv: 18_400_000_000_000_000_000, BytesSent: 1}
	recv, sent, sat := Sum([]Info{big, big, big})
	if recv != ^uint64(0) || sent != 3 || !sat {
		t.Errorf("Sum = %d %d %v", recv, sent, sat)
	}
	if _, _, sat := Sum([]Info{{BytesRecv: 5}}); sat {
		t.Error("small sums reported saturated")
	}
}

// A notification may only open a session's chart: not a program, not a
// file elsewhere, not a link.
func TestIsChart(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(data, "2026-11-25T14-05-03")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, ChartFile), []byte("<svg/>"), 0o600)
	os.WriteFile(filepath.Join(dir, ChartPNGFile), []byte("png"), 0o600)
	os.Symlink("/bin/sh", filepath.Join(dir, "link.svg"))
	os.MkdirAll(filepath.Join(dir, "deeper"), 0o700)
	os.Symlink(filepath.Join(dir, ChartFile), filepath.Join(dir, "deeper", ChartFile))
	for path, want := range map[string]bool{
		filepath.Join(dir, ChartFile):                       true,
		filepath.Join(dir, ChartPNGFile):                    true,
		filepath.Join(dir, "samples.csv"):                   false,
		filepath.Join(dir, "deeper", ChartFile):             false,
		dir + "/../" + filepath.Base(dir) + "/" + ChartFile: false,
		"/bin/sh":                      false,
		"chart.svg":                    false,
		filepath.Join(data, ChartFile): false,
		filepath.Join(t.TempDir(), "x", ChartFile): false,
	} {
		if got := IsChart(data, path); got != want {
			t.Errorf("IsChart(%q) = %v", path, got)
		}
	}
	os.Remove(filepath.Join(dir, ChartFile))
	os.Symlink("/etc/passwd", filepath.Join(dir, ChartFile))
	if IsChart(data, filepath.Join(dir, ChartFile)) {
		t.Error("a link named chart.svg")
	}
}
