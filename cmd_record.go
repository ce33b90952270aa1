package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

const recordUsage = `Usage: bwtray record (--for DURATION | --until TIME) [options]

Records how much data this machine moves until the time is up, then prints
the totals and saves the samples and a chart. Ctrl-C stops early and still
saves everything.

Options:
  --for DURATION     record for this long: 90s, 10m, 1h30m (at most 168h)
  --until TIME       record until this clock time: 17:30 or 17:30:15
                     (a time already passed today means tomorrow)
  --interval DUR     time between samples, 100ms to 1h (default 1s)
  --iface NAME       count only this interface; repeat it or give a comma
                     list (eth0,wlan0); virtual interfaces are allowed
  --all              count every interface except loopback
                     (default: real interfaces only; loopback, bridges,
                     veth, tun/VPN and docker interfaces are left out so
                     no byte is counted twice)
  --out DIR          keep the session folder in DIR instead of
                     %s
                     (or data_dir from the settings file)
  --json             print one JSON object with the results on stdout
  --units si|iec     si: kB, MB (powers of 1000, default); iec: KiB, MiB
  --bits             show rates in bits per second (Mbit/s)
  --alert-at SIZE    say so (and ring the terminal bell) when the session
                     has moved this much, both ways: 500MB, 2GB, 1.5GiB
  --verbose          log what the meter notices (interfaces, resets)

Defaults for --interval, --units, --bits, the interfaces and the folder come
from the settings file (see 'bwtray --help') when it sets them.

Examples:
  bwtray record --for 10m
  bwtray record --until 17:30 --iface wlan0
  bwtray record --for 1h --all --bits
  bwtray record --until 23:00 --alert-at 2GB
  bwtray record --for 30s --json | jq .bytes_recv
`

// maxLength bounds --for: longer sessions are almost always a typo, and a
// week of 1-second samples is already ~40 MB of CSV.
const maxLength = 7 * 24 * time.Hour

func cmdRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("record", fmt.Sprintf(recordUsage, session.DefaultDir()), stdout)
	forArg := fs.String("for", "", "")
	untilArg := fs.String("until", "", "")
	interval := fs.Duration("interval", time.Second, "")
	var ifaces stringList
	fs.Var(&ifaces, "iface", "")
	all := fs.Bool("all", false, "")
	out := fs.String("out", "", "")
	asJSON := fs.Bool("json", false, "")
	unitsArg := fs.String("units", "si", "")
	bits := fs.Bool("bits", false, "")
	alertAt := fs.String("alert-at", "", "")
	verbose := fs.Bool("verbose", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("record: unexpected argument %q: use --for 10m or --until 17:30", pos[0])
	}
	// Flags win; the settings file fills in what they leave out.
	cfg := settings(stderr)
	format := cfg.Format
	if flagSet(fs, "units") {
		sys, err := units.ParseSystem(*unitsArg)
		if err != nil {
			return usageErrorf("record: --units: %v", err)
		}
		format.System = sys
	}
	if flagSet(fs, "bits") {
		format.Bits = *bits
	}
	if !flagSet(fs, "interval") {
		*interval = cfg.Interval
	}
	if *interval < meter.MinInterval || *interval > meter.MaxInterval {
		return usageErrorf("record: --interval %v is out of range: use 100ms to 1h, like --interval 5s", *interval)
	}
	alert := cfg.AlertAt
	if flagSet(fs, "alert-at") {
		if alert, err = units.ParseBytes(*alertAt); err != nil || alert == 0 {
			return usageErrorf("record: invalid --alert-at %q: use a data size like 500MB or 2GB", *alertAt)
		}
	}
	sel := cfg.Selection
	if *all || len(ifaces) > 0 {
		if sel, err = meter.ParseSelection(*all, ifaces); err != nil {
			return usageErrorf("record: %v", err)
		}
	}

	now := time.Now()
	req := session.Request{Interval: *interval, Selection: sel, For: *forArg, Until: *untilArg, AlertAt: alert}
	var notice string
	switch {
	case *forArg != "" && *untilArg != "":
		return usageErrorf("record: give --for or --until, not both")
	case *forArg == "" && *untilArg == "":
		return usageErrorf("record: say how long to record: --for 10m, or --until 17:30")
	case *forArg != "":
		d, err := time.ParseDuration(*forArg)
		if err != nil {
			return usageErrorf("record: invalid --for %q: use a duration like 90s, 10m or 1h30m", *forArg)
		}
		if d <= 0 {
			return usageErrorf("record: --for must be longer than zero, like --for 10m")
		}
		if d > maxLength {
			return usageErrorf("record: --for %v is longer than the 168h limit: record a week at most", d)
		}
		req.Length = d
	default:
		ct, err := units.ParseClock(*untilArg)
		if err != nil {
			return usageErrorf("record: --until: %v", err)
		}
		end, tomorrow := ct.Next(now)
		req.Length = end.Sub(now)
		if tomorrow {
			notice = fmt.Sprintf("%s has already passed today: recording until %s tomorrow (%s from now)", ct, ct, units.Duration(req.Length))
		}
	}

	// Where progress goes: stdout normally; with --json, stdout carries
	// only the result, so progress goes to stderr if a person watches it.
	var progressW io.Writer = stdout
	live := isTerminal(stdout)
	if *asJSON {
		progressW, live = nil, isTerminal(stderr)
		if live {
			progressW = stderr
		}
	}
	line := &liveLine{w: progressW, enabled: live, width: terminalWidth(progressW)}
	logW := stderr
	if live && progressW == stderr || live && isTerminal(stderr) {
		logW = line.around(stderr)
	}
	log := newLogger(logW, *verbose)

	dir := *out
	if dir == "" {
		dir = cfg.DataDir
	}
	if err := session.CheckDir(dir); err != nil {
		return usageErrorf("record: %v: choose another folder with --out DIR", err)
	}
	store := session.Store{Dir: dir, Format: format, Log: log}
	recoverStale(store, log)
	if notice != "" {
		fmt.Fprintf(stderr, "bwtray: %s\n", notice)
	}
	rec, err := store.Begin(ctx, req, session.SystemEnv())
	if err != nil {
		return asUsage(fmt.Errorf("record: %w", err))
	}
	info := rec.Info()
	if progressW != nil {
		fmt.Fprintf(progressW, "recording %s for %s, until %s; Ctrl-C stops early and keeps the data\n",
			describeIfaces(sel, info.Interfaces), units.Duration(req.Length), info.PlannedEnd.Format("15:04:05"))
	}
	if len(info.Interfaces) == 0 {
		log.Warn("no interface to count yet; counting starts when one appears", "selection", sel.String())
	}

	nextPlain := 10 * time.Second
	bell := ""
	if isTerminal(stderr) {
		bell = "\a"
	}
	final, runErr := rec.Run(ctx, func(p session.Progress) {
		if p.AlertNow {
			fmt.Fprintf(logW, "bwtray: alert: this session has moved %s, over the %s alert (↓ %s ↑ %s)%s\n",
				format.Bytes(p.Total()), units.Round(format.Bytes(p.AlertAt)), format.Bytes(p.Totals.Recv), format.Bytes(p.Totals.Sent), bell)
		}
		switch {
		case progressW == nil:
		case live:
			line.set(liveText(p, format, line.width))
		case p.Elapsed >= nextPlain:
			nextPlain = (p.Elapsed/(10*time.Second) + 1) * 10 * time.Second
			fmt.Fprintln(progressW, plainText(p, format))
		}
	})
	line.clear()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(final); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
	} else {
		printSummary(stdout, final, format)
	}
	if runErr != nil {
		return fmt.Errorf("record: the session was not saved completely: %w", runErr)
	}
	return nil
}

func recoverStale(store session.Store, log *slog.Logger) {
	recovered, problems := store.Recover()
	for _, info := range recovered {
		log.Warn("a session was interrupted (its process ended); saved what it had recorded", "dir", info.Dir)
	}
	for _, p := range problems {
		log.Warn(p.Error())
	}
}

func describeIfaces(sel meter.Selection, names []string) string {
	if sel.Mode == meter.Named {
		return sel.String()
	}
	if len(names) == 0 {
		return sel.String() + " (none present yet)"
	}
	return fmt.Sprintf("%s (%s)", sel.String(), strings.Join(names, ", "))
}

// liveText is the one-line terminal view: time left, a progress bar,
// totals and current rates.
func liveText(p session.Progress, f units.Format, width int) string {
	var b strings.Builder
	b.WriteString(units.Duration(p.Remaining()))
	b.WriteString(" left ")
	if p.Length > 0 {
		const barWidth = 20
		done := int(float64(barWidth) * min(float64(p.Elapsed)/float64(p.Length), 1))
		b.WriteString("[")
		b.WriteString(strings.Repeat("#", done))
		b.WriteString(strings.Repeat("-", barWidth-done))
		b.WriteString("] ")
	}
	fmt.Fprintf(&b, "↓ %s %s  ↑ %s %s", f.Bytes(p.Totals.Recv), f.Rate(p.Last.RecvRate()), f.Bytes(p.Totals.Sent), f.Rate(p.Last.SentRate()))
	if p.Active == 0 {
		b.WriteString("  (no interface)")
	}
	if p.Warning != "" {
		b.WriteString("  ! " + p.Warning)
	}
	return truncate(b.String(), width)
}

// plainText is the periodic line when output is not a terminal.
func plainText(p session.Progress, f units.Format) string {
	s := fmt.Sprintf("%s  %s/%s  down %s (%s)  up %s (%s)",
		p.Last.Time.Format("15:04:05"), units.Duration(p.Elapsed), units.Duration(p.Length),
		f.Bytes(p.Totals.Recv), f.Rate(p.Last.RecvRate()), f.Bytes(p.Totals.Sent), f.Rate(p.Last.SentRate()))
	if p.Active == 0 {
		s += "  (no interface)"
	}
	if p.Warning != "" {
		s += "  warning: " + p.Warning
	}
	return s
}

func truncate(s string, width int) string {
	if width <= 0 {
		return s
	}
	r := []rune(s)
	if len(r) < width {
		return s
	}
	return string(r[:width-1])
}

func printSummary(w io.Writer, info session.Info, f units.Format) {
	fmt.Fprintf(w, "session %s: %s, %s to %s\n", info.Status, units.Duration(info.Duration()),
		info.Start.Format("15:04:05"), info.End.Format("15:04:05"))
	fmt.Fprintf(w, "  download    %-10s peak %s\n", f.Bytes(info.BytesRecv), f.Rate(info.PeakRecvBps))
	fmt.Fprintf(w, "  upload      %-10s peak %s\n", f.Bytes(info.BytesSent), f.Rate(info.PeakSentBps))
	ifaces := strings.Join(info.Interfaces, ", ")
	if ifaces == "" {
		ifaces = "none"
	}
	fmt.Fprintf(w, "  interfaces  %s\n", ifaces)
	if info.Gaps > 0 {
		fmt.Fprintf(w, "  gaps        %d (the machine slept or bwtray was paused)\n", info.Gaps)
	}
	fmt.Fprintf(w, "  chart       %s\n", info.Chart)
	fmt.Fprintf(w, "  samples     %s\n", info.Samples)
	if info.Warning != "" {
		fmt.Fprintf(w, "  warning     %s\n", info.Warning)
	}
}
