#!/usr/bin/env bash
# Bisect: every patch of the series must build on its own, in every configuration that changes
# what binfmt_misc compiles to. For each commit base..HEAD of ours' tree, in a worktree of its
# own, build the objects the series touches with W=1 in four configurations (the default variant
# with BINFMT_MISC=y, =m, =n, and USER_NS=n), configured through build.sh like every kernel;
# then link a full kernel (and modules) of each at the last commit. A commit fails on an error
# or on a W=1 warning the base tree's build of the same objects does not have (the base has
# kernel-doc warnings of its own in kernel/user_namespace.c). Not part of `make check`
# (about 15 minutes on 2 cores); `make bisect`. Rows on stdout, one per commit and configuration.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$KERNEL" = ours ] || die "bisect builds ours' series (KERNEL=ours)"
CONFIGS_BISECT="y m n nouserns"
JOBS=${JOBS:-$(nproc)}
OUT=$KDIR/bisect
WT=$OUT/src
VARIANT=$(default_variant)

[ -d "$TREE/.git" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
lock_build

# extra_fragment CFG: the lines that make configuration CFG out of the variant, as a file.
extra_fragment() {
	local frag=$OUT/$1.config
	case $1 in
	y) printf 'CONFIG_BINFMT_MISC=y\n' ;;
	m) printf 'CONFIG_MODULES=y\nCONFIG_BINFMT_MISC=m\n' ;;
	n) printf '# CONFIG_BINFMT_MISC is not set\n' ;;
	nouserns) printf '# CONFIG_USER_NS is not set\n' ;;
	esac >"$frag"
	echo "$frag"
}

# The .c files the series touches, as objects (headers are covered through them).
objects() {
	git -C "$TREE" diff --name-only "$BASE_TAG" HEAD -- '*.c' | grep -v '^tools/' | sed 's/\.c$/.o/'
}

mkdir -p "$OUT"
# The worktree stays between runs (under build/): checking out base again only rewrites the files
# the series changed, so the next run's builds are incremental too.
git -C "$TREE" worktree prune
if [ -e "$WT/.git" ]; then
	git -C "$WT" checkout -q --force --detach "$BASE_TAG"
else
	rm -rf "$WT"
	git -C "$TREE" worktree add -q --detach "$WT" "$BASE_TAG"
fi
mapfile -t objs < <(objects)
mapfile -t commits < <(git -C "$TREE" rev-list --reverse "$BASE_TAG..HEAD")
step "bisect build: ${#commits[@]} commits x configs ($CONFIGS_BISECT): ${objs[*]}"
for cfg in $CONFIGS_BISECT; do
	BISECT_SRC=$WT "$H/host/build.sh" config "$VARIANT" "$OUT/$cfg" "$(extra_fragment "$cfg")"
done
# objects_in CFG: the objects of the series that configuration CFG builds at all (kernel/Makefile
# has obj-$(CONFIG_USER_NS) += user_namespace.o: with USER_NS=n it does not even compile).
objects_in() {
	local obj name var
	for obj in "${objs[@]}"; do
		name=${obj##*/}
		var=$(sed -nE "s/^obj-\\\$\((CONFIG_[A-Z0-9_]+)\)[[:space:]]*\+=(.*[[:space:]])?${name%.o}\\.o([[:space:]].*)?\$/\1/p" \
			"$WT/${obj%/*}/Makefile" | head -1)
		[ -z "$var" ] || grep -qE "^$var=[ym]" "$OUT/$1/.config" || continue
		printf '%s\n' "$obj"
	done
}

# findings LOG: the warnings and errors of a build log, without the path of the worktree and
# without line numbers, which the series shifts; sorted, so that two builds can be compared.
# Builds are incremental: a log only has the findings of the files a commit made recompile.
findings() {
	{ grep -E '(warning|error):' "$1" || true; } | sed -E "s#^$WT/##; s#^([^:]+):[0-9]+(:[0-9]+)?:#\1:#" | sort -u
}

# The base tree already has W=1 warnings in these files (kernel-doc, mostly): a patch fails on
# the ones it adds, and on any error.
for cfg in $CONFIGS_BISECT; do
	mapfile -t cfg_objs < <(objects_in "$cfg")
	make -C "$WT" O="$OUT/$cfg" -j"$JOBS" W=1 "${cfg_objs[@]}" >"$OUT/$cfg/base.log" 2>&1 ||
		die "the base tree does not build in $cfg: see $(rel "$OUT/$cfg/base.log")"
	findings "$OUT/$cfg/base.log" >"$OUT/$cfg/base.findings"
	info "base, $cfg: $(grep -c . "$OUT/$cfg/base.findings") W=1 findings already there"
done

fail=0
for c in "${commits[@]}"; do
	git -C "$WT" checkout -q --detach "$c"
	subject=$(git -C "$WT" log -1 --format=%s)
	for cfg in $CONFIGS_BISECT; do
		log=$OUT/$cfg/$(git -C "$WT" rev-parse --short=12 HEAD).log
		built=1
		mapfile -t cfg_objs < <(objects_in "$cfg")
		make -C "$WT" O="$OUT/$cfg" -j"$JOBS" W=1 "${cfg_objs[@]}" >"$log" 2>&1 || built=0
		new=$(findings "$log" | comm -13 "$OUT/$cfg/base.findings" -)
		if [ "$built" = 1 ] && [ -z "$new" ]; then
			row PASS bisect "$cfg:$subject"
		else
			warn "$cfg: $subject"
			printf '%s\n' "$new" | head -5 >&2
			row FAIL bisect "$cfg:$subject" "$(printf '%s\n' "$new" | grep -c .) new findings; see $(rel "$log")"
			fail=1
		fi
	done
	info "built: $subject"
done
for cfg in $CONFIGS_BISECT; do
	targets=("$IMAGE_TARGET")
	grep -q '^CONFIG_MODULES=y' "$OUT/$cfg/.config" && targets+=(modules)
	if run_logged "$OUT/$cfg/full.log" "full $cfg" make -C "$WT" O="$OUT/$cfg" -j"$JOBS" "${targets[@]}"; then
		row PASS bisect "$cfg:full kernel"
	else
		row FAIL bisect "$cfg:full kernel" "see $(rel "$OUT/$cfg")/full.log"
		fail=1
	fi
done
exit "$fail"
