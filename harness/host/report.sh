#!/usr/bin/env bash
# Report: turn TAP from the guest into result rows, and result rows into the summary table and
# the closing 'N passed, N failed[, N skipped]' line.
#   report.sh tap GROUP TAP_FILE >>ROWS   rows "STATUS<TAB>GROUP<TAB>NAME<TAB>DETAIL" (lib.sh row)
#   report.sh summary ROWS                table, counts, the NOTE rows; exit 1 if anything failed
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

KNOWN_FAILURES=${KNOWN_FAILURES:-$H/known-failures}

# One row per kselftest_harness case (nested "# ok N fixture.case"); a test binary without
# cases counts as one row; a binary that fails without a failing case (crash, timeout) adds a
# failing row of its own.
cmd_tap() {
	local group=$1 tap=$2
	[ -s "$tap" ] || { row FAIL "$group" tests "no TAP output"; return 0; }
	tap_rows "$group" "$tap" | known_failures
}

# Failing rows named for this KERNEL in harness/known-failures become SKIP rows carrying the
# recorded reason, when every failing check of the test (tap_rows puts its "[FAIL]" lines in
# the detail, after "failing: ") matches the recorded pattern.
known_failures() {
	awk -F'\t' -v kernel="$KERNEL" -v file="$KNOWN_FAILURES" '
	BEGIN {
		while ((getline line < file) > 0) {
			if (line ~ /^#/ || split(line, f, "\t") < 4 || f[1] != kernel) continue
			pattern[f[2]] = f[3]; reason[f[2]] = f[4]
		}
	}
	function only_known(name, detail,   i, n, lines) {
		if (!(name in pattern) || !sub(/.*failing: /, "", detail)) return 0
		n = split(detail, lines, / \| /)
		for (i = 1; i <= n; i++) if (lines[i] !~ pattern[name]) return 0
		return n > 0
	}
	$1 == "FAIL" && only_known($3, $4) { print "SKIP\t" $2 "\t" $3 "\tknown failure: " reason[$3]; next }
	{ print }'
}

tap_rows() {
	local group=$1 tap=$2
	awk -v group="$group" -F'\t' '
	# The status says SKIP already: the detail keeps the reason only.
	function row(st, name, detail) { sub(/^(SKIP|skip) */, "", detail); printf "%s\t%s\t%s\t%s\n", st, group, name, detail }
	function status(line) {
		if (line ~ /# (SKIP|skip)/) return "SKIP"
		if (line ~ /^not ok/) return "FAIL"
		return "PASS"
	}
	/^# selftests: / { cur = $0; sub(/^# selftests: /, "", cur); gsub(/: /, ":", cur); cases = 0; failed = 0; run = ""; fails = ""; next }
	# 6.1 kselftest_harness reports a skipped case as "ok N # SKIP reason", without its name:
	# take the name from the case'"'"'s RUN line.
	/^# # +RUN +/ { run = $0; sub(/^# # +RUN +/, "", run); sub(/ \.\.\.$/, "", run); next }
	# A failing check of a test that is not a kselftest_harness one (exec/execveat).
	/^# .*\[FAIL\]/ { fails = fails (fails == "" ? "" : " | ") substr($0, 3) }
	/^# (not )?ok [0-9]+ / {
		line = substr($0, 3); st = status(line)
		name = line; sub(/^(not )?ok [0-9]+ /, "", name); detail = ""
		if (name ~ /^# /) { detail = substr(name, 3); name = run != "" ? run : "case " substr(line, index(line, "ok ") + 3) + 0 }
		else if (match(name, / # .*/)) { detail = substr(name, RSTART + 3); name = substr(name, 1, RSTART - 1) }
		row(st, cur ":" name, detail); cases++; if (st == "FAIL") failed++
		run = ""
		next
	}
	/^(not )?ok [0-9]+ selftests: / {
		st = status($0); name = $0; sub(/^(not )?ok [0-9]+ selftests: /, "", name)
		detail = ""; if (match(name, / # .*/)) { detail = substr(name, RSTART + 3); name = substr(name, 1, RSTART - 1) }
		if (st == "FAIL" && fails != "") detail = detail "; failing: " fails
		gsub(/: /, ":", name)
		if (cases == 0) row(st, name, detail)
		else if (st == "FAIL" && failed == 0) row("FAIL", name, "exited non-zero: " detail)
		cases = 0; failed = 0
	}' "$tap"
}

cmd_summary() {
	local rows=$1 p f s
	[ -s "$rows" ] || die "no results in $rows"
	echo
	echo "Results"
	awk -F'\t' '$1 != "NOTE" { printf "  %-5s %-8s %s%s\n", $1, $2, $3, ($4 != "" ? "  (" $4 ")" : "") }' "$rows"
	echo
	awk -F'\t' '
	$1 == "NOTE" { next }
	!($2 in g) { g[$2] = 1; order[++n] = $2 }
	{ c[$2, $1]++ }
	END {
		printf "  %-10s %7s %7s %7s\n", "group", "passed", "failed", "skipped"
		for (i = 1; i <= n; i++) { k = order[i]; printf "  %-10s %7d %7d %7d\n", k, c[k, "PASS"], c[k, "FAIL"], c[k, "SKIP"] }
	}' "$rows"
	echo
	p=$(grep -c '^PASS' "$rows" || true)
	f=$(grep -c '^FAIL' "$rows" || true)
	s=$(grep -c '^SKIP' "$rows" || true)
	if grep -q '^NOTE' "$rows"; then
		echo "Noted (not counted):"
		awk -F'\t' '$1 == "NOTE" { printf "  %s %s  %s\n", $2, $3, $4 }' "$rows"
		echo
	fi
	if [ "$f" -gt 0 ]; then
		echo "Failed:"
		awk -F'\t' '$1 == "FAIL" { printf "  %s %s  %s\n", $2, $3, $4 }' "$rows"
		echo
	fi
	if [ "$s" -gt 0 ]; then echo "$p passed, $f failed, $s skipped"; else echo "$p passed, $f failed"; fi
	[ "$f" -eq 0 ]
}

case "${1:-}" in
tap) cmd_tap "${2:?usage: $0 tap GROUP TAP}" "${3:?usage: $0 tap GROUP TAP}" ;;
summary) cmd_summary "${2:?usage: $0 summary ROWS}" ;;
*) die "usage: $0 tap GROUP TAP | summary ROWS" ;;
esac
