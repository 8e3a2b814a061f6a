#!/usr/bin/env bash
# Debian packages of our kernel: Debian's own 6.1 amd64 configuration (linux-config-6.1), the
# series applied (build/ours/linux, make tree), built with the kernel's bindeb-pkg.
#   build.sh config FLAVOUR   configure only: build/ours/deb/FLAVOUR/obj/.config
#   build.sh debs FLAVOUR     configure and build: build/ours/deb/FLAVOUR/*.deb
# FLAVOUR: amd64 (Debian's config + configs/deb/outside-debian.config: hours on 2 cores) or qemu
# (the same, trimmed to configs/deb/qemu-guest.modules by localmodconfig, then
# configs/deb/qemu-guest.config: what make check-deb boots). NICE (default 19) is the build's
# niceness: the machine is shared.
# A stopped build goes on where it stopped: build/ours/deb/FLAVOUR/obj is kept (remove the folder
# to start over) and kbuild compiles only what is missing or changed; stop it with Ctrl-C or
# `kill PID` of this script (run_logged then stops every make and compiler under it). Each run
# appends a line to build-sessions (start, seconds, CPU seconds, objects compiled, outcome; a
# stopped run's CPU seconds miss its compilers, which make had not reaped yet); build-time is
# the sum of the seconds of the runs that made the last packages.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

JOBS=${JOBS:-$(nproc)}
NICE=${NICE:-19}
DEB_CONFIGS=$CONFIGS/deb
DEBIAN_CONFIG=/usr/src/linux-config-$(kernel_field ours version)/config.amd64_none_amd64.xz

flavour_dir() { printf '%s\n' "$BUILD/ours/deb/$1"; }

# package_version: Debian's source version, then what we add: 6.1.192-3+binfmtns.30 is
# linux-source-6.1 6.1.192-3 with the 30 patches of patches/6.1.
package_version() {
	local src n
	src=$(dpkg-query -W -f='${Version}' "$BASE_PACKAGE")
	n=$(grep -cv -e '^#' -e '^$' "$TOP/patches/6.1/series")
	printf '%s+binfmtns.%s\n' "$src" "$n"
}

# kmake OBJ ARGS...: make in our tree, out of tree in OBJ, with no "+" after the release (a git
# tree gets one unless LOCALVERSION is set).
kmake() { local obj=$1; shift; make -C "$TREE" O="$obj" LOCALVERSION= "$@"; }

# expect CONFIG FRAGMENT: every value FRAGMENT sets is in CONFIG, or die naming those that are not.
expect() {
	local missing
	missing=$(grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$2" | while IFS= read -r line; do
		case $line in
		"# "*) sym=${line#\# }; sym=${sym%% *}; ! grep -q "^$sym=" "$1" || echo "  $line" ;;
		*) grep -qxF "$line" "$1" || echo "  $line" ;;
		esac
	done)
	[ -z "$missing" ] || die "$(rel "$1") lacks what $(rel "$2") asks for:"$'\n'"$missing"
}

# lsmod_file MODULES OUT: the hand-listed modules as lsmod prints them, for localmodconfig.
lsmod_file() {
	{
		echo 'Module                  Size  Used by'
		grep -v -e '^#' -e '^$' "$1" | awk '{ print $1 " 16384 0" }'
	} >"$2"
}

cmd_config() {
	local flavour=$1 obj
	obj=$(flavour_dir "$flavour")/obj
	[ -d "$TREE" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
	apt_install "linux-config-$(kernel_field ours version)" build-essential flex bison bc libelf-dev \
		libssl-dev cpio kmod rsync python3 dwarves dpkg-dev fakeroot
	mkdir -p "$obj"
	step "configuring $(rel "$obj"): Debian's $(basename "$DEBIAN_CONFIG" .xz) + outside-debian.config"
	xzcat "$DEBIAN_CONFIG" >"$obj/.config"
	(cd "$TREE" && scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
		"$DEB_CONFIGS/outside-debian.config") >"$obj/config.log" 2>&1 || die "merge_config.sh failed"
	kmake "$obj" olddefconfig >>"$obj/config.log" 2>&1 || die "olddefconfig failed"
	case $flavour in
	amd64) expect "$obj/.config" "$DEB_CONFIGS/outside-debian.config" ;;
	qemu)
		step "trimming to configs/deb/qemu-guest.modules (localmodconfig) + qemu-guest.config"
		lsmod_file "$DEB_CONFIGS/qemu-guest.modules" "$obj/lsmod"
		# localmodconfig asks about nothing new after olddefconfig; `yes ''` takes defaults if it does.
		{ yes '' || true; } | kmake "$obj" LSMOD="$obj/lsmod" localmodconfig >>"$obj/config.log" 2>&1 ||
			die "localmodconfig failed (log: $(rel "$obj")/config.log)"
		(cd "$TREE" && scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
			"$DEB_CONFIGS/qemu-guest.config") >>"$obj/config.log" 2>&1 || die "merge_config.sh failed"
		kmake "$obj" olddefconfig >>"$obj/config.log" 2>&1 || die "olddefconfig failed"
		expect "$obj/.config" "$DEB_CONFIGS/qemu-guest.config"
		local m
		for m in BINFMT_MISC SECURITY_APPARMOR; do
			grep -E "^CONFIG_$m=[ym]" "$obj/.config" || die "trimmed config lost CONFIG_$m"
		done
		;;
	*) die "unknown flavour '$flavour' (amd64 or qemu)" ;;
	esac
	info "$(grep -c '=y$' "$obj/.config") options built in, $(grep -c '=m$' "$obj/.config") modules"
}

# record_session DIR START SECONDS CPU RC: one line of DIR/build-sessions for this run; when it
# made the packages, their time (this run's and those of the stopped runs before it) to build-time.
record_session() {
	local dir=$1 outcome=built
	[ "$5" -eq 0 ] || outcome="stopped or failed (status $5)"
	printf '%s\t%s\t%s s\t%s CPU s\t%s objects\t%s\n' "$2" "$(package_version)" "$3" "$4" \
		"$(grep -c '^  CC ' "$dir/build.log")" "$outcome" >>"$dir/build-sessions"
	[ "$5" -ne 0 ] || awk -F'\t' '{ t += $3 } $6 == "built" { last = t; t = 0 } END { print last }' \
		"$dir/build-sessions" >"$dir/build-time"
}

cmd_debs() {
	local flavour=$1 dir obj t0 c0 c1 start version rc=0
	dir=$(flavour_dir "$flavour")
	obj=$dir/obj
	lock_build
	cmd_config "$flavour"
	version=$(package_version)
	rm -f "$dir"/*.deb "$dir"/*.buildinfo "$dir"/*.changes
	if [ -s "$dir/build-sessions" ] && [ "$(tail -n 1 "$dir/build-sessions" | cut -f6)" != built ]; then
		info "going on from the stopped run of $(tail -n 1 "$dir/build-sessions" | cut -f1) ($(rel "$dir")/build-sessions)"
	fi
	step "building $flavour packages $version, nice $NICE, $JOBS jobs (log: $(rel "$dir")/build.log)"
	t0=$SECONDS
	start=$(date -u +%FT%TZ)
	cpu_seconds c0
	run_logged "$dir/build.log" "deb-$flavour" nice -n "$NICE" \
		make -C "$TREE" O="$obj" LOCALVERSION= -j"$JOBS" KDEB_PKGVERSION="$version" \
		KDEB_SOURCENAME=linux-binfmtns bindeb-pkg || rc=$?
	cpu_seconds c1
	record_session "$dir" "$start" "$((SECONDS - t0))" "$((c1 - c0))" "$rc"
	[ "$rc" -eq 0 ] || die "bindeb-pkg stopped or failed: $flavour (log: $(rel "$dir")/build.log); run it again to go on"
	info "built in $((SECONDS - t0)) s ($(cat "$dir/build-time") s with the stopped runs before it):"
	ls -s --block-size=M "$dir"/*.deb >&2
}

case "${1:-}" in
config) cmd_config "${2:?usage: $0 config amd64|qemu}" ;;
debs) cmd_debs "${2:?usage: $0 debs amd64|qemu}" ;;
*) die "usage: $0 config|debs amd64|qemu" ;;
esac
