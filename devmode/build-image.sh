#!/usr/bin/env bash
# Builds the developer-mode Docker image on this host (FROM scratch; nothing is pulled) from
# what devmode/install-code-server.sh installed into .data/devmode. Reuses the image when it is
# already built. Prints the image tag on its last line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
exec node --import tsx devmode/build-image-cli.ts
