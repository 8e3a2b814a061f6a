#!/usr/bin/env bash
# Tree: materialise build/<kernel>/linux as a git repository (a tagged base commit from Debian's
# linux-source package, then one commit per patch of the kernel's series), and export the tree's
# commits back to its patches folder. KERNEL picks the kernel (harness/kernels; default ours).
#   tree.sh tree     FORCE=1 discards unexported work; TREE_AS_IS=1 keeps it (make test)
#   tree.sh series
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

STAMP=$TREE/.git/series-stamp

installed_version() { dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null; }
# (The first line changes when what the tree keeps of the series changes: a tree made by an older
# harness is made again. v2: the series' comments as notes, harness/host/series-comments.sh.)
patches_hash() { { echo v2; cat "$PATCHES/series" "$PATCHES"/*.patch 2>/dev/null; } | sha256sum | cut -d' ' -f1; }
write_stamp() { printf '%s %s\n' "$(git -C "$TREE" rev-parse HEAD)" "$(patches_hash)" >"$STAMP"; }

ensure_base() {
	apt_install git "$BASE_PACKAGE"
	local have want
	have=$(installed_version)
	want=$(kernel_field "$KERNEL" verified)
	if [ -n "$want" ] && [ "$have" != "$want" ]; then
		warn "installed $BASE_PACKAGE is $have, $KERNEL was last verified on $want ($(rel "$KERNELS_TABLE"))"
	fi
}

# extract_base: the package's tree, committed once and tagged `base`.
extract_base() {
	local version tmp
	version=$(installed_version)
	step "extracting $BASE_PACKAGE $version into $(rel "$TREE")"
	mkdir -p "$KDIR"
	tmp=$(mktemp -d "$KDIR/extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# xz decompresses the package's blocks on every core (9.6 s on one, 5.3 s on two).
	tar -I 'xz -T0' -xf "$BASE_TARBALL" -C "$tmp"
	rm -rf "$TREE"
	mv "$tmp/$BASE_PACKAGE" "$TREE"
	rm -rf "$tmp"
	trap - EXIT
	step "committing the base tree (git)"
	git -C "$TREE" init -q -b series
	git -C "$TREE" config user.name "$(git -C "$TOP" config user.name || echo harness)"
	git -C "$TREE" config user.email "$(git -C "$TOP" config user.email || echo harness@localhost)"
	# Objects stored uncompressed (a local cache; its .git is 1.5 GB): 20 s instead of 28 s.
	git -C "$TREE" -c core.looseCompression=0 add -A -f .
	GIT_AUTHOR_DATE="1970-01-01T00:00:00Z" GIT_COMMITTER_DATE="1970-01-01T00:00:00Z" \
		git -C "$TREE" commit -q -m "base: Debian $BASE_PACKAGE $version"
	git -C "$TREE" tag -f "$BASE_TAG" >/dev/null
	echo "$version" >"$TREE/.git/base-version"
}

# clone_tag KERNEL TAG: the tree as a clone of another kernel's tree at one of its tags (the
# unpatched base is ours at `base`: no second extraction, objects shared).
clone_tag() {
	local from=$1 tag=$2 src
	src=$BUILD/$from/linux
	KERNEL=$from TREE_AS_IS=1 "$H/host/tree.sh" tree
	if [ -d "$TREE/.git" ] && [ "$(git -C "$TREE" rev-parse HEAD)" = "$(git -C "$src" rev-parse "$tag")" ]; then
		step "tree $(rel "$TREE") is $from at $tag"
		return 0
	fi
	step "cloning $(rel "$src") at $tag into $(rel "$TREE")"
	rm -rf "$TREE"
	mkdir -p "$KDIR"
	git clone -q --shared --no-checkout "$src" "$TREE"
	git -C "$TREE" checkout -q "$tag"
}

# Is there work in the tree that patches/ does not have? (commits since the last apply/export,
# or uncommitted edits to tracked files)
unexported_work() {
	[ -f "$STAMP" ] || return 1
	[ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] && return 0
	[ "$(git -C "$TREE" rev-parse HEAD)" != "$(cut -d' ' -f1 "$STAMP")" ]
}

# save_mtimes / restore_mtimes: re-applying the series checks out the base and then each patch, so
# every file the series touches gets a new mtime. Put the old mtime back on each file whose content
# is what it was before, so a build kept across the re-apply (make deb's, hours) recompiles only
# what the new series changed. The list is "blob mtime path", one file a line.
MTIMES=$TREE/.git/series-mtimes
save_mtimes() {
	rm -f "$MTIMES"
	[ -f "$STAMP" ] && git -C "$TREE" rev-parse -q --verify "$BASE_TAG" >/dev/null || return 0
	git -C "$TREE" diff --name-only --no-renames "$BASE_TAG" HEAD | while IFS= read -r f; do
		[ -f "$TREE/$f" ] || continue
		printf '%s %s %s\n' "$(git -C "$TREE" hash-object -- "$f")" "$(stat -c %.9Y "$TREE/$f")" "$f"
	done >"$MTIMES"
}
restore_mtimes() {
	local blob mtime f kept=0
	[ -s "$MTIMES" ] || return 0
	while read -r blob mtime f; do
		if [ -f "$TREE/$f" ] && [ "$(git -C "$TREE" hash-object -- "$f")" = "$blob" ]; then
			touch -d "@$mtime" "$TREE/$f"
			kept=$((kept + 1))
		fi
	done <"$MTIMES"
	rm -f "$MTIMES"
	info "$kept files the series touches are unchanged: their old mtimes are back"
}

apply_series() {
	local p n=0 total out
	save_mtimes
	git -C "$TREE" checkout -q -B series "$BASE_TAG"
	if [ -z "$PATCHES" ] || [ ! -f "$PATCHES/series" ]; then
		write_stamp
		return 0
	fi
	total=$(grep -cv '^\s*\(#\|$\)' "$PATCHES/series" || true)
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		n=$((n + 1))
		[ -f "$PATCHES/$p" ] || die "$(rel "$PATCHES")/series names $p, which does not exist"
		info "[$n/$total] $p"
		if ! out=$(git -C "$TREE" am -q --keep-cr "$PATCHES/$p" 2>&1); then
			git -C "$TREE" am --abort >/dev/null 2>&1 || true
			printf '%s\n' "$out" | grep -E '^(error|Patch failed|patch failed)' >&2 || printf '%s\n' "$out" >&2
			die "patch $p does not apply to $BASE_PACKAGE $(installed_version) (files above)"
		fi
	done <"$PATCHES/series"
	# The series' comment lines (layer markers) as notes on the commits they precede.
	"$H/host/series-comments.sh" record "$TREE" "$BASE_TAG" "$PATCHES/series"
	restore_cover_letter
	restore_mtimes
	write_stamp
}

# The cover letter (patch 0) is kept as the description of the tree's `series` branch, git's own
# place for it: `make series` renders it with format-patch --cover-from-description, and
# `make tree` puts the text of the patches folder's 0000-cover-letter.patch back there.
COVER=0000-cover-letter.patch
restore_cover_letter() {
	[ -f "$PATCHES/$COVER" ] || return 0
	awk '
	state == 0 && /^Subject: / { sub(/^Subject: \[PATCH[^]]*\] */, ""); subj = $0; state = 1; next }
	state == 1 && /^ / { sub(/^ /, ""); subj = subj " " $0; next }
	state == 1 && /^$/ { state = 2; print subj; print ""; next }
	state == 1 { next }
	state == 2 && /^[^ ].* \([0-9]+\):$/ { exit }
	state == 2 { body[++n] = $0 }
	END { while (n > 0 && body[n] == "") n--; for (i = 1; i <= n; i++) print body[i] }
	' "$PATCHES/$COVER" >"$TREE/.git/cover-description"
	git -C "$TREE" config branch.series.description "$(cat "$TREE/.git/cover-description")"
}

cmd_tree() {
	local source
	source=$(kernel_field "$KERNEL" tree)
	case $source in
	extract) ;;
	*@*) clone_tag "${source%@*}" "${source#*@}"; return ;;
	*) die "$(rel "$KERNELS_TABLE"): kernel $KERNEL: unknown tree '$source'" ;;
	esac
	# Every kernel's build takes the kselftests' config fragments from ours' tree.
	[ "$KERNEL" = ours ] || KERNEL=ours TREE_AS_IS=1 "$H/host/tree.sh" tree
	ensure_base
	# A make check stopped during its prefix step (check.sh) leaves the tree checked out at an
	# earlier commit of the series branch, unchanged: back to the branch.
	if [ -f "$STAMP" ] && ! git -C "$TREE" symbolic-ref -q HEAD >/dev/null &&
		[ "$(git -C "$TREE" rev-parse -q --verify series)" = "$(cut -d' ' -f1 "$STAMP")" ] &&
		git -C "$TREE" merge-base --is-ancestor HEAD series &&
		[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
		warn "$(rel "$TREE") was left at $(git -C "$TREE" log -1 --format=%h HEAD) (a stopped make check): back to its series branch"
		git -C "$TREE" checkout -q series
	fi
	if [ -d "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify "$BASE_TAG" >/dev/null; then
		if [ "$(cat "$TREE/.git/base-version" 2>/dev/null)" != "$(installed_version)" ]; then
			unexported_work && [ -z "${FORCE:-}" ] &&
				die "the tree was made from another $BASE_PACKAGE and has unexported work: make series first, or FORCE=1"
			extract_base
		elif [ -f "$STAMP" ] && [ "$(git -C "$TREE" rev-parse HEAD)" = "$(cut -d' ' -f1 "$STAMP")" ] &&
			[ "$(patches_hash)" = "$(cut -d' ' -f2 "$STAMP")" ] &&
			[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
			step "tree $(rel "$TREE") is up to date${PATCHES:+ with $(rel "$PATCHES")}"
			return 0
		elif unexported_work && [ -n "${TREE_AS_IS:-}" ]; then
			warn "$(rel "$TREE") has work that is not in $(rel "${PATCHES:-patches}"): testing the tree as it is"
			return 0
		elif unexported_work && [ -z "${FORCE:-}" ]; then
			die "$(rel "$TREE") has commits or edits that are not in $(rel "${PATCHES:-patches}"): run 'make series' to export them, or 'make tree FORCE=1' to discard them"
		fi
	else
		extract_base
	fi
	step "applying $(rel "${PATCHES:-no patches}") to $(rel "$TREE")"
	apply_series
}

cmd_series() {
	[ -n "$PATCHES" ] || die "kernel $KERNEL has no series ($(rel "$KERNELS_TABLE"))"
	[ -d "$TREE/.git" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
	[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
		die "$(rel "$TREE") has uncommitted edits: commit them there first (git -C $(rel "$TREE") commit)"
	local p tmp lost cover=()
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: the trap must name this folder
	trap "rm -rf '$tmp'" EXIT
	step "exporting $BASE_TAG..HEAD of $(rel "$TREE") to $(rel "$PATCHES")"
	git -C "$TREE" config branch.series.description >/dev/null &&
		cover=(--cover-letter --cover-from-description=subject)
	git -C "$TREE" format-patch -q --zero-commit --no-signature --abbrev=12 "${cover[@]}" \
		-o "$tmp" "$BASE_TAG..HEAD"
	# format-patch dates the cover letter now; date it like the newest commit, so that an export
	# with no changes rewrites nothing.
	if [ -f "$tmp/$COVER" ]; then
		sed -i "s/^Date: .*/Date: $(git -C "$TREE" log -1 --format=%aD)/" "$tmp/$COVER"
	fi
	for p in "$tmp"/*.patch; do
		[ ! -f "$p" ] || [ "${p##*/}" = "$COVER" ] || echo "${p##*/}"
	done >"$tmp/names"
	"$H/host/series-comments.sh" write "$TREE" "$BASE_TAG" "$tmp/names" >"$tmp/series"
	# A comment line of the series the export would lose (the tree was made by an older harness,
	# or its commit was dropped) stops it, unless FORCE=1.
	lost=$(comm -23 <(grep -E '^[[:space:]]*#' "$PATCHES/series" 2>/dev/null | sort) \
		<(grep -E '^[[:space:]]*#' "$tmp/series" | sort))
	[ -z "$lost" ] || [ -n "${FORCE:-}" ] ||
		die "the export would drop these lines of $(rel "$PATCHES")/series (FORCE=1 drops them):"$'\n'"$lost"
	mkdir -p "$PATCHES"
	rm -f "$PATCHES"/*.patch
	! compgen -G "$tmp/*.patch" >/dev/null || cp "$tmp"/*.patch "$PATCHES"/
	cp "$tmp/series" "$PATCHES/series"
	write_stamp
	info "$(grep -cvE '^[[:space:]]*(#|$)' "$PATCHES/series") patches; commit $(rel "$PATCHES") in this repository"
}

case "${1:-}" in
tree) cmd_tree ;;
series) cmd_series ;;
*) die "usage: $0 tree|series" ;;
esac
