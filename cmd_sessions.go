package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

const sessionsUsage = `Usage: bwtray sessions [options]

Lists kept sessions, newest first. Sessions whose recording process died
are finalized (status "interrupted", chart rendered) first.

Options:
  --json            print a JSON array of sessions (the objects 'bwtray
                    record --json' prints)
  --prune-older AGE delete sessions that started more than AGE ago (30d,
                    2w, 12h): lists them, then asks (on a terminal)
  --yes             with --prune-older, delete without asking (needed
                    when not on a terminal)
  --dir DIR         list the sessions kept in DIR instead of
                    %s
  --units si|iec    si: kB, MB (default); iec: KiB, MiB
  --verbose         say more about damaged sessions
`

func cmdSessions(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sessions", fmt.Sprintf(sessionsUsage, session.DefaultDir()), stdout)
	asJSON := fs.Bool("json", false, "")
	cfg := settings(stderr)
	dir := fs.String("dir", cfg.DataDir, "")
	unitsArg := fs.String("units", "si", "")
	verbose := fs.Bool("verbose", false, "")
	pruneArg := fs.String("prune-older", "", "")
	yes := fs.Bool("yes", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("sessions: unexpected argument %q: use --dir DIR to list another folder", pos[0])
	}
	var pruneAge time.Duration
	if *pruneArg != "" {
		if pruneAge, err = units.ParseAge(*pruneArg); err != nil {
			return usageErrorf("sessions: --prune-older: %v", err)
		}
	}
	format := cfg.Format
	if flagSet(fs, "units") {
		if format.System, err = units.ParseSystem(*unitsArg); err != nil {
			return usageErrorf("sessions: --units: %v", err)
		}
	}
	log := newLogger(stderr, *verbose)
	store := session.Store{Dir: *dir, Format: format, Log: log}
	recoverStale(store, log)
	infos, problems := store.List()
	for _, p := range problems {
		log.Warn(p.Error())
	}
	if pruneAge > 0 {
		return prune(infos, pruneAge, *yes, format, stdout)
	}
	if *asJSON {
		if infos == nil {
			infos = []session.Info{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	if len(infos) == 0 {
		fmt.Fprintf(stdout, "no sessions in %s yet: record one with 'bwtray record --for 10m'\n", *dir)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tDURATION\tDOWNLOAD\tUPLOAD\tSTATUS\tCHART")
	for _, in := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.Start.Local().Format("2006-01-02 15:04:05"), units.Duration(in.Duration()),
			format.Bytes(in.BytesRecv), format.Bytes(in.BytesSent), in.Status, in.Chart)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, summary(infos, format))
	return nil
}

// summary is the line under the list: how many, how much data, how much disk.
func summary(infos []session.Info, f units.Format) string {
	var recv, sent uint64
	var disk int64
	for _, in := range infos {
		recv += in.BytesRecv
		sent += in.BytesSent
		disk += session.DiskUsage(in.Dir)
	}
	word := "sessions"
	if len(infos) == 1 {
		word = "session"
	}
	return fmt.Sprintf("%d %s kept · ↓ %s ↑ %s in all · %s on disk", len(infos), word, f.Bytes(recv), f.Bytes(sent), f.Bytes(uint64(disk)))
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
	fmt.Fprintf(stdout, "%d sessions started before %s (%s on disk):\n", len(old), cutoff.Format("2006-01-02 15:04"), f.Bytes(uint64(disk)))
	for _, in := range old {
		fmt.Fprintf(stdout, "  %s  ↓ %s ↑ %s  %s\n", in.Start.Local().Format("2006-01-02 15:04"), f.Bytes(in.BytesRecv), f.Bytes(in.BytesSent), in.Dir)
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
	var errs []error
	for _, in := range old {
		if err := session.Remove(in); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted++
	}
	fmt.Fprintf(stdout, "deleted %d sessions, freed about %s\n", deleted, f.Bytes(uint64(disk)))
	if len(errs) > 0 {
		return fmt.Errorf("sessions: %w", errors.Join(errs...))
	}
	return nil
}

const chartUsage = `Usage: bwtray chart [options] DIR

Renders the chart of the session kept in folder DIR again, from its
samples, and prints its path.

Options:
  --units si|iec    si: kB, MB (default); iec: KiB, MiB
  --bits            show rates in bits per second
`

func cmdChart(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("chart", chartUsage, stdout)
	unitsArg := fs.String("units", "si", "")
	bits := fs.Bool("bits", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("chart: give one session folder, like: bwtray chart ~/.local/share/bwtray/sessions/2026-11-25T14-05-03")
	}
	format := settings(stderr).Format
	if flagSet(fs, "units") {
		if format.System, err = units.ParseSystem(*unitsArg); err != nil {
			return usageErrorf("chart: --units: %v", err)
		}
	}
	if flagSet(fs, "bits") {
		format.Bits = *bits
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
	if err := session.Chart(info, format); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	fmt.Fprintln(stdout, info.Chart)
	return nil
}
