package units

import (
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		f    Format
		want string
	}{
		{0, Format{}, "0 B"},
		{950, Format{}, "950 B"},
		{999, Format{}, "999 B"},
		{1000, Format{}, "1.00 kB"},
		{12_345_678, Format{}, "12.3 MB"},
		{310_000_000, Format{}, "310 MB"},
		{999_999, Format{}, "1.00 MB"},
		{1_234_567_890, Format{}, "1.23 GB"},
		{1024, Format{System: IEC}, "1.00 KiB"},
		{1023, Format{System: IEC}, "1023 B"},
		{5 << 30, Format{System: IEC}, "5.00 GiB"},
		{^uint64(0), Format{}, "18.4 EB"},
	}
	for _, tt := range tests {
		if got := tt.f.Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d, %v) = %q, want %q", tt.n, tt.f, got, tt.want)
		}
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		bps  float64
		f    Format
		want string
	}{
		{0, Format{}, "0 B/s"},
		{1_250_000, Format{}, "1.25 MB/s"},
		{1_250_000, Format{Bits: true}, "10.0 Mbit/s"},
		{125, Format{Bits: true}, "1.00 kbit/s"},
		{1 << 20, Format{System: IEC}, "1.00 MiB/s"},
		{1 << 17, Format{System: IEC, Bits: true}, "1.00 Mibit/s"},
		{-5, Format{}, "0 B/s"},
	}
	for _, tt := range tests {
		if got := tt.f.Rate(tt.bps); got != tt.want {
			t.Errorf("Rate(%v, %v) = %q, want %q", tt.bps, tt.f, got, tt.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := map[time.Duration]string{
		0:                               "0s",
		-time.Second:                    "0s",
		42 * time.Second:                "42s",
		252 * time.Second:               "4:12",
		time.Hour + 5*time.Minute + 9e9: "1:05:09",
		1500 * time.Millisecond:         "2s",
		25 * time.Hour:                  "25:00:00",
	}
	for d, want := range tests {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := map[time.Duration]string{
		time.Minute:                     "1 minute",
		5 * time.Minute:                 "5 minutes",
		time.Hour:                       "1 hour",
		90 * time.Minute:                "1 hour 30 minutes",
		3 * time.Second:                 "3 seconds",
		90 * time.Second:                "90 seconds",
		2*time.Hour + 1*time.Second:     "2 hours 1 second",
		1 * time.Second:                 "1 second",
		0:                               "0 seconds",
		time.Hour + 2*time.Minute + 3e9: "1 hour 2 minutes 3 seconds",
	}
	for d, want := range tests {
		if got := Words(d); got != want {
			t.Errorf("Words(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{"500MB", 500_000_000, false},
		{"2 GB", 2_000_000_000, false},
		{"1.5GiB", 1.5 * (1 << 30), false},
		{"100kb", 100_000, false},
		{"1000000", 1_000_000, false},
		{"12 B", 12, false},
		{"", 0, true},
		{"MB", 0, true},
		{"5 parsecs", 0, true},
		{"-5MB", 0, true},
		{"1e30TB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseSystem(t *testing.T) {
	for in, want := range map[string]System{"si": SI, "SI": SI, "": SI, "iec": IEC, " IEC ": IEC} {
		if got, err := ParseSystem(in); err != nil || got != want {
			t.Errorf("ParseSystem(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSystem("binary"); err == nil {
		t.Error("ParseSystem(binary) accepted")
	}
}

func TestRound(t *testing.T) {
	for in, want := range map[string]string{"8.00 MB/s": "8 MB/s", "2.50 GB": "2.5 GB", "950 B": "950 B", "10.0 kB": "10 kB", "1.25 MB": "1.25 MB", "100": "100", "0.50": "0.5"} {
		if got := Round(in); got != want {
			t.Errorf("Round(%q) = %q, want %q", in, got, want)
		}
	}
}
