#!/usr/bin/env bash
# licenses.sh GOOS DIR: the licenses of the libraries bwtray is built with
# for GOOS, collected into DIR by go-licenses (run by goreleaser before it
# builds, so every archive and package ships them).
set -euo pipefail
goos=$1 out=$2
rm -rf "$out"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
log=$tools/log
# Built for this machine; GOOS then only says which build to look at.
GOOS= GOARCH= GOFLAGS= GOBIN=$tools go install github.com/google/go-licenses@v1.6.0
# go-licenses v1.6.0 cannot classify github.com/golang/freetype's LICENSE
# (a choice of the FreeType License or the GPL): it is copied below, the
# FreeType License chosen (NOTICE gives the credit it asks for).
if ! GOOS=$goos GOFLAGS= "$tools/go-licenses" save . \
    --save_path "$out" --ignore github.com/bwtray/bwtray --ignore github.com/golang/freetype 2>"$log"; then
  grep -v '^W' "$log" >&2 # the warnings are about license URLs, which need the network
  exit 1
fi
ft=$(go list -m -f '{{.Dir}}' github.com/golang/freetype)
mkdir -p "$out/github.com/golang/freetype"
cp "$ft/LICENSE" "$ft/licenses/ftl.txt" "$out/github.com/golang/freetype/"
chmod -R u+w,a+rX "$out"
