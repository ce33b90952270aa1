// Package cli is bwtray's command line: the commands (the tray app,
// record, sessions, chart, install), their flags and help, and every
// message a person reads on a terminal. Lower packages return errors;
// this package words them. main only wires signals to it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/internal/sanitize"
	"github.com/bwtray/bwtray/session"
)

// Version is set at build time with -ldflags "-X github.com/bwtray/bwtray/cli.Version=v1.2.3";
// otherwise the module version is used.
var Version = ""

// VersionString is the version bwtray reports.
func VersionString() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// ExitError carries an exit status other than 1.
type ExitError struct {
	Code   int
	Err    error
	Silent bool // already reported
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageErrorf is bad input: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// asUsage turns a session.InputError into exit status 2.
func asUsage(err error) error {
	var in *session.InputError
	if errors.As(err, &in) {
		return &ExitError{Code: 2, Err: err}
	}
	return err
}

var errHelp = &ExitError{Code: 0, Err: errors.New("help"), Silent: true}

// Report prints err the way bwtray speaks (one line on stderr, control
// characters escaped, whatever the error carries) and returns the exit
// status: 0 without an error, 2 for bad input, 1 for other failures.
func Report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ex *ExitError
	if errors.As(err, &ex) && ex.Silent {
		return ex.Code
	}
	fmt.Fprintf(stderr, "bwtray: %s\n", sanitize.Terminal(err.Error()))
	if errors.As(err, &ex) {
		return ex.Code
	}
	return 1
}

// Run runs bwtray with args (without the program name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "record":
		return cmdRecord(ctx, rest, stdout, stderr)
	case "sessions":
		return cmdSessions(ctx, rest, stdout, stderr)
	case "chart":
		return cmdChart(rest, stdout, stderr)
	case "install":
		return cmdInstall(rest, stdout, false)
	case "uninstall":
		return cmdInstall(rest, stdout, true)
	case "help":
		if len(rest) > 0 {
			return Run(ctx, []string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, mainHelp())
		return nil
	case "":
		return cmdTray(ctx, rest, stdout, stderr)
	}
	return usageErrorf("unknown command %q: run 'bwtray --help' to see the commands", cmd)
}

// command is one bwtray command's flags and help.
type command struct {
	name     string // "record"; "" for the tray app
	synopsis string // the Usage: line(s)
	about    string // what it does, a paragraph
	examples []string
	fs       *pflag.FlagSet
	stdout   io.Writer
	// hints say what a good value of a flag looks like, for errors.
	hints map[string]string
}

func newCommand(name, synopsis, about string, stdout io.Writer) *command {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	// pflag prints usage on every error; bwtray prints one line instead,
	// and the full help only when asked.
	fs.Usage = func() {}
	return &command{name: name, synopsis: synopsis, about: about, fs: fs, stdout: stdout, hints: map[string]string{}}
}

// display is how messages name the command: "record: ", or nothing for
// the tray app (the line already starts with "bwtray: ").
func (c *command) prefix() string {
	if c.name == "" {
		return ""
	}
	return c.name + ": "
}

// helpCmd is the command that shows this command's help.
func (c *command) helpCmd() string {
	if c.name == "" {
		return "bwtray --help"
	}
	return "bwtray " + c.name + " --help"
}

// help is the command's help, generated from its flags and examples.
func (c *command) help() string {
	var b strings.Builder
	b.WriteString(c.synopsis)
	b.WriteString("\n\n")
	b.WriteString(c.about)
	if opts := c.fs.FlagUsagesWrapped(78); opts != "" {
		b.WriteString("\nOptions:\n")
		b.WriteString(opts)
	}
	if len(c.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range c.examples {
			b.WriteString("  " + e + "\n")
		}
	}
	return b.String()
}

// parse parses args, flags and positional arguments in any order, and
// returns the positional ones. --help prints the help and returns errHelp.
// Errors name the option and quote the value exactly as typed.
func (c *command) parse(args []string) ([]string, error) {
	err := c.fs.Parse(args)
	if h := c.fs.Lookup("help"); err == nil && h != nil && h.Changed {
		err = pflag.ErrHelp
	}
	if err == nil {
		return c.fs.Args(), nil
	}
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprint(c.stdout, c.help())
		return nil, errHelp
	}
	var (
		notExist *pflag.NotExistError
		needs    *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &notExist):
		name := "--" + notExist.GetSpecifiedName()
		if sh := notExist.GetSpecifiedShortnames(); sh != "" {
			name = "-" + sh
		}
		return nil, usageErrorf("%sunknown option %s: run '%s' to see the options", c.prefix(), name, c.helpCmd())
	case errors.As(err, &needs):
		return nil, usageErrorf("%soption --%s needs a value: run '%s' for examples", c.prefix(), needs.GetFlag().Name, c.helpCmd())
	case errors.As(err, &invalid):
		name := invalid.GetFlag().Name
		hint := c.hints[name]
		if hint == "" {
			hint = "run '" + c.helpCmd() + "' for examples"
		}
		return nil, usageErrorf("%sinvalid --%s %q: %s", c.prefix(), name, invalid.GetValue(), hint)
	case errors.As(err, &syntax):
		return nil, usageErrorf("%sinvalid option %q: options look like --for 10m; run '%s'", c.prefix(), syntax.GetSpecifiedFlag(), c.helpCmd())
	}
	return nil, usageErrorf("%s%v: run '%s' for examples", c.prefix(), err, c.helpCmd())
}

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

// settings loads the settings file at path for a command. A bad file is
// reported in one line and the defaults are used, as the tray does.
func settings(path string, stderr io.Writer) (config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "bwtray: %s; using default settings\n", cleanErr(err))
	}
	return cfg, err
}
