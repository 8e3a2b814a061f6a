#!/usr/bin/env bash
# Variants: what configs/*.config say about themselves (harness/lib.sh reads their `# @extends:`
# and `# @check:` lines), for the Makefile and people.
#   variants.sh list      a table: variant, what it extends, what `make check` runs on it
#   variants.sh all       every variant, each after the one it extends
#   variants.sh checked   the variants `make check` runs something on
#   variants.sh first     the default variant (`# @default: yes`: make run, make test, bench, bisect)
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

case "${1:-}" in
list)
	printf '%-10s %-12s %s\n' variant extends "make check runs"
	for v in $(variants); do
		printf '%-10s %-12s %s%s%s\n' "$v" "$(variant_field "$v" extends)" "$(variant_field "$v" check)" \
			"$(t=$(variant_field "$v" tests) && [ -n "$t" ] && echo " (only $t)")" \
			"$(c=$(variant_field "$v" coverage) && [ -n "$c" ] && echo ", coverage of $c")"
	done
	;;
all) variants ;;
checked) checked_variants ;;
first) default_variant ;;
*) die "usage: $0 list|all|checked|first" ;;
esac
