#!/usr/bin/env bash
# The Python SDK example (docs/examples/start_migration.py) runs in CI against the dev server: this makes
# the virtual environment it runs in, .cache/python-venv, with temporalio from PyPI. Idempotent: a venv
# that already imports temporalio is left alone.
#   scripts/python-sdk.sh            create or check .cache/python-venv
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/python-venv"
# Pinned so the example is tested against one SDK; raise it deliberately.
spec='temporalio==1.*'

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import temporalio' 2>/dev/null; then
  echo "python-sdk: $venv has temporalio $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("temporalio"))')"
  exit 0
fi

if ! command -v python3 >/dev/null; then
  echo "python-sdk: python3 is not installed; install it (apt-get install python3 python3-venv)" >&2
  exit 1
fi

mkdir -p "$root/.cache"
rm -rf "$venv"
if ! python3 -m venv "$venv" 2>/dev/null; then
  # Debian and Ubuntu ship venv (ensurepip) separately.
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    # A fresh machine may have no package lists yet.
    apt-get install -y python3-venv >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y python3-venv >/dev/null; }
    rm -rf "$venv"
    python3 -m venv "$venv"
  else
    echo "python-sdk: python3 -m venv failed; install python3-venv and run this again" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
echo "python-sdk: $venv has temporalio $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("temporalio"))')"
