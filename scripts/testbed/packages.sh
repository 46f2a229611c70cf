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

# libvirtd's QEMU driver fails to initialise when this user is missing, even with user = "root".
ensure_qemu_user() {
    getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
    getent passwd libvirt-qemu >/dev/null ||
        useradd --system --gid libvirt-qemu --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu
}
