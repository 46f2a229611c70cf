#!/usr/bin/env bash
# Builds the Temporal CLI (dev server with embedded Web UI) from Go modules into .cache/temporal/<version>/.
# No npm or Debian package ships it; newer tags carry a `replace` directive `go install` refuses, hence v1.5.1.
set -euo pipefail
version="${TEMPORAL_CLI_VERSION:-v1.5.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/temporal/$version"
bin="$dest/temporal"
stamp="$dest/.built-from"   # the binary reports 0.0.0-DEV when built by `go install`, so record what we built

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "github.com/temporalio/cli/cmd/temporal@$version" ]; then
  echo "temporal CLI $version already built: $bin"
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
echo "github.com/temporalio/cli/cmd/temporal@$version" > "$stamp"
"$bin" --version
