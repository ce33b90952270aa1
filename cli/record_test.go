package cli

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/meter"
)

// planRecord turns flags and settings into a plan, or one line saying
// what is wrong (exit 2); the clock is injected.
func TestPlanRecord(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	named := config.Default()
	named.Selection = meter.Selection{Mode: meter.Named, Names: []string{"wlan0"}}
	named.Apps = false
	named.PNG = true
	for _, c := range []struct {
		name    string
		args    []string
		cfg     config.Config
		wantErr string
		check   func(p recordPlan) bool
	}{
		{"for", []string{"--for", "10m"}, config.Default(), "", func(p recordPlan) bool {
			return p.req.Length == 10*time.Minute && p.req.Interval == time.Second && p.req.Selection.Mode == meter.Real && !p.req.NoApps
		}},
		{"until tomorrow", []string{"--until", "17:30"}, config.Default(), "", func(p recordPlan) bool {
			return p.req.Length == 23*time.Hour+30*time.Minute && strings.Contains(p.notice, "already passed today")
		}},
		{"until later today", []string{"--until", "18:45"}, config.Default(), "", func(p recordPlan) bool {
			return p.req.Length == 45*time.Minute && p.notice == ""
		}},
		{"settings give the interfaces, apps off, png", []string{"--for", "1m"}, named, "", func(p recordPlan) bool {
			return p.req.Selection.Names[0] == "wlan0" && p.selFromConfig == "/cfg" && p.req.NoApps && p.png
		}},
		{"flags win over settings", []string{"--for", "1m", "--iface", "eth0,eth1", "--units", "iec", "--bits", "--no-apps"}, config.Default(), "", func(p recordPlan) bool {
			return strings.Join(p.req.Selection.Names, ",") == "eth0,eth1" && p.format.Bits && p.req.NoApps && p.selFromConfig == ""
		}},
		{"out", []string{"--for", "1m", "--out", "/tmp/x"}, config.Default(), "", func(p recordPlan) bool { return p.dir == "/tmp/x" && p.named }},
		{"alert", []string{"--for", "1m", "--alert-at", "1.5GB"}, config.Default(), "", func(p recordPlan) bool { return p.req.AlertAt == 1.5e9 }},
		{"neither", nil, config.Default(), "say how long to record", nil},
		{"both", []string{"--for", "1m", "--until", "17:30"}, config.Default(), "give --for or --until, not both", nil},
		{"negative", []string{"--for", "-5m"}, config.Default(), "longer than zero", nil},
		{"garbage", []string{"--for", "5 -s"}, config.Default(), `invalid --for "5 -s"`, nil},
		{"shorter than an interval", []string{"--for", "500ms"}, config.Default(), "shorter than one sampling interval", nil},
		{"too long", []string{"--for", "200h"}, config.Default(), "168h limit", nil},
		{"bad clock", []string{"--until", "25:00"}, config.Default(), "--until", nil},
		{"empty iface", []string{"--for", "1m", "--iface", "eth0,"}, config.Default(), "an empty interface name in --iface: use --iface eth0", nil},
		{"all and iface", []string{"--for", "1m", "--all", "--iface", "lo"}, config.Default(), "--all and --iface cannot be combined", nil},
		{"bad alert", []string{"--for", "1m", "--alert-at", "lots"}, config.Default(), `invalid --alert-at "lots"`, nil},
		{"empty out", []string{"--for", "1m", "--out", ""}, config.Default(), "--out needs a folder", nil},
		{"bad units", []string{"--for", "1m", "--units", "metric"}, config.Default(), "--units", nil},
	} {
		cmd, f := recordCommand(io.Discard)
		if _, err := cmd.parse(c.args); err != nil {
			t.Fatalf("%s: parse: %v", c.name, err)
		}
		p, err := planRecord(cmd, f, c.cfg, "/cfg", now)
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.HasPrefix(err.Error(), "record: ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: error %v, want one line with %q", c.name, err, c.wantErr)
			} else if code := Report(err, io.Discard); code != 2 {
				t.Errorf("%s: exit %d, want 2", c.name, code)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.check(p):
			t.Errorf("%s: plan %+v", c.name, p)
		}
	}
}
