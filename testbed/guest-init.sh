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

# Load in dependency order (the list is written by the host when it builds the initramfs).
while read -r mod; do
    [ -n "$mod" ] || continue
    insmod "/lib/modules/$mod.ko" || say error "msg=insmod-failed:$mod"
done < /lib/modules/load-order

ip link set lo up

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

# A busy guest (scripts/testbed.sh guest-start NAME --dirty MIB_PER_S puts vfmigrate.dirty=N on the kernel
# command line): dirty memory at that rate beside the probe, restarted like it if it ever exits.
dirty=""
for word in $(cat /proc/cmdline); do
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
    /bin/vfprobe 10.0.2.2
    say error "msg=vfprobe-exited-rc=$?-restarting"
    sleep 1
done
