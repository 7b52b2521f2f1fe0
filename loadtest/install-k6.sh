#!/bin/sh
# Installs k6 (pinned) with `go install` when it is not already on PATH or in GOPATH/bin.
# Prints the path of the k6 binary on the last line of stdout.
set -eu

K6_VERSION="v1.8.1"

if command -v k6 >/dev/null 2>&1; then
  command -v k6
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    PATH="$PATH:/usr/local/go/bin"
    export PATH
  else
    echo "k6 is missing and Go is not installed: install Go (https://go.dev/dl/) or k6 itself, then run again." >&2
    exit 1
  fi
fi

GOBIN_DIR="$(go env GOBIN)"
if [ -z "$GOBIN_DIR" ]; then
  GOBIN_DIR="$(go env GOPATH)/bin"
fi
K6_BIN="$GOBIN_DIR/k6"

if [ -x "$K6_BIN" ] && "$K6_BIN" version 2>/dev/null | grep -q "$K6_VERSION"; then
  echo "$K6_BIN"
  exit 0
fi

echo "Installing k6 $K6_VERSION with go install (this compiles for a few minutes)…" >&2
GOBIN="$GOBIN_DIR" go install "go.k6.io/k6@$K6_VERSION" >&2
"$K6_BIN" version >&2
echo "$K6_BIN"
