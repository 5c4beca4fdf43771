#!/usr/bin/env bash
# build-image.sh: the e2e site's base image, a Debian 12 (bookworm) qcow2 that boots from its
# own disk under BIOS like a cloud image: MBR, one ext4 partition, GRUB in the MBR gap, a
# kernel, cloud-init (NoCloud), openssh-server, sudo, locales, dbus; networking by
# systemd-networkd (cloud-init renders network-config v2 for it). Nothing node or director
# preparation installs (containerd, chrony, curl, gpg, ...): the test proves preparation
# installs it from the site's mirror.
#
# Cached outside the clone, keyed by this file's sha256: a warm run only prints the path.
#   test/e2e/build-image.sh        the LAST stdout line is the image directory, holding
#                                  debian-12-e2e.qcow2, packages.txt and dpkg-status (the
#                                  image's dpkg database, which the mirror resolves against)
# Environment:
#   KVMK8S_E2E_CACHE   optional  cache root (default /var/cache/kvm-k8s/e2e)
#   KVMK8S_E2E_DEBIAN  optional  Debian mirror debootstrap reads (default http://deb.debian.org/debian)
# Runs as root; needs debootstrap, e2fsprogs, fdisk (sfdisk), qemu-utils.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${KVMK8S_E2E_CACHE:-/var/cache/kvm-k8s/e2e}
MIRROR=${KVMK8S_E2E_DEBIAN:-http://deb.debian.org/debian}
key=$(sha256sum "$HERE/build-image.sh" | cut -c1-16)
OUT=$CACHE_ROOT/image-$key
IMAGE=$OUT/debian-12-e2e.qcow2
DISK_MIB=4096
PART_START_MIB=1

# What a cloud image has that matters here. python3-cffi-backend: cloud-init needs it and
# debootstrap does not resolve it (FACTS). cloud-guest-utils: growpart, so cloud-init grows
# the root partition to the volume's size (diskGiB), as on Debian's cloud images. grub-pc-bin + grub2-common: the BIOS bootloader
# without grub-pc's postinst, which would try to install onto the build host's disks.
PACKAGES=(
    systemd systemd-sysv udev kmod procps iproute2 iputils-ping
    cloud-init python3-cffi-backend openssh-server sudo locales dbus cloud-guest-utils
    grub-pc-bin grub2-common
)
# The initramfs only needs to find root on virtio-blk ext4; a short list keeps the build fast.
INITRAMFS_MODULES=(virtio_pci virtio_blk virtio_scsi ext4 crc32c_generic)

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [[ -f "$OUT/complete" && -f "$IMAGE" ]]; then
    log "cached: $OUT (built $(cat "$OUT/complete"))"
    echo "$OUT"
    exit 0
fi

[[ "$EUID" -eq 0 ]] || die "run as root (debootstrap, loop devices)"
for tool in debootstrap mkfs.ext4 sfdisk losetup qemu-img; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install debootstrap e2fsprogs fdisk qemu-utils)"
done

mkdir -p "$CACHE_ROOT"
WORK=$(mktemp -d "$CACHE_ROOT/.build-$key.XXXXXX")
TREE=$WORK/tree
MNT=$WORK/mnt
DISK_LOOP=""
PART_LOOP=""
cleanup() {
    local m
    for m in "$MNT/dev" "$MNT/proc" "$MNT/sys" "$MNT" "$TREE/dev" "$TREE/proc" "$TREE/sys"; do
        if mountpoint -q "$m" 2>/dev/null; then umount -l "$m" || true; fi
    done
    if [[ -n "$PART_LOOP" ]]; then losetup -d "$PART_LOOP" 2>/dev/null || true; fi
    if [[ -n "$DISK_LOOP" ]]; then losetup -d "$DISK_LOOP" 2>/dev/null || true; fi
    rm -rf -- "$WORK"
}
trap cleanup EXIT

chroot_mounts() { # DIR: /dev, /proc, /sys for maintainer scripts
    mount --bind /dev "$1/dev"
    mount -t proc proc "$1/proc"
    mount -t sysfs sys "$1/sys"
}
chroot_umounts() {
    local m
    for m in dev proc sys; do umount "$1/$m"; done
}

start=$(date +%s)
include=$(IFS=,; echo "${PACKAGES[*]}")
log "debootstrap bookworm (minbase) from $MIRROR"
mkdir -p "$CACHE_ROOT/debootstrap-debs"
debootstrap --variant=minbase --cache-dir="$CACHE_ROOT/debootstrap-debs" --include="$include" bookworm "$TREE" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log above)"
}
t_debootstrap=$(($(date +%s) - start))

printf 'deb %s bookworm main\n' "$MIRROR" >"$TREE/etc/apt/sources.list"
# Neither file is a conffile of initramfs-tools, which the kernel pulls in next.
mkdir -p "$TREE/etc/initramfs-tools/conf.d" "$TREE/usr/share/initramfs-tools/modules.d"
printf 'MODULES=list\n' >"$TREE/etc/initramfs-tools/conf.d/kvm-k8s-e2e"
printf '%s\n' "${INITRAMFS_MODULES[@]}" >"$TREE/usr/share/initramfs-tools/modules.d/kvm-k8s-e2e"
log "kernel (initramfs with: ${INITRAMFS_MODULES[*]})"
chroot_mounts "$TREE"
DEBIAN_FRONTEND=noninteractive chroot "$TREE" apt-get install -y --no-install-recommends linux-image-amd64 >"$WORK/kernel.log" 2>&1 || {
    tail -n 30 "$WORK/kernel.log" >&2
    die "installing the kernel failed (log above)"
}
chroot_umounts "$TREE"

# Cloud-image conventions: no host identity baked in; cloud-init sets hostname, host keys
# (the program pins its own) and users; only the NoCloud seed, so boot never waits on a
# metadata server.
: >"$TREE/etc/hostname"
rm -f "$TREE/etc/machine-id" "$TREE/var/lib/dbus/machine-id" "$TREE"/etc/ssh/ssh_host_*
: >"$TREE/etc/machine-id"
printf 'datasource_list: [ NoCloud, None ]\n' >"$TREE/etc/cloud/cloud.cfg.d/90-kvm-k8s-e2e.cfg"
chroot "$TREE" systemctl enable systemd-networkd.service ssh.service serial-getty@ttyS0.service >/dev/null 2>&1
# cloud-init's locale module runs update-locale en_US.UTF-8, which needs it generated.
sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$TREE/etc/locale.gen"
chroot "$TREE" locale-gen >/dev/null
rm -rf "$TREE"/var/cache/apt/archives/*.deb "$TREE"/var/lib/apt/lists/*

kernel=$(cd "$TREE/boot" && find . -maxdepth 1 -name 'vmlinuz-*' | sort | tail -n 1)
initrd=$(cd "$TREE/boot" && find . -maxdepth 1 -name 'initrd.img-*' | sort | tail -n 1)
[[ -n "$kernel" && -n "$initrd" ]] || die "no kernel or initrd in the tree's /boot"

# The disk: MBR, one partition from 1 MiB. This kernel does not scan partitions of loop
# devices (FACTS), so the partition gets a loop device of its own at its offset.
RAW=$WORK/disk.raw
truncate -s "${DISK_MIB}M" "$RAW"
printf 'label: dos\nstart=%dMiB, type=83, bootable\n' "$PART_START_MIB" | sfdisk -q "$RAW"
DISK_LOOP=$(losetup --find --show "$RAW")
PART_LOOP=$(losetup --find --show --offset $((PART_START_MIB * 1024 * 1024)) --sizelimit $(((DISK_MIB - PART_START_MIB) * 1024 * 1024)) "$RAW")
uuid=$(cat /proc/sys/kernel/random/uuid)
mkfs.ext4 -q -F -L root -U "$uuid" -d "$TREE" "$PART_LOOP"
printf 'UUID=%s / ext4 defaults,errors=remount-ro 0 1\n' "$uuid" >"$WORK/fstab"
mkdir -p "$MNT"
mount "$PART_LOOP" "$MNT"
cp "$WORK/fstab" "$MNT/etc/fstab"

# grub-mkconfig skips file-backed loop devices and writes no Linux entry (FACTS): the menu is
# written here, finding root by its filesystem UUID.
mkdir -p "$MNT/boot/grub"
cat >"$MNT/boot/grub/grub.cfg" <<EOF
set timeout=1
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $uuid
menuentry 'Debian GNU/Linux 12 (kvm-k8s e2e)' {
    linux /boot/${kernel#./} root=UUID=$uuid ro console=tty0 console=ttyS0,115200n8
    initrd /boot/${initrd#./}
}
EOF
# core.img with an explicit prefix on the first partition of the boot disk, so nothing
# depends on how grub-install probes the build host's loop devices.
chroot_mounts "$MNT"
chroot "$MNT" grub-install --target=i386-pc --boot-directory=/boot \
    --modules="part_msdos ext2 biosdisk search_fs_uuid" --force "$DISK_LOOP" >"$WORK/grub.log" 2>&1 || {
    cat "$WORK/grub.log" >&2
    die "grub-install failed (log above)"
}
chroot_umounts "$MNT"
dpkg-query --admindir="$MNT/var/lib/dpkg" -W -f '${Package} ${Version}\n' >"$WORK/packages.txt"
cp "$MNT/var/lib/dpkg/status" "$WORK/dpkg-status"
umount "$MNT"
losetup -d "$PART_LOOP"
PART_LOOP=""
losetup -d "$DISK_LOOP"
DISK_LOOP=""

rm -rf "$OUT"
mkdir -p "$OUT"
qemu-img convert -f raw -O qcow2 "$RAW" "$IMAGE"
mv "$WORK/packages.txt" "$WORK/dpkg-status" "$OUT/"
total=$(($(date +%s) - start))
printf 'debootstrap_s\t%s\ntotal_s\t%s\n' "$t_debootstrap" "$total" >"$OUT/build-times.tsv"
date -u +%Y-%m-%dT%H:%M:%SZ >"$OUT/complete"
# Images of earlier recipes are never used again.
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -name 'image-*' ! -name "image-$key" -exec rm -rf {} +
log "built $IMAGE in ${total}s (debootstrap ${t_debootstrap}s; $(wc -l <"$OUT/packages.txt") packages, kernel ${kernel#./vmlinuz-})"
echo "$OUT"
