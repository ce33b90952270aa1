package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"

	"github.com/adrg/xdg"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/internal/sanitize"
	"github.com/bwtray/bwtray/notify"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/tray"
)

type trayFlags struct {
	config  *string
	verbose *bool
	version *bool
}

// trayCommand is the tray app's command; its flags are bwtray's own.
func trayCommand(stdout io.Writer) (*command, trayFlags) {
	c := newCommand("", "", "", stdout)
	f := trayFlags{
		config:  c.fs.String("config", config.Path(), "read settings from `FILE`"),
		verbose: c.fs.Bool("verbose", false, "log what happens (sessions, interfaces, notifications)"),
		version: c.fs.Bool("version", false, "print the version and exit"),
	}
	c.fs.BoolP("help", "h", false, "show this help")
	return c, f
}

// mainHelp is 'bwtray --help': the commands, the tray app's options, and
// the settings file.
func mainHelp() string {
	c, _ := trayCommand(io.Discard)
	return fmt.Sprintf(`bwtray measures how much data this machine moves during a timed session.

Usage:
  bwtray [options]              run the tray app (needs a desktop session)
  bwtray record [options]       record one session in the terminal
  bwtray sessions [options]     list kept sessions, newest first
  bwtray chart [options] DIR    re-render the chart of the session in DIR
  bwtray install                add bwtray to the application menus
  bwtray uninstall              remove it from them

Options of the tray app:
%s
Run 'bwtray COMMAND --help' for a command's options.

Examples:
  bwtray record --for 10m
  bwtray record --until 17:30 --iface wlan0
  bwtray record --for 30s --json > session.json
  bwtray sessions --json

Sessions are kept in %s.
Settings are read from %s
(every key optional; command-line options win):
%s`, c.fs.FlagUsagesWrapped(78), config.DefaultDataDir(), config.Path(), indent(config.Example))
}

func cmdTray(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, f := trayCommand(stdout)
	pos, err := c.parse(args)
	if errors.Is(err, errHelp) {
		// -h prints the whole help, as 'bwtray --help' does.
		fmt.Fprint(stdout, mainHelp())
		return nil
	}
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q: run 'bwtray --help' to see the commands", pos[0])
	}
	if *f.version {
		fmt.Fprintf(stdout, "bwtray %s\n", VersionString())
		return nil
	}
	// Log lines never block the app, whatever happens to the terminal.
	con := newConsole(ctx, nil, stderr, nil)
	defer con.finish(context.WithoutCancel(ctx))
	logger := newLogger(con.logWriter(), *f.verbose)
	// systray reports through the standard log package; route it here.
	slog.SetDefault(logger)
	log.SetFlags(0)
	log.SetOutput(con.logWriter())

	cfg, cfgErr := config.Load(*f.config)
	if cfgErr != nil {
		con.errLine("bwtray: " + cleanErr(cfgErr) + "; using default settings")
	}
	// Before anything connects to D-Bus: see tray.SessionBus.
	busAddr, err := tray.SessionBus()
	if err != nil {
		return err
	}
	lock, err := singleInstance()
	if err != nil {
		return err
	}
	defer lock.Release(false)

	return tray.Run(ctx, tray.Options{
		Config:     cfg,
		ConfigPath: *f.config,
		ConfigErr:  cfgErr,
		Env:        session.SystemEnv(),
		// The final notification goes out after ctx ends (Quit, SIGTERM),
		// so the notifier lives as long as the process.
		Notifier: notify.New(context.WithoutCancel(ctx), busAddr, logger),
		Log:      logger,
		BusAddr:  busAddr,
	})
}

// singleInstance takes a per-user lock so a second tray app refuses to start.
func singleInstance() (*safefs.Lock, error) {
	dir := xdg.RuntimeDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		dir = os.TempDir()
	}
	lock, err := safefs.TryLock(dir, fmt.Sprintf("bwtray-%d.lock", os.Getuid()))
	if err != nil {
		return nil, fmt.Errorf("checking for another bwtray: %w", err)
	}
	if lock == nil {
		return nil, errors.New("bwtray is already running")
	}
	return lock, nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

// cleanErr is an error's text, safe to print on a terminal.
func cleanErr(err error) string { return sanitize.Terminal(err.Error()) }
