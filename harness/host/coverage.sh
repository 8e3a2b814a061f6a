#!/usr/bin/env bash
# Coverage: line and branch coverage of the files a variant's `# @coverage:` line names, from the
# gcov counters its guest run brought back (guest/init copies /sys/kernel/debug/gcov into the
# results folder) and the notes files (.gcno) of its build, read by the host's gcov (the GCC that
# built the kernel). check.sh calls it after a guest run of such a variant.
#   coverage.sh rows VARIANT RESULTS   a NOTE row per file: lines and branches covered; the
#                                      annotated sources and the uncovered lines in RESULTS/coverage/
#   coverage.sh summary GCOV_OUTPUT FILE   "LINES_PCT LINES BRANCHES_PCT BRANCHES" from gcov's
#                                      report (gcov -b) on FILE
#   coverage.sh uncovered GCOV_FILE    the lines an annotated source (NAME.c.gcov) marks never run
#   coverage.sh union OUT GCOV_FILE...  lines of one source run by any of several kernels' runs
#                                      (annotated sources of the same file, each kernel's own
#                                      compilation: gcov cannot merge their counters): prints
#                                      "LINES_PCT LINES", writes the lines none ran to OUT
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

# cmd_summary GCOV_OUTPUT FILE: the percentages gcov printed for FILE (not for the headers whose
# inline functions it also reports).
cmd_summary() {
	awk -v f="$2" '
	/^File / { cur = $0; sub(/^File ./, "", cur); sub(/.$/, "", cur); mine = (cur == f || substr(cur, length(cur) - length(f)) == "/" f); next }
	/^$/ { mine = 0 }
	!mine { next }
	/^Lines executed:/ { split(substr($0, 16), a, /% of /); lp = a[1]; ln = a[2] }
	/^Taken at least once:/ { split(substr($0, 21), a, /% of /); bp = a[1]; bn = a[2] }
	/^No branches/ { bp = "-"; bn = 0 }
	END { if (lp != "") print lp, ln, (bp == "" ? "-" : bp), (bn == "" ? 0 : bn) }' "$1"
}

# cmd_uncovered GCOV_FILE: the lines gcov marks never executed ("#####"), as "LINE:SOURCE".
cmd_uncovered() {
	awk -F: '$1 ~ /#####|=====/ { n = $2 + 0; src = $0; sub(/^[^:]*:[^:]*:/, "", src); printf "%d:%s\n", n, src }' "$1"
}

# cmd_union OUT GCOV_FILE...: a line counts when any of the files marks it as code, and is covered
# when any ran it.
cmd_union() {
	local out=$1
	shift
	awk -F: '
	$2 + 0 > 0 && $1 ~ /^ *([0-9]+\*?|#####|=====)$/ {
		n = $2 + 0; code[n] = 1; if ($1 ~ /[0-9]/) ran[n] = 1
		src = $0; sub(/^[^:]*:[^:]*:/, "", src); text[n] = src
	}
	END {
		for (n in code) { total++; if (n in ran) covered++; else print n ":" text[n] | "sort -n > \"" out "\"" }
		printf "%.2f %d\n", total ? 100 * covered / total : 0, total
	}' out="$out" "$@"
}

cmd_rows() {
	local v=$1 res=$2 out f base gcda gcno work lp ln bp bn
	out=$res/coverage
	rm -rf "$out"
	mkdir -p "$out"
	for f in $(variant_field "$v" coverage); do
		base=$(basename "$f" .c)
		gcno=$(variant_dir "$v")/${f%.c}.gcno
		gcda=$(find "$res/gcov" -path "*/${f%.c}.gcda" 2>/dev/null | head -n 1)
		if [ ! -f "$gcno" ] || [ -z "$gcda" ]; then
			row FAIL "$v" "coverage:$f" "no gcov data (notes: $(rel "$gcno"), counters: none under $(rel "$res")/gcov)"
			continue
		fi
		# gcov reads NAME.gcno and NAME.gcda from one folder and writes NAME.c.gcov in the current one.
		work=$out/$base
		mkdir -p "$work"
		cp "$gcno" "$gcda" "$work/"
		(cd "$work" && gcov -b -c -o . "$TREE/$f") >"$work/gcov.txt" 2>&1 || true
		read -r lp ln bp bn < <(cmd_summary "$work/gcov.txt" "$f") || true
		if [ -z "${lp:-}" ]; then
			row FAIL "$v" "coverage:$f" "gcov gave no figures (see $(rel "$work")/gcov.txt)"
			continue
		fi
		mv "$work/$base.c.gcov" "$out/$base.c.gcov"
		cmd_uncovered "$out/$base.c.gcov" >"$out/$base.c.uncovered"
		row NOTE "$v" "coverage:$f" "lines $lp% of $ln, branches taken $bp% of $bn; uncovered lines: $(rel "$out")/$base.c.uncovered ($(wc -l <"$out/$base.c.uncovered"))"
		rm -rf "$work"
	done
}

case "${1:-}" in
rows) cmd_rows "${2:?usage: $0 rows VARIANT RESULTS}" "${3:?usage: $0 rows VARIANT RESULTS}" ;;
summary) cmd_summary "${2:?usage: $0 summary GCOV_OUTPUT FILE}" "${3:?usage: $0 summary GCOV_OUTPUT FILE}" ;;
uncovered) cmd_uncovered "${2:?usage: $0 uncovered GCOV_FILE}" ;;
union) cmd_union "${2:?usage: $0 union OUT GCOV_FILE...}" "${@:3}" ;;
*) die "usage: $0 rows VARIANT RESULTS | summary GCOV_OUTPUT FILE | uncovered GCOV_FILE | union OUT GCOV_FILE..." ;;
esac
