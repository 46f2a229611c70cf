# shellcheck shell=bash
# The machine's packages the testbed needs (never installed beyond them) and the user libvirt wants.
# Sourced by scripts/testbed.sh, which defines the settings, log and die.

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

# QEMU >= 10. Debian 12's QEMU 7.2 corrupts a TCG guest's memory now and then around a live migration or a
# PCIe hot-plug (guest kernels panicking with list corruption, stray pointers, a smashed stack: 7 of ~150
# testbed migrations over two days, one per CI run on average); the same runs on QEMU 10.0 had none
# (docs/testbed.md). On Debian 12 it comes from bookworm-backports, which apt never prefers on its own:
# only these packages are taken from it.
QEMU_MIN_VERSION=1:10.0
QEMU_PACKAGES=(qemu-system-x86 qemu-utils)

qemu_recent() {
    local v
    v="$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null)" || return 1
    [[ -n "$v" ]] && pkg_installed qemu-utils && dpkg --compare-versions "$v" ge "$QEMU_MIN_VERSION"
}

install_qemu() {
    qemu_recent && return 0
    local apt=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600) codename
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    if [[ "$codename" == bookworm ]]; then
        local list=/etc/apt/sources.list.d/vfmigrate-bookworm-backports.list
        if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
            log "adding bookworm-backports ($list) for QEMU >= 10"
            echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$list"
        fi
        apt-get update -o DPkg::Lock::Timeout=600
        apt+=(-t bookworm-backports)
    fi
    log "installing: ${QEMU_PACKAGES[*]} (>= $QEMU_MIN_VERSION)"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" "${QEMU_PACKAGES[@]}"
    qemu_recent || die "QEMU >= $QEMU_MIN_VERSION is needed (found $(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || echo none)); Debian 12 takes it from bookworm-backports"
}

# libvirtd's QEMU driver fails to initialise when this user is missing, even with user = "root".
ensure_qemu_user() {
    getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
    getent passwd libvirt-qemu >/dev/null ||
        useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu
}
