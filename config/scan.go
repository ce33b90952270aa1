package config

import (
	"bytes"
	"fmt"
	"strings"
)

// Limits on the shape of a settings file, checked before the TOML
// decoder sees it: BurntSushi/toml has no limit of its own, and its cost
// grows with the square of inline-table depth (an 8 kB file of nested
// inline tables allocates ~470 MB). bwtray's settings are strings, lists
// of strings and a bool, so a real file is far inside these.
const (
	maxSize  = 64 << 10
	maxDepth = 4 // [ and { nesting, table headers included
	maxDots  = 3 // dots in one key: a.b.c.d
)

// stmt is one top-level key/value statement of a settings file.
type stmt struct {
	key        string // as written, without quotes
	line       int    // 1-based line of the key
	valStart   int    // offset of the value's first byte
	valEnd     int    // offset just after the value
	afterTable bool   // the statement belongs to a [table]
}

// scan walks a TOML document far enough to find each statement's key and
// the extent of its value, and to check the limits above. It does not
// validate TOML: the decoder does that afterwards, on a file known to be
// small and shallow. Errors are *Error with a line.
func scan(data []byte) ([]stmt, error) {
	var (
		stmts   []stmt
		stack   []byte // open [ and {
		line    = 1
		inTable bool
		// key state: at the start of a statement, or after { or , in an
		// inline table, what comes next is a key.
		inKey     = true
		keyStart  = -1
		keyLine   = 1
		dots      = 0
		cur       *stmt
		topKey    strings.Builder
		topKeyLvl = true // the key being read is a top-level statement's
	)
	fail := func(format string, args ...any) ([]stmt, error) {
		return nil, &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	endValue := func(at int) {
		if cur != nil && len(stack) == 0 {
			cur.valEnd = at
			stmts = append(stmts, *cur)
			cur = nil
		}
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			if len(stack) == 0 {
				endValue(trimRightSpace(data, i))
				inKey, keyStart, dots, topKeyLvl = true, -1, 0, true
				topKey.Reset()
			}
			line++
		case c == '#':
			if len(stack) == 0 {
				endValue(trimRightSpace(data, i))
			}
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			end, lines, ok := skipString(data, i)
			if !ok {
				return fail("a string is not closed")
			}
			if inKey {
				if keyStart < 0 {
					keyStart, keyLine = i, line
				}
				if topKeyLvl && len(stack) == 0 {
					topKey.WriteString(unquote(data[i:end]))
				}
			}
			line += lines
			i = end - 1
		case c == '[' || c == '{':
			if len(stack) == 0 && inKey && c == '[' {
				inTable = true // a table header: [name] or [[name]]
			}
			stack = append(stack, c)
			if len(stack) > maxDepth {
				return fail("nested more than %d levels deep: bwtray's settings are strings and lists of strings", maxDepth)
			}
			if c == '{' {
				inKey, keyStart, dots, topKeyLvl = true, -1, 0, false
			}
		case c == ']' || c == '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case c == ',':
			if len(stack) > 0 && stack[len(stack)-1] == '{' {
				inKey, keyStart, dots, topKeyLvl = true, -1, 0, false
			}
		case c == '=':
			if inKey {
				inKey = false
				if topKeyLvl && len(stack) == 0 {
					j := i + 1
					for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
						j++
					}
					cur = &stmt{key: strings.TrimSpace(topKey.String()), line: keyLine, valStart: j, afterTable: inTable}
				}
			}
		case c == '.':
			if inKey {
				if dots++; dots > maxDots {
					return fail("a key with more than %d dots: bwtray's settings have plain names like presets", maxDots)
				}
				if topKeyLvl && len(stack) == 0 {
					topKey.WriteByte('.')
				}
			}
		case c == ' ' || c == '\t' || c == '\r':
		default:
			if inKey {
				if keyStart < 0 {
					keyStart, keyLine = i, line
				}
				if topKeyLvl && len(stack) == 0 {
					topKey.WriteByte(c)
				}
			}
		}
	}
	endValue(trimRightSpace(data, len(data)))
	return stmts, nil
}

// skipString returns the offset just after the string starting at i, and
// how many newlines it spans.
func skipString(data []byte, i int) (end, lines int, ok bool) {
	q := data[i]
	triple := bytes.HasPrefix(data[i:], []byte{q, q, q})
	j := i + 1
	if triple {
		j = i + 3
	}
	for j < len(data) {
		c := data[j]
		switch {
		case c == '\\' && q == '"':
			j += 2
			continue
		case c == '\n':
			if !triple {
				return 0, 0, false
			}
			lines++
		case c == q:
			if !triple {
				return j + 1, lines, true
			}
			if bytes.HasPrefix(data[j:], []byte{q, q, q}) {
				// A closing """ may be followed by up to two more quotes
				// that belong to the string.
				k := j + 3
				for k < len(data) && data[k] == q && k < j+5 {
					k++
				}
				return k, lines, true
			}
		}
		j++
	}
	return 0, 0, false
}

func unquote(s []byte) string {
	return strings.Trim(string(s), `"'`)
}

func trimRightSpace(data []byte, end int) int {
	for end > 0 && (data[end-1] == ' ' || data[end-1] == '\t' || data[end-1] == '\r') {
		end--
	}
	return end
}
