#!/usr/bin/env bash
# build-image.sh OUT_DIR: build a Debian 12 (bookworm) root disk for the real-VM test
# (test/vm/boot.vm.ts) into OUT_DIR: rootfs.img (raw ext4, no partition table, no bootloader),
# vmlinuz and initrd.img (booted directly by qemu -kernel/-initrd with root=/dev/vda).
# The tree is made with debootstrap from the Debian mirror; networking in the guest is
# systemd-networkd (ifupdown is NOT installed), so cloud-init renders the project's
# network-config v2 with its networkd renderer. Runs as root. The caller caches OUT_DIR under
# a key that hashes this file, so any edit here rebuilds the image.
set -euo pipefail

OUT="${1:?usage: build-image.sh OUT_DIR}"
MIRROR="${KVMK8S_VM_MIRROR:-http://deb.debian.org/debian}"
# The VM has no network (restrict=on), so what node preparation would install from a mirror
# is pre-installed; gpg is not: preparation must not need it (the apt key is kept armored).
PACKAGES=(
    systemd systemd-sysv udev kmod procps iproute2 linux-image-amd64 initramfs-tools
    cloud-init python3-cffi-backend openssh-server sudo chrony containerd
    ca-certificates curl locales
)

[[ "$EUID" -eq 0 ]] || { echo "build-image.sh: run as root (debootstrap needs it)" >&2; exit 1; }
for tool in debootstrap mkfs.ext4; do
    command -v "$tool" >/dev/null || { echo "build-image.sh: $tool is missing (apt-get install debootstrap e2fsprogs)" >&2; exit 1; }
done

WORK="$(mktemp -d "${OUT%/}.build.XXXXXX")"
cleanup() {
    for m in proc sys dev; do umount -l "$WORK/tree/$m" 2>/dev/null || true; done
    rm -rf -- "$WORK"
}
trap cleanup EXIT
TREE="$WORK/tree"

include="$(IFS=,; echo "${PACKAGES[*]}")"
echo "debootstrap bookworm (minbase) from $MIRROR with: ${PACKAGES[*]}"
debootstrap --variant=minbase --include="$include" bookworm "$TREE" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    echo "build-image.sh: debootstrap failed (log above)" >&2
    exit 1
}

# Root on the whole virtio disk; no swap.
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' >"$TREE/etc/fstab"
# cloud-init sets the hostname; clear the build host's.
: >"$TREE/etc/hostname"
rm -f "$TREE/etc/machine-id" "$TREE/var/lib/dbus/machine-id"
: >"$TREE/etc/machine-id"
# Only the NoCloud seed (the cloud-init disk), so boot never waits on a metadata server.
printf 'datasource_list: [ NoCloud, None ]\n' >"$TREE/etc/cloud/cloud.cfg.d/90-kvm-k8s-vm-test.cfg"
# networkd brings up what cloud-init renders; resolved is not installed, so cloud-init's
# nameservers go to /etc/resolv.conf via networkd's DNS= only for networkctl. Good enough:
# the test checks addresses and routes, not name resolution.
chroot "$TREE" systemctl enable systemd-networkd.service >/dev/null 2>&1 || true
chroot "$TREE" systemctl enable ssh.service >/dev/null 2>&1 || true
# The debootstrap host's ssh host keys must not leak into the image: cloud-init writes the
# pinned one from user-data.
rm -f "$TREE"/etc/ssh/ssh_host_*
# cloud-init's locale module sets en_US.UTF-8 (its Debian default) with update-locale, which
# refuses a locale that is not generated; Debian's cloud images ship it generated.
sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$TREE/etc/locale.gen"
chroot "$TREE" locale-gen >/dev/null
# Serial console login, handy when reading the log.
chroot "$TREE" systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1 || true
# The initramfs must be able to mount root from virtio-blk ext4 (MODULES=most has both).
grep -q '^MODULES=most' "$TREE/etc/initramfs-tools/initramfs.conf" || {
    echo "build-image.sh: initramfs.conf is not MODULES=most; virtio_blk may be missing" >&2
    exit 1
}
rm -rf "$TREE"/var/cache/apt/archives/*.deb "$TREE"/var/lib/apt/lists/*

kernel="$(find "$TREE/boot" -maxdepth 1 -name 'vmlinuz-*' | sort | tail -n 1)"
initrd="$(find "$TREE/boot" -maxdepth 1 -name 'initrd.img-*' | sort | tail -n 1)"
[[ -n "$kernel" && -n "$initrd" ]] || { echo "build-image.sh: no kernel/initrd in $TREE/boot" >&2; exit 1; }

mkdir -p "$OUT"
cp "$kernel" "$OUT/vmlinuz"
cp "$initrd" "$OUT/initrd.img"
rm -f "$OUT/rootfs.img"
truncate -s 4G "$OUT/rootfs.img"
mkfs.ext4 -q -F -L root -d "$TREE" "$OUT/rootfs.img"
dpkg-query --admindir="$TREE/var/lib/dpkg" -W -f '${Package} ${Version}\n' >"$OUT/packages.txt"
echo "image ready: $OUT ($(basename "$kernel"), $(wc -l <"$OUT/packages.txt") packages)"
