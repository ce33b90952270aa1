package session

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/meter/metertest"
)

type rig struct {
	t     testing.TB
	store Store
	clock *metertest.Clock
	src   *metertest.Source
	env   Env
	ctx   context.Context
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	r := &rig{
		t:     t,
		store: Store{Dir: filepath.Join(t.TempDir(), "sessions")},
		clock: metertest.NewClock(time.Date(2026, 11, 25, 14, 5, 3, 0, time.Local)),
		src:   &metertest.Source{},
		ctx:   ctx,
	}
	r.src.Set(meter.Counters{Name: "eth0", Recv: 1e9, Sent: 1e8}, meter.Counters{Name: "lo", Recv: 5e9, Sent: 5e9}, meter.Counters{Name: "a&b<c>", Recv: 7, Sent: 7})
	r.env = Env{Source: r.src, Clock: r.clock, Classify: func(n string) meter.Kind {
		if n == "lo" {
			return meter.Loopback
		}
		return meter.Physical
	}}
	return r
}

func (r *rig) begin(req Request) *Recording {
	r.t.Helper()
	if req.Interval == 0 {
		req.Interval = time.Second
	}
	rec, err := r.store.Begin(r.ctx, req, r.env)
	if err != nil {
		r.t.Fatalf("Begin: %v", err)
	}
	return rec
}

// drive runs the recording in the background and returns a channel with
// its result.
func drive(ctx context.Context, rec *Recording, progress func(Progress)) chan Info {
	done := make(chan Info, 1)
	go func() {
		info, err := rec.Run(ctx, progress)
		if err != nil {
			info.Warning = "RUN ERROR: " + err.Error()
		}
		done <- info
	}()
	return done
}

func TestRecordCompletes(t *testing.T) {
	r := newRig(t)
	rec := r.begin(Request{Length: 5 * time.Second, For: "5s", Selection: meter.Selection{Mode: meter.Real}})
	running, err := Load(rec.Info().Dir)
	if err != nil || running.Status != Running {
		t.Fatalf("session.json at start: %+v, %v", running, err)
	}
	progress := make(chan Progress, 10)
	done := drive(context.Background(), rec, func(p Progress) { progress <- p })
	for i := range 5 {
		r.src.Add("eth0", 1000, 100)
		r.src.Add("a&b<c>", 1, 0)
		r.src.Add("lo", 1e6, 1e6) // loopback never counts
		r.clock.Tick(r.ctx)
		p := <-progress
		if p.Totals.Recv != uint64(1001*(i+1)) || p.Remaining() != time.Duration(4-i)*time.Second {
			t.Errorf("progress %d: recv %d remaining %v", i, p.Totals.Recv, p.Remaining())
		}
	}
	info := <-done
	if info.Warning != "" {
		t.Fatal(info.Warning)
	}
	if info.Status != Completed || info.BytesRecv != 5005 || info.BytesSent != 500 || info.DurationSeconds != 5 || info.SampleCount != 5 {
		t.Errorf("info = %+v", info)
	}
	if info.PeakRecvBps != 1001 || info.PeakSentBps != 100 {
		t.Errorf("peaks %v %v", info.PeakRecvBps, info.PeakSentBps)
	}
	if strings.Join(info.Interfaces, ",") != "a&b<c>,eth0" {
		t.Errorf("interfaces %q", info.Interfaces)
	}
	if !info.End.Equal(info.Start.Add(5 * time.Second)) {
		t.Errorf("end %v, start %v", info.End, info.Start)
	}
	saved, err := Load(info.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status != Completed || saved.BytesRecv != info.BytesRecv || saved.For != "5s" || saved.PID == 0 {
		t.Errorf("saved %+v", saved)
	}
	checkFiles(t, info, 5)
	// Exactly the session's files: no lock file left (Windows refuses to
	// delete a file still open, so the lock is released and closed first).
	entries, _ := os.ReadDir(info.Dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "chart.svg,samples.csv,session.json" {
		t.Errorf("session folder holds %q", names)
	}
}

// checkFiles asserts a finished session's folder: private modes, rows, an
// XML chart.
func checkFiles(t *testing.T, info Info, rows int) {
	t.Helper()
	fi, err := os.Stat(info.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("session folder mode %v, want 0700", fi.Mode().Perm())
	}
	for _, name := range []string{InfoFile, SamplesFile, ChartFile} {
		fi, err := os.Stat(filepath.Join(info.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	f, err := os.Open(info.Samples)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples, skipped, err := ReadSamples(f)
	if err != nil || skipped != 0 || len(samples) != rows {
		t.Errorf("samples.csv: %d rows (%d skipped, %v), want %d", len(samples), skipped, err, rows)
	}
	svg, err := os.ReadFile(info.Chart)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("chart.svg is not well-formed: %v", err)
		}
	}
}

func TestRecordStopSavesEverything(t *testing.T) {
	r := newRig(t)
	rec := r.begin(Request{Length: time.Hour, Selection: meter.Selection{Mode: meter.Named, Names: []string{"eth0"}}})
	ctx, stop := context.WithCancel(context.Background())
	done := drive(ctx, rec, nil)
	r.src.Add("eth0", 10, 10)
	r.clock.Tick(r.ctx)
	r.clock.Waiting(r.ctx)
	r.src.Add("eth0", 5, 5)
	r.clock.Advance(200 * time.Millisecond)
	stop()
	info := <-done
	if info.Warning != "" {
		t.Fatal(info.Warning)
	}
	if info.Status != Stopped || info.BytesRecv != 15 || info.BytesSent != 15 {
		t.Errorf("info %+v", info)
	}
	checkFiles(t, info, 2)
}

func TestBeginRejectsUnknownInterface(t *testing.T) {
	r := newRig(t)
	_, err := r.store.Begin(r.ctx, Request{Interval: time.Second, Selection: meter.Selection{Mode: meter.Named, Names: []string{"wlan9"}}}, r.env)
	if err == nil || !strings.Contains(err.Error(), `unknown interface "wlan9"`) {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(r.store.Dir); len(entries) != 0 {
		t.Errorf("a failed start left %v behind", entries)
	}
}

func TestBeginRejectsBadFolder(t *testing.T) {
	r := newRig(t)
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "below")} {
		r.store.Dir = dir
		_, err := r.store.Begin(r.ctx, Request{Interval: time.Second}, r.env)
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Begin in %s: err = %v", dir, err)
		}
	}
	if r.src.Reads() > 2 {
		t.Errorf("the meter ran before the folder was checked")
	}
}

func TestFolderNamesSortAndNeverCollide(t *testing.T) {
	r := newRig(t)
	a := r.begin(Request{Length: time.Second})
	b := r.begin(Request{Length: time.Second})
	if filepath.Base(a.Info().Dir) != "2026-11-25T14-05-03" || filepath.Base(b.Info().Dir) != "2026-11-25T14-05-03-2" {
		t.Errorf("folders %s, %s", a.Info().Dir, b.Info().Dir)
	}
	a.release(true)
	b.release(true)
}

// crash leaves a recording as a killed process would: rows on disk, the
// lock released by the kernel, session.json still saying running.
func crash(rec *Recording) {
	rec.samples.f.Close()
	rec.lock.Release(false)
}

func TestRecoverInterrupted(t *testing.T) {
	r := newRig(t)
	rec := r.begin(Request{Length: time.Hour, Selection: meter.Selection{Mode: meter.Real}})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	progress := make(chan Progress, 10)
	go rec.meter.Run(ctx, time.Hour, func(s meter.Sample) {
		rec.totals.Add(s, time.Second)
		rec.samples.Write(s)
		progress <- Progress{}
	})
	for range 3 {
		r.src.Add("eth0", 100, 1)
		r.clock.Tick(r.ctx)
		<-progress
	}
	r.clock.Waiting(r.ctx)
	// A live recording is left alone.
	if got, _ := r.store.Recover(); len(got) != 0 {
		t.Fatalf("recovered a live session: %+v", got)
	}
	crash(rec)
	// A torn last line, as a crash mid-write leaves.
	f, _ := os.OpenFile(rec.Info().Samples, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("2026-11-25T14:05:07.000+01:00,4.000,1.0")
	f.Close()

	got, problems := r.store.Recover()
	if len(problems) != 0 || len(got) != 1 {
		t.Fatalf("Recover = %+v, %v", got, problems)
	}
	info := got[0]
	if info.Status != Interrupted || info.BytesRecv != 300 || info.BytesSent != 3 || info.SampleCount != 3 || info.DurationSeconds != 3 {
		t.Errorf("recovered %+v", info)
	}
	checkFiles(t, info, 3)
	if again, _ := r.store.Recover(); len(again) != 0 {
		t.Errorf("recovered twice")
	}
}

func TestListSkipsDamagedSessions(t *testing.T) {
	r := newRig(t)
	for range 3 {
		rec := r.begin(Request{Length: time.Second})
		done := drive(context.Background(), rec, nil)
		r.clock.Tick(r.ctx)
		<-done
		r.clock.Advance(time.Minute)
	}
	infos, problems := r.store.List()
	if len(infos) != 3 || len(problems) != 0 {
		t.Fatalf("List = %d sessions, %v", len(infos), problems)
	}
	if !infos[0].Start.After(infos[1].Start) || !infos[1].Start.After(infos[2].Start) {
		t.Errorf("not newest first")
	}
	// Truncate one session.json, and put junk and a stray file beside.
	b, _ := os.ReadFile(filepath.Join(infos[1].Dir, InfoFile))
	os.WriteFile(filepath.Join(infos[1].Dir, InfoFile), b[:len(b)/2], 0o600)
	os.Mkdir(filepath.Join(r.store.Dir, "not-a-session"), 0o700)
	os.WriteFile(filepath.Join(r.store.Dir, "notes.txt"), []byte("hi"), 0o600)
	os.Mkdir(filepath.Join(r.store.Dir, "junk"), 0o700)
	os.WriteFile(filepath.Join(r.store.Dir, "junk", InfoFile), []byte(`{"hello": 1}`), 0o600)

	infos, problems = r.store.List()
	if len(infos) != 2 || len(problems) != 2 {
		t.Errorf("List after damage = %d sessions, problems %v", len(infos), problems)
	}
}

func TestListMissingFolderIsEmpty(t *testing.T) {
	infos, problems := Store{Dir: filepath.Join(t.TempDir(), "none")}.List()
	if len(infos) != 0 || len(problems) != 0 {
		t.Errorf("List = %v, %v", infos, problems)
	}
}

func TestInfoJSONKeys(t *testing.T) {
	b, err := json.Marshal(Info{Start: time.Now(), Status: Completed})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"start", "end", "duration_seconds", "interfaces", "bytes_recv", "bytes_sent", "peak_recv_bps", "peak_sent_bps", "status", "dir", "chart", "samples"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestSamplesWriterSurvivesFullDisk(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run this test, but there is no /dev/full: %v", err)
		}
		t.Skip("SKIP: no /dev/full on this system; the tmpfs test in the CLI suite covers a full disk")
	}
	w := &samplesWriter{f: full}
	at := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := w.Write(meter.Sample{Time: at.Add(time.Duration(i) * time.Second), Span: time.Second, Recv: uint64(i)}); err == nil {
			t.Fatal("writing to /dev/full succeeded")
		}
	}
	if w.Pending() == 0 {
		t.Fatal("rows were dropped instead of kept")
	}
	// Space returns: everything kept is written, in order.
	path := filepath.Join(t.TempDir(), "s.csv")
	w.f, _ = os.Create(path)
	if err := w.Write(meter.Sample{Time: at.Add(3 * time.Second), Span: time.Second, Recv: 3}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f, _ := os.Open(path)
	defer f.Close()
	got, skipped, err := ReadSamples(f)
	if err != nil || skipped != 0 || len(got) != 4 {
		t.Fatalf("after recovery: %d rows, %d skipped, %v", len(got), skipped, err)
	}
	for i, s := range got {
		if s.Recv != uint64(i) {
			t.Errorf("row %d has recv %d", i, s.Recv)
		}
	}
}

func TestReadSamplesTolerant(t *testing.T) {
	in := strings.Join([]string{
		strings.Join(csvHeader, ","),
		"2026-11-25T14:05:04.000+01:00,1.000,1.000,100,10,100.0,10.0,0,1",
		`"unterminated,quote`,
		"garbage",
		"2026-11-25T14:05:05.000+01:00,2.000,1.000,200,20,200.0,20.0,1,2",
		"2026-11-25T14:05:06.000+01:00,3.000,-1,5,5,0,0,0,1",
		"2026-11-25T14:05:07.000+01:00,4.0",
	}, "\n")
	got, skipped, err := ReadSamples(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || skipped != 4 {
		t.Fatalf("got %d rows, %d skipped", len(got), skipped)
	}
	if got[1].Recv != 200 || !got[1].Gap || got[1].Active != 2 || got[1].Elapsed != 2*time.Second {
		t.Errorf("row = %+v", got[1])
	}
}

func TestAppendRowRoundTrip(t *testing.T) {
	s := meter.Sample{Time: time.Date(2026, 11, 25, 14, 5, 4, 123e6, time.FixedZone("", 3600)), Elapsed: 1500 * time.Millisecond, Span: time.Second, Recv: 123456789, Sent: 42, Gap: true, Active: 3}
	got, skipped, err := ReadSamples(strings.NewReader(string(appendRow(nil, s))))
	if err != nil || skipped != 0 || len(got) != 1 {
		t.Fatalf("%v %d %v", got, skipped, err)
	}
	g := got[0]
	if !g.Time.Equal(s.Time) || g.Elapsed != s.Elapsed || g.Span != s.Span || g.Recv != s.Recv || g.Sent != s.Sent || g.Gap != s.Gap || g.Active != s.Active {
		t.Errorf("round trip: %+v != %+v", g, s)
	}
	if n := testing.AllocsPerRun(100, func() { appendRow(make([]byte, 0, 128)[:0], s) }); n > 1 {
		t.Errorf("appendRow allocates %v times", n)
	}
}

func TestAlertOnceWhenCapReached(t *testing.T) {
	r := newRig(t)
	rec := r.begin(Request{Length: time.Hour, AlertAt: 2500, Selection: meter.Selection{Mode: meter.Real}})
	progress := make(chan Progress, 10)
	ctx, stop := context.WithCancel(context.Background())
	done := drive(ctx, rec, func(p Progress) { progress <- p })
	step := func(bytes uint64) Progress {
		r.src.Add("eth0", bytes, 0)
		r.clock.Tick(r.ctx)
		return <-progress
	}
	if p := step(1000); p.AlertNow || p.Alerted || p.AlertAt != 2500 {
		t.Errorf("below the cap: %+v", p)
	}
	if p := step(1500); !p.AlertNow || !p.Alerted {
		t.Errorf("at the cap: now=%v alerted=%v", p.AlertNow, p.Alerted)
	}
	if p := step(5000); p.AlertNow || !p.Alerted {
		t.Errorf("past the cap the alert must not repeat: now=%v", p.AlertNow)
	}
	// A new, higher cap re-arms it; a cap already passed alerts at once.
	rec.SetAlert(10_000)
	if p := step(1); p.AlertNow || p.Alerted || p.AlertAt != 10_000 {
		t.Errorf("after raising the cap: %+v", p)
	}
	rec.SetAlert(100)
	if p := step(1); !p.AlertNow {
		t.Error("a cap already passed must alert at the next sample")
	}
	rec.SetAlert(0)
	if p := step(1); p.AlertNow || p.Alerted {
		t.Error("alert off still alerting")
	}
	r.clock.Waiting(r.ctx)
	stop()
	info := <-done
	if info.AlertAt != 0 || info.AlertedAt != nil {
		t.Errorf("saved alert_at %d alerted_at %v, want the final setting (off)", info.AlertAt, info.AlertedAt)
	}
}
