#!/usr/bin/env bash
# Checkpatch: scripts/checkpatch.pl --strict on every patch of the series; one result row each.
#   checkpatch.sh >>ROWS
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

[ -d "$TREE" ] || die "no tree at $(rel "$TREE"): run 'make tree' first"
[ -n "$PATCHES" ] && [ -f "$PATCHES/series" ] || exit 0
# spdxcheck.py (called by checkpatch) needs ply, from Debian's python3-ply: make sure Debian's
# python3 is the one found, not another one earlier in PATH.
apt_install perl python3 python3-ply python3-git
export PATH=/usr/bin:$PATH
# Two findings are waived, each only where it says nothing about the patch:
# - "does MAINTAINERS need updating?" (FILE_PATH_CHANGES), asked of every patch that adds a file
#   and does not touch MAINTAINERS: waived when every added or deleted file lies in a directory
#   that an F: line of the tree's MAINTAINERS names.
# - "Unknown commit id" (UNKNOWN_COMMIT_ID) for the id of a Fixes: line: the tree is Debian's
#   source package plus the series, with no upstream history to look the id up in.
# Any other finding, or a waivable one where its condition does not hold, fails the patch.
new_files_covered() {
	local patch=$1 f
	while read -r f; do
		grep -qE "^F:[[:space:]]+$(dirname "$f")/\$" "$TREE/MAINTAINERS" || return 1
	done < <(awk '/^diff --git / { f = $3; sub(/^a\//, "", f) } /^(new|deleted) file mode/ { print f }' "$patch")
}

# unwaived_findings OUT PATCH: the finding lines of checkpatch's output OUT that stay.
unwaived_findings() {
	local out=$1 patch=$2 line id
	while read -r line; do
		case "$line" in
		WARNING:FILE_PATH_CHANGES:*) new_files_covered "$patch" && continue ;;
		WARNING:UNKNOWN_COMMIT_ID:*)
			id=$(sed -E "s/.*Unknown commit id '([0-9a-f]+)'.*/\1/" <<<"$line")
			grep -qE "^Fixes: $id " "$patch" && continue ;;
		esac
		printf '%s\n' "$line"
	done < <(printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK):')
}

step "checkpatch --strict on $(rel "$PATCHES")"
while read -r p; do
	case "$p" in '' | '#'*) continue ;; esac
	out=$(cd "$TREE" && scripts/checkpatch.pl --strict --quiet --no-summary --show-types "$PATCHES/$p" 2>&1) && rc=0 || rc=$?
	left=$(unwaived_findings "$out" "$PATCHES/$p")
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		info "clean: $p"
		row PASS patches "checkpatch:$p"
	elif [ -z "$left" ] && [ -n "$out" ]; then
		waived=$(printf '%s\n' "$out" | grep -oE '^WARNING:[A-Z_]+' | cut -d: -f2 | sort -u | paste -sd' ')
		info "clean: $p (waived: $waived)"
		row PASS patches "checkpatch:$p" "waived: $waived"
	else
		warn "checkpatch: $p"
		printf '%s\n' "$out" | head -40 >&2
		row FAIL patches "checkpatch:$p" "$(printf '%s\n' "$left" | grep -c .) findings"
	fi
done <"$PATCHES/series"
