// Package config reads bwtray's optional settings file,
// $XDG_CONFIG_HOME/bwtray/config.toml (the platform's config folder
// elsewhere). A missing file means defaults; a bad one is reported with its
// path, line and key, and the defaults are used instead.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/adrg/xdg"

	"github.com/bwtray/bwtray/internal/safefs"
	"github.com/bwtray/bwtray/meter"
	"github.com/bwtray/bwtray/units"
)

// Config is bwtray's settings, parsed and checked.
type Config struct {
	// Presets are the session lengths offered in the menu.
	Presets []time.Duration
	// Until are clock times offered in the menu, besides the next full hour.
	Until []units.ClockTime
	// Selection is which interfaces count.
	Selection meter.Selection
	Format    units.Format
	// Interval is the sampling interval.
	Interval time.Duration
	// DataDir holds the session folders.
	DataDir string
	// OpenCommand, if set, opens charts and folders instead of the
	// platform's opener: a program and its arguments, never a shell.
	OpenCommand []string
	// AlertAt is a data cap in bytes per session (download + upload);
	// 0 means no alert.
	AlertAt uint64
	// Apps says whether sessions tell which apps moved the data.
	Apps bool
	// PNG says whether charts are also written as chart.png.
	PNG bool
}

// Default is the configuration used when there is no file.
func Default() Config {
	return Config{
		Presets:   []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour},
		Selection: meter.Selection{Mode: meter.Real},
		Interval:  time.Second,
		DataDir:   DefaultDataDir(),
		Apps:      true,
	}
}

// DefaultDataDir is where sessions are kept unless the settings say
// otherwise: $XDG_DATA_HOME/bwtray/sessions on Linux (~/.local/share/...),
// the platform's application data folder elsewhere.
func DefaultDataDir() string { return filepath.Join(xdg.DataHome, "bwtray", "sessions") }

// Path is where the config file is looked for.
func Path() string { return filepath.Join(xdg.ConfigHome, "bwtray", "config.toml") }

// Example is a commented config file showing every key, for this
// platform.
var Example = ExampleFor(runtime.GOOS)

// ExampleFor is the example settings file for a platform (goos as in
// runtime.GOOS): its data folder and its program that opens files.
func ExampleFor(goos string) string {
	dataDir, opener := `"~/.local/share/bwtray/sessions"`, `["xdg-open"]`
	switch goos {
	case "windows":
		dataDir, opener = `"~/AppData/Local/bwtray/sessions"`, `["explorer.exe"]`
	case "darwin":
		dataDir, opener = `"~/Library/Application Support/bwtray/sessions"`, `["open"]`
	}
	line := func(setting, comment string) string { return fmt.Sprintf("%-45s # %s\n", setting, comment) }
	return "# bwtray settings. Every key is optional.\n" +
		line(`presets = ["1m", "5m", "15m", "30m", "1h"]`, "session lengths in the menu") +
		line(`until = ["17:30"]`, "clock times in the menu") +
		line(`interfaces = []`, `[] real ones, ["all"], or names`) +
		line(`units = "si"`, `"si" (kB, MB) or "iec" (KiB, MiB)`) +
		line(`bits = false`, "rates in bit/s") +
		line(`interval = "1s"`, "time between samples") +
		line("data_dir = "+dataDir, "where sessions are kept") +
		line("open_command = "+opener, "program that opens charts") +
		line(`alert_at = "500MB"`, `notify when a session moves this much ("off")`) +
		line(`apps = true`, "tell which apps moved the data (Linux)") +
		line(`png = false`, "also write chart.png, for chat apps and mail")
}

// raw is the file as written.
type raw struct {
	Presets     []string `toml:"presets"`
	Until       []string `toml:"until"`
	Interfaces  []string `toml:"interfaces"`
	Units       string   `toml:"units"`
	Bits        *flag    `toml:"bits"`
	Interval    string   `toml:"interval"`
	DataDir     string   `toml:"data_dir"`
	OpenCommand command  `toml:"open_command"`
	AlertAt     string   `toml:"alert_at"`
	Apps        *flag    `toml:"apps"`
	PNG         *flag    `toml:"png"`
}

var knownKeys = []string{"presets", "until", "interfaces", "units", "bits", "interval", "data_dir", "open_command", "alert_at", "apps", "png"}

// flag is a setting that is on or off, said in the user's terms when it
// is neither.
type flag bool

func (f *flag) UnmarshalTOML(v any) error {
	b, ok := v.(bool)
	if !ok {
		return fmt.Errorf("must be true or false, not %s", tomlValue(v))
	}
	*f = flag(b)
	return nil
}

// tomlValue shows a decoded value as it was written, more or less.
func tomlValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// command accepts "program" or ["program", "arg", ...].
type command []string

func (c *command) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*c = command{v}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return errors.New("must be a program name or a list of strings")
			}
			*c = append(*c, s)
		}
	default:
		return errors.New("must be a program name or a list of strings")
	}
	if len(*c) == 0 || strings.TrimSpace((*c)[0]) == "" {
		return errors.New("names no program")
	}
	return nil
}

// Error is a problem in the config file.
type Error struct {
	Path string
	Line int // 0 if unknown
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config ")
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads the config file at path. A missing file gives the defaults
// and no error; a bad file gives the defaults and an *Error. Only a regular
// file (or a link to one) of at most 64 KiB is read: a link to /dev/zero
// or a FIFO is reported, never waited on.
func Load(path string) (Config, error) {
	data, err := read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return Default(), err
	}
	cfg, err := Parse(data)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Path = path
			if ce.Line == 0 && ce.Key != "" {
				ce.Line = lineOf(data, ce.Key)
			}
		}
		return Default(), err
	}
	return cfg, nil
}

// read reads the settings file at path, regular and bounded.
func read(path string) ([]byte, error) {
	data, err := safefs.ReadRegular(path, maxSize)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
		return data, err
	case errors.Is(err, safefs.ErrTooLarge):
		return nil, &Error{Path: path, Msg: fmt.Sprintf("larger than %d kB: a settings file is a few lines; is this the right file?", maxSize>>10)}
	case errors.Is(err, safefs.ErrNotRegular):
		var nr *safefs.NotRegularError
		errors.As(err, &nr)
		return nil, &Error{Path: path, Msg: fmt.Sprintf("is %s, not a regular file", safefs.Describe(nr.Mode))}
	}
	return nil, &Error{Path: path, Msg: fmt.Sprintf("cannot read: %v", unwrapPath(err))}
}

// Parse reads a config file's contents. Errors are *Error without Path.
func Parse(data []byte) (Config, error) {
	if len(data) > maxSize {
		return Config{}, &Error{Msg: fmt.Sprintf("larger than %d kB: a settings file is a few lines", maxSize>>10)}
	}
	if _, err := scan(data); err != nil {
		return Config{}, err
	}
	var r raw
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&r)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, &Error{Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		return Config{}, &Error{Key: keyIn(err.Error()), Msg: cleanTOML(err.Error())}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0].String()
		return Config{}, &Error{Key: k, Line: lineOf(data, und[0][len(und[0])-1]), Msg: fmt.Sprintf("unknown key (known keys: %s)", strings.Join(knownKeys, ", "))}
	}
	cfg := Default()
	bad := func(key, format string, args ...any) (Config, error) {
		return Config{}, &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if md.IsDefined("presets") {
		cfg.Presets = nil
		if len(r.Presets) > 12 {
			return bad("presets", "at most 12 presets, got %d", len(r.Presets))
		}
		for _, p := range r.Presets {
			d, err := time.ParseDuration(p)
			if err != nil || d < time.Second || d > 7*24*time.Hour {
				return bad("presets", "%q is not a session length from 1s to 168h: use values like \"5m\" or \"1h30m\"", p)
			}
			if !slices.Contains(cfg.Presets, d) {
				cfg.Presets = append(cfg.Presets, d)
			}
		}
	}
	if len(r.Until) > 6 {
		return bad("until", "at most 6 clock times, got %d", len(r.Until))
	}
	for _, u := range r.Until {
		ct, err := units.ParseClock(u)
		if err != nil {
			return bad("until", "%v", err)
		}
		cfg.Until = append(cfg.Until, ct)
	}
	switch {
	case len(r.Interfaces) == 1 && strings.EqualFold(r.Interfaces[0], "all"):
		cfg.Selection = meter.Selection{Mode: meter.All}
	case len(r.Interfaces) > 0:
		sel, err := meter.ParseSelection(false, r.Interfaces)
		if err != nil {
			return bad("interfaces", "%v: list names, like [\"eth0\", \"wlan0\"]", err)
		}
		cfg.Selection = sel
	}
	sys, err := units.ParseSystem(r.Units)
	if err != nil {
		return bad("units", "%v", err)
	}
	cfg.Format = units.Format{System: sys, Bits: r.Bits != nil && bool(*r.Bits)}
	if r.Interval != "" {
		d, err := time.ParseDuration(r.Interval)
		if err != nil || d < meter.MinInterval || d > meter.MaxInterval {
			return bad("interval", "%q is not an interval from 100ms to 1h: use values like \"1s\" or \"5s\"", r.Interval)
		}
		cfg.Interval = d
	}
	if r.DataDir != "" {
		dir := r.DataDir
		if rest, ok := strings.CutPrefix(dir, "~/"); ok {
			dir = filepath.Join(xdg.Home, rest)
		}
		if !filepath.IsAbs(dir) {
			return bad("data_dir", "%q must be an absolute folder path (or start with ~/)", r.DataDir)
		}
		cfg.DataDir = filepath.Clean(dir)
	}
	if len(r.OpenCommand) > 0 {
		cfg.OpenCommand = r.OpenCommand
	}
	if r.AlertAt != "" && !strings.EqualFold(r.AlertAt, "off") {
		n, err := units.ParseBytes(r.AlertAt)
		if err != nil || n == 0 {
			return bad("alert_at", "%q is not a data size: use values like \"500MB\" or \"2GB\", or \"off\"", r.AlertAt)
		}
		cfg.AlertAt = n
	}
	if r.Apps != nil {
		cfg.Apps = bool(*r.Apps)
	}
	if r.PNG != nil {
		cfg.PNG = bool(*r.PNG)
	}
	return cfg, nil
}

// lineOf finds the line where the top-level key is assigned, or 0.
func lineOf(data []byte, key string) int {
	stmts, _ := scan(data)
	for _, st := range stmts {
		if st.key == key || strings.HasSuffix(st.key, "."+key) {
			return st.line
		}
	}
	return 0
}

var keyRe = regexp.MustCompile(`(?:field|key) "?([a-z_]+)"?`)

func keyIn(msg string) string {
	if m := keyRe.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

func cleanTOML(msg string) string { return strings.TrimPrefix(msg, "toml: ") }

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Set makes key = value in the config file at path, so a choice made in
// the menu is remembered. Only that key's value changes (or a line is
// added); everything else the user wrote stays as it was: comments, the
// comment after the value, a value written over several lines, and a file
// that is a link (to a dotfiles folder, say), whose target is edited. The
// file must still parse afterwards, or nothing is written. Every error
// names the file.
func Set(path, key string, value any) error {
	var enc bytes.Buffer
	if err := toml.NewEncoder(&enc).Encode(map[string]any{key: value}); err != nil {
		return &Error{Path: path, Key: key, Msg: fmt.Sprintf("cannot write %v: %v", value, err)}
	}
	newLine := strings.TrimSuffix(enc.String(), "\n")
	_, newValue, _ := strings.Cut(newLine, " = ")
	data, err := read(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	stmts, err := scan(data)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Path = path
		}
		return err
	}
	var out []byte
	// Keys in a [table] are not bwtray's (and make the file invalid).
	if i := slices.IndexFunc(stmts, func(st stmt) bool { return st.key == key && !st.afterTable }); i >= 0 {
		st := stmts[i]
		out = append(out, data[:st.valStart]...)
		out = append(out, newValue...)
		out = append(out, data[st.valEnd:]...)
	} else {
		out = append(out, data...)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
		out = append(out, newLine+"\n"...)
	}
	if _, err := Parse(out); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Path = path
			return &Error{Path: path, Key: key, Msg: fmt.Sprintf("not saving %s: the file would not parse afterwards (%s)", newValue, ce.Msg)}
		}
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return &Error{Path: path, Key: key, Msg: fmt.Sprintf("cannot create its folder: %v", unwrapPath(err))}
	}
	if err := safefs.ReplaceFile(path, out); err != nil {
		return &Error{Path: path, Key: key, Msg: fmt.Sprintf("cannot write: %v", unwrapPath(err))}
	}
	return nil
}

// SelectionValue is how a selection is written in the config file.
func SelectionValue(sel meter.Selection) []string {
	switch sel.Mode {
	case meter.All:
		return []string{"all"}
	case meter.Named:
		return sel.Names
	}
	return []string{}
}

// AlertValue is how a data cap is written in the config file.
func AlertValue(n uint64) string {
	if n == 0 {
		return "off"
	}
	// "500 MB" when that is exact, else the byte count, so nothing drifts.
	if short := (units.Format{}).Bytes(n); mustParse(short) == n {
		return strings.ReplaceAll(short, " ", "")
	}
	return strconv.FormatUint(n, 10)
}

func mustParse(s string) uint64 {
	n, _ := units.ParseBytes(s)
	return n
}
