package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
	"github.com/gofrs/flock"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/notify"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/tray"
)

const trayUsage = `Usage: bwtray [options]

Runs the tray app: click the icon to start a timed session; the tooltip
and the first menu line show totals, rates and time left; a notification
reports the totals when it ends, and clicking it opens the chart.

Options:
  --config FILE   read settings from FILE instead of
                  %s
  --verbose       log what happens (sessions, interfaces, notifications)

Settings file (every key optional):
%s`

func cmdTray(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bwtray", fmt.Sprintf(trayUsage, config.Path(), indent(config.Example)), stdout)
	cfgPath := fs.String("config", config.Path(), "")
	verbose := fs.Bool("verbose", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q: run 'bwtray --help' to see the commands", pos[0])
	}
	logger := newLogger(stderr, *verbose)
	// systray reports through the standard log package; route it here.
	slog.SetDefault(logger)
	log.SetFlags(0)

	cfg, cfgErr := config.Load(*cfgPath)
	if cfgErr != nil {
		fmt.Fprintf(stderr, "bwtray: %v; using default settings\n", cfgErr)
	}

	lock, err := singleInstance()
	if err != nil {
		return err
	}
	defer lock.Unlock()

	notifier := notify.New(ctx, logger)
	return tray.Run(ctx, tray.Options{
		Config:     cfg,
		ConfigPath: *cfgPath,
		ConfigErr:  cfgErr,
		Env:        session.SystemEnv(),
		Notifier:   notifier,
		Log:        logger,
	})
}

// singleInstance takes a per-user lock so a second tray app refuses to start.
func singleInstance() (*flock.Flock, error) {
	dir := xdg.RuntimeDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		dir = os.TempDir()
	}
	lock := flock.New(filepath.Join(dir, fmt.Sprintf("bwtray-%d.lock", os.Getuid())))
	ok, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("checking for another bwtray: %w", err)
	}
	if !ok {
		return nil, errors.New("bwtray is already running")
	}
	return lock, nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}
