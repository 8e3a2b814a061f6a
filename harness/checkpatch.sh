#!/usr/bin/env bash
# Checkpatch: scripts/checkpatch.pl --strict on every patch of the series; one result row each.
#   checkpatch.sh >>ROWS
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

[ -d "$TREE" ] || die "no tree at ${TREE#"$TOP"/}: run 'make tree' first"
[ -f "$PATCHES/series" ] || exit 0
apt_install perl
step "checkpatch --strict on patches/$KVER"
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	out=$(cd "$TREE" && scripts/checkpatch.pl --strict --quiet --no-summary --show-types "$PATCHES/$p" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		info "clean: $p"
		printf 'PASS\tpatches\tcheckpatch:%s\t\n' "$p"
	else
		warn "checkpatch: $p"
		printf '%s\n' "$out" | head -40 >&2
		printf 'FAIL\tpatches\tcheckpatch:%s\t%s\n' "$p" "$(printf '%s' "$out" | grep -cE '^(ERROR|WARNING|CHECK)') findings"
	fi
done <"$PATCHES/series"
