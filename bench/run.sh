#!/usr/bin/env bash
# Builds bwtray and the reference programs, measures them side by side on
# this machine, and prints a table of ratios and figures (Markdown).
#   bench/run.sh            ~2 minutes: 60 s CPU window, start-up, charts
#   bench/run.sh --full     also a 3,600-sample tray session (6 minutes)
# Needs Linux, dbus-daemon (package dbus) and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/bwbench "$@"
