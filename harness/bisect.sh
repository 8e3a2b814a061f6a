#!/usr/bin/env bash
# Bisect: every patch of the series must build on its own, in every configuration that changes
# what binfmt_misc compiles to. For each commit base..HEAD of the tree, in a worktree of its
# own, build the objects the series touches with W=1 in four configurations (BINFMT_MISC=y,
# =m, =n, and USER_NS=n with =y); then link a full kernel (and modules) of each at the last
# commit. Not part of `make check` (about 15 minutes on 2 cores); `make bisect`.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

CONFIGS="y m n nouserns"
JOBS=${JOBS:-$(nproc)}
WT=$BUILD/bisect-$KVER/src
ROWS=${ROWS:-/dev/stdout}

[ -d "$TREE/.git" ] || die "no tree at ${TREE#"$TOP"/}: run 'make tree' first"
lock_build

config_for() {
	local cfg=$1 out=$2
	local frag=$BUILD/bisect-$KVER/$cfg.config
	mkdir -p "$out"
	cp "$TOP/configs/vm.config" "$frag"
	case $cfg in
	y) ;;
	m) printf 'CONFIG_MODULES=y\nCONFIG_BINFMT_MISC=m\n' >>"$frag" ;;
	n) printf '# CONFIG_BINFMT_MISC is not set\n' >>"$frag" ;;
	nouserns) printf '# CONFIG_USER_NS is not set\n' >>"$frag" ;;
	esac
	make -s -C "$WT" O="$out" tinyconfig >/dev/null
	(cd "$WT" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$frag") >/dev/null
	make -s -C "$WT" O="$out" olddefconfig >/dev/null
}

# The .c files the series touches, as objects (headers are covered through them).
objects() {
	git -C "$TREE" diff --name-only "$BASE_TAG" HEAD -- '*.c' | grep -v '^tools/' | sed 's/\.c$/.o/'
}

rm -rf "$WT"
git -C "$TREE" worktree prune
git -C "$TREE" worktree add -q --detach "$WT" "$BASE_TAG"
trap 'git -C "$TREE" worktree remove --force "$WT" 2>/dev/null || true' EXIT
mapfile -t objs < <(objects)
mapfile -t commits < <(git -C "$TREE" rev-list --reverse "$BASE_TAG..HEAD")
step "bisect build: ${#commits[@]} commits x configs ($CONFIGS): ${objs[*]}"
for cfg in $CONFIGS; do
	config_for "$cfg" "$BUILD/bisect-$KVER/$cfg"
done
fail=0
for c in "${commits[@]}"; do
	git -C "$WT" checkout -q --detach "$c"
	subject=$(git -C "$WT" log -1 --format=%s)
	for cfg in $CONFIGS; do
		out=$BUILD/bisect-$KVER/$cfg
		log=$out/$(git -C "$WT" rev-parse --short=12 HEAD).log
		# Objects a configuration does not build (binfmt_misc.o with =n) are skipped by kbuild
		# only when asked for the directory, so build the parent directories' objects.
		if make -C "$WT" O="$out" -j"$JOBS" W=1 "${objs[@]}" >"$log" 2>&1 &&
			! grep -E '(warning|error):' "$log" | grep -q .; then
			printf 'PASS\tbisect\t%s:%s\t\n' "$cfg" "$subject" >>"$ROWS"
		else
			warn "$cfg: $subject"
			grep -E '(warning|error)' "$log" | head -5 >&2
			printf 'FAIL\tbisect\t%s:%s\tsee %s\n' "$cfg" "$subject" "${log#"$TOP"/}" >>"$ROWS"
			fail=1
		fi
	done
	info "built: $subject"
done
for cfg in $CONFIGS; do
	out=$BUILD/bisect-$KVER/$cfg
	targets=(bzImage)
	grep -q '^CONFIG_MODULES=y' "$out/.config" && targets+=(modules)
	if run_logged "$out/full.log" "full $cfg" make -C "$WT" O="$out" -j"$JOBS" "${targets[@]}"; then
		printf 'PASS\tbisect\t%s:full kernel\t\n' "$cfg" >>"$ROWS"
	else
		printf 'FAIL\tbisect\t%s:full kernel\tsee %s\n' "$cfg" "${out#"$TOP"/}/full.log" >>"$ROWS"
		fail=1
	fi
done
exit "$fail"
