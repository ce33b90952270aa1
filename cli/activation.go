package cli

import (
	"context"

	"github.com/bwtray/bwtray/config"
	"github.com/bwtray/bwtray/notify"
	"github.com/bwtray/bwtray/session"
	"github.com/bwtray/bwtray/tray"
)

// HandleToastClick serves a click on a Windows toast after bwtray has
// quit (Windows starts bwtray with -Embedding to deliver it): it opens
// the chart the toast named, if it is one of the charts in the sessions
// folder, and reports that it handled the run. Elsewhere, and for any
// other run, it does nothing.
func HandleToastClick(ctx context.Context, args []string) (bool, error) {
	var cfg *config.Config
	settings := func() config.Config {
		if cfg == nil {
			c, _ := config.Load(config.Path())
			cfg = &c
		}
		return *cfg
	}
	return notify.HandleActivation(ctx, args,
		func(path string) bool { return session.IsChart(settings().DataDir, path) },
		func(path string) error { return tray.Open(path, settings().OpenCommand) })
}
