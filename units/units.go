// Package units formats byte counts, rates and durations for people, and
// parses the sizes and durations people type.
//
// SI (powers of 1000: kB, MB, GB) is the default because that is how network
// speeds and data caps are sold; IEC (powers of 1024: KiB, MiB) is there for
// those who think in those. Rates can be shown in bits per second.
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// System selects the prefix family used for formatting.
type System int

const (
	// SI uses powers of 1000: kB, MB, GB.
	SI System = iota
	// IEC uses powers of 1024: KiB, MiB, GiB.
	IEC
)

// ParseSystem reads "si" or "iec" (any case).
func ParseSystem(s string) (System, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "si", "":
		return SI, nil
	case "iec":
		return IEC, nil
	}
	return SI, fmt.Errorf("unknown units %q: use \"si\" (kB, MB) or \"iec\" (KiB, MiB)", s)
}

// String returns "si" or "iec".
func (s System) String() string {
	if s == IEC {
		return "iec"
	}
	return "si"
}

// Format says how to show quantities.
type Format struct {
	System System
	// Bits shows rates in bits per second instead of bytes per second.
	Bits bool
}

var (
	siPrefixes  = []string{"", "k", "M", "G", "T", "P", "E"}
	iecPrefixes = []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
)

// scale returns v expressed with the largest prefix that keeps it >= 1.
func scale(v float64, sys System) (float64, string) {
	base, prefixes := 1000.0, siPrefixes
	if sys == IEC {
		base, prefixes = 1024.0, iecPrefixes
	}
	i := 0
	for math.Abs(v) >= base && i < len(prefixes)-1 {
		v /= base
		i++
	}
	// Rounding can carry 999.6 up to "1000"; move to the next prefix instead.
	if i < len(prefixes)-1 && math.Abs(v) >= base-0.5 && strconv.FormatFloat(v, 'f', 0, 64) == strconv.Itoa(int(base)) {
		v /= base
		i++
	}
	return v, prefixes[i]
}

// number prints three significant digits at most, never in exponent form.
func number(v float64, prefixed bool) string {
	if !prefixed {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	switch a := math.Abs(v); {
	case a < 9.995:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a < 99.95:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// Bytes formats a byte count, e.g. "12.3 MB" or "950 B".
func (f Format) Bytes(n uint64) string {
	v, p := scale(float64(n), f.System)
	return number(v, p != "") + " " + p + "B"
}

// Rate formats a rate given in bytes per second, e.g. "1.25 MB/s" or, with
// Bits, "10.0 Mbit/s".
func (f Format) Rate(bytesPerSec float64) string {
	if math.IsNaN(bytesPerSec) || math.IsInf(bytesPerSec, 0) || bytesPerSec < 0 {
		bytesPerSec = 0
	}
	if f.Bits {
		v, p := scale(bytesPerSec*8, f.System)
		return number(v, p != "") + " " + p + "bit/s"
	}
	v, p := scale(bytesPerSec, f.System)
	return number(v, p != "") + " " + p + "B/s"
}

// Duration formats a duration as a clock-like count: "42s", "4:12", "1:05:09".
// It rounds to whole seconds; negative durations print as "0s".
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	h, m, sec := s/3600, (s/60)%60, s%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%d:%02d", m, sec)
	default:
		return fmt.Sprintf("%ds", sec)
	}
}

// Words formats a duration for a menu label: "1 minute", "90 seconds",
// "1 hour 30 minutes", "2 hours".
func Words(d time.Duration) string {
	if d <= 0 {
		return "0 seconds"
	}
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	s := int64(d.Round(time.Second) / time.Second)
	h, m, sec := s/3600, (s/60)%60, s%60
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 {
		parts = append(parts, plural(m, "minute"))
	}
	if sec > 0 || len(parts) == 0 {
		if h == 0 && m == 1 && sec > 0 {
			// "1 minute 30 seconds" reads worse than "90 seconds".
			return plural(s, "second")
		}
		parts = append(parts, plural(sec, "second"))
	}
	return strings.Join(parts, " ")
}

// ParseBytes reads a size such as "500MB", "2 GB", "1.5GiB" or "1000000".
// A bare number is bytes; "k"/"K" prefixes are accepted either case.
func ParseBytes(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || v < 0 {
		return 0, fmt.Errorf("invalid size %q: use a number with a unit, like 500MB or 2GB", s)
	}
	mult, ok := map[string]float64{
		"": 1, "b": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)", s, unit)
	}
	total := v * mult
	if total >= math.MaxUint64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return uint64(math.Round(total)), nil
}

// Round drops a formatted quantity's trailing zeros, for round numbers
// such as axis ticks and data caps: "8.00 MB/s" becomes "8 MB/s", "2.50 GB"
// becomes "2.5 GB".
func Round(s string) string {
	num, unit, found := strings.Cut(s, " ")
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	if !found {
		return num
	}
	return num + " " + unit
}
