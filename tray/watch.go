package tray

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/bwtray/bwtray/session"
)

// watchFolder keeps Recent sessions true to the sessions folder while the
// tray runs: a session recorded by 'bwtray record', or deleted by
// 'bwtray sessions --prune-older', shows at once. It watches the folder
// for session folders coming and going, and each new session folder until
// its session.json is replaced (finished). Without inotify (or its
// limit reached) the menu still refreshes each time it opens.
func (c *Controller) watchFolder(ctx context.Context) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		c.log.Debug("not watching the sessions folder", "err", err)
		return
	}
	defer w.Close()
	os.MkdirAll(c.store.Dir, 0o700)
	if err := w.Add(c.store.Dir); err != nil {
		c.log.Debug("not watching the sessions folder", "err", err)
		return
	}
	// Changes come in bursts (a folder, its files, renames): refresh once
	// they settle.
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			c.log.Debug("watching the sessions folder", "err", err)
		case e, ok := <-w.Events:
			if !ok {
				return
			}
			if filepath.Dir(e.Name) == filepath.Clean(c.store.Dir) && e.Has(fsnotify.Create) {
				if fi, err := os.Lstat(e.Name); err == nil && fi.IsDir() {
					w.Add(e.Name) // until its session is finished
				}
			}
			if filepath.Base(e.Name) == session.InfoFile || filepath.Dir(e.Name) == filepath.Clean(c.store.Dir) {
				settle.Reset(200 * time.Millisecond)
			}
		case <-settle.C:
			c.RefreshRecent()
			// Stop watching folders whose session is finished.
			for _, p := range w.WatchList() {
				if p == filepath.Clean(c.store.Dir) {
					continue
				}
				if info, err := session.Load(p); err != nil || info.Status != session.Running {
					w.Remove(p)
				}
			}
		}
	}
}
