#!/usr/bin/env bash
# Sets everything up, then runs every test suite (unit, engine, replay, end-to-end on the real two-host
# libvirt testbed) against one real Temporal dev server, then the cluster suite against a real Temporal
# server on PostgreSQL with mTLS (scripts/temporal-cluster.sh). `.ci/run` runs exactly this.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
# Only the tests need the Temporal server (the cluster suite); the demo runs on the dev server, without it.
echo "== Temporal server and SQL tool (the cluster suite: PostgreSQL, mTLS)"
. scripts/check-prerequisites.sh   # GOTOOLCHAIN, when set-up had to fetch Go 1.25
scripts/build-temporal-server.sh
status=0
node lib/test/run.js "$@" || status=$?
# The e2e tests leave the testbed up for speed between files; stop what they started.
scripts/testbed.sh down >/dev/null 2>&1 || true
# The cluster suite stops the Temporal cluster it started; a run cut short leaves it up, so stop it here too.
scripts/temporal-cluster.sh stop >/dev/null 2>&1 || true
exit "$status"
