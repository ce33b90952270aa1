package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/internal/sanitize"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

// maxLength bounds --for: longer sessions are almost always a typo, and a
// week of 1-second samples is already ~40 MB of CSV.
const maxLength = 7 * 24 * time.Hour

type recordFlags struct {
	forArg, untilArg, out, unitsArg, alertAt *string
	interval                                 *time.Duration
	ifaces                                   *[]string
	all, asJSON, bits, verbose, noApps       *bool
}

func recordCommand(stdout io.Writer) (*command, recordFlags) {
	c := newCommand("record", "Usage: bwtray record (--for DURATION | --until TIME) [options]",
		`Records how much data this machine moves until the time is up, then prints
the totals and saves the samples and a chart. Ctrl-C, SIGTERM or closing
the terminal stops early and still saves everything. Progress output never
holds up the recording: if the terminal is paused or the reader is slow,
lines are dropped, not samples.
`, stdout)
	fs := c.fs
	f := recordFlags{
		forArg:   fs.String("for", "", "record for `DURATION`: 90s, 10m, 1h30m (at most 168h)"),
		untilArg: fs.String("until", "", "record until `TIME`, a 24-hour clock time: 17:30 or 17:30:15 (a time already passed today means tomorrow)"),
		interval: fs.Duration("interval", time.Second, "`DURATION` between samples, from 100ms to 1h"),
		ifaces:   fs.StringSlice("iface", nil, "count only this interface (`NAME`); repeat it or give a comma list (eth0,wlan0); virtual interfaces are allowed"),
		all:      fs.Bool("all", false, "count every interface except loopback (default: real interfaces only; loopback, bridges, veth, tun/VPN and docker interfaces are left out so no byte is counted twice)"),
		out:      fs.String("out", "", "keep the session folder in `DIR` (which may be created, in a folder that exists) instead of "+config.DefaultDataDir()+" or data_dir from the settings file"),
		asJSON:   fs.Bool("json", false, "print one JSON object with the results on stdout (progress goes to stderr, only if it is a terminal)"),
		unitsArg: fs.String("units", "si", "`si`: kB, MB (powers of 1000); iec: KiB, MiB"),
		bits:     fs.Bool("bits", false, "show rates in bits per second (Mbit/s)"),
		alertAt:  fs.String("alert-at", "", "say so (and ring the terminal bell) when the session has moved `SIZE`, both ways: 500MB, 2GB, 1.5GiB"),
		noApps:   fs.Bool("no-apps", false, "do not tell which apps moved the data (Linux; also apps = false in the settings)"),
		verbose:  fs.Bool("verbose", false, "log what the meter notices (interfaces appearing, renamed or recreated, resets)"),
	}
	fs.BoolP("help", "h", false, "show this help")
	c.hints["interval"] = "use a duration like 1s, 500ms or 5s"
	c.hints["iface"] = "use interface names separated by commas, like eth0,wlan0"
	c.hints["all"] = "--all takes no value"
	c.hints["json"] = "--json takes no value"
	c.hints["bits"] = "--bits takes no value"
	c.hints["verbose"] = "--verbose takes no value"
	c.hints["no-apps"] = "--no-apps takes no value"
	c.about += "\nDefaults for --interval, --units, --bits, --alert-at, the interfaces and the\nfolder come from the settings file (see 'bwtray --help') when it sets them.\n"
	c.examples = []string{
		"bwtray record --for 10m",
		"bwtray record --until 17:30 --iface wlan0",
		"bwtray record --for 1h --all --bits",
		"bwtray record --until 23:00 --alert-at 2GB",
		"bwtray record --for 30s --json | jq .bytes_recv",
	}
	return c, f
}

// recordPlan is what record will do, from its flags and the settings.
type recordPlan struct {
	req    session.Request
	format units.Format
	png    bool // chart.png too
	dir    string
	named  bool // dir came from --out
	notice string
	// selFromConfig names the settings file when the interfaces came from it.
	selFromConfig string
}

func cmdRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, f := recordCommand(stdout)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("record: unexpected argument %q: use --for 10m or --until 17:30", pos[0])
	}
	cfgPath := config.Path()
	cfg, cfgErr := settings(cfgPath, stderr)
	if cfgErr != nil {
		cfgPath = ""
	}
	plan, err := planRecord(c, f, cfg, cfgPath, time.Now())
	if err != nil {
		return err
	}

	// Where progress goes: stdout normally; with --json, stdout carries
	// only the result, so progress goes to stderr if a person watches it.
	progressToOut := !*f.asJSON
	var live io.Writer
	switch {
	case progressToOut && isTerminal(stdout):
		live = stdout
	case !progressToOut && isTerminal(stderr):
		live = stderr
	}
	con := newConsole(ctx, stdout, stderr, live)
	log := newLogger(con.logWriter(), *f.verbose)
	progressLine := func(s string) {
		switch {
		case progressToOut:
			con.line(s)
		case live != nil:
			con.errLine(s)
		}
	}

	if plan.named {
		err = session.CheckNamedDir(plan.dir)
	} else {
		err = session.CheckDir(plan.dir)
	}
	if err != nil {
		return usageErrorf("record: %v: choose another folder with --out DIR", err)
	}
	store := session.Store{Dir: plan.dir, Format: plan.format, PNG: plan.png, Log: log}
	if w := store.Exposed(); w != "" {
		con.errLine("bwtray: warning: " + sanitize.Terminal(w))
	}
	recoverStale(store, log)
	if plan.notice != "" {
		con.errLine("bwtray: " + plan.notice)
	}
	rec, err := store.Begin(ctx, plan.req, session.SystemEnv())
	if err != nil {
		var unknown *meter.UnknownInterfaceError
		if plan.selFromConfig != "" && errors.As(err, &unknown) {
			return usageErrorf("record: config %s: interfaces: %v; fix the file, or choose with --iface NAME or --all", plan.selFromConfig, unknown)
		}
		con.finish(ctx)
		return asUsage(fmt.Errorf("record: %w", err))
	}
	info := rec.Info()
	progressLine(fmt.Sprintf("recording %s for %s, until %s; Ctrl-C stops early and keeps the data",
		describeIfaces(plan.req.Selection, info.Interfaces), units.Duration(plan.req.Length), info.PlannedEnd.Format("15:04:05")))
	if len(info.Interfaces) == 0 {
		log.Warn("no interface to count yet; counting starts when one appears", "selection", plan.req.Selection.String())
	}

	format := plan.format
	nextPlain := 10 * time.Second
	bell := ""
	if isTerminal(stderr) {
		bell = "\a"
	}
	final, runErr := rec.Run(ctx, func(p session.Progress) {
		if p.AlertNow {
			con.errLine(fmt.Sprintf("bwtray: alert: this session has moved %s, over the %s alert (↓ %s ↑ %s)%s",
				format.Bytes(p.Total()), units.Round(format.Bytes(p.AlertAt)), format.Bytes(p.Totals.Recv), format.Bytes(p.Totals.Sent), bell))
		}
		switch {
		case live != nil:
			con.setLive(liveText(p, format))
		case progressToOut && p.Elapsed >= nextPlain:
			nextPlain = (p.Elapsed/(10*time.Second) + 1) * 10 * time.Second
			con.line(plainText(p, format))
		}
	})
	// The session is on disk now; the summary may wait for the reader.
	con.finish(context.WithoutCancel(ctx))
	outErr := con.outError()
	if outErr == nil {
		if *f.asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			outErr = enc.Encode(final)
		} else {
			outErr = printSummary(stdout, final, format)
		}
	}
	if runErr != nil {
		return fmt.Errorf("record: the session was not saved completely: %w", runErr)
	}
	if outErr != nil {
		return fmt.Errorf("record: the session was saved in %s, but writing to standard output failed: %w", final.Dir, outErr)
	}
	return nil
}

// planRecord checks record's flags against each other and the settings,
// and says what to record. Every problem is bad input (exit 2).
func planRecord(c *command, f recordFlags, cfg config.Config, cfgPath string, now time.Time) (recordPlan, error) {
	fs := c.fs
	p := recordPlan{format: cfg.Format, png: cfg.PNG, dir: cfg.DataDir}
	var err error
	if fs.Changed("units") {
		if p.format.System, err = units.ParseSystem(*f.unitsArg); err != nil {
			return p, usageErrorf("record: --units: %v", err)
		}
	}
	if fs.Changed("bits") {
		p.format.Bits = *f.bits
	}
	interval := cfg.Interval
	if fs.Changed("interval") {
		interval = *f.interval
	}
	if interval < meter.MinInterval || interval > meter.MaxInterval {
		return p, usageErrorf("record: --interval %v is out of range: use 100ms to 1h, like --interval 5s", interval)
	}
	alert := cfg.AlertAt
	if fs.Changed("alert-at") {
		if alert, err = units.ParseBytes(*f.alertAt); err != nil || alert == 0 {
			return p, usageErrorf("record: invalid --alert-at %q: use a data size like 500MB or 2GB", *f.alertAt)
		}
	}
	sel := cfg.Selection
	if *f.all || fs.Changed("iface") {
		if sel, err = meter.ParseSelection(*f.all, *f.ifaces); err != nil {
			var empty *meter.EmptyNameError
			switch {
			case errors.As(err, &empty):
				return p, usageErrorf("record: an empty interface name in --iface: use --iface eth0 or --iface eth0,wlan0")
			case errors.Is(err, meter.ErrAllAndNamed):
				return p, usageErrorf("record: --all and --iface cannot be combined: use one or the other")
			}
			return p, usageErrorf("record: %v", err)
		}
	} else if sel.Mode == meter.Named && cfgPath != "" {
		p.selFromConfig = cfgPath
	}
	if fs.Changed("out") {
		p.dir, p.named = *f.out, true
		if p.dir == "" {
			return p, usageErrorf("record: --out needs a folder, like --out ~/sessions")
		}
	}
	p.req = session.Request{Interval: interval, Selection: sel, For: *f.forArg, Until: *f.untilArg, AlertAt: alert, NoApps: *f.noApps || !cfg.Apps}
	switch {
	case *f.forArg != "" && *f.untilArg != "":
		return p, usageErrorf("record: give --for or --until, not both")
	case *f.forArg == "" && *f.untilArg == "":
		return p, usageErrorf("record: say how long to record: --for 10m, or --until 17:30")
	case *f.forArg != "":
		d, err := time.ParseDuration(*f.forArg)
		switch {
		case err != nil:
			return p, usageErrorf("record: invalid --for %q: use a duration like 90s, 10m or 1h30m", *f.forArg)
		case d <= 0:
			return p, usageErrorf("record: --for must be longer than zero, like --for 10m")
		case d < interval:
			return p, usageErrorf("record: --for %v is shorter than one sampling interval (%v): record for at least %v, or choose a shorter --interval", d, interval, interval)
		case d > maxLength:
			return p, usageErrorf("record: --for %v is longer than the 168h limit: record a week at most", d)
		}
		p.req.Length = d
	default:
		ct, err := units.ParseClock(*f.untilArg)
		if err != nil {
			return p, usageErrorf("record: --until: %v", err)
		}
		end, tomorrow := ct.Next(now)
		p.req.Length = end.Sub(now)
		if tomorrow {
			p.notice = fmt.Sprintf("%s has already passed today: recording until %s tomorrow (%s from now)", ct, ct, units.Duration(p.req.Length))
		}
	}
	return p, nil
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
		return sanitize.Terminal(sel.String())
	}
	if len(names) == 0 {
		return sel.String() + " (none present yet)"
	}
	return fmt.Sprintf("%s (%s)", sel.String(), sanitize.Terminal(strings.Join(names, ", ")))
}

// liveText is the one-line terminal view: time left, a progress bar,
// totals and current rates.
func liveText(p session.Progress, f units.Format) string {
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
	return b.String()
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

// printSummary prints the finished session; names and paths from the
// system or the disk are escaped.
func printSummary(w io.Writer, info session.Info, f units.Format) error {
	var b strings.Builder
	fmt.Fprintf(&b, "session %s: %s, %s to %s\n", sanitize.Terminal(string(info.Status)), units.Duration(info.Duration()),
		info.Start.Format("15:04:05"), info.End.Format("15:04:05"))
	fmt.Fprintf(&b, "  download    %-10s peak %s\n", f.Bytes(info.BytesRecv), f.Rate(info.PeakRecvBps))
	fmt.Fprintf(&b, "  upload      %-10s peak %s\n", f.Bytes(info.BytesSent), f.Rate(info.PeakSentBps))
	ifaces := strings.Join(info.Interfaces, ", ")
	if ifaces == "" {
		ifaces = "none"
	}
	fmt.Fprintf(&b, "  interfaces  %s\n", sanitize.Terminal(ifaces))
	writeApps(&b, info, f)
	if info.Gaps > 0 {
		fmt.Fprintf(&b, "  gaps        %d (the machine slept or bwtray was paused)\n", info.Gaps)
	}
	fmt.Fprintf(&b, "  chart       %s\n", sanitize.Terminal(info.Chart))
	if info.ChartPNG != "" {
		fmt.Fprintf(&b, "              %s\n", sanitize.Terminal(info.ChartPNG))
	}
	fmt.Fprintf(&b, "  samples     %s\n", sanitize.Terminal(info.Samples))
	if info.Warning != "" {
		fmt.Fprintf(&b, "  warning     %s\n", sanitize.Terminal(info.Warning))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxAppLines is how many apps the summary lists before it adds up the rest.
const maxAppLines = 8

// writeApps lists the apps that moved the bytes, largest first, and the
// remainder no app holds, with its likely reasons:
//
//	apps        steam          ↓ 4.10 GB  ↑ 12.1 MB
//	            firefox        ↓ 230 MB   ↑ 8.02 MB
//	            unattributed   ↓ 120 MB   ↑ 3.10 MB   (UDP/QUIC: chromium)
func writeApps(b *strings.Builder, info session.Info, f units.Format) {
	if info.Unattributed == nil || len(info.Apps) == 0 && info.Unattributed.Zero() {
		return // not asked, or nothing moved
	}
	rows := info.Apps
	var more apps.Bytes
	if len(rows) > maxAppLines {
		for _, r := range rows[maxAppLines:] {
			more.Add(r.Bytes)
		}
		rows = rows[:maxAppLines]
	}
	width := len("unattributed")
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(sanitize.Terminal(r.Name)))
	}
	label := "apps"
	line := func(name string, by apps.Bytes, note string) {
		l := fmt.Sprintf("  %-10s  %-*s  ↓ %-9s ↑ %-9s%s", label, width, name, f.Bytes(by.Recv), f.Bytes(by.Sent), note)
		b.WriteString(strings.TrimRight(l, " ") + "\n")
		label = ""
	}
	for _, r := range rows {
		note := ""
		if r.Estimated {
			note = "  (partly estimated)"
		}
		line(sanitize.Terminal(r.Name), r.Bytes, note)
	}
	if !more.Zero() {
		line(fmt.Sprintf("%d more", len(info.Apps)-maxAppLines), more, "")
	}
	un := *info.Unattributed
	note := ""
	if len(un.Reasons) > 0 {
		note = "  (" + sanitize.Terminal(strings.Join(un.Reasons, "; ")) + ")"
	}
	line("unattributed", un.Bytes, note)
}
