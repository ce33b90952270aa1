package sanitize

import (
	"testing"
	"unicode/utf8"
)

func TestTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"eth0", "eth0"},
		{"a&b<c>", "a&b<c>"},
		{"wlp0s20f3 · ↓", "wlp0s20f3 · ↓"},
		{"\x1b[31mRED", `\x1b[31mRED`},
		{"bell\a", `bell\a`},
		{"new\nline\r", `new\nline\r`},
		{"\xff\xfe", `\xff\xfe`},
		{"nul\x00", `nul\x00`},
		{"c1\u009b2J", `c1\u009b2J`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Terminal(tt.in); got != tt.want {
			t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBus(t *testing.T) {
	for _, in := range []string{"ok", "\xff", "a\x00b", string(make([]byte, 9000))} {
		got := Bus(in, 100)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 100 {
			t.Errorf("Bus(%q) = %q", in, got)
		}
		for _, r := range got {
			if r == 0 {
				t.Errorf("Bus(%q) keeps a NUL", in)
			}
		}
	}
	if got := Bus("abcdef", 4); got != "abc…" {
		t.Errorf("Bus cut = %q", got)
	}
}
