#!/bin/bash
# The container's part of `make run` (harness/guest/jobs/demo): run as root of a new user and
# mount namespace (uid 1000 outside), it mounts binfmt_misc, registers the qemu-aarch64 line of
# qemu-user-static's binfmt.d file and runs the arm64 busybox through it, narrating each step.
#   demo-container.sh BUSYBOX_ARM64 BINFMT_D_CONF REPOSITORY
set -u
bin=$1 conf=$2 top=$3 mnt=/proc/sys/fs/binfmt_misc
indent() { sed "s/^/    | /"; }

echo "  \$ unshare --user --map-root-user --mount   (uid 1000 outside, $(id -u) inside)"
if ! err=$(mount -t binfmt_misc binfmt_misc "$mnt" 2>&1); then
	echo "  mount -t binfmt_misc: refused ($err)"
	echo "  => this kernel has no sandboxed binfmt_misc mounts: only host root can register."
	exit 0
fi
echo "  \$ mount -t binfmt_misc binfmt_misc $mnt   -> its own instance: $(cat "$mnt/status"), $(find "$mnt" -mindepth 1 | wc -l) files"
line=$(grep -v "^#" "$conf" | grep .)
echo "  \$ grep . $conf > $mnt/register   (flags ${line##*:})"
if ! printf "%s" "$line" >"$mnt/register"; then
	echo "  register: refused"
	exit 1
fi
echo "  its table now: $(cd "$mnt" && echo *)"
sed -n "1,3p" "$mnt/qemu-aarch64" | indent
cd "$(dirname "$bin")" || exit 1
# The path as the repository names it: the same on every machine.
echo "  \$ cd ${PWD#"$top"/}"
echo "  \$ ./busybox uname -m"
./busybox uname -m | indent
echo "  \$ ./busybox echo hello from arm64"
./busybox echo hello from arm64 | indent
