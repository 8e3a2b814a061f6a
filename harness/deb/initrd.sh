#!/usr/bin/env bash
# A small initramfs for a kernel of Debian's configuration on the check-deb guest's 9p root:
# Debian builds virtio_pci, 9p and overlay as modules, and its kernel packages make no initramfs
# without initramfs-tools. Unpacks the linux-image package DEB into DIR/root (not installed),
# runs depmod there, and writes DIR/initrd.img: busybox, the modules the 9p root needs (those the
# kernel has built in are left out), and an init that loads them, mounts the root read-only and
# hands over to the init named by init= on the kernel command line.
#   initrd.sh DIR DEB   -> DIR/root/lib/modules/<release>, DIR/initrd.img
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

dir=$1 deb=$2
[ -f "$deb" ] || die "no package $deb"
apt_install busybox-static kmod cpio
rm -rf "$dir/root"
dpkg-deb -x "$deb" "$dir/root"
release=$(basename "$dir"/root/lib/modules/*)
depmod -b "$dir/root" "$release"

ramfs=$(mktemp -d)
trap 'rm -rf "$ramfs"' EXIT
mkdir -p "$ramfs/bin" "$ramfs/modules" "$ramfs/root" "$ramfs/proc" "$ramfs/dev"
cp "$(command -v busybox)" "$ramfs/bin/busybox"
touch "$ramfs/modules/order"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$dir/root" -S "$release" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$ramfs/modules/"
	echo "${ko##*/}" >>"$ramfs/modules/order"
done
cat >"$ramfs/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
for m in $(/bin/busybox cat /modules/order); do /bin/busybox insmod /modules/$m; done
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose root /root
init=$(/bin/busybox sed -n 's/.* init=\([^ ]*\).*/\1/p' /proc/cmdline)
/bin/busybox umount /dev /proc
exec /bin/busybox switch_root /root "$init"
INIT
chmod +x "$ramfs/init"
(cd "$ramfs" && find . | cpio -o -H newc --quiet) | gzip >"$dir/initrd.img"
info "$(basename "$deb"): $release, initramfs with $(wc -l <"$ramfs/modules/order") modules"
