#!/usr/bin/env bash
# Build: configure and build a kernel variant out of tree, and the kselftests that run in it.
#   build.sh kernel vm|debug    -> build/<variant>-<KVER>/arch/x86/boot/bzImage
#   build.sh selftests          -> build/kselftest-<KVER>/run_kselftest.sh
# Configs are tinyconfig plus configs/<fragment>.config plus the selftests' own `config`
# fragments, merged by the kernel's scripts/kconfig/merge_config.sh.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

VARIANTS="vm debug"
SELFTESTS=${SELFTESTS:-binfmt_misc exec}
JOBS=${JOBS:-$(nproc)}

fragments() {
	local t
	echo "$TOP/configs/vm.config"
	[ "$1" = debug ] && echo "$TOP/configs/debug.config"
	for t in $SELFTESTS; do
		[ -f "$SELFTEST_TREE/tools/testing/selftests/$t/config" ] &&
			echo "$SELFTEST_TREE/tools/testing/selftests/$t/config"
	done
	return 0
}

ensure_tools() {
	apt_install build-essential flex bison bc libelf-dev libssl-dev cpio kmod rsync python3
}

configure() {
	local variant=$1 out=$2 stamp frags
	mapfile -t frags < <(fragments "$variant")
	stamp=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
	if [ -f "$out/.config" ] && [ "$(cat "$out/.config-stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	step "configuring $variant-$KVER: tinyconfig + ${frags[*]##*/}"
	mkdir -p "$out"
	make -s -C "$TREE" O="$out" tinyconfig >"$out/config.log" 2>&1 || { cat "$out/config.log" >&2; die "tinyconfig failed"; }
	(cd "$TREE" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "${frags[@]}") >>"$out/config.log" 2>&1 ||
		{ tail -20 "$out/config.log" >&2; die "merge_config.sh failed"; }
	make -s -C "$TREE" O="$out" olddefconfig >>"$out/config.log" 2>&1 || die "olddefconfig failed (see $out/config.log)"
	# merge_config.sh only warns when a requested value did not survive; for us that is an error.
	local missing
	missing=$(check_config "$out/.config" "${frags[@]}")
	[ -z "$missing" ] || die "config options requested but not in $variant-$KVER .config (missing dependency?):"$'\n'"$missing"
	echo "$stamp" >"$out/.config-stamp"
}

# check_config CONFIG FRAGMENT...: print each CONFIG_X=v of the fragments that .config does not
# have. Symbols this kernel does not define at all (MEMCG_KMEM is gone in 6.12) are not errors.
check_config() {
	local config=$1 line known
	shift
	known=$(find "$TREE" -name 'Kconfig*' -not -path '*/tools/*' -print0 | xargs -0 grep -hE '^\s*(menu)?config ' |
		awk '{ print "CONFIG_" $2 "=" }' | sort -u)
	grep -h '^CONFIG_[A-Za-z0-9_]*=' "$@" | grep -F -f <(printf '%s\n' "$known") | while IFS= read -r line; do
		case "$line" in
		*=n) grep -q "^# ${line%%=*} is not set" "$config" || grep -qx "$line" "$config" || echo "  $line" ;;
		*) grep -qx "$line" "$config" || echo "  $line" ;;
		esac
	done
	grep -h '^# CONFIG_.* is not set' "$@" | while IFS= read -r line; do
		line=${line#\# }; line=${line%% *}
		grep -q "^$line=" "$config" && echo "  # $line is not set"
	done
	return 0
}

cmd_kernel() {
	local variant=$1 out
	case " $VARIANTS " in *" $variant "*) ;; *) die "unknown variant '$variant' (valid: $VARIANTS)" ;; esac
	[ -d "$TREE" ] || die "no tree at ${TREE#"$TOP"/}: run 'make tree' first"
	ensure_tools
	out=$BUILD/$variant-$KVER
	configure "$variant" "$out"
	step "building $variant-$KVER kernel (log: ${out#"$TOP"/}/build.log)"
	local t0=$SECONDS
	run_logged "$out/build.log" "$variant-$KVER" make -C "$TREE" O="$out" -j"$JOBS" bzImage ||
		die "kernel build failed: $variant-$KVER (log: $out/build.log)"
	info "$variant-$KVER built in $((SECONDS - t0)) s: ${out#"$TOP"/}/arch/x86/boot/bzImage"
}

cmd_selftests() {
	local TREE=$SELFTEST_TREE
	[ -d "$TREE" ] || die "no tree at ${TREE#"$TOP"/}: run 'make tree' first"
	ensure_tools
	local out=$BUILD/kselftest-$SELFTEST_KVER obj=$BUILD/kselftest-obj-$SELFTEST_KVER
	step "building kselftests ($SELFTESTS) from ${TREE#"$TOP"/}"
	mkdir -p "$obj"
	run_logged "$obj/headers.log" "headers" make -C "$TREE" O="$obj" headers ||
		die "make headers failed"
	rm -rf "$out"
	run_logged "$obj/build.log" "kselftests" \
		make -C "$TREE/tools/testing/selftests" O="$obj" TARGETS="$SELFTESTS" \
		INSTALL_PATH="$out" -j"$JOBS" install ||
		die "kselftest build failed (log: $obj/build.log)"
	# The kselftests' install carries on past a program that fails to compile (and installs
	# none of its collection): any make error in the log fails the build here.
	if grep -qE '^make\[[0-9]+\]: \*\*\* ' "$obj/build.log"; then
		grep -E 'error:|\*\*\*' "$obj/build.log" | head -20 >&2
		die "kselftest build failed (log: ${obj#"$TOP"/}/build.log)"
	fi
	info "installed in ${out#"$TOP"/}"
}

case "${1:-}" in
kernel) cmd_kernel "${2:-}" ;;
selftests) cmd_selftests ;;
*) die "usage: $0 kernel vm|debug | selftests" ;;
esac
