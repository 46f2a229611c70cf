# shellcheck shell=bash
# A guest: its domain XML from testbed/guest-domain.xml, and defining and starting it on a host.
# Sourced by scripts/testbed.sh, which defines the settings, log and die.

# Domain type for the guest XML: TESTBED_ACCEL (kvm|qemu) overrides the detection.
domain_type() {
    if [[ -n "${TESTBED_ACCEL:-}" ]]; then
        echo "$TESTBED_ACCEL"
    elif [[ -f "$CACHE/guest/stamp" && -x "$CACHE/bin/kvm-check" ]]; then
        detect_accel
    else
        echo qemu # not built yet: the XML is only a preview anyway
    fi
}

# Locally administered, QEMU's 52:54:00 prefix, the rest from the name: the same guest always gets the same MAC.
default_mac() { md5sum <<<"$1" | sed -E 's/^(..)(..)(..).*/52:54:00:\1:\2:\3/'; }

serial_log() { echo "$CACHE/guests/$1.serial.log"; }

check_name() { [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "bad guest name '$1' (letters, digits, _ . -)"; }

# Parse NAME [--mac MAC] [--host HOST] [--dirty MIB_PER_S] into G_NAME, G_MAC, G_HOST, G_DIRTY.
parse_guest_args() {
    G_NAME="${1:-}"
    [[ -n "$G_NAME" && "$G_NAME" != --* ]] || die "missing guest NAME"
    shift
    check_name "$G_NAME"
    G_MAC="" G_HOST="hostA" G_DIRTY=""
    while (($#)); do
        case "$1" in
        --dirty) G_DIRTY="${2:?--dirty needs MiB per second}" && shift 2 ;;
        --mac) G_MAC="${2:?--mac needs a value}" && shift 2 ;;
        --host) G_HOST="${2:?--host needs a value}" && shift 2 ;;
        *) die "unknown option '$1'" ;;
        esac
    done
    host_ip "$G_HOST" >/dev/null
    G_MAC="${G_MAC:-$(default_mac "$G_NAME")}"
    G_MAC="${G_MAC,,}"
    [[ "$G_MAC" =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || die "bad MAC '$G_MAC'"
    [[ -z "$G_DIRTY" || "$G_DIRTY" =~ ^[1-9][0-9]{0,4}$ ]] || die "bad --dirty '$G_DIRTY' (MiB per second, 1-99999)"
}

cmd_guest_xml() {
    parse_guest_args "$@"
    [[ "$CACHE" =~ ^[A-Za-z0-9/_.+-]+$ ]] || die "cache path '$CACHE' has characters that would need XML escaping"
    local xml
    xml="$(cat "$TEMPLATES/guest-domain.xml")"
    xml="${xml//@DOMAIN_TYPE@/$(domain_type)}"
    xml="${xml//@NAME@/$G_NAME}"
    xml="${xml//@DESCRIPTION@/created on $G_HOST}"
    xml="${xml//@MAC@/$G_MAC}"
    xml="${xml//@KERNEL@/$CACHE/guest/vmlinuz}"
    xml="${xml//@INITRD@/$CACHE/guest/initramfs.cpio.gz}"
    xml="${xml//@CMDLINE@/$GUEST_CMDLINE${G_DIRTY:+ vfmigrate.dirty=$G_DIRTY}}"
    xml="${xml//@SERIAL_LOG@/$(serial_log "$G_NAME")}"
    [[ ! "$xml" =~ @[A-Z_]+@ ]] || die "unfilled placeholder in $TEMPLATES/guest-domain.xml"
    # QEMU opens the serial log when the domain starts, from XML we may only print here: its folder must exist.
    mkdir -p "$CACHE/guests"
    printf '%s\n' "$xml"
}

domain_running_on() { [[ "$(vsh "$1" domstate "$2" 2>/dev/null)" == running* ]]; }

cmd_guest_start() {
    parse_guest_args "$@"
    local name="$G_NAME" host="$G_HOST" other h xmlfile log
    if [[ -z "$(host_pid "$host")" ]] || ! host_answers "$host"; then
        die "$host is not up (scripts/testbed.sh up)"
    fi
    if domain_running_on "$host" "$name"; then
        log "$name already running on $host"
        return 0
    fi
    for other in "${HOSTS[@]}"; do
        [[ "$other" != "$host" ]] || continue
        if [[ -n "$(host_pid "$other")" ]] && domain_running_on "$other" "$name"; then
            die "$name is running on $other, not $host"
        fi
    done
    [[ -f "$CACHE/guest/initramfs.cpio.gz" ]] || die "guest not built (scripts/testbed.sh install)"
    mkdir -p "$CACHE/guests"
    xmlfile="$CACHE/guests/$name.xml"
    cmd_guest_xml "$name" --mac "$G_MAC" --host "$host" >"$xmlfile"
    # A fresh boot gets a fresh log (the previous one is kept as .1); a migrated guest keeps appending.
    log="$(serial_log "$name")"
    [[ -f "$log" ]] && mv -f "$log" "$log.1"
    # Our XML is authoritative: drop stale inactive definitions of this name on every host (define would clash
    # on the UUID here, and a later `migrate --persistent` would clash on the other host).
    for h in "${HOSTS[@]}"; do
        [[ -n "$(host_pid "$h")" ]] || continue
        if vsh "$h" dominfo "$name" >/dev/null 2>&1; then vsh "$h" undefine "$name" >/dev/null; fi
    done
    vsh "$host" define "$xmlfile" >/dev/null
    vsh "$host" start "$name" >/dev/null
    log "$name started on $host ($(domain_type), MAC $G_MAC${G_DIRTY:+, dirtying $G_DIRTY MiB/s}), serial log $log"
}
