//go:build linux

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// weekSession writes a 7-day session at 1 s (604,800 samples, ~40 MB of
// CSV) with the given status, rates cycling so the totals are known.
func weekSession(t *testing.T, status string) (dir string, recv uint64) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "2026-01-05T00-00-00")
	os.MkdirAll(dir, 0o700)
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const n = 7 * 24 * 3600
	f, err := os.OpenFile(filepath.Join(dir, "samples.csv"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("time,elapsed_s,interval_s,recv_bytes,sent_bytes,recv_bps,sent_bps,gap,interfaces\n")
	var line []byte
	for i := 1; i <= n; i++ {
		r := uint64(i%5000) * 1000 // 0 to 5 MB/s, averaging 2.5 MB/s
		recv += r
		line = start.Add(time.Duration(i)*time.Second).AppendFormat(line[:0], "2006-01-02T15:04:05.000Z07:00")
		line = fmt.Appendf(line, ",%d.000,1.000,%d,1000,%d.0,1000.0,0,1\n", i, r, r)
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	info := map[string]any{
		"start": start, "end": start.Add(n * time.Second), "duration_seconds": n, "interfaces": []string{"eth0"},
		"bytes_recv": recv, "bytes_sent": n * 1000, "status": status, "interval_seconds": 1, "sample_count": n, "version": 1,
	}
	if status == "running" {
		info["pid"] = 2147483646 // no such process: it died
	}
	b, _ := json.Marshal(info)
	os.WriteFile(filepath.Join(dir, "session.json"), b, 0o600)
	return dir, recv
}

// runMeasured runs bwtray and returns its peak resident memory in MB.
func runMeasured(t *testing.T, e []string, args ...string) (result, float64) {
	t.Helper()
	r, ps := runState(t, e, args...)
	return r, float64(ps.SysUsage().(*syscall.Rusage).Maxrss) / 1024
}

// A 7-day session is re-rendered, and finalized after a crash, in
// bounded memory: the samples stream through the downsampler.
func TestWeekChartInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: writes a 40 MB session (not with -short)")
	}
	e := env(t)
	dir, _ := weekSession(t, "completed")
	r, mb := runMeasured(t, e, "chart", "--png", dir)
	if r.code != 0 {
		t.Fatalf("chart: %d\n%s", r.code, r.stderr)
	}
	t.Logf("bwtray chart of a 7-day session: %.1f MB peak RSS", mb)
	if mb > 30 {
		t.Errorf("bwtray chart of a 7-day session peaked at %.1f MB, want < 30 MB", mb)
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "chart.svg"))
	if len(svg) == 0 || len(svg) > 150_000 || !strings.Contains(string(svg), "average 2.50 MB/s") {
		t.Errorf("chart.svg: %d bytes", len(svg))
	}
	if !strings.Contains(r.stdout, "chart.png") {
		t.Errorf("chart --png does not name chart.png:\n%s", r.stdout)
	}
	f, err := os.Open(filepath.Join(dir, "chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, format, err := image.DecodeConfig(f); err != nil || format != "png" || cfg.Width != 1024 {
		t.Errorf("chart.png: %v %s %+v", err, format, cfg)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "chart.png")); fi.Mode().Perm() != 0o600 {
		t.Errorf("chart.png mode %v", fi.Mode().Perm())
	}
	var info sessionInfo
	b, _ := os.ReadFile(filepath.Join(dir, "session.json"))
	if err := json.Unmarshal(b, &info); err != nil || info.ChartPNG != filepath.Join(dir, "chart.png") {
		t.Errorf("session.json does not name chart.png: %v %q", err, info.ChartPNG)
	}

	// Finalizing the same week after a crash (every bwtray command does it).
	dead, recv := weekSession(t, "running")
	r, mb = runMeasured(t, e, "sessions", "--json", "--dir", filepath.Dir(dead))
	t.Logf("bwtray sessions finalizing a 7-day session: %.1f MB peak RSS", mb)
	if mb > 30 {
		t.Errorf("finalizing a 7-day session peaked at %.1f MB, want < 30 MB", mb)
	}
	var listed []sessionInfo
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil || len(listed) != 1 || listed[0].Status != "interrupted" || listed[0].BytesRecv != recv {
		t.Errorf("sessions: %v\n%.300s", err, r.stdout)
	}
}
