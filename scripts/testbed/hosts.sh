# shellcheck shell=bash
# The two libvirt hosts: their addresses and private directories, starting libvirtd in its own
# namespaces, telling our daemons from others, stopping them, and the QEMU they leave behind.
# Sourced by scripts/testbed.sh, which defines the settings, log and die.

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
