#!/usr/bin/env bash
# Droppable: a distribution takes any subset of the series' improvements, in order. Each
# `# improvement: NAME: what` line of ours' series file starts one (its patches run to the next
# such line or the end); `(needs NAME)` names an earlier one it is built on, which a subset
# must then take too. For every such subset, in a worktree of its own at the commit before the
# first improvement, apply the subset's patch files with plain `git apply` (no 3-way merge, no
# fuzz), as a distribution's tooling would; then build the objects the improvements touch with
# W=1 in the default variant for the subsets that leave one improvement out (with what needs it)
# and for the one that takes none (DROPPABLE_BUILD=all: every subset). A build fails on an error
# or on a W=1 finding the build before the first improvement does not have. Not part of `make
# check`; `make droppable`. Rows on stdout, one per subset and step.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$KERNEL" = ours ] || die "droppable checks ours' series (KERNEL=ours)"
[ -d "$TREE/.git" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
JOBS=${JOBS:-$(nproc)}
OUT=$KDIR/droppable
WT=$OUT/src
OBJ=$OUT/obj

# The improvements, from the series file: names[i], needs[i] (a name or empty), files[i] (its
# patch files, space-separated). The patch lines before the first improvement are the prefix.
names=() needs=() files=()
prefix=0
while IFS= read -r line; do
	if [[ $line =~ ^#\ improvement:\ ([a-z0-9-]+): ]]; then
		names+=("${BASH_REMATCH[1]}")
		needs+=("$(sed -nE 's/.*\(needs ([a-z0-9-]+)\).*/\1/p' <<<"$line")")
		files+=("")
	elif [[ $line =~ ^[[:space:]]*(#|$) ]]; then
		continue
	elif [ ${#names[@]} -eq 0 ]; then
		prefix=$((prefix + 1))
	else
		files[${#names[@]} - 1]+="$line "
	fi
done <"$PATCHES/series"
n=${#names[@]}
[ "$n" -gt 0 ] || die "$(rel "$PATCHES")/series has no '# improvement: NAME:' line"
base=$(git -C "$TREE" rev-list --reverse "$BASE_TAG..HEAD" | sed -n "${prefix}p")
[ -n "$base" ] || die "$(rel "$TREE") has fewer than $prefix commits: run 'make tree'"

# index NAME: the position of improvement NAME.
index() {
	local i
	for i in "${!names[@]}"; do [ "${names[i]}" = "$1" ] && echo "$i" && return; done
	die "$(rel "$PATCHES")/series: an improvement needs '$1', which is no earlier improvement"
}

# takes MASK I: whether subset MASK (bit I: improvement I) takes improvement I.
takes() { [ $(($1 >> $2 & 1)) = 1 ]; }
# closed MASK: whether subset MASK takes what each of its improvements needs.
closed() {
	local i
	for i in "${!names[@]}"; do
		takes "$1" "$i" && [ -n "${needs[i]}" ] && ! takes "$1" "$(index "${needs[i]}")" && return 1
	done
	return 0
}
label() {
	local i l=""
	for i in "${!names[@]}"; do takes "$1" "$i" && l+=${l:++}${names[i]}; done
	echo "${l:-none}"
}
# single_drop MASK: whether MASK is all but one improvement and those that need it, or none.
single_drop() {
	local i j d
	[ "$1" = 0 ] && return 0
	for i in "${!names[@]}"; do
		d=$((1 << i))
		for j in "${!names[@]}"; do [ "${needs[j]}" = "${names[i]}" ] && d=$((d | 1 << j)); done
		[ "$1" = $(((1 << n) - 1 & ~d)) ] && return 0
	done
	return 1
}

# findings LOG: a build log's warnings and errors, without the worktree's path and line numbers.
findings() {
	{ grep -E '(warning|error):' "$1" || true; } | sed -E "s#^$WT/##; s#^([^:]+):[0-9]+(:[0-9]+)?:#\1:#" | sort -u
}

lock_build
mkdir -p "$OUT"
git -C "$TREE" worktree prune
[ -e "$WT/.git" ] || { rm -rf "$WT" && git -C "$TREE" worktree add -q --detach "$WT" "$base"; }
git -C "$WT" reset -q --hard "$base"
mapfile -t objs < <(git -C "$TREE" diff --name-only "$base" HEAD -- '*.c' | grep -v '^tools/' | sed 's/\.c$/.o/')
step "droppable: ${names[*]} on $(git -C "$WT" log -1 --format=%s), building ${objs[*]}"
BISECT_SRC=$WT "$H/host/build.sh" config "$(default_variant)" "$OBJ"
make -C "$WT" O="$OBJ" -j"$JOBS" W=1 "${objs[@]}" >"$OUT/base.log" 2>&1 ||
	die "the commit before the improvements does not build: see $(rel "$OUT/base.log")"
findings "$OUT/base.log" >"$OUT/base.findings"

fail=0
for ((mask = 0; mask < 1 << n; mask++)); do
	subset=$(label "$mask")
	closed "$mask" || { row SKIP droppable "apply:$subset" "takes an improvement without what it needs"; continue; }
	git -C "$WT" reset -q --hard "$base"
	applied=1
	for i in "${!names[@]}"; do
		takes "$mask" "$i" || continue
		for p in ${files[i]}; do
			if ! err=$(git -C "$WT" apply --index "$PATCHES/$p" 2>&1); then
				row FAIL droppable "apply:$subset" "$p: $(head -1 <<<"$err")"
				applied=0 fail=1
				break 2
			fi
		done
	done
	[ "$applied" = 1 ] || continue
	row PASS droppable "apply:$subset"
	[ "${DROPPABLE_BUILD:-}" = all ] || single_drop "$mask" || continue
	log=$OUT/$subset.log
	built=1
	make -C "$WT" O="$OBJ" -j"$JOBS" W=1 "${objs[@]}" >"$log" 2>&1 || built=0
	new=$(findings "$log" | comm -13 "$OUT/base.findings" -)
	if [ "$built" = 1 ] && [ -z "$new" ]; then
		row PASS droppable "build:$subset"
	else
		row FAIL droppable "build:$subset" "$(grep -c . <<<"$new") new findings; see $(rel "$log")"
		fail=1
	fi
	info "built: $subset"
done
git -C "$WT" reset -q --hard "$base"
exit "$fail"
