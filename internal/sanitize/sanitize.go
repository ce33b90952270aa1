// Package sanitize makes text that came from the system or from files
// (interface names, a session's status, folder names) safe to show: on a
// terminal, where control characters would be obeyed, and on D-Bus, which
// carries only valid UTF-8 without NUL. Linux interface names are
// arbitrary bytes, and session files may be damaged or planted.
package sanitize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal escapes control characters and invalid UTF-8 as Go escapes
// (\x1b, \n, \xff), so printing the result never moves the cursor,
// changes colours or rings the bell. Everything else is kept as it is.
func Terminal(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isControl(r):
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Bus makes s valid UTF-8 without NUL or other control characters, at
// most max runes long (0: no limit), cut with "…": what a menu label,
// tooltip or notification may carry. Escapes are shown as in Terminal.
func Bus(s string, max int) string {
	s = Terminal(s)
	if max > 0 && utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

func isClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || isControl(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// isControl: C0 and C1 controls and DEL, plus the bidirectional overrides
// that make a name display as something else.
func isControl(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
