#!/usr/bin/env bash
# Build: configure and build a kernel variant out of tree, and the kselftests that run in it.
#   build.sh kernel VARIANT     -> build/<kernel>/<variant>/<image>
#   build.sh config VARIANT OUT [FRAGMENT...]   configure only (make bisect's extra fragments)
#   build.sh selftests          -> build/ours/kselftest/run_kselftest.sh
# A variant's configuration is tinyconfig plus the configs/*.config fragments of its `@extends`
# chain (harness/lib.sh) plus the selftests' own `config` fragments, merged by the kernel's
# scripts/kconfig/merge_config.sh; an option a fragment asks for that the final .config lacks
# stops the build with its name.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

JOBS=${JOBS:-$(nproc)}

ensure_tools() {
	apt_install build-essential flex bison bc libelf-dev libssl-dev cpio kmod rsync python3
}

# configure SRC OUT FRAGMENT...: tinyconfig plus the fragments into OUT/.config, checked; skipped
# when OUT/.config was made from the same fragments.
configure() {
	local src=$1 out=$2 stamp missing
	shift 2
	stamp=$(cat "$@" | sha256sum | cut -d' ' -f1)
	if [ -f "$out/.config" ] && [ "$(cat "$out/.config-stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	step "configuring $(rel "$out"): tinyconfig + $(for f in "$@"; do printf '%s ' "${f##*/}"; done)"
	mkdir -p "$out"
	make -s -C "$src" O="$out" tinyconfig >"$out/config.log" 2>&1 || { cat "$out/config.log" >&2; die "tinyconfig failed"; }
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$@") >>"$out/config.log" 2>&1 ||
		{ tail -20 "$out/config.log" >&2; die "merge_config.sh failed"; }
	make -s -C "$src" O="$out" olddefconfig >>"$out/config.log" 2>&1 || die "olddefconfig failed (see $(rel "$out")/config.log)"
	# merge_config.sh only warns when a requested value did not survive; for us that is an error.
	missing=$(check_config "$src" "$out/.config" "$@")
	[ -z "$missing" ] || die "config options requested but not in $(rel "$out")/.config (missing dependency?):"$'\n'"$missing"
	echo "$stamp" >"$out/.config-stamp"
}

# check_config SRC CONFIG FRAGMENT...: print each value the fragments ask for (the last one, for
# a symbol more than one sets) that .config does not have. Symbols the kernel at SRC does not
# define at all (MEMCG_KMEM is gone in 6.12) are not errors.
check_config() {
	local src=$1 config=$2 sym val
	shift 2
	find "$src" -name 'Kconfig*' -not -path '*/tools/*' -print0 | xargs -0 grep -hE '^\s*(menu)?config ' |
		awk '{ print "CONFIG_" $2 }' | sort -u >"$config.known"
	sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)/\1 \2/p; s/^# (CONFIG_[A-Za-z0-9_]+) is not set/\1 n/p' "$@" |
		awk '{ v[$1] = $2; if (!($1 in o)) o[$1] = ++n } END { for (s in o) print o[s], s, v[s] }' |
		sort -n | while read -r _ sym val; do
		grep -qx "$sym" "$config.known" || continue
		case $val in
		n) grep -q "^$sym=[ym]" "$config" && echo "  # $sym is not set" ;;
		*) grep -qx "$sym=$val" "$config" || echo "  $sym=$val" ;;
		esac
	done
	rm -f "$config.known"
	return 0
}

cmd_config() {
	local variant=$1 out=$2 src=${BISECT_SRC:-$TREE} list frags
	shift 2
	list=$(variant_fragments "$variant")
	mapfile -t frags <<<"$list"
	configure "$src" "$out" "${frags[@]}" "$@"
}

# gcov_flags VARIANT: the make variables that profile the files of the variant's @coverage line
# and nothing else (its config has GCOV_KERNEL without GCOV_PROFILE_ALL). Kbuild reads
# GCOV_PROFILE_<file>.o in every folder; a command-line value reaches them all without a change
# to the kernel's Makefiles (another file of the same name would be profiled too, harmlessly).
gcov_flags() {
	local f
	for f in $(variant_field "$1" coverage); do
		printf 'GCOV_PROFILE_%s.o=y\n' "$(basename "$f" .c)"
	done
}

# kcsan_flags VARIANT: for a variant whose @kcsan line says `series`, the make variables that
# give KCSAN's instrumentation to the C files the series changes (harness/host/kcsan.sh sources)
# and to nothing else, the way gcov_flags does for gcov. The races the series can have are
# between its own functions (exec's lookup against register, remove, clear and umount, all in
# fs/binfmt_misc.c), and a watchpoint there also sees a value changed under it by code that is
# not instrumented; instrumenting the whole kernel made the race kernel's build and guest about
# twice as slow for reports outside the series, which do not fail the run anyway.
kcsan_flags() {
	local f
	case $(variant_field "$1" kcsan) in
	'' | all) return 0 ;;
	series) ;;
	*) die "$(rel "$(variant_file "$1")"): @kcsan is 'series' or 'all'" ;;
	esac
	echo KCSAN_SANITIZE=n
	for f in $("$H/host/kcsan.sh" sources); do
		printf 'KCSAN_SANITIZE_%s.o=y\n' "$(basename "$f" .c)"
	done
}

cmd_kernel() {
	local variant=$1 out=$KDIR/$1 t0=$SECONDS c0 c1 targets gcov kcsan
	cpu_seconds c0
	variant_chain "$variant" >/dev/null
	[ -d "$TREE" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
	ensure_tools
	cmd_config "$variant" "$out"
	targets=("$IMAGE_TARGET")
	grep -qx 'CONFIG_MODULES=y' "$out/.config" && targets+=(modules)
	mapfile -t gcov < <(gcov_flags "$variant")
	# kcsan_flags dies in a process substitution, where that stops nothing: check it here.
	kcsan_flags "$variant" >/dev/null
	mapfile -t kcsan < <(kcsan_flags "$variant")
	gcov+=("${kcsan[@]}")
	if [ ${#gcov[@]} -gt 0 ] && ! grep -qx 'CONFIG_GCOV_KERNEL=y' "$out/.config"; then
		die "$(rel "$(variant_file "$variant")") has a @coverage line but no CONFIG_GCOV_KERNEL=y"
	fi
	step "building $KERNEL $variant kernel (log: $(rel "$out")/build.log)"
	run_logged "$out/build.log" "$KERNEL-$variant" make -C "$TREE" O="$out" -j"$JOBS" "${gcov[@]}" "${targets[@]}" ||
		die "kernel build failed: $KERNEL $variant (log: $(rel "$out")/build.log)"
	# Modules go where boot.sh finds them and the guest binds them on /lib/modules.
	rm -rf "$out/modules"
	if [ ${#targets[@]} -gt 1 ]; then
		make -s -C "$TREE" O="$out" "${gcov[@]}" INSTALL_MOD_PATH="$out/modules" INSTALL_MOD_STRIP=1 modules_install \
			>>"$out/build.log" 2>&1 || die "modules_install failed: $KERNEL $variant (log: $(rel "$out")/build.log)"
	fi
	cpu_seconds c1
	info "$KERNEL $variant built in $((SECONDS - t0)) s (CPU $((c1 - c0)) s): $(rel "$(kernel_image "$variant")")${targets[1]:+ and modules}"
}

cmd_selftests() {
	local obj=$BUILD/ours/kselftest-obj t0=$SECONDS c0 c1
	cpu_seconds c0
	[ -d "$OURS_TREE" ] || die "no tree at $(rel "$OURS_TREE"): run 'make tree' first"
	ensure_tools
	step "building kselftests ($SELFTESTS) from $(rel "$OURS_TREE")"
	mkdir -p "$obj"
	run_logged "$obj/headers.log" "headers" make -C "$OURS_TREE" O="$obj" headers ||
		die "make headers failed"
	rm -rf "$KSELFTEST"
	run_logged "$obj/build.log" "kselftests" \
		make -C "$OURS_TREE/tools/testing/selftests" O="$obj" TARGETS="$SELFTESTS" \
		INSTALL_PATH="$KSELFTEST" -j"$JOBS" install ||
		die "kselftest build failed (log: $(rel "$obj")/build.log)"
	# The kselftests' install carries on past a program that fails to compile (and installs
	# none of its collection): any make error in the log fails the build here.
	if grep -qE '^make\[[0-9]+\]: \*\*\* ' "$obj/build.log"; then
		grep -E 'error:|\*\*\*' "$obj/build.log" | head -20 >&2
		die "kselftest build failed (log: $(rel "$obj")/build.log)"
	fi
	cpu_seconds c1
	info "installed in $(rel "$KSELFTEST") in $((SECONDS - t0)) s (CPU $((c1 - c0)) s)"
}

case "${1:-}" in
kernel) cmd_kernel "${2:?usage: $0 kernel VARIANT}" ;;
config) cmd_config "${2:?usage: $0 config VARIANT OUT [FRAGMENT...]}" "${3:?usage: $0 config VARIANT OUT [FRAGMENT...]}" "${@:4}" ;;
selftests) cmd_selftests ;;
*) die "usage: $0 kernel VARIANT | config VARIANT OUT [FRAGMENT...] | selftests" ;;
esac
