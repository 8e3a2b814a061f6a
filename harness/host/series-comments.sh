#!/usr/bin/env bash
# Series comments: the comment lines of a patches folder's `series` file (the layer markers,
# `# layer 2: ...`) kept with the tree's commits, so that `make series` writes them back before
# the same patches after a rebase renumbered, reordered or reworded them. Each block of comment
# lines is a git note (ref refs/notes/series) on the commit of the patch that follows it; the
# tree's config says notes.rewriteRef, so `git rebase` and `git commit --amend` carry the notes
# to the rewritten commits. Comments after the last patch are the tree's config `series.tail`.
# Blank lines of the series file are not kept.
#   series-comments.sh record TREE BASE SERIES   after the series is applied on BASE: one note per
#                                                commented patch (the Nth patch line, the Nth commit)
#   series-comments.sh write TREE BASE NAMES     the series file for the patch file names of NAMES
#                                                (one a line, BASE..HEAD's commits in order), with
#                                                the comments back before their commits, on stdout
#   series-comments.sh find TREE BASE REGEX      the first commit of BASE..HEAD whose comments
#                                                have a line matching REGEX (grep -E); nothing if none
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

NOTES=series

commits() { git -C "$1" rev-list --reverse "$2..HEAD"; }

cmd_record() {
	local tree=$1 base=$2 series=$3 line block="" n=0 shas=()
	mapfile -t shas < <(commits "$tree" "$base")
	git -C "$tree" config notes.rewriteRef "refs/notes/$NOTES"
	git -C "$tree" config --unset-all series.tail || true
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		*[![:space:]]*) ;;
		*) continue ;;
		esac
		if [[ $line =~ ^[[:space:]]*# ]]; then
			block+=$line$'\n'
			continue
		fi
		n=$((n + 1))
		[ "$n" -le ${#shas[@]} ] || die "$series names more patches than $base..HEAD has commits"
		[ -z "$block" ] || git -C "$tree" notes --ref="$NOTES" add -f -m "${block%$'\n'}" "${shas[n - 1]}"
		block=""
	done <"$series"
	[ -z "$block" ] || git -C "$tree" config series.tail "${block%$'\n'}"
}

cmd_write() {
	local tree=$1 base=$2 names=$3 sha name i=0 shas=() files=()
	mapfile -t shas < <(commits "$tree" "$base")
	mapfile -t files <"$names"
	[ ${#files[@]} -eq ${#shas[@]} ] || die "${#files[@]} patch names for ${#shas[@]} commits"
	for sha in "${shas[@]}"; do
		name=${files[i]}
		i=$((i + 1))
		git -C "$tree" notes --ref="$NOTES" show "$sha" 2>/dev/null || true
		printf '%s\n' "$name"
	done
	git -C "$tree" config series.tail || true
}

cmd_find() {
	local tree=$1 base=$2 re=$3 sha
	for sha in $(commits "$tree" "$base"); do
		if git -C "$tree" notes --ref="$NOTES" show "$sha" 2>/dev/null | grep -qE "$re"; then
			echo "$sha"
			return 0
		fi
	done
}

usage="usage: $0 record TREE BASE SERIES | write TREE BASE NAMES | find TREE BASE REGEX"
case "${1:-}" in
record) cmd_record "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" ;;
write) cmd_write "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" ;;
find) cmd_find "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" ;;
*) die "$usage" ;;
esac
