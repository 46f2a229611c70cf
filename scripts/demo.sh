#!/usr/bin/env bash
# Sets everything up, then runs the demo: the Temporal dev server with its Web UI, two real libvirt hosts,
# a teamed guest, and live migrations hostA -> hostB -> hostA with the default plan. `--exit` ends after
# the migrations instead of keeping the UI up until Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
exec node bin/vfmigrate.js demo "$@"
