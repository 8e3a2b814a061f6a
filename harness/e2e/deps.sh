#!/usr/bin/env bash
# E2E dependencies: the real container tools the demo and the end-to-end job run in the guest
# (the guest boots the host's root, so installing them here puts them there), and Debian's
# busybox-static for two foreign architectures, unpacked under build/e2e-deps/<arch>/busybox.
#   deps.sh            install what is missing; print nothing else when all is there
# The foreign .debs come through apt-get with a private state directory (lists, cache, an empty
# dpkg status) and the host's own sources: the host's dpkg keeps its single architecture.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

DEPS=$BUILD/e2e-deps
FOREIGN_ARCHES=${FOREIGN_ARCHES:-arm64 armhf}
# One at a time: make check starts one early, beside the builds, and the e2e job's waits for it.
mkdir -p "$DEPS"
exec 7>"$DEPS/.lock"
flock 7

apt_install qemu-user-static binfmt-support lxc uidmap systemd util-linux file
# LXC's busybox template copies the host's busybox; either Debian package has one.
command -v busybox >/dev/null || apt_install busybox-static

missing=()
for arch in $FOREIGN_ARCHES; do
	[ -x "$DEPS/$arch/busybox" ] || missing+=("$arch")
done
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" -eq 0 ] || die "busybox-static for ${missing[*]} is missing (run as root: harness/e2e/deps.sh)"
step "fetching busybox-static for ${missing[*]} (private apt state in ${DEPS#"$TOP"/}/apt)"
state=$DEPS/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
opts=(-q -o "APT::Architecture=${missing[0]}" -o "Dir::State::Lists=$state/lists"
	-o "Dir::State::status=/dev/null" -o "Dir::Cache=$state/cache" -o Debug::NoLocking=1
	-o Acquire::Languages=none -o APT::Sandbox::User=root)
for arch in "${missing[@]}"; do opts+=(-o "APT::Architectures::=$arch"); done
# An index that fails (a mirror mid-sync) matters only if busybox-static cannot be had: the
# download below says so.
apt-get "${opts[@]}" update >"$state/update.log" 2>&1 ||
	warn "apt-get update for ${missing[*]} reported errors (log: ${state#"$TOP"/}/update.log); trying the download"
for arch in "${missing[@]}"; do
	(cd "$state/debs" && apt-get "${opts[@]}" download "busybox-static:$arch") >>"$state/update.log" 2>&1 ||
		{ tail -5 "$state/update.log" >&2; die "apt-get download busybox-static:$arch failed (log: ${state#"$TOP"/}/update.log)"; }
	debs=("$state/debs"/busybox-static_*_"$arch".deb)
	deb=${debs[-1]}
	rm -rf "$DEPS/$arch.tmp"
	dpkg-deb -x "$deb" "$DEPS/$arch.tmp"
	mkdir -p "$DEPS/$arch"
	mv "$DEPS/$arch.tmp/bin/busybox" "$DEPS/$arch/busybox"
	rm -rf "$DEPS/$arch.tmp"
	info "$arch: ${DEPS#"$TOP"/}/$arch/busybox ($(file -b "$DEPS/$arch/busybox" | cut -d, -f1-2))"
done
