package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/internal/sanitize"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

type sessionsFlags struct {
	asJSON, verbose, yes *bool
	dir, unitsArg, prune *string
}

func sessionsCommand(stdout io.Writer, dataDir string) (*command, sessionsFlags) {
	c := newCommand("sessions", "Usage: bwtray sessions [options]",
		`Lists kept sessions, newest first, then how many there are, the data they
moved and the disk they use. Sessions whose recording process died are
finalized (status "interrupted", chart rendered) first.
`, stdout)
	fs := c.fs
	f := sessionsFlags{
		asJSON:   fs.Bool("json", false, "print a JSON array of sessions (the objects 'bwtray record --json' prints)"),
		prune:    fs.String("prune-older", "", "delete sessions that started more than `AGE` ago (30d, 2w, 12h): lists them, then asks (on a terminal)"),
		yes:      fs.Bool("yes", false, "with --prune-older, delete without asking (needed when not on a terminal)"),
		dir:      fs.String("dir", dataDir, "list the sessions kept in `DIR`"),
		unitsArg: fs.String("units", "si", "`si`: kB, MB (powers of 1000); iec: KiB, MiB"),
		verbose:  fs.Bool("verbose", false, "say more about damaged sessions"),
	}
	fs.BoolP("help", "h", false, "show this help")
	c.examples = []string{
		"bwtray sessions",
		"bwtray sessions --json | jq '.[0].bytes_recv'",
		"bwtray sessions --prune-older 30d",
	}
	return c, f
}

func cmdSessions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _ := settings(config.Path(), stderr)
	c, f := sessionsCommand(stdout, cfg.DataDir)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("sessions: unexpected argument %q: use --dir DIR to list another folder", pos[0])
	}
	var pruneAge time.Duration
	if c.fs.Changed("prune-older") {
		if pruneAge, err = units.ParseAge(*f.prune); err != nil {
			return usageErrorf("sessions: --prune-older: %v", err)
		}
	}
	format := cfg.Format
	if c.fs.Changed("units") {
		if format.System, err = units.ParseSystem(*f.unitsArg); err != nil {
			return usageErrorf("sessions: --units: %v", err)
		}
	}
	log := newLogger(stderr, *f.verbose)
	store := session.Store{Dir: *f.dir, Format: format, PNG: cfg.PNG, Log: log}
	if w := store.Exposed(); w != "" {
		fmt.Fprintf(stderr, "bwtray: warning: %s\n", sanitize.Terminal(w))
	}
	recoverStale(store, log)
	infos, problems := store.List()
	for _, p := range problems {
		log.Warn(p.Error())
	}
	if pruneAge > 0 {
		return prune(infos, pruneAge, *f.yes, format, stdout)
	}
	if *f.asJSON {
		if infos == nil {
			infos = []session.Info{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	if len(infos) == 0 {
		fmt.Fprintf(stdout, "no sessions in %s yet: record one with 'bwtray record --for 10m'\n", sanitize.Terminal(*f.dir))
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tDURATION\tDOWNLOAD\tUPLOAD\tSTATUS\tTOP APP\tCHART")
	for _, in := range infos {
		top := "-"
		if len(in.Apps) > 0 {
			top = sanitize.Terminal(sanitize.Bus(in.Apps[0].Name, 20))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Start.Local().Format("2006-01-02 15:04:05"), units.Duration(in.Duration()),
			format.Bytes(in.BytesRecv), format.Bytes(in.BytesSent), sanitize.Terminal(string(in.Status)), top, sanitize.Terminal(in.Chart))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, summary(infos, format))
	return err
}

// pruneReport says what pruning really did: a session that could not be
// deleted is neither counted nor freed.
func pruneReport(deleted int, freed int64, f units.Format) string {
	if deleted == 0 {
		return "deleted nothing"
	}
	return fmt.Sprintf("deleted %d %s, freed %s", deleted, plural(deleted, "session"), f.Bytes(uint64(freed)))
}

// summary is the line under the list: how many, how much data, how much disk.
func summary(infos []session.Info, f units.Format) string {
	recv, sent, saturated := session.Sum(infos)
	var disk int64
	for _, in := range infos {
		disk += session.DiskUsage(in.Dir)
	}
	word := "sessions"
	if len(infos) == 1 {
		word = "session"
	}
	line := fmt.Sprintf("%d %s kept · ↓ %s ↑ %s in all · %s on disk", len(infos), word, f.Bytes(recv), f.Bytes(sent), f.Bytes(uint64(disk)))
	if saturated {
		line += " · some totals are too large to add up (damaged session files?); the sum stops at the largest number bwtray can hold"
	}
	return line
}

// prune lists the sessions older than age, asks, and deletes them.
func prune(infos []session.Info, age time.Duration, yes bool, f units.Format, stdout io.Writer) error {
	cutoff := time.Now().Add(-age)
	var old []session.Info
	var disk int64
	for _, in := range infos {
		if in.Start.Before(cutoff) && in.Status != session.Running {
			old = append(old, in)
			disk += session.DiskUsage(in.Dir)
		}
	}
	if len(old) == 0 {
		fmt.Fprintf(stdout, "no sessions started before %s\n", cutoff.Format("2006-01-02 15:04"))
		return nil
	}
	fmt.Fprintf(stdout, "%d %s started before %s (%s on disk):\n", len(old), plural(len(old), "session"), cutoff.Format("2006-01-02 15:04"), f.Bytes(uint64(disk)))
	for _, in := range old {
		fmt.Fprintf(stdout, "  %s  ↓ %s ↑ %s  %s\n", in.Start.Local().Format("2006-01-02 15:04"), f.Bytes(in.BytesRecv), f.Bytes(in.BytesSent), sanitize.Terminal(in.Dir))
	}
	if !yes {
		if !isTerminal(os.Stdin) || !isTerminal(stdout) {
			return usageErrorf("sessions: not deleting without asking: add --yes to delete these %d sessions", len(old))
		}
		fmt.Fprint(stdout, "delete them? [y/N] ")
		answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "kept them")
			return nil
		}
	}
	deleted := 0
	var freed int64
	var errs []error
	for _, in := range old {
		size := session.DiskUsage(in.Dir)
		if err := session.Remove(in); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted++
		freed += size
	}
	fmt.Fprintln(stdout, pruneReport(deleted, freed, f))
	if len(errs) > 0 {
		return fmt.Errorf("sessions: %w", errors.Join(errs...))
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

type chartFlags struct {
	unitsArg *string
	bits     *bool
	png      *bool
}

func chartCommand(stdout io.Writer) (*command, chartFlags) {
	c := newCommand("chart", "Usage: bwtray chart [options] DIR",
		`Renders the chart of the session kept in folder DIR again, from its
samples (and its apps' windows), and prints its path.
`, stdout)
	f := chartFlags{
		unitsArg: c.fs.String("units", "si", "`si`: kB, MB (powers of 1000); iec: KiB, MiB"),
		bits:     c.fs.Bool("bits", false, "show rates in bits per second"),
		png:      c.fs.Bool("png", false, "also write chart.png, for chat apps and mail (also png = true in the settings)"),
	}
	c.fs.BoolP("help", "h", false, "show this help")
	c.hints["png"] = "--png takes no value"
	c.hints["bits"] = "--bits takes no value"
	c.examples = []string{"bwtray chart --bits ~/.local/share/bwtray/sessions/2026-11-25T14-05-03",
		"bwtray chart --png ~/.local/share/bwtray/sessions/2026-11-25T14-05-03"}
	return c, f
}

func cmdChart(args []string, stdout, stderr io.Writer) error {
	c, f := chartCommand(stdout)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("chart: give one session folder, like: bwtray chart ~/.local/share/bwtray/sessions/2026-11-25T14-05-03")
	}
	cfg, _ := settings(config.Path(), stderr)
	format := cfg.Format
	if c.fs.Changed("units") {
		if format.System, err = units.ParseSystem(*f.unitsArg); err != nil {
			return usageErrorf("chart: --units: %v", err)
		}
	}
	if c.fs.Changed("bits") {
		format.Bits = *f.bits
	}
	info, err := session.Load(pos[0])
	if err != nil {
		return usageErrorf("chart: %s is not a session folder: %v", pos[0], err)
	}
	log := newLogger(stderr, false)
	if info.Status == session.Running {
		// Recover it if its process is gone; a live one keeps recording.
		recoverStale(session.Store{Dir: filepath.Dir(info.Dir), Format: format, Log: log}, log)
		if info, err = session.Load(pos[0]); err != nil {
			return err
		}
	}
	out, err := session.Chart(info, session.ChartOptions{Format: format, PNG: *f.png || cfg.PNG})
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	fmt.Fprintln(stdout, sanitize.Terminal(out.Chart))
	if out.ChartPNG != "" {
		fmt.Fprintln(stdout, sanitize.Terminal(out.ChartPNG))
	}
	return nil
}
