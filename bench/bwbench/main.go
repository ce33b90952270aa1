//go:build linux

// Command bwbench measures bwtray against the alternatives on this machine,
// side by side in one run, and prints a Markdown table of ratios and
// figures. Absolute times on a shared machine are noise; ratios measured in
// the same window are not. Run it through bench/run.sh.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/bwtray/bwtray/internal/dbustest"
)

func main() {
	full := flag.Bool("full", false, "also record a 3,600-sample tray session for RSS after an hour's worth of samples (6 minutes)")
	window := flag.Duration("cpu-window", 60*time.Second, "CPU measurement window")
	flag.Parse()
	if err := run(*full, *window); err != nil {
		fmt.Fprintln(os.Stderr, "bwbench:", err)
		os.Exit(1)
	}
}

type row struct{ what, figure, target, verdict string }

var rows []row

func add(what, figure, target string, ok bool) {
	v := "ok"
	if !ok {
		v = "MISSED"
	}
	if target == "" {
		v = ""
	}
	rows = append(rows, row{what, figure, target, v})
}

func run(full bool, window time.Duration) error {
	tmp, err := os.MkdirTemp("", "bwbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bins := map[string]string{
		"bwtray":    filepath.Join(tmp, "bwtray"),
		"reference": filepath.Join(tmp, "reference"),
	}
	step("building")
	if err := goCmd("build", "-o", bins["bwtray"], ".").Run(); err != nil {
		return fmt.Errorf("building bwtray: %w", err)
	}
	if err := goCmd("build", "-o", bins["reference"], "./bench/reference").Run(); err != nil {
		return fmt.Errorf("building the reference: %w", err)
	}
	if err := cpuAndMemory(tmp, bins, window); err != nil {
		return err
	}
	if err := startup(tmp, bins["bwtray"]); err != nil {
		return err
	}
	if full {
		if err := longSession(tmp, bins["bwtray"]); err != nil {
			return err
		}
	}
	// Attribution first: the burst leaves thousands of TIME_WAIT sockets
	// that every dump walks for a minute.
	if err := appsBenchmarks(); err != nil {
		return err
	}
	if err := goBenchmarks(); err != nil {
		return err
	}
	printTable()
	return nil
}

func step(s string) { fmt.Fprintf(os.Stderr, "bwbench: %s\n", s) }

func goCmd(args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	return cmd
}

// cpuNanos is the time a process's threads have spent on a CPU, from
// /proc/PID/task/*/schedstat (nanoseconds, unlike the 10 ms ticks of
// /proc/PID/stat).
func cpuNanos(pid int) (int64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("reading CPU time of %d: no tasks", pid)
	}
	var total int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just exited
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			total += n
		}
	}
	return total, nil
}

func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, errors.New("no VmRSS")
}

// desktop is a private bus with a fake panel and notification server.
type desktop struct {
	bus     *dbustest.Bus
	watcher *dbustest.Watcher
	notes   *dbustest.NotifyServer
}

func newDesktop() (*desktop, error) {
	bus, err := dbustest.StartBus()
	if err != nil {
		return nil, err
	}
	w, err := dbustest.StartWatcher(bus.Addr)
	if err != nil {
		bus.Close()
		return nil, err
	}
	n, err := dbustest.StartNotifyServer(bus.Addr, false, "actions", "body")
	if err != nil {
		bus.Close()
		return nil, err
	}
	return &desktop{bus, w, n}, nil
}

func (d *desktop) close() { d.watcher.Close(); d.notes.Close(); d.bus.Close() }

// trayEnv is a private home for one tray process with the given settings.
func trayEnv(dir, addr, settings string) []string {
	os.MkdirAll(filepath.Join(dir, "config", "bwtray"), 0o700)
	os.MkdirAll(filepath.Join(dir, "run"), 0o700)
	os.WriteFile(filepath.Join(dir, "config", "bwtray", "config.toml"), []byte(settings), 0o600)
	return []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"DBUS_SESSION_BUS_ADDRESS=" + addr,
	}
}

func startProc(name string, env []string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

func stopProc(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// startTray starts the tray app and a panel client for it.
func startTray(d *desktop, env []string, bin string) (*exec.Cmd, *dbustest.Client, time.Duration, error) {
	began := time.Now()
	cmd, err := startProc(bin, env)
	if err != nil {
		return nil, nil, 0, err
	}
	select {
	case item := <-d.watcher.Registered:
		took := time.Since(began)
		c, err := dbustest.NewClient(d.bus.Addr, item)
		return cmd, c, took, err
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return nil, nil, 0, errors.New("the tray never registered")
	}
}

func clickLabel(c *dbustest.Client, label string) error {
	var id int32
	err := c.WaitFor(30*time.Second, func() bool {
		m, err := c.Layout()
		if err != nil {
			return false
		}
		if n := m.Find(label); n != nil && n.Enabled {
			id = n.ID
			return true
		}
		return false
	})
	if err != nil {
		return fmt.Errorf("no %q in the tray menu", label)
	}
	return c.Click(id)
}

func waitStatus(c *dbustest.Client, prefix string, timeout time.Duration) error {
	err := c.WaitFor(timeout, func() bool {
		m, err := c.Layout()
		return err == nil && len(m.Children) > 0 && strings.HasPrefix(m.Children[0].Label, prefix)
	})
	if err != nil {
		return fmt.Errorf("the tray never showed %q", prefix)
	}
	return nil
}

func cpuAndMemory(tmp string, bins map[string]string, window time.Duration) error {
	step(fmt.Sprintf("CPU: reference, idle ticker, bwtray record and the tray app recording, side by side for %v", window))
	d, err := newDesktop()
	if err != nil {
		return err
	}
	defer d.close()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "XDG_DATA_HOME=" + filepath.Join(tmp, "data")}
	ref, err := startProc(bins["reference"], base)
	if err != nil {
		return err
	}
	defer stopProc(ref)
	idle, err := startProc(bins["reference"], base, "-idle")
	if err != nil {
		return err
	}
	defer stopProc(idle)
	// Without attribution, as before it existed; with it, separately.
	rec, err := startProc(bins["bwtray"], base, "record", "--no-apps", "--for", "1h", "--out", filepath.Join(tmp, "rec"))
	if err != nil {
		return err
	}
	defer stopProc(rec)
	recApps, err := startProc(bins["bwtray"], base, "record", "--for", "1h", "--out", filepath.Join(tmp, "rec-apps"))
	if err != nil {
		return err
	}
	defer stopProc(recApps)
	trayCmd, client, _, err := startTray(d, trayEnv(filepath.Join(tmp, "tray"), d.bus.Addr, "presets = [\"1h\"]\napps = false\n"), bins["bwtray"])
	if err != nil {
		return err
	}
	defer stopProc(trayCmd)
	defer client.Close()
	if err := clickLabel(client, "Record 1 hour"); err != nil {
		return err
	}
	if err := waitStatus(client, "Recording", 10*time.Second); err != nil {
		return err
	}
	time.Sleep(5 * time.Second) // past start-up, into the steady state
	procs := []struct {
		name string
		pid  int
	}{{"reference", ref.Process.Pid}, {"idle", idle.Process.Pid}, {"record", rec.Process.Pid}, {"record-apps", recApps.Process.Pid}, {"tray", trayCmd.Process.Pid}}
	start := make([]int64, len(procs))
	for i, p := range procs {
		if start[i], err = cpuNanos(p.pid); err != nil {
			return err
		}
	}
	// Count what the tray sends the panel while nothing but time changes.
	drain(client.Signals)
	t0 := time.Now()
	time.Sleep(window)
	elapsed := time.Since(t0)
	signals := drain(client.Signals)
	pct := map[string]float64{}
	for i, p := range procs {
		end, err := cpuNanos(p.pid)
		if err != nil {
			return err
		}
		pct[p.name] = float64(end-start[i]) / float64(elapsed) * 100
	}
	rss, _ := rssKB(trayCmd.Process.Pid)
	refPct := pct["reference"]
	add("CPU, reference: gopsutil IOCounters(true) once a second", fmt.Sprintf("%.3f%% of a core", refPct), "", true)
	add("CPU, idle Go ticker (context)", fmt.Sprintf("%.3f%% of a core", pct["idle"]), "", true)
	add("CPU, `bwtray record --no-apps` (1 s interval)", fmt.Sprintf("%.3f%% of a core = **%.2f×** reference", pct["record"], pct["record"]/refPct), "≤ 1.2×", pct["record"]/refPct <= 1.2)
	add("CPU, `bwtray record` telling apps apart (this machine's sockets)", fmt.Sprintf("%.3f%% of a core = %.2f× reference", pct["record-apps"], pct["record-apps"]/refPct), "", true)
	add("CPU, tray app recording, apps = false (private bus, fake panel)", fmt.Sprintf("%.3f%% of a core = **%.2f×** reference", pct["tray"], pct["tray"]/refPct), "≤ 2×", pct["tray"]/refPct <= 2)
	add(fmt.Sprintf("tray RSS after %v of recording", (elapsed+5*time.Second).Round(time.Second)), fmt.Sprintf("%.1f MB", float64(rss)/1024), "≤ 20 MB", rss <= 20*1024)
	perSec := float64(signals) / elapsed.Seconds()
	add("D-Bus signals from the tray while recording", fmt.Sprintf("%.2f per second (the tooltip's and status line's time left)", perSec), "only when text changes", perSec <= 6)

	// Idle: nothing visible changes, so nothing should be sent.
	if err := clickLabel(client, "Stop session"); err != nil {
		return err
	}
	if err := waitStatus(client, "Stopped", 10*time.Second); err != nil {
		return err
	}
	time.Sleep(time.Second)
	drain(client.Signals)
	time.Sleep(10 * time.Second)
	idleSignals := drain(client.Signals)
	add("D-Bus signals from the idle tray in 10 s", strconv.Itoa(idleSignals), "0", idleSignals == 0)
	return nil
}

func drain(ch chan *dbus.Signal) int {
	n := 0
	for {
		select {
		case <-ch:
			n++
		default:
			return n
		}
	}
}

func startup(tmp, bin string) error {
	step("start-up: exec to tray item registered, 15 runs")
	d, err := newDesktop()
	if err != nil {
		return err
	}
	defer d.close()
	var times []time.Duration
	for i := range 15 {
		cmd, c, took, err := startTray(d, trayEnv(filepath.Join(tmp, "start", strconv.Itoa(i)), d.bus.Addr, ""), bin)
		if err != nil {
			return err
		}
		c.Close()
		stopProc(cmd)
		times = append(times, took)
	}
	slices.Sort(times)
	med := times[len(times)/2]
	add("start-up: exec → tray item registered (median of 15)", fmt.Sprintf("%.0f ms (fastest %.0f, slowest %.0f)", ms(med), ms(times[0]), ms(times[len(times)-1])), "≤ 150 ms", med <= 150*time.Millisecond)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// longSession records 3,600 samples in the tray (at 100 ms, so it takes 6
// minutes instead of an hour) and reads the RSS after the chart is saved.
func longSession(tmp, bin string) error {
	step("long session: 3,600 samples in the tray (6 minutes)")
	d, err := newDesktop()
	if err != nil {
		return err
	}
	defer d.close()
	cmd, c, _, err := startTray(d, trayEnv(filepath.Join(tmp, "long"), d.bus.Addr, "presets = [\"6m\"]\ninterval = \"100ms\"\n"), bin)
	if err != nil {
		return err
	}
	defer stopProc(cmd)
	defer c.Close()
	if err := clickLabel(c, "Record 6 minutes"); err != nil {
		return err
	}
	if err := waitStatus(c, "Finished", 8*time.Minute); err != nil {
		return err
	}
	rss, err := rssKB(cmd.Process.Pid)
	if err != nil {
		return err
	}
	add("tray RSS after a 3,600-sample session (an hour at 1 s)", fmt.Sprintf("%.1f MB", float64(rss)/1024), "≤ 20 MB", rss <= 20*1024)
	return nil
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+\d+\s+([\d.]+) ns/op(.*)$`)

func goBenchmarks() error {
	step("go test benchmarks: per-tick cost, chart render, heap growth per hour")
	ns, figs, err := benchmarks("-bench", "Tick|RenderDay|RenderDayPNG|Downsample|SessionHour", "-benchtime", "200x", "-count", "3", "./meter", "./chart", "./session")
	if err != nil {
		return err
	}
	bare, tick := ns["BenchmarkTick/bare-IOCounters"], ns["BenchmarkTick/meter"]
	allocs := fmt.Sprintf("%.0f vs %.0f", figs["BenchmarkTick/meter"]["allocs/op"], figs["BenchmarkTick/bare-IOCounters"]["allocs/op"])
	add("one metering tick vs a bare IOCounters(true) call", fmt.Sprintf("%.1f µs vs %.1f µs = **%.2f×**; allocations: %s", tick/1000, bare/1000, tick/bare, allocs), "≤ 1.2×, no allocations beyond gopsutil's", tick/bare <= 1.2)
	day, size := ns["BenchmarkRenderDay"], figs["BenchmarkRenderDay"]["kB/svg"]
	add("chart of a 24-hour session (86,400 samples, five apps stacked)", fmt.Sprintf("%.1f ms, %.1f kB", day/1e6, size), "≤ 50 ms, ≤ 150 kB", day <= 50e6 && size <= 150)
	dayPNG := ns["BenchmarkRenderDayPNG"]
	add("the same chart as a PNG", fmt.Sprintf("%.0f ms", dayPNG/1e6), "well under a second (≤ 250 ms)", dayPNG <= 250e6)
	r6, r12, r24 := ns["BenchmarkDownsample/21600"], ns["BenchmarkDownsample/43200"], ns["BenchmarkDownsample/86400"]
	add("downsampling (the only pass over every sample) for 6 h / 12 h / 24 h", fmt.Sprintf("%.0f / %.0f / %.0f µs (24 h ÷ 6 h = %.2f)", r6/1e3, r12/1e3, r24/1e3, r24/r6), "linear: ≈ 4 (≤ 4.4, as 24 h of samples outgrows the CPU cache)", r24/r6 <= 4.4)
	growth := figs["BenchmarkSessionHour"]["heap-B/hour"]
	add("memory that grows with session length", fmt.Sprintf("%.1f kB per hour of samples", growth/1000), "≤ 200 kB/hour", growth <= 200e3)
	return nil
}

// benchmarks runs Go benchmarks and returns each one's ns/op and other
// figures (the median of the runs).
func benchmarks(args ...string) (map[string]float64, map[string]map[string]float64, error) {
	cmd := goCmd(append([]string{"test", "-run", "XXX"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	runs := map[string][]float64{}
	metrics := map[string]map[string][]float64{}
	metric := regexp.MustCompile(`([-\d.e+]+) (\S+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := strings.TrimSuffix(m[1], "-"+strconv.Itoa(runtime.GOMAXPROCS(0)))
		v, _ := strconv.ParseFloat(m[2], 64)
		runs[name] = append(runs[name], v)
		if metrics[name] == nil {
			metrics[name] = map[string][]float64{}
		}
		for _, f := range metric.FindAllStringSubmatch(m[3], -1) {
			x, _ := strconv.ParseFloat(f[1], 64)
			metrics[name][f[2]] = append(metrics[name][f[2]], x)
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, nil, fmt.Errorf("benchmarks failed: %w", err)
	}
	med := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	ns := map[string]float64{}
	figs := map[string]map[string]float64{}
	for name, v := range runs {
		ns[name] = med(v)
		figs[name] = map[string]float64{}
		for k, xs := range metrics[name] {
			figs[name][k] = med(xs)
		}
	}
	return ns, figs, nil
}

// appsBenchmarks measures attribution on the real kernel: a look with 500
// and 5,000 sockets open, a burst of short connections, memory over an
// hour of churn.
func appsBenchmarks() error {
	step("go test benchmarks: attribution with 500 and 5,000 sockets, a burst of closes, an hour of churn")
	ns, _, err := benchmarks("-bench", "Step", "-benchtime", "40x", "-count", "3", "./apps")
	if err != nil {
		return err
	}
	for _, c := range []struct {
		n      string
		target float64
	}{{"500", 0.25}, {"5000", 1.5}} {
		pct := ns["BenchmarkStep/"+c.n] / 1e7 // ns per 1-second look
		add(fmt.Sprintf("telling apps apart with %s TCP sockets open (one look a second)", c.n), fmt.Sprintf("%.2f ms a look = %.3f%% of a core", ns["BenchmarkStep/"+c.n]/1e6, pct), fmt.Sprintf("≤ %.2f%%", c.target), pct <= c.target)
	}
	_, figs, err := benchmarks("-bench", "CloseBurst|TrackerHour", "-benchtime", "1x", "./apps")
	if err != nil {
		return err
	}
	b := figs["BenchmarkCloseBurst"]
	add("close events heard in a burst of 5,000 connections a second for 3 s", fmt.Sprintf("%.0f of %.0f heard, %.0f bursts lost", b["closes-heard"], b["closes-made"], b["lost-bursts"]), "none lost", b["lost-bursts"] == 0 && b["closes-heard"] >= b["closes-made"])
	g := figs["BenchmarkTrackerHour"]["heap-B/hour"]
	add("attribution's memory that grows with session length (50 connections a second)", fmt.Sprintf("%.1f kB per hour", g/1000), "≤ 200 kB/hour", g <= 200e3)
	return nil
}

func printTable() {
	host, _ := os.Hostname()
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); m != nil {
			cpu = strings.TrimSpace(string(m[1]))
		}
	}
	fmt.Printf("Measured %s on %s: %d cores, %s, %s, %s.\n\n", time.Now().Format("2006-01-02"), host, runtime.NumCPU(), cpu, kernel(), runtime.Version())
	fmt.Println("| measurement | result | target | |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %s |\n", r.what, r.figure, r.target, r.verdict)
	}
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return "Linux " + strings.TrimSpace(string(b))
}
