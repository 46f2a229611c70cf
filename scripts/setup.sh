#!/usr/bin/env bash
# Everything vfmigrate needs on a fresh Debian machine (root): npm packages, the TypeScript build, the
# Temporal CLI (built from Go modules, cached under .cache/temporal), the Temporal Python SDK for the
# start-contract example (a venv in .cache/python-venv), and the libvirt testbed's packages,
# kernel and guest (cached under .cache/testbed). Idempotent: what is already there is skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is required ($2)" >&2; exit 1; }; }
need node "Node.js >= 20.10 (its test runner runs files one at a time with --test-concurrency)"
need npm "npm"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)' \
  || { echo "error: Node.js >= 20.10 is required (found $(node -v))" >&2; exit 1; }

# Root, Debian and Go >= 1.25 (fetched through the Go module proxy when it can be): one line naming what to
# install when a prerequisite cannot be installed here. Sourced: it exports GOTOOLCHAIN for the builds below.
. scripts/check-prerequisites.sh
# PostgreSQL 15 and openssl for the Temporal cluster suite (scripts/temporal-cluster.sh). The package's own
# cluster is not wanted: the suite runs a private one, on a port of its own.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v openssl >/dev/null 2>&1; then
  echo "== PostgreSQL 15 and openssl (Debian)"
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/vfmigrate.conf
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 openssl; } >/dev/null \
    || { echo "error: could not install PostgreSQL 15 and openssl: apt-get install postgresql-15 openssl" >&2; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
echo "== build (from clean: a compiled file whose source is gone must not linger as a test)"
npm run --silent clean
npm run --silent build
echo "== Temporal CLI"
scripts/build-temporal-cli.sh
echo "== Temporal Python SDK (the tests run docs/examples against the dev server)"
scripts/python-sdk.sh
echo "== Prometheus (the metrics tests run Debian's prometheus and promtool; its own service is not used)"
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  apt=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 prometheus)
  "${apt[@]}" >/dev/null || { apt-get update -o DPkg::Lock::Timeout=600 >/dev/null && "${apt[@]}" >/dev/null; } \
    || { echo "error: could not install prometheus (apt-get install prometheus): the metrics tests need it" >&2; exit 1; }
  # The package enables a system-wide Prometheus on :9090 (every interface): the tests start their own.
  if [ -d /run/systemd/system ]; then systemctl disable --now prometheus.service >/dev/null 2>&1 || true; fi
fi
if [ "${VFMIGRATE_SKIP_TESTBED:-0}" != 1 ]; then
  echo "== libvirt testbed (packages, kernel, guest)"
  scripts/testbed.sh install
fi
