#!/bin/busybox sh
# shellcheck shell=dash
# /init of the vfmigrate testbed guest (busybox-static in an initramfs, no disk).
#
# It brings up a net_failover team exactly as a correctly configured tenant VM would (address on the
# failover master only, never on its slaves) and then runs vfprobe, which reports the network blackout
# and every failover topology change on the serial console. Lines for the host start with "VFPROBE ";
# everything else on the console is informational.
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

# The failover master is the netdev that the standby (and, once present, the primary) name as their master.
find_master() {
    for link in /sys/class/net/*/master; do
        [ -e "$link" ] || continue
        basename "$(readlink "$link")"
        return 0
    done
    return 1
}

master=""
i=0
while [ -z "$master" ]; do
    master="$(find_master || true)"
    [ -n "$master" ] && break
    i=$((i + 1))
    # Not teamed (e.g. a NIC without its <teaming> element): say so loudly, keep looking.
    if [ $((i % 50)) -eq 0 ]; then
        netdevs=""
        for n in /sys/class/net/*; do netdevs="$netdevs${n##*/},"; done
        say error "msg=no-failover-master-yet netdevs=$netdevs"
    fi
    sleep 0.1
done
say boot "master=$master"

# DHCP on the master only: the slaves share its MAC, and a lease on a slave is the trap that took the
# source document's VM off the network. -q: take one lease and exit (QEMU's user-mode DHCP never expires
# within a test), the address then stays on the master across failovers and migrations.
ip link set "$master" up
until udhcpc -i "$master" -s /etc/udhcpc.sh -q -f -n -t 5 -T 1 >/dev/null 2>&1; do
    say error "msg=dhcp-failed-retrying master=$master"
    sleep 1
done

while true; do
    /bin/vfprobe 10.0.2.2
    say error "msg=vfprobe-exited-rc=$?-restarting"
    sleep 1
done
