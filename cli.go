package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/session"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// exitError carries an exit status other than 1.
type exitError struct {
	code   int
	err    error
	silent bool // already reported
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is bad input: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// asUsage turns a session.InputError into exit status 2.
func asUsage(err error) error {
	var in *session.InputError
	if errors.As(err, &in) {
		return &exitError{code: 2, err: err}
	}
	return err
}

const mainUsage = `bwtray measures how much data this machine moves during a timed session.

Usage:
  bwtray [--verbose]            run the tray app (needs a desktop session)
  bwtray record [options]       record one session in the terminal
  bwtray sessions [options]     list kept sessions, newest first
  bwtray chart [options] DIR    re-render the chart of the session in DIR
  bwtray install                add bwtray to the application menus
  bwtray uninstall              remove it from them
  bwtray --version              print the version

Run 'bwtray COMMAND --help' for a command's options.

Examples:
  bwtray record --for 10m
  bwtray record --until 17:30 --iface wlan0
  bwtray record --for 30s --json > session.json
  bwtray sessions --json

Sessions are kept in %s.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "record":
		return cmdRecord(ctx, rest, stdout, stderr)
	case "sessions":
		return cmdSessions(rest, stdout, stderr)
	case "chart":
		return cmdChart(rest, stdout, stderr)
	case "install":
		return cmdInstall(rest, stdout, false)
	case "uninstall":
		return cmdInstall(rest, stdout, true)
	case "help":
		if len(rest) > 0 {
			return run(ctx, []string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprintf(stdout, mainUsage, session.DefaultDir())
		return nil
	case "":
		for _, a := range rest {
			switch a {
			case "-h", "-help", "--help":
				fmt.Fprintf(stdout, mainUsage, session.DefaultDir())
				return nil
			case "-version", "--version":
				fmt.Fprintf(stdout, "bwtray %s\n", versionString())
				return nil
			}
		}
		return cmdTray(ctx, rest, stdout, stderr)
	}
	return usageErrorf("unknown command %q: run 'bwtray --help' to see the commands", cmd)
}

// newFlagSet returns a flag set that reports errors bwtray's way.
func newFlagSet(name, usage string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The flag package calls Usage on every error; bwtray prints one line
	// instead, and the full usage only when asked.
	fs.Usage = func() {}
	usages[fs] = func() { fmt.Fprint(stdout, usage) }
	return fs
}

var usages = map[*flag.FlagSet]func(){}

// parseFlags parses args, allowing flags after positional arguments, and
// returns the positional ones. --help prints the usage and returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			usages[fs]()
			return nil, errHelp
		}
		if err != nil {
			// Go says "-name"; bwtray documents "--name".
			msg := strings.ReplaceAll(strings.Replace(err.Error(), " flag -", " option -", 1), " -", " --")
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				return nil, usageErrorf("%s: unknown option %s: run 'bwtray %s --help' to see the options", fs.Name(), name, fs.Name())
			}
			if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
				return nil, usageErrorf("%s: option %s needs a value: run 'bwtray %s --help' for examples", fs.Name(), name, fs.Name())
			}
			return nil, usageErrorf("%s: %s: run 'bwtray %s --help' for examples", fs.Name(), msg, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

var errHelp = &exitError{code: 0, err: errors.New("help"), silent: true}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// newLogger logs warnings (or everything, with verbose) to w without
// timestamps: these are messages for a person at a terminal.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// settings loads the settings file for a CLI command. A bad file is
// reported in one line and the defaults are used, as the tray does.
func settings(stderr io.Writer) config.Config {
	cfg, err := config.Load(config.Path())
	if err != nil {
		fmt.Fprintf(stderr, "bwtray: %v; using default settings\n", err)
	}
	return cfg
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
