#!/usr/bin/env bash
# Debian's own kernel for make check-deb FLAVOUR=stock, the rows as they are without the series:
# the linux-image-6.1.0-*-amd64-unsigned package of the running mirror, unpacked (not installed:
# it would want initramfs-tools) into build/ours/deb/stock/, with a small initramfs that loads
# what the 9p root needs (Debian builds virtio_pci, 9p and overlay as modules) and hands over to
# the init named by init= on the kernel command line.
#   stock.sh   -> build/ours/deb/stock/obj/arch/x86/boot/bzImage, initrd.img, root/lib/modules
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

dir=$BUILD/ours/deb/stock
if [ -f "$dir/initrd.img" ]; then exit 0; fi
apt_install busybox-static kmod cpio
mkdir -p "$dir"
pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | sort -V | tail -n 1 | cut -d' ' -f1)
[ -n "$pkg" ] || die "no linux-image-6.1.0-*-amd64-unsigned package in the apt lists"
step "fetching $pkg"
(cd "$dir" && rm -f ./*.deb && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' >&2) || die "apt-get download $pkg failed"
rm -rf "$dir/root"
dpkg-deb -x "$dir"/linux-image-*.deb "$dir/root"
release=$(basename "$dir"/root/lib/modules/*)
depmod -b "$dir/root" "$release"
mkdir -p "$dir/obj/${IMAGE%/*}"
cp "$dir/root/boot/vmlinuz-$release" "$dir/obj/$IMAGE"

ramfs=$(mktemp -d)
trap 'rm -rf "$ramfs"' EXIT
mkdir -p "$ramfs/bin" "$ramfs/modules" "$ramfs/root" "$ramfs/proc" "$ramfs/dev"
cp "$(command -v busybox)" "$ramfs/bin/busybox"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$dir/root" -S "$release" --show-depends "$m" | awk '{ print $2 }'
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
info "$pkg: $release, initramfs with $(wc -l <"$ramfs/modules/order") modules"
