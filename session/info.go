// Package session keeps timed metering sessions on disk and runs them.
//
// Each session lives in its own folder, named by its start time so folders
// sort: samples.csv is appended at every sample (a crash loses at most the
// sample being written), session.json is replaced atomically at start, at a
// data alert and at the end, and chart.svg is rendered at the end. A lock
// file held by the recording process tells a live session from one whose
// process died; the latter is finalized as interrupted by the next bwtray
// command, which decides from what is on disk once it holds that lock.
//
// What is in a sessions folder is data, never an instruction: every file
// is opened through package safefs, which never follows a link or opens a
// FIFO, and reads at most a bounded amount.
package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bwtray/bwtray/apps"
	"github.com/bwtray/bwtray/internal/safefs"
)

// Status is a session's state.
type Status string

// The states a session goes through.
const (
	Running     Status = "running"
	Completed   Status = "completed"
	Stopped     Status = "stopped"
	Interrupted Status = "interrupted"
)

func (s Status) valid() bool {
	switch s {
	case Running, Completed, Stopped, Interrupted:
		return true
	}
	return false
}

// File names inside a session folder.
const (
	InfoFile    = "session.json"
	SamplesFile = "samples.csv"
	ChartFile   = "chart.svg"
	// ChartPNGFile is the same chart as a PNG, for sharing; written when
	// asked (png = true, bwtray chart --png).
	ChartPNGFile = "chart.png"
	lockFile     = ".lock"
)

// maxInfoSize bounds session.json: a real one is about 1 kB.
const maxInfoSize = 1 << 20

// Info is what session.json holds, and what `bwtray record --json` and
// `bwtray sessions --json` print.
type Info struct {
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	DurationSeconds float64   `json:"duration_seconds"`
	Interfaces      []string  `json:"interfaces"`
	BytesRecv       uint64    `json:"bytes_recv"`
	BytesSent       uint64    `json:"bytes_sent"`
	PeakRecvBps     float64   `json:"peak_recv_bps"`
	PeakSentBps     float64   `json:"peak_sent_bps"`
	Status          Status    `json:"status"`
	Dir             string    `json:"dir"`
	Chart           string    `json:"chart"`
	ChartPNG        string    `json:"chart_png,omitempty"`
	Samples         string    `json:"samples"`

	// What was asked for.
	For             string    `json:"for,omitempty"`
	Until           string    `json:"until,omitempty"`
	PlannedEnd      time.Time `json:"planned_end"`
	IntervalSeconds float64   `json:"interval_seconds"`
	Selection       string    `json:"selection"`

	// AlertAt is the data cap that was set (bytes, 0: none); AlertedAt
	// is when the session reached it.
	AlertAt   uint64     `json:"alert_at,omitempty"`
	AlertedAt *time.Time `json:"alerted_at,omitempty"`

	// Apps are what each app moved, largest first, and Unattributed the
	// rest of the totals: together they add up to BytesRecv and BytesSent
	// exactly. Absent where attribution was off or not possible.
	Apps         []apps.Total       `json:"apps,omitempty"`
	Unattributed *apps.Unattributed `json:"unattributed,omitempty"`

	SampleCount int    `json:"sample_count"`
	Gaps        int    `json:"gaps"`
	PID         int    `json:"pid,omitempty"`
	Warning     string `json:"warning,omitempty"`
	Version     int    `json:"version"`
}

const infoVersion = 1

// Duration is the session's measured length.
func (i Info) Duration() time.Duration {
	return time.Duration(i.DurationSeconds * float64(time.Second))
}

// Interval is the sampling interval that was asked for.
func (i Info) Interval() time.Duration {
	return time.Duration(i.IntervalSeconds * float64(time.Second))
}

// ErrNotSession says a folder holds no bwtray session.
var ErrNotSession = errors.New("not a bwtray session")

// Load reads a session folder's session.json. Its paths are taken from
// where the folder is now, so a moved folder still lists correctly.
func Load(dir string) (Info, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Info{}, fmt.Errorf("locating %s: %w", dir, err)
	}
	d, err := safefs.OpenDir(dir)
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	return load(d, dir)
}

func load(d *safefs.Dir, dir string) (Info, error) {
	b, err := d.ReadFile(InfoFile, maxInfoSize)
	if err != nil {
		return Info{}, fmt.Errorf("reading %s: %w", filepath.Join(dir, InfoFile), err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return Info{}, fmt.Errorf("reading %s: %w", filepath.Join(dir, InfoFile), err)
	}
	if info.Start.IsZero() || !info.Status.valid() {
		return Info{}, fmt.Errorf("reading %s: %w (no start time, or an unknown status)", filepath.Join(dir, InfoFile), ErrNotSession)
	}
	info.setPaths(dir)
	return info, nil
}

func (i *Info) setPaths(dir string) {
	i.Dir = dir
	i.Chart = filepath.Join(dir, ChartFile)
	i.Samples = filepath.Join(dir, SamplesFile)
	if i.ChartPNG != "" {
		i.ChartPNG = filepath.Join(dir, ChartPNGFile) // never a path the file names
	}
}

// save replaces session.json atomically and durably.
func (i Info) save(d *safefs.Dir) error {
	i.Version = infoVersion
	b, err := json.MarshalIndent(i, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding session: %w", err)
	}
	b = append(b, '\n')
	if err := d.WriteFile(InfoFile, b); err != nil {
		return fmt.Errorf("saving %s: %w", filepath.Join(i.Dir, InfoFile), err)
	}
	return nil
}

// IsChart reports whether path is the chart (SVG or PNG) of a session
// folder directly in dataDir, and a regular file: what a notification may
// ask bwtray to open (anything else could be a program).
func IsChart(dataDir, path string) bool {
	if dataDir == "" || !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return false
	}
	if b := filepath.Base(path); b != ChartFile && b != ChartPNGFile {
		return false
	}
	if filepath.Dir(filepath.Dir(path)) != filepath.Clean(dataDir) {
		return false
	}
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().IsRegular()
}
