package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any bytes give either a valid config or an *Error, never a
// panic, and a valid config is always within its documented ranges.
func FuzzParse(f *testing.F) {
	f.Add([]byte(Example))
	f.Add([]byte("presets = [\"5x\"]"))
	f.Add([]byte("open_command = [\"a\", 1]"))
	f.Add([]byte("[table]\nkey = 1"))
	f.Add([]byte("until = [\"23:59:59\", \"0:00\"]\ninterfaces = [\"all\"]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if strings.TrimSpace(ce.Error()) == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, p := range cfg.Presets {
			if p <= 0 {
				t.Fatalf("preset %v accepted", p)
			}
		}
		if cfg.Interval <= 0 {
			t.Fatalf("interval %v accepted", cfg.Interval)
		}
	})
}
