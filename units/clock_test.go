package units

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseClock(t *testing.T) {
	good := map[string]ClockTime{
		"17:30":    {17, 30, 0},
		"17:30:15": {17, 30, 15},
		"0:05":     {0, 5, 0},
		"00:00":    {0, 0, 0},
		"23:59:59": {23, 59, 59},
		" 9:00 ":   {9, 0, 0},
	}
	for in, want := range good {
		if got, err := ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"25:00":    "hour must be 0 to 23",
		"24:00":    "hour must be 0 to 23",
		"17:60":    "minute must be 0 to 59",
		"17:30:99": "second must be 0 to 59",
		"17":       "expected hours and minutes",
		"17:5":     "not a valid minute",
		"5pm":      "expected hours and minutes",
		"":         "expected hours and minutes",
		"-1:00":    "not a valid hour",
		"+1:30":    "not a valid hour",
		"-0:30":    "not a valid hour",
		"1:+5":     "not a valid minute",
		"17:-0":    "not a valid minute",
		"17: 30":   "not a valid minute",
		"1:2:3:4":  "expected hours and minutes",
		"ab:cd":    "not a valid hour",
	}
	for in, want := range bad {
		_, err := ParseClock(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "17:30") {
			t.Errorf("ParseClock(%q) error = %v, want one saying %q and showing an example", in, err, want)
		}
	}
}

func TestClockNext(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	now := time.Date(2026, 11, 25, 14, 5, 3, 0, loc)
	tests := []struct {
		c        ClockTime
		want     time.Time
		tomorrow bool
	}{
		{ClockTime{17, 30, 0}, time.Date(2026, 11, 25, 17, 30, 0, 0, loc), false},
		{ClockTime{14, 5, 4}, time.Date(2026, 11, 25, 14, 5, 4, 0, loc), false},
		{ClockTime{14, 5, 3}, time.Date(2026, 11, 26, 14, 5, 3, 0, loc), true}, // now: tomorrow
		{ClockTime{9, 0, 0}, time.Date(2026, 11, 26, 9, 0, 0, 0, loc), true},
		{ClockTime{0, 0, 0}, time.Date(2026, 11, 26, 0, 0, 0, 0, loc), true}, // midnight
	}
	for _, tt := range tests {
		got, tomorrow := tt.c.Next(now)
		if !got.Equal(tt.want) || tomorrow != tt.tomorrow {
			t.Errorf("%v.Next = %v (tomorrow %v), want %v (%v)", tt.c, got, tomorrow, tt.want, tt.tomorrow)
		}
	}
	// Across the end of a month and a year.
	nye := time.Date(2026, 12, 31, 23, 59, 0, 0, loc)
	if got, _ := (ClockTime{0, 1, 0}).Next(nye); !got.Equal(time.Date(2027, 1, 1, 0, 1, 0, 0, loc)) {
		t.Errorf("new year: %v", got)
	}
}

func TestClockNextAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run this test: install tzdata (%v)", err)
		}
		t.Skipf("SKIP: no time zone database here (%v); DST handling untested", err)
	}
	// 2026-10-25: clocks go back at 03:00. 22:00 the day before to 09:00
	// is 12 hours of real time, not 11.
	now := time.Date(2026, 10, 24, 22, 0, 0, 0, berlin)
	got, tomorrow := ClockTime{9, 0, 0}.Next(now)
	if !tomorrow || got.Sub(now) != 12*time.Hour {
		t.Errorf("across DST: %v, %v later", got, got.Sub(now))
	}
}

func TestParseAge(t *testing.T) {
	good := map[string]time.Duration{"30d": 30 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "12h": 12 * time.Hour, "1.5d": 36 * time.Hour, "90m": 90 * time.Minute}
	for in, want := range good {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "30", "-1d", "0d", "d", "3y", "1e9d", "NaNd", "nand", "Infd", "1e-300d", "+1d", "1e1d", "0.0000001d", "1ns", "30s", "-5h"} {
		if _, err := ParseAge(in); err == nil || !strings.Contains(err.Error(), "30d") {
			t.Errorf("ParseAge(%q) error = %v", in, err)
		}
	}
}
