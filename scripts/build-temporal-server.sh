#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from Go modules into .cache/temporal-server/<version>/,
# with the PostgreSQL schema folders the tool applies. v1.29.1 is the server the CLI v1.5.1 embeds, so the
# dev server and the cluster run the same server code. Cached like the CLI (scripts/build-temporal-cli.sh): by
# version here and in a machine-wide folder (VFMIGRATE_MACHINE_CACHE, default /var/cache/vfmigrate).
set -euo pipefail
version="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/temporal-server/$version"
stamp="$dest/.built-from"
machine="${VFMIGRATE_MACHINE_CACHE:-/var/cache/vfmigrate}/temporal-server/$version"
want="go.temporal.io/server@$version cmd/server cmd/tools/sql schema/postgresql/v12"

complete() { [ -x "$1/temporal-server" ] && [ -x "$1/temporal-sql-tool" ] && [ -d "$1/schema/postgresql/v12" ] \
  && [ "$(cat "$1/.built-from" 2>/dev/null)" = "$want" ]; }

if complete "$dest"; then
  echo "temporal server $version already built: $dest"
  exit 0
fi
if complete "$machine"; then
  rm -rf "$dest.tmp" && mkdir -p "$(dirname "$dest")" && cp -a "$machine" "$dest.tmp"
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
  echo "temporal server $version copied from the machine-wide cache $machine"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: Go is not installed, and the Temporal server is built from Go modules. Install Go >= 1.25 (scripts/setup.sh does) and run this again." >&2
  exit 1
fi
echo "building temporal server $version with $(go version) (about 10 minutes on 2 cores; cached afterwards)"
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
GOBIN="$dest.tmp" GOFLAGS="${GOFLAGS:-} -trimpath" \
  go install "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version"
mv "$dest.tmp/server" "$dest.tmp/temporal-server"
mv "$dest.tmp/sql" "$dest.tmp/temporal-sql-tool"
# The schema ships in the module, not in the binaries; copy it so a cleaned module cache does not break set-up.
module="$(GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$dest.tmp/schema/postgresql"
cp -r "$module/schema/postgresql/v12" "$dest.tmp/schema/postgresql/"
chmod -R u+w "$dest.tmp/schema"
echo "$want" > "$dest.tmp/.built-from"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "temporal server $version built: $dest"
# Best effort: a machine where /var/cache is not writable just builds again next time.
if mkdir -p "$(dirname "$machine")" 2>/dev/null && rm -rf "$machine.tmp" && cp -a "$dest" "$machine.tmp" 2>/dev/null; then
  rm -rf "$machine" && mv "$machine.tmp" "$machine"
fi
