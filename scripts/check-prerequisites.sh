# Sourced by scripts/setup.sh (bash, set -eu): the prerequisites set-up cannot do without, each checked with
# one line naming what to install when it cannot be installed from here. Node.js is checked before it, by
# setup.sh itself; PostgreSQL and openssl are installed by setup.sh from Debian.
[ "$(id -u)" = 0 ] || { echo "error: run as root (sudo scripts/setup.sh): set-up installs Debian packages and the testbed runs libvirt" >&2; exit 1; }
[ -r /etc/debian_version ] || { echo "error: Debian 12 or newer is required (packages come from Debian's archive)" >&2; exit 1; }
# Go >= 1.25 builds the Temporal CLI and server. A Go >= 1.21 fetches 1.25 itself, as a toolchain module
# through the Go module proxy (GOTOOLCHAIN); an older one cannot.
go_found() { GOTOOLCHAIN=local go version 2>/dev/null | sed -n 's/^go version \(go[^ ]*\).*/\1/p'; }
command -v go >/dev/null 2>&1 \
  || { echo "error: Go is required to build Temporal: apt-get install golang-go (Debian 13; on Debian 12: apt-get install -t bookworm-backports golang-go), or any Go >= 1.21 from https://go.dev/dl" >&2; exit 1; }
found="$(go_found)"
minor="$(echo "$found" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
if [ "${minor:-0}" -lt 25 ]; then
  [ "${minor:-0}" -ge 21 ] \
    || { echo "error: Go >= 1.21 is required to fetch Go 1.25 (found ${found:-an unknown version}): apt-get install -t bookworm-backports golang-go, or Go >= 1.25 from https://go.dev/dl" >&2; exit 1; }
  export GOTOOLCHAIN="${VFMIGRATE_GO_TOOLCHAIN:-go1.25.0}"
  echo "== Go toolchain $GOTOOLCHAIN through the Go module proxy (found $found)"
  go version >/dev/null || { echo "error: could not fetch the Go toolchain $GOTOOLCHAIN through the Go module proxy ($(go env GOPROXY)); install Go >= 1.25 from https://go.dev/dl" >&2; exit 1; }
fi
