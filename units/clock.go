package units

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ClockTime is a time of day typed by a person, like 17:30 or 17:30:15.
type ClockTime struct {
	Hour, Minute, Second int
}

// ParseClock reads a 24-hour clock time: "17:30" or "17:30:15".
func ParseClock(s string) (ClockTime, error) {
	bad := func(why string) (ClockTime, error) {
		return ClockTime{}, fmt.Errorf("invalid time %q: %s; use a 24-hour clock time like 17:30 or 17:30:15", s, why)
	}
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad("expected hours and minutes")
	}
	var v [3]int
	limits := [3]int{23, 59, 59}
	names := [3]string{"hour", "minute", "second"}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || !digits(p) || len(p) > 2 || (i > 0 && len(p) != 2) {
			return bad(fmt.Sprintf("%q is not a valid %s", p, names[i]))
		}
		if n < 0 || n > limits[i] {
			return bad(fmt.Sprintf("the %s must be 0 to %d", names[i], limits[i]))
		}
		v[i] = n
	}
	return ClockTime{v[0], v[1], v[2]}, nil
}

// String prints "17:30", or "17:30:15" when seconds are set.
func (c ClockTime) String() string {
	if c.Second != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", c.Hour, c.Minute, c.Second)
	}
	return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute)
}

// Next returns the next moment after now that shows this clock time in
// now's location, and whether that is on a later day than now. A time that
// has already passed today (or is now) means that time tomorrow.
func (c ClockTime) Next(now time.Time) (t time.Time, tomorrow bool) {
	y, m, d := now.Date()
	t = time.Date(y, m, d, c.Hour, c.Minute, c.Second, 0, now.Location())
	if !t.After(now) {
		t = time.Date(y, m, d+1, c.Hour, c.Minute, c.Second, 0, now.Location())
		return t, true
	}
	return t, false
}

// digits reports whether s is one or more ASCII digits: no sign, no
// space, no exponent.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decimal reports whether s is a plain decimal number: digits with at
// most one point ("1", "1.5", ".5"), never NaN, Inf, a sign or an exponent.
func decimal(s string) bool {
	whole, frac, _ := strings.Cut(s, ".")
	return (whole == "" || digits(whole)) && (frac == "" || digits(frac)) && whole+frac != ""
}

// minAge is the shortest age ParseAge accepts: anything shorter is a
// typo that would select every session.
const minAge = time.Minute

// ParseAge reads an age such as "30d", "2w", "12h" or any Go duration
// ("90m", "1h30m"): at least a minute, at most 100 years. Days and weeks
// are 24 and 168 hours.
func ParseAge(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	bad := fmt.Errorf("invalid age %q: use a number of days or weeks like 30d or 2w, or hours like 12h (at least 1m)", s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if num, ok := strings.CutSuffix(t, suffix); ok {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil || !decimal(num) || n > 100*365 {
				return 0, bad
			}
			d := time.Duration(n * float64(unit))
			if d < minAge {
				return 0, bad
			}
			return d, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < minAge || d > 100*365*24*time.Hour {
		return 0, bad
	}
	return d, nil
}
