#!/bin/sh
# udhcpc hook for the testbed guest: put the lease on the interface udhcpc was given (the failover
# master) and route through the router it names (QEMU user-mode: 10.0.2.15/24 via 10.0.2.2).
# shellcheck disable=SC2154 # udhcpc passes interface, ip, mask and router in the environment
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do
        ip route replace default via "$r" dev "$interface"
        break
    done
    ;;
esac
exit 0
