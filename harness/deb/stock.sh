#!/usr/bin/env bash
# Debian's own kernel for make check-deb FLAVOUR=stock, the rows as they are without the series:
# the linux-image-6.1.0-*-amd64-unsigned package of the running mirror, unpacked (not installed:
# it would want initramfs-tools) into build/ours/deb/stock/, with initrd.sh's small initramfs
# for the 9p root.
# The package's config goes beside the image as obj/.config: boot.sh picks the machine from it
# (pc for a kernel with PCI; microvm, whose virtio-mmio Debian builds as a module, otherwise).
#   stock.sh   -> build/ours/deb/stock/obj/arch/x86/boot/bzImage, obj/.config, initrd.img,
#                 root/lib/modules
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

dir=$BUILD/ours/deb/stock
if [ -f "$dir/initrd.img" ] && [ -f "$dir/obj/.config" ]; then exit 0; fi
mkdir -p "$dir"
pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | sort -V | tail -n 1 | cut -d' ' -f1)
[ -n "$pkg" ] || die "no linux-image-6.1.0-*-amd64-unsigned package in the apt lists"
step "fetching $pkg"
(cd "$dir" && rm -f ./*.deb && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' >&2) || die "apt-get download $pkg failed"
debs=("$dir"/linux-image-*.deb)
"$H/deb/initrd.sh" "$dir" "${debs[0]}"
release=$(basename "$dir"/root/lib/modules/*)
mkdir -p "$dir/obj/${IMAGE%/*}"
cp "$dir/root/boot/vmlinuz-$release" "$dir/obj/$IMAGE"
cp "$dir/root/boot/config-$release" "$dir/obj/.config"
