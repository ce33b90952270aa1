package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/units"
)

const sessionsUsage = `Usage: bwtray sessions [options]

Lists kept sessions, newest first. Sessions whose recording process died
are finalized (status "interrupted", chart rendered) first.

Options:
  --json            print a JSON array of sessions (the objects 'bwtray
                    record --json' prints)
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
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("sessions: unexpected argument %q: use --dir DIR to list another folder", pos[0])
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
	return tw.Flush()
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
		recoverStale(session.Store{Dir: parentDir(info.Dir), Format: format, Log: log}, log)
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
