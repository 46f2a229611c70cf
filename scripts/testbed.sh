#!/usr/bin/env bash
# vfmigrate testbed: two real libvirt hosts on one machine, and a net_failover guest to migrate between them.
#
#   hostA  qemu+tcp://127.0.0.2/system      hostB  qemu+tcp://127.0.0.3/system
#
# Each host is a foreground `libvirtd --listen` in its own mount + UTS namespace with private libvirt
# directories, so the two daemons share nothing but the filesystem (which is what makes live migration
# without shared storage trivial here). Everything built or run lives under .cache/testbed/ (git-ignored).
# See docs/testbed.md. Must run as root.
#
# Subcommands:
#   install                                  packages, kernel, guest initramfs, helper binaries (idempotent)
#   up | down | status                       start / stop both hosts; status exits 0 only when both are up
#   stop-host|start-host|restart-host HOST   one libvirtd (its guests keep running while it is down)
#   guest-xml NAME [--mac MAC] [--host HOST] [--shape SHAPE]  print the guest domain XML
#   guest-start NAME [--host HOST] [--mac MAC] [--shape SHAPE] [--no-vf-driver] [--dirty MIB_PER_S]  define + start
#     the guest on HOST (default hostA); --no-vf-driver: the guest never binds its VF (its failover stays
#     incomplete); --dirty: a busy guest dirtying that much memory per second
#     SHAPE: one-pair (default: a virtio standby teamed with an e1000e standing in for the VF),
#            two-pairs (two such pairs; the second pair's MAC is MAC with its last byte plus 1),
#            plain (one virtio NIC, no stand-in VF, no teaming)
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true # '&' in ${var//pat/repl} must stay literal (bash 5.2)

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
REPO_ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
TEMPLATES="$REPO_ROOT/testbed"
CACHE="${TESTBED_CACHE:-$REPO_ROOT/.cache/testbed}"
RUN="$CACHE/run"
HOSTS=(hostA hostB)
START_TIMEOUT_S=60
KVM_BOOT_TIMEOUT_S=20 # a KVM boot reaches /init in ~1-2 s, TCG in ~10 s

PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients busybox-static
    gcc libc6-dev binutils)
# Guest modules in load order; their dependencies are added (before them) at build time.
GUEST_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover
    virtio_net e1000 e1000e virtio_console)
GUEST_CMDLINE="console=ttyS0 loglevel=4 panic=0 mitigations=off"

log() { echo "testbed: $*" >&2; }
die() {
    echo "testbed: error: $*" >&2
    exit 1
}

# One concern a file: temporary paths, the hosts (libvirtd daemons), the machine's packages, the guest
# image, the guests.
PARTS="$(dirname "$SELF")/testbed"
# shellcheck source=SCRIPTDIR/testbed/temp-paths.sh
source "$PARTS/temp-paths.sh"
# shellcheck source=SCRIPTDIR/testbed/hosts.sh
source "$PARTS/hosts.sh"
# shellcheck source=SCRIPTDIR/testbed/packages.sh
source "$PARTS/packages.sh"
# shellcheck source=SCRIPTDIR/testbed/guest-image.sh
source "$PARTS/guest-image.sh"
# shellcheck source=SCRIPTDIR/testbed/guests.sh
source "$PARTS/guests.sh"

# ---------------------------------------------------------------------------------------------- commands

cmd_install() {
    install_packages
    install_qemu
    ensure_qemu_user
    fetch_kernel
    build_helper kvm-check
    build_helper vfprobe
    fetch_guest_agent
    build_initramfs
    detect_accel >/dev/null
}

cmd_up() {
    cmd_install
    local h
    for h in "${HOSTS[@]}"; do start_host "$h"; done
    for h in "${HOSTS[@]}"; do wait_host "$h" || die "$h failed to start"; done
}

cmd_down() {
    local h
    for h in "${HOSTS[@]}"; do clear_host_domains "$h"; done
    stop_hosts "${HOSTS[@]}"
    kill_leftover_qemu
}

cmd_status() {
    local h pid doms rc=0
    for h in "${HOSTS[@]}"; do
        pid="$(host_pid "$h")"
        if [[ -n "$pid" ]] && host_answers "$h"; then
            doms="$(vsh "$h" list --name 2>/dev/null | paste -sd, -)"
            echo "$h up $(host_uri "$h") pid=$pid domains=${doms:--}"
        else
            echo "$h down $(host_uri "$h")${pid:+ pid=$pid (not answering)}"
            rc=1
        fi
    done
    return "$rc"
}

need_host_arg() {
    [[ $# -eq 1 ]] || die "usage: testbed.sh ${FUNCNAME[1]#cmd_} hostA|hostB"
    host_ip "$1" >/dev/null
}
cmd_stop_host() {
    need_host_arg "$@"
    stop_hosts "$1"
}
cmd_start_host() {
    need_host_arg "$@"
    start_host "$1"
    wait_host "$1" || die "$1 failed to start"
}
cmd_restart_host() {
    need_host_arg "$@"
    stop_hosts "$1"
    start_host "$1"
    wait_host "$1" || die "$1 failed to start"
}

# The header comment of this file is the help text (to stderr when it answers a usage error).
usage() {
    local code="${1:-0}"
    if ((code == 0)); then
        sed -n '2,/^set -euo/p' "$SELF" | sed '$d' | sed 's/^# \{0,1\}//'
    else
        sed -n '2,/^set -euo/p' "$SELF" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    fi
    exit "$code"
}

# Serialise everything that changes state: two `up`s racing would start four daemons.
take_lock() {
    mkdir -p "$RUN"
    exec 9>"$RUN/lock"
    flock 9
}

main() {
    local cmd="${1:-}"
    [[ -n "$cmd" ]] || usage 2
    shift
    if [[ "$cmd" == _host-exec ]]; then
        host_exec "$@"
    fi
    [[ "$cmd" == guest-xml || "$cmd" == help || "$cmd" == -h || "$cmd" == --help ]] ||
        [[ "$(id -u)" -eq 0 ]] || die "must run as root"
    case "$cmd" in
    install) take_lock && cmd_install ;;
    up) take_lock && cmd_up ;;
    down) take_lock && cmd_down ;;
    status) cmd_status ;;
    guest-xml) cmd_guest_xml "$@" ;;
    guest-start) take_lock && cmd_guest_start "$@" ;;
    stop-host) take_lock && cmd_stop_host "$@" ;;
    start-host) take_lock && cmd_start_host "$@" ;;
    restart-host) take_lock && cmd_restart_host "$@" ;;
    help | -h | --help) usage 0 ;;
    *)
        log "unknown subcommand '$cmd'"
        usage 2
        ;;
    esac
}

main "$@"
