# shellcheck shell=bash
# The guest image: a Debian kernel unpacked (never installed), static helpers, an initramfs with the
# net_failover modules, and which accelerator really boots it.
# Sourced by scripts/testbed.sh, which defines the settings, log and die.

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
    new_temp tmp -d
    (cd "$tmp" && apt-get download -o APT::Sandbox::User=root "$pkg" >&2)
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$tmp"/*.deb "$dir/root"
    rm -rf "$tmp"
    echo "$pkg" >"$dir/package"
}

# Download and unpack (never install) qemu-guest-agent into $CACHE/qemu-ga/: the guest runs the host's
# Debian userland, so the binary and the host's copies of its shared libraries go into the initramfs.
fetch_guest_agent() {
    local dir="$CACHE/qemu-ga" tmp
    [[ -x "$dir/root/usr/sbin/qemu-ga" ]] && return 0
    log "fetching qemu-guest-agent for the guest"
    new_temp tmp -d
    (cd "$tmp" && apt-get download -o APT::Sandbox::User=root qemu-guest-agent >&2) || {
        apt-get update -o DPkg::Lock::Timeout=600 >&2
        (cd "$tmp" && apt-get download -o APT::Sandbox::User=root qemu-guest-agent >&2)
    }
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$tmp"/*.deb "$dir/root"
    rm -rf "$tmp"
}

# Copies an executable and every shared library it loads (as the host resolves them) into the stage.
copy_with_libraries() {
    local bin="$1" stage="$2" dest="$3" lib
    install -D -m 0755 "$bin" "$stage$dest"
    # ldd prints "name => /path (addr)" for libraries and "/lib64/ld-linux... (addr)" for the loader.
    while read -r lib; do
        [[ -n "$lib" ]] || continue
        install -D -m 0755 "$lib" "$stage$lib"
    done < <(ldd "$bin" | awk '/=> \// { print $3 } /^\s*\/[^ ]+ \(/ { print $1 }')
    # Not every ldd output names the loader the binary asks for: put it where PT_INTERP says.
    local interp
    interp="$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')"
    [[ -z "$interp" || -e "$stage$interp" ]] || install -D -m 0755 "$(readlink -f "$interp")" "$stage$interp"
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
    local inputs=("$TEMPLATES/guest-init.sh" "$TEMPLATES/udhcpc.sh" "$CACHE/bin/vfprobe" /bin/busybox "$CACHE/qemu-ga/root/usr/sbin/qemu-ga")
    stamp="$( (cat "$CACHE/kernel/package" && echo "${GUEST_MODULES[*]}" && cat "${inputs[@]}") | sha256sum | cut -d' ' -f1)"
    [[ -f "$out/initramfs.cpio.gz" && -f "$out/vmlinuz" && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]] && return 0
    log "building guest initramfs"
    [[ "$(readelf -l /bin/busybox)" != *"program interpreter"* ]] || die "/bin/busybox is not static (need busybox-static)"
    new_temp stage -d
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,lib/modules}
    cp /bin/busybox "$stage/bin/busybox"
    cp "$TEMPLATES/guest-init.sh" "$stage/init"
    cp "$TEMPLATES/udhcpc.sh" "$stage/etc/udhcpc.sh"
    cp "$CACHE/bin/vfprobe" "$stage/bin/vfprobe"
    chmod 0755 "$stage/init" "$stage/etc/udhcpc.sh" "$stage/bin/vfprobe"
    copy_with_libraries "$CACHE/qemu-ga/root/usr/sbin/qemu-ga" "$stage" /usr/sbin/qemu-ga
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
        new_temp console
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
