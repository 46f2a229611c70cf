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
#   guest-xml NAME [--mac MAC] [--host HOST] print the guest domain XML
#   guest-start NAME [--host HOST] [--mac MAC]  define + start the guest on HOST (default hostA)
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

PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils busybox-static
    gcc libc6-dev binutils)
# Guest modules in load order; their dependencies are added (before them) at build time.
GUEST_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover
    virtio_net e1000 e1000e)
GUEST_CMDLINE="console=ttyS0 loglevel=4 panic=0 mitigations=off"

log() { echo "testbed: $*" >&2; }
die() {
    echo "testbed: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------- hosts

host_ip() {
    case "$1" in
    hostA) echo 127.0.0.2 ;;
    hostB) echo 127.0.0.3 ;;
    *) die "unknown host '$1' (expected hostA or hostB)" ;;
    esac
}
host_uri() { echo "qemu+tcp://$(host_ip "$1")/system"; }
# Fixed per host: libvirt refuses to migrate between hosts with the same host UUID, and there is no SMBIOS.
host_uuid() {
    case "$1" in
    hostA) echo 7f1d5c2a-6b0e-4c1f-9a57-0000000000a1 ;;
    hostB) echo 7f1d5c2a-6b0e-4c1f-9a57-0000000000b2 ;;
    esac
}
# Disjoint migration port ranges so two incoming migrations can never race for the same port.
host_migration_ports() {
    case "$1" in
    hostA) echo "49152 49183" ;;
    hostB) echo "49184 49215" ;;
    esac
}
host_dir() { echo "$CACHE/hosts/$1"; }
host_pidfile() { echo "$RUN/$1.pid"; }
host_out() { echo "$RUN/$1.out"; }

# virsh against one host, English messages (callers classify errors by text).
vsh() {
    local host="$1"
    shift
    LC_ALL=C virsh -q -c "$(host_uri "$host")" "$@"
}

# PID of a libvirtd this testbed started for HOST, or nothing. The PID file alone is not proof (PIDs get
# reused): the process must carry our marker in its environment and be libvirtd, or still be on its way to
# exec it (setsid -> unshare -> testbed.sh _host-exec -> libvirtd all keep the one PID).
host_pid() {
    local host="$1" pid
    pid="$(cat "$(host_pidfile "$host")" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    local cmdline environ
    cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 0
    environ="$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ")" || return 0
    [[ "$cmdline" == *"libvirtd --listen"* || "$cmdline" == *"testbed.sh _host-exec $host"* ]] || return 0
    [[ $'\n'"$environ"$'\n' == *$'\n'"VFMIGRATE_TESTBED_HOST=$(host_dir "$host")"$'\n'* ]] || return 0
    echo "$pid"
}

host_answers() { LC_ALL=C timeout 10 virsh -c "$(host_uri "$1")" version >/dev/null 2>&1; }

# Is anything listening on IP:16509 (0x407D), or on the wildcard address at that port (a system libvirtd)?
# Used to refuse to start over a daemon that is not ours.
port_in_use() {
    local a b c d hex_ip
    IFS=. read -r a b c d <<<"$1"
    hex_ip="$(printf '%02X%02X%02X%02X' "$d" "$c" "$b" "$a")" # /proc/net/tcp: little-endian hex
    awk -v want="$hex_ip:407D" '($2 == want || $2 == "00000000:407D") && $4 == "0A" { found = 1 } END { exit !found }' \
        /proc/net/tcp
}

write_host_config() {
    local host="$1" dir ip ports
    dir="$(host_dir "$host")"
    ip="$(host_ip "$host")"
    read -r -a ports <<<"$(host_migration_ports "$host")"
    mkdir -p "$dir"/{etc,run,lib,log,cache}
    cat >"$dir/etc/libvirtd.conf" <<EOF
# Written by scripts/testbed.sh for $host; rewritten at every start.
listen_tls = 0
listen_tcp = 1
listen_addr = "$ip"
tcp_port = "16509"
auth_tcp = "none"
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_group = "root"
host_uuid = "$(host_uuid "$host")"
log_outputs = "${TESTBED_LIBVIRT_LOG_LEVEL:-3}:file:/var/log/libvirt/libvirtd.log"
EOF
    # No systemd, no cgroups, no virtlogd, no SELinux/AppArmor: QEMU runs as root with stdio to a file.
    cat >"$dir/etc/qemu.conf" <<EOF
# Written by scripts/testbed.sh for $host; rewritten at every start.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_address = "$ip"
migration_host = "$ip"
migration_port_min = ${ports[0]}
migration_port_max = ${ports[1]}
EOF
}

# Runs INSIDE the new namespaces (via `unshare ... testbed.sh _host-exec HOST`): hide the machine's libvirt
# directories behind the host's private ones, take the host's name, and become libvirtd (exec keeps the PID).
host_exec() {
    local host="$1" dir
    dir="$(host_dir "$host")"
    mount --bind "$dir/etc" /etc/libvirt
    mount --bind "$dir/run" /run/libvirt
    mount --bind "$dir/lib" /var/lib/libvirt
    mount --bind "$dir/log" /var/log/libvirt
    mount --bind "$dir/cache" /var/cache/libvirt
    hostname "$host"
    # The default PID file /run/libvirtd.pid is outside the private dirs: both daemons would fight over it.
    exec libvirtd --listen --pid-file /run/libvirt/libvirtd.pid --config /etc/libvirt/libvirtd.conf
}

start_host() {
    local host="$1" ip pid
    ip="$(host_ip "$host")"
    if pid="$(host_pid "$host")" && [[ -n "$pid" ]]; then
        log "$host already up (pid $pid)"
        return 0
    fi
    port_in_use "$ip" && die "$ip:16509 is taken by a process this testbed did not start; refusing to start $host"
    write_host_config "$host"
    rm -f "$(host_dir "$host")/run/libvirtd.pid"
    # The mount points must exist on the machine to bind over them.
    mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
    mkdir -p "$RUN"
    log "starting $host on $(host_uri "$host")"
    # setsid: detach from our session so the daemon outlives this script; 9>&- : don't inherit the lock.
    # unshare without --fork execs, and so does _host-exec: $! is libvirtd's PID.
    VFMIGRATE_TESTBED_HOST="$(host_dir "$host")" \
        setsid unshare --mount --uts --propagation private -- "$SELF" _host-exec "$host" \
        </dev/null >>"$(host_out "$host")" 2>&1 9>&- &
    echo $! >"$(host_pidfile "$host")"
}

wait_host() {
    local host="$1" deadline pid
    deadline=$((SECONDS + START_TIMEOUT_S))
    until host_answers "$host"; do
        # The PID we just recorded: right after the fork it is not yet recognisable as libvirtd (host_pid
        # would say no), but as long as it exists the daemon may still come up.
        pid="$(cat "$(host_pidfile "$host")" 2>/dev/null || true)"
        [[ -n "$pid" && -d "/proc/$pid" ]] || pid=""
        if [[ -z "$pid" ]] || ((SECONDS >= deadline)); then
            if [[ -z "$pid" ]]; then
                log "$host: libvirtd exited before answering on $(host_uri "$host")"
            else
                log "$host: libvirtd (pid $pid) did not answer on $(host_uri "$host") within ${START_TIMEOUT_S}s"
            fi
            log "--- $(host_out "$host") (tail)"
            tail -n 20 "$(host_out "$host")" >&2 || true
            log "--- $(host_dir "$host")/log/libvirtd.log (tail)"
            tail -n 20 "$(host_dir "$host")/log/libvirtd.log" >&2 || true
            return 1
        fi
        sleep 0.2
    done
    log "$host up: $(host_uri "$host") pid $(host_pid "$host")"
}

# Stop the libvirtd of each given host (SIGTERM to all first, so they shut down in parallel; SIGKILL after
# 10 s). Only PIDs host_pid vouches for are signalled. Their guests keep running.
stop_hosts() {
    local host pid i pids=()
    for host in "$@"; do
        pid="$(host_pid "$host")"
        if [[ -z "$pid" ]]; then
            log "$host already down"
        else
            log "stopping $host (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    for ((i = 0; i < 100 && ${#pids[@]} > 0; i++)); do
        for pid in "${!pids[@]}"; do [[ -d "/proc/${pids[$pid]}" ]] || unset "pids[$pid]"; done
        ((${#pids[@]} > 0)) && sleep 0.1
    done
    for pid in "${pids[@]}"; do
        log "libvirtd pid $pid did not exit on SIGTERM within 10 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    done
    ((${#pids[@]} == 0)) || sleep 0.2
    for host in "$@"; do rm -f "$(host_pidfile "$host")"; done
}

# Destroy and undefine every domain of a host that is up, so the next `up` starts from a clean slate.
clear_host_domains() {
    local host="$1" dom
    [[ -n "$(host_pid "$host")" ]] && host_answers "$host" || return 0
    while read -r dom; do
        [[ -n "$dom" ]] || continue
        log "$host: destroying $dom"
        vsh "$host" destroy "$dom" >/dev/null 2>&1 || true
        vsh "$host" undefine "$dom" >/dev/null 2>&1 || true
    done < <(vsh "$host" list --all --name 2>/dev/null)
}

# QEMU processes of this testbed: they boot our kernel from $CACHE. libvirtd leaves QEMU running when it
# exits, so these can outlive their host.
testbed_qemu_pids() {
    local p cmdline
    for p in /proc/[0-9]*; do
        cmdline="$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" || continue
        [[ "$cmdline" == *qemu-system-*" -kernel $CACHE/"* ]] && echo "${p#/proc/}"
    done
    return 0
}

kill_leftover_qemu() {
    local pids i
    mapfile -t pids < <(testbed_qemu_pids)
    ((${#pids[@]} > 0)) || return 0
    log "killing leftover testbed QEMU: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        mapfile -t pids < <(testbed_qemu_pids)
        ((${#pids[@]} > 0)) || return 0
        sleep 0.1
    done
    log "QEMU still running after SIGTERM: SIGKILL ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------- install

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do pkg_installed "$p" || missing+=("$p"); done
    if ((${#missing[@]} == 0)); then return 0; fi
    log "installing: ${missing[*]}"
    # Never libvirt-daemon-system: it wants systemd. --no-install-recommends keeps it (and more) out.
    local apt=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600)
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${missing[@]}"; then
        log "apt-get install failed; refreshing package lists and retrying"
        apt-get update -o DPkg::Lock::Timeout=600
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${missing[@]}"
    fi
}

# libvirtd's QEMU driver fails to initialise when this user is missing, even with user = "root".
ensure_qemu_user() {
    getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
    getent passwd libvirt-qemu >/dev/null ||
        useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu
}

# The concrete kernel package behind linux-image-amd64 (the generic flavour: the cloud one lacks e1000e).
kernel_package() {
    local pkg
    pkg="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
    if [[ -z "$pkg" ]]; then
        apt-get update -o DPkg::Lock::Timeout=600 >&2
        pkg="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
    fi
    [[ -n "$pkg" ]] || die "cannot resolve the package linux-image-amd64 depends on"
    echo "$pkg"
}

# Download and unpack (never install) the guest kernel into $CACHE/kernel/. Once unpacked it is kept (a
# newer Debian kernel is picked up only after `rm -rf .cache/testbed/kernel`): resolving the package
# costs apt-cache ~1.5 s, too much for every `up`.
fetch_kernel() {
    local pkg dir="$CACHE/kernel" tmp
    if [[ -s "$dir/package" ]] && kernel_image >/dev/null; then
        return 0
    fi
    pkg="$(kernel_package)"
    log "fetching guest kernel $pkg"
    tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2)
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$tmp"/*.deb "$dir/root"
    rm -rf "$tmp"
    echo "$pkg" >"$dir/package"
}

kernel_image() {
    local f
    for f in "$CACHE"/kernel/root/boot/vmlinuz-*; do
        [[ -f "$f" ]] && {
            echo "$f"
            return 0
        }
    done
    return 1
}
kernel_moddir() { echo "$CACHE/kernel/root/lib/modules/$(basename "$(kernel_image)" | sed 's/^vmlinuz-//')"; }

# Build a static helper from testbed/NAME.c into $CACHE/bin/NAME when its source changed.
build_helper() {
    local name="$1" src="$TEMPLATES/$1.c" out="$CACHE/bin/$1" sum
    sum="$(sha256sum "$src" | cut -d' ' -f1)"
    [[ -x "$out" && "$(cat "$out.sha256" 2>/dev/null)" == "$sum" ]] && return 0
    log "compiling $name"
    mkdir -p "$CACHE/bin"
    gcc -O2 -Wall -Wno-format-truncation -static -o "$out.tmp" "$src"
    mv "$out.tmp" "$out"
    echo "$sum" >"$out.sha256"
}

# Module file for a module name (file names may use '-' where module names use '_').
module_file() {
    local name="$1" f
    f="$(find "$(kernel_moddir)/kernel" \( -name "$name.ko" -o -name "${name//_/-}.ko" \) -print -quit)"
    [[ -n "$f" ]] || die "module $name not found in $(kernel_moddir)"
    echo "$f"
}

module_depends() { objcopy -O binary -j .modinfo "$1" /dev/stdout | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '; }

# Depth-first: dependencies before the module, each once. Appends to the global LOAD_ORDER.
add_module() {
    local name="$1" dep
    [[ " ${LOAD_ORDER[*]} " == *" $name "* ]] && return 0
    for dep in $(module_depends "$(module_file "$name")"); do add_module "$dep"; done
    LOAD_ORDER+=("$name")
}

build_initramfs() {
    local out="$CACHE/guest" stamp stage m
    local inputs=("$TEMPLATES/guest-init.sh" "$TEMPLATES/udhcpc.sh" "$CACHE/bin/vfprobe" /bin/busybox)
    stamp="$( (cat "$CACHE/kernel/package" && echo "${GUEST_MODULES[*]}" && cat "${inputs[@]}") | sha256sum | cut -d' ' -f1)"
    [[ -f "$out/initramfs.cpio.gz" && -f "$out/vmlinuz" && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]] && return 0
    log "building guest initramfs"
    [[ "$(readelf -l /bin/busybox)" != *"program interpreter"* ]] || die "/bin/busybox is not static (need busybox-static)"
    stage="$(mktemp -d)"
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,lib/modules}
    cp /bin/busybox "$stage/bin/busybox"
    cp "$TEMPLATES/guest-init.sh" "$stage/init"
    cp "$TEMPLATES/udhcpc.sh" "$stage/etc/udhcpc.sh"
    cp "$CACHE/bin/vfprobe" "$stage/bin/vfprobe"
    chmod 0755 "$stage/init" "$stage/etc/udhcpc.sh" "$stage/bin/vfprobe"
    # The kernel opens /dev/console for init before anything could mount devtmpfs.
    mknod -m 0600 "$stage/dev/console" c 5 1
    mknod -m 0666 "$stage/dev/null" c 1 3
    LOAD_ORDER=()
    for m in "${GUEST_MODULES[@]}"; do add_module "$m"; done
    for m in "${LOAD_ORDER[@]}"; do cp "$(module_file "$m")" "$stage/lib/modules/$m.ko"; done
    printf '%s\n' "${LOAD_ORDER[@]}" >"$stage/lib/modules/load-order"
    mkdir -p "$out"
    (cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -9) >"$out/initramfs.cpio.gz.tmp"
    mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
    cp "$(kernel_image)" "$out/vmlinuz"
    rm -rf "$stage"
    echo "$stamp" >"$out/stamp"
    log "guest initramfs: modules ${LOAD_ORDER[*]}"
}

cmd_install() {
    install_packages
    ensure_qemu_user
    fetch_kernel
    build_helper kvm-check
    build_helper vfprobe
    build_initramfs
    detect_accel >/dev/null
}

# ---------------------------------------------------------------------------------------------- guest

# Does KVM really boot our guest? /dev/kvm can exist and pass simple ioctls while a real guest never gets
# out of the kernel decompressor (seen under nested virtualization). So: kvm-check first (cheap), then boot
# the guest kernel under QEMU with KVM, as libvirt would (default CPU model), and wait for the guest /init's
# first line. Prints kvm or qemu; the result is cached per guest kernel and QEMU version.
detect_accel() {
    local cache="$CACHE/guest/accel" key result=qemu console pid i
    key="$(cat "$CACHE/kernel/package") $(qemu-system-x86_64 --version | head -n1)"
    if [[ -f "$cache" && "$(head -n1 "$cache")" == "$key" ]]; then
        sed -n 2p "$cache"
        return 0
    fi
    if "$CACHE/bin/kvm-check" >/dev/null 2>&1; then
        log "KVM answers ioctls; checking that it boots the guest (up to ${KVM_BOOT_TIMEOUT_S}s)"
        console="$(mktemp)"
        qemu-system-x86_64 -machine q35,accel=kvm -m 256 -nodefaults -display none -no-reboot \
            -kernel "$CACHE/guest/vmlinuz" -initrd "$CACHE/guest/initramfs.cpio.gz" \
            -append "$GUEST_CMDLINE" -serial "file:$console" </dev/null >/dev/null 2>&1 9>&- &
        pid=$!
        for ((i = 0; i < KVM_BOOT_TIMEOUT_S * 5; i++)); do
            if grep -q 'VFPROBE init' "$console" 2>/dev/null; then
                result=kvm
                break
            fi
            [[ -d "/proc/$pid" ]] || break
            sleep 0.2
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -f "$console"
    fi
    log "guest accelerator: $result"
    printf '%s\n%s\n' "$key" "$result" >"$cache"
    echo "$result"
}

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

# Parse NAME [--mac MAC] [--host HOST] into G_NAME, G_MAC, G_HOST.
parse_guest_args() {
    G_NAME="${1:-}"
    [[ -n "$G_NAME" && "$G_NAME" != --* ]] || die "missing guest NAME"
    shift
    check_name "$G_NAME"
    G_MAC="" G_HOST="hostA"
    while (($#)); do
        case "$1" in
        --mac) G_MAC="${2:?--mac needs a value}" && shift 2 ;;
        --host) G_HOST="${2:?--host needs a value}" && shift 2 ;;
        *) die "unknown option '$1'" ;;
        esac
    done
    host_ip "$G_HOST" >/dev/null
    G_MAC="${G_MAC:-$(default_mac "$G_NAME")}"
    G_MAC="${G_MAC,,}"
    [[ "$G_MAC" =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || die "bad MAC '$G_MAC'"
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
    xml="${xml//@CMDLINE@/$GUEST_CMDLINE}"
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
    log "$name started on $host ($(domain_type), MAC $G_MAC), serial log $log"
}

# ---------------------------------------------------------------------------------------------- commands

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
