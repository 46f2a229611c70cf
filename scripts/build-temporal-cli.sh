#!/usr/bin/env bash
# Builds the Temporal CLI (dev server with embedded Web UI) from Go modules into .cache/temporal/<version>/.
# No npm or Debian package ships it; newer tags carry a `replace` directive `go install` refuses, hence v1.5.1.
# A build is also kept by version in a machine-wide folder (VFMIGRATE_MACHINE_CACHE, default
# /var/cache/vfmigrate), so a fresh clone on the same machine copies it instead of building again.
set -euo pipefail
version="${TEMPORAL_CLI_VERSION:-v1.5.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/temporal/$version"
bin="$dest/temporal"
stamp="$dest/.built-from"   # the binary reports 0.0.0-DEV when built by `go install`, so record what we built
machine="${VFMIGRATE_MACHINE_CACHE:-/var/cache/vfmigrate}/temporal/$version"
want="github.com/temporalio/cli/cmd/temporal@$version"

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "temporal CLI $version already built: $bin"
  exit 0
fi
if [ -x "$machine/temporal" ] && [ "$(cat "$machine/.built-from" 2>/dev/null)" = "$want" ]; then
  mkdir -p "$dest"
  cp "$machine/temporal" "$bin.tmp" && mv "$bin.tmp" "$bin" && echo "$want" > "$stamp"
  echo "temporal CLI $version copied from the machine-wide cache $machine"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: Go is not installed, and the Temporal CLI is built from Go modules." >&2
  echo "       Install Go >= 1.22 (e.g. apt-get install golang-go, or https://go.dev/dl) and run this again." >&2
  exit 1
fi
mkdir -p "$dest"
echo "building temporal CLI $version with $(go version) (several minutes on 2 cores; cached afterwards)"
GOBIN="$dest" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/temporalio/cli/cmd/temporal@$version"
echo "$want" > "$stamp"
"$bin" --version
# Best effort: a machine where /var/cache is not writable just builds again next time.
if mkdir -p "$machine" 2>/dev/null && cp "$bin" "$machine/temporal.tmp" 2>/dev/null; then
  mv "$machine/temporal.tmp" "$machine/temporal" && echo "$want" > "$machine/.built-from"
fi
