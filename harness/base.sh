#!/usr/bin/env bash
# Base and tree: materialise build/linux-<KVER> as a git repository (a tagged base commit from
# Debian's linux-source package, then one commit per patch of patches/<KVER>), and export the
# tree's commits back to patches/<KVER>.
#   base.sh tree     FORCE=1 discards unexported work; TREE_AS_IS=1 keeps it (make test)
#   base.sh series
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

STAMP=$TREE/.git/series-stamp
VERIFIED=$TOP/harness/verified-base

installed_version() { dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null; }
patches_hash() { cat "$PATCHES/series" "$PATCHES"/*.patch 2>/dev/null | sha256sum | cut -d' ' -f1; }
write_stamp() { printf '%s %s\n' "$(git -C "$TREE" rev-parse HEAD)" "$(patches_hash)" >"$STAMP"; }

ensure_base() {
	apt_install git "$BASE_PACKAGE"
	local have want
	have=$(installed_version)
	want=$(awk -v k="$KVER" '$1 == k { print $2 }' "$VERIFIED" 2>/dev/null || true)
	if [ -n "$want" ] && [ "$have" != "$want" ]; then
		warn "installed $BASE_PACKAGE is $have, the series was last verified on $want"
	fi
}

extract_base() {
	local version tmp
	version=$(installed_version)
	step "extracting $BASE_PACKAGE $version into ${TREE#"$TOP"/}"
	tmp=$(mktemp -d "$BUILD/extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$BASE_TARBALL" -C "$tmp"
	rm -rf "$TREE"
	mv "$tmp"/linux-source-"$KVER" "$TREE"
	rm -rf "$tmp"
	trap - EXIT
	step "committing the base tree (git)"
	git -C "$TREE" init -q -b series
	git -C "$TREE" config user.name "$(git -C "$TOP" config user.name || echo harness)"
	git -C "$TREE" config user.email "$(git -C "$TOP" config user.email || echo harness@localhost)"
	git -C "$TREE" add -A -f .
	GIT_AUTHOR_DATE="1970-01-01T00:00:00Z" GIT_COMMITTER_DATE="1970-01-01T00:00:00Z" \
		git -C "$TREE" commit -q -m "base: Debian $BASE_PACKAGE $version"
	git -C "$TREE" tag -f "$BASE_TAG" >/dev/null
	echo "$version" >"$TREE/.git/base-version"
}

# Is there work in the tree that patches/ does not have? (commits since the last apply/export,
# or uncommitted edits to tracked files)
unexported_work() {
	[ -f "$STAMP" ] || return 1
	[ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] && return 0
	[ "$(git -C "$TREE" rev-parse HEAD)" != "$(cut -d' ' -f1 "$STAMP")" ]
}

apply_series() {
	local p n=0 total
	git -C "$TREE" checkout -q -B series "$BASE_TAG"
	[ -f "$PATCHES/series" ] || { write_stamp; return 0; }
	total=$(grep -cv '^\s*\(#\|$\)' "$PATCHES/series" || true)
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		n=$((n + 1))
		[ -f "$PATCHES/$p" ] || die "patches/$KVER/series names $p, which does not exist"
		info "[$n/$total] $p"
		if ! out=$(git -C "$TREE" am -q --keep-cr "$PATCHES/$p" 2>&1); then
			git -C "$TREE" am --abort >/dev/null 2>&1 || true
			printf '%s\n' "$out" | grep -E '^(error|Patch failed|patch failed)' >&2 || printf '%s\n' "$out" >&2
			die "patch $p does not apply to $BASE_PACKAGE $(installed_version) (files above)"
		fi
	done <"$PATCHES/series"
	restore_cover_letter
	write_stamp
}

# The cover letter (patch 0) is kept as the description of the tree's `series` branch, git's own
# place for it: `make series` renders it with format-patch --cover-from-description, and
# `make tree` puts the text of patches/<KVER>/0000-cover-letter.patch back there.
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
	mkdir -p "$BUILD"
	ensure_base
	if [ -d "$TREE/.git" ] && git -C "$TREE" rev-parse -q --verify "$BASE_TAG" >/dev/null; then
		if [ "$(cat "$TREE/.git/base-version" 2>/dev/null)" != "$(installed_version)" ]; then
			unexported_work && [ -z "${FORCE:-}" ] &&
				die "the tree was made from another $BASE_PACKAGE and has unexported work: make series first, or FORCE=1"
			extract_base
		elif [ -f "$STAMP" ] && [ "$(git -C "$TREE" rev-parse HEAD)" = "$(cut -d' ' -f1 "$STAMP")" ] &&
			[ "$(patches_hash)" = "$(cut -d' ' -f2 "$STAMP")" ] &&
			[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
			step "tree ${TREE#"$TOP"/} is up to date with patches/$KVER"
			return 0
		elif unexported_work && [ -n "${TREE_AS_IS:-}" ]; then
			warn "${TREE#"$TOP"/} has work that is not in patches/$KVER: testing the tree as it is"
			return 0
		elif unexported_work && [ -z "${FORCE:-}" ]; then
			die "${TREE#"$TOP"/} has commits or edits that are not in patches/$KVER: run 'make series' to export them, or 'make tree FORCE=1' to discard them"
		fi
	else
		extract_base
	fi
	step "applying patches/$KVER to ${TREE#"$TOP"/}"
	apply_series
}

cmd_series() {
	[ -d "$TREE/.git" ] || die "no tree at ${TREE#"$TOP"/}: run 'make tree' first"
	[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
		die "${TREE#"$TOP"/} has uncommitted edits: commit them there first (git -C ${TREE#"$TOP"/} commit)"
	local p
	SERIES_TMP=$(mktemp -d)
	trap 'rm -rf "$SERIES_TMP"' EXIT
	local tmp=$SERIES_TMP
	step "exporting $BASE_TAG..HEAD of ${TREE#"$TOP"/} to patches/$KVER"
	local cover=()
	git -C "$TREE" config branch.series.description >/dev/null &&
		cover=(--cover-letter --cover-from-description=subject)
	git -C "$TREE" format-patch -q --zero-commit --no-signature --abbrev=12 "${cover[@]}" \
		-o "$tmp" "$BASE_TAG..HEAD"
	# format-patch dates the cover letter now; date it like the newest commit, so that an export
	# with no changes rewrites nothing.
	if [ -f "$tmp/$COVER" ]; then
		sed -i "s/^Date: .*/Date: $(git -C "$TREE" log -1 --format=%aD)/" "$tmp/$COVER"
	fi
	mkdir -p "$PATCHES"
	rm -f "$PATCHES"/*.patch
	if compgen -G "$tmp/*.patch" >/dev/null; then
		cp "$tmp"/*.patch "$PATCHES"/
		for p in "$PATCHES"/*.patch; do
			[ "${p##*/}" = "$COVER" ] || echo "${p##*/}"
		done >"$PATCHES/series"
	else
		: >"$PATCHES/series"
	fi
	write_stamp
	info "$(wc -l <"$PATCHES/series") patches; commit patches/$KVER in this repository"
}

case "${1:-}" in
tree) cmd_tree ;;
series) cmd_series ;;
*) die "usage: $0 tree|series" ;;
esac
