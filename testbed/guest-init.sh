#!/bin/busybox sh
# shellcheck shell=dash
# /init of the vfmigrate testbed guest (busybox-static in an initramfs, no disk).
#
# It brings up a net_failover team exactly as a correctly configured tenant VM would (address on the
# failover master only, never on its slaves) and then runs vfprobe, which reports the network blackout
# and every failover topology change on the serial console. Lines for the host start with "VFPROBE ";
# everything else on the console is informational.
# The guest's shape comes on the kernel command line: vfm.pairs=N teamed pairs (absent: 1). With 0 (plain)
# the one virtio NIC carries the address; with 2 or more every failover master comes up, the first
# (lowest name) carries the address and the probe, and a "VFPROBE team" line per master reports its
# slaves whenever they change.
# Never exits: if PID 1 exits the kernel panics and the guest would vanish mid-test.

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /run /tmp
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Keep the serial console for our lines: only warnings and worse from the kernel from now on.
echo "4 4 1 7" > /proc/sys/kernel/printk

uptime_ms() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}0"; }
say() { echo "VFPROBE $1 t=$(uptime_ms) $2"; }
# First sign of life (the host's KVM check waits for it).
say init "kernel=$(uname -r)"

# vfmigrate.novfdriver (testbed.sh guest-start --no-vf-driver): a guest that lacks its VF's driver, so the
# primary never joins the failover (what a tenant image without iavf/mlx5 looks like).
novfdriver=""
case " $(cat /proc/cmdline) " in *" vfmigrate.novfdriver "*) novfdriver=1 ;; esac

# Load in dependency order (the list is written by the host when it builds the initramfs).
while read -r mod; do
    [ -n "$mod" ] || continue
    case "$mod" in e1000 | e1000e) [ -n "$novfdriver" ] && continue ;; esac
    insmod "/lib/modules/$mod.ko" || say error "msg=insmod-failed:$mod"
done < /lib/modules/load-order

ip link set lo up

# The qemu guest agent on its virtio port (the domain names it org.qemu.guest_agent.0): the host asks it
# for the guest's interfaces (guest-network-get-interfaces) and nothing else.
start_guest_agent() {
    local port name
    for port in /sys/class/virtio-ports/*; do
        [ -e "$port/name" ] || continue
        read -r name < "$port/name"
        if [ "$name" = org.qemu.guest_agent.0 ]; then
            mkdir -p /run/qemu-ga
            qemu-ga --method=virtio-serial --path="/dev/${port##*/}" --statedir=/run/qemu-ga \
                --pidfile=/run/qemu-ga.pid --daemonize && say agent "port=${port##*/}" && return 0
            say error "msg=qemu-ga-failed"
            return 1
        fi
    done
    return 1
}
i=0
until start_guest_agent; do
    i=$((i + 1))
    [ "$i" -lt 50 ] || { say error "msg=no-guest-agent-port"; break; }
    sleep 0.1
done

pairs=1
read -r cmdline </proc/cmdline
for word in $cmdline; do
    case "$word" in vfm.pairs=*) pairs="${word#vfm.pairs=}" ;; esac
done

# The failover masters: the netdevs that a standby (and, once present, a primary) name as their master,
# each once, sorted by name, on one line.
find_masters() {
    for link in /sys/class/net/*/master; do
        [ -e "$link" ] || continue
        basename "$(readlink "$link")"
    done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# How many words: no wc, whose padding differs between implementations.
count_words() {
    # shellcheck disable=SC2086 # split on purpose
    set -- $1
    echo $#
}

# A master's slaves as vfprobe names them: standby (virtio_net), primary (anything else), both, or none.
team_slaves() {
    standby="" primary=""
    for link in /sys/class/net/*/master; do
        [ -e "$link" ] || continue
        [ "$(basename "$(readlink "$link")")" = "$1" ] || continue
        dev="${link%/master}"
        if [ "$(basename "$(readlink "$dev/device/driver")")" = virtio_net ]; then standby=standby; else primary=primary; fi
    done
    if [ -n "$standby" ] && [ -n "$primary" ]; then echo standby,primary; else echo "${standby:-${primary:-none}}"; fi
}

# Every 100 ms: one "team" line for each master whose slaves changed (vfprobe follows the first only).
watch_teams() {
    last=""
    while true; do
        now=""
        for m in $masters; do
            slaves="$(team_slaves "$m")"
            now="$now $m=$slaves"
            case "$last " in *" $m=$slaves "*) ;; *) say team "master=$m slaves=$slaves" ;; esac
        done
        last="$now"
        sleep 0.1
    done
}

if [ "$pairs" -eq 0 ]; then
    # Plain: no team to wait for; the one NIC (virtio, no standby feature) carries the address.
    until [ -e /sys/class/net/eth0 ]; do sleep 0.1; done
    master=eth0
else
    masters=""
    i=0
    while [ "$(count_words "$masters")" -lt "$pairs" ]; do
        masters="$(find_masters || true)"
        [ "$(count_words "$masters")" -ge "$pairs" ] && break
        i=$((i + 1))
        # Not teamed (e.g. a NIC without its <teaming> element): say so loudly, keep looking.
        if [ $((i % 50)) -eq 0 ]; then
            netdevs=""
            for n in /sys/class/net/*; do netdevs="$netdevs${n##*/},"; done
            say error "msg=no-failover-master-yet netdevs=$netdevs masters=$(echo "$masters" | tr ' ' ,)"
        fi
        sleep 0.1
    done
    master="${masters%% *}"
fi
if [ "$pairs" -ge 2 ]; then
    say boot "master=$master masters=$(echo "$masters" | tr ' ' ,)"
    # The other masters are up (their teams fail over as the first does) but hold no address: each sits
    # on a QEMU user network of its own with the same 10.0.2.0/24, so one address keeps routing plain.
    for m in $masters; do ip link set "$m" up; done
    watch_teams &
else
    say boot "master=$master"
fi

# DHCP on the master only: the slaves share its MAC, and a lease on a slave is the trap that took the
# source document's VM off the network. -q: take one lease and exit (QEMU's user-mode DHCP never expires
# within a test), the address then stays on the master across failovers and migrations.
ip link set "$master" up
until udhcpc -i "$master" -s /etc/udhcpc.sh -q -f -n -t 5 -T 1 >/dev/null 2>&1; do
    say error "msg=dhcp-failed-retrying master=$master"
    sleep 1
done

# A busy guest (scripts/testbed.sh guest-start NAME --dirty MIB_PER_S puts vfmigrate.dirty=N on the kernel
# command line): dirty memory at that rate beside the probe, restarted like it if it ever exits.
dirty=""
for word in $cmdline; do
    case "$word" in vfmigrate.dirty=*) dirty="${word#vfmigrate.dirty=}" ;; esac
done
if [ -n "$dirty" ]; then
    (while true; do
        /bin/vfprobe --dirty "$dirty"
        say error "msg=dirtier-exited-rc=$?-restarting"
        sleep 1
    done) &
fi

while true; do
    if [ "$pairs" -eq 0 ]; then /bin/vfprobe 10.0.2.2 "$master"; else /bin/vfprobe 10.0.2.2; fi
    say error "msg=vfprobe-exited-rc=$?-restarting"
    sleep 1
done
