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

# Pair N's MAC (N from 0): MAC with its last byte plus N, modulo 256 (the model's rule too), so each
# pair of a two-pair guest has its own MAC and the same guest always gets the same ones.
pair_mac() {
    local mac="$1" n="$2"
    printf '%s%02x\n' "${mac%??}" $(((16#${mac: -2} + n) % 256))
}

# How many teamed pairs a shape has; the guest's /init reads it from the kernel command line (vfm.pairs).
shape_pairs() {
    case "$1" in
    plain) echo 0 ;;
    one-pair) echo 1 ;;
    two-pairs) echo 2 ;;
    *) die "bad shape '$1' (expected plain, one-pair or two-pairs)" ;;
    esac
}

# Pair N's virtio standby, on root port 2N+1.
standby_nic() {
    local n="$1" mac="$2"
    cat <<EOF
    <interface type='user'>
      <mac address='$mac'/>
      <model type='virtio'/>
      <link state='down'/>
      <teaming type='persistent'/>
      <alias name='ua-backup$n'/>
      <rom enabled='no'/>
      <address type='pci' domain='0x0000' bus='$(printf '0x%02x' $((2 * n + 1)))' slot='0x00' function='0x0'/>
    </interface>
EOF
}

# Pair N's e1000e standing in for the VF, on root port 2N+2.
primary_nic() {
    local n="$1" mac="$2"
    cat <<EOF
    <interface type='user'>
      <mac address='$mac'/>
      <model type='e1000e'/>
      <alias name='ua-primary$n'/>
      <rom enabled='no'/>
      <address type='pci' domain='0x0000' bus='$(printf '0x%02x' $((2 * n + 2)))' slot='0x00' function='0x0'/>
    </interface>
EOF
}

# The guest's network devices for G_SHAPE: a plain virtio NIC, or one pair per shape_pairs.
guest_nics() {
    local pairs n
    pairs="$(shape_pairs "$G_SHAPE")"
    if ((pairs == 0)); then
        cat <<EOF
    <interface type='user'>
      <mac address='$G_MAC'/>
      <model type='virtio'/>
      <alias name='ua-net0'/>
      <rom enabled='no'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
EOF
        return
    fi
    # Every standby before any primary: each user-mode NIC is a slirp instance numbered in this order, and
    # QEMU (10.0) matches the migrated slirp state by that number. Once the primaries are unplugged the
    # source's standbys must be numbered 0..N-1, as on the destination, which starts without primaries.
    for ((n = 0; n < pairs; n++)); do standby_nic "$n" "$(pair_mac "$G_MAC" "$n")"; done
    for ((n = 0; n < pairs; n++)); do primary_nic "$n" "$(pair_mac "$G_MAC" "$n")"; done
}

# Parse NAME [--mac MAC] [--host HOST] [--shape SHAPE] [--no-vf-driver] [--dirty MIB_PER_S] into G_NAME, G_MAC,
# G_HOST, G_SHAPE, G_NOVFDRIVER, G_DIRTY.
parse_guest_args() {
    G_NAME="${1:-}"
    [[ -n "$G_NAME" && "$G_NAME" != --* ]] || die "missing guest NAME"
    shift
    check_name "$G_NAME"
    G_MAC="" G_HOST="hostA" G_SHAPE="one-pair" G_NOVFDRIVER="" G_DIRTY=""
    while (($#)); do
        case "$1" in
        --dirty) G_DIRTY="${2:?--dirty needs MiB per second}" && shift 2 ;;
        --mac) G_MAC="${2:?--mac needs a value}" && shift 2 ;;
        --no-vf-driver) G_NOVFDRIVER=1 && shift ;;
        --host) G_HOST="${2:?--host needs a value}" && shift 2 ;;
        --shape) G_SHAPE="${2:?--shape needs a value}" && shift 2 ;;
        *) die "unknown option '$1'" ;;
        esac
    done
    shape_pairs "$G_SHAPE" >/dev/null
    host_ip "$G_HOST" >/dev/null
    G_MAC="${G_MAC:-$(default_mac "$G_NAME")}"
    G_MAC="${G_MAC,,}"
    [[ "$G_MAC" =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || die "bad MAC '$G_MAC'"
    [[ -z "$G_DIRTY" || "$G_DIRTY" =~ ^[1-9][0-9]{0,4}$ ]] || die "bad --dirty '$G_DIRTY' (MiB per second, 1-99999)"
}

cmd_guest_xml() {
    parse_guest_args "$@"
    [[ "$CACHE" =~ ^[A-Za-z0-9/_.+-]+$ ]] || die "cache path '$CACHE' has characters that would need XML escaping"
    local xml nics cmdline="$GUEST_CMDLINE"
    xml="$(cat "$TEMPLATES/guest-domain.xml")"
    # The default shape's command line stays as it always was: /init reads a missing vfm.pairs as 1.
    [[ "$G_SHAPE" == one-pair ]] || cmdline+=" vfm.pairs=$(shape_pairs "$G_SHAPE")"
    [[ -z "$G_NOVFDRIVER" ]] || cmdline+=" vfmigrate.novfdriver"
    nics="$(guest_nics)"
    xml="${xml//@DOMAIN_TYPE@/$(domain_type)}"
    xml="${xml//@NAME@/$G_NAME}"
    xml="${xml//@DESCRIPTION@/created on $G_HOST}"
    xml="${xml//@MAC@/$G_MAC}"
    xml="${xml//@KERNEL@/$CACHE/guest/vmlinuz}"
    xml="${xml//@INITRD@/$CACHE/guest/initramfs.cpio.gz}"
    xml="${xml//@CMDLINE@/$cmdline${G_DIRTY:+ vfmigrate.dirty=$G_DIRTY}}"
    xml="${xml//@NICS@/$nics}"
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
    cmd_guest_xml "$@" >"$xmlfile"
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
    log "$name started on $host ($(domain_type), $G_SHAPE, MAC $G_MAC${G_DIRTY:+, dirtying $G_DIRTY MiB/s}), serial log $log"
}
