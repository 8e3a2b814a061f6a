#!/usr/bin/env bash
# Check: everything CI checks, in order: the series applies, checkpatch --strict on every patch,
# the kselftests build, then for each variant `make check` runs (configs/*.config with a
# `# @check:` line, in order): its kernel builds, a guest runs what the line names (kselftest,
# e2e), every guest run gives rows (harness/lib.sh guest_rows); then the summary table and the
# closing 'N passed, N failed' line.
# Environment: KERNEL (default ours; the kselftests always come from ours' tree), VARIANTS
# (default: the variants with a @check line; a variant named here runs its kselftests even
# without one), TESTS (COLLECTION:TEST names, default each variant's @tests line, else all; no
# e2e then), SKIP_CHECKPATCH=1, E2E=0 (no end-to-end rows), PREFIX=0 (no prefix build, see
# run_prefix; none either when TESTS is given). A variant with a @coverage line adds its coverage
# figures (harness/host/coverage.sh) as NOTE rows.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

TESTS=${TESTS:-}
OUT=$KDIR/check
ROWS=$OUT/rows.tsv

lock_build
mkdir -p "$OUT"
: >"$ROWS"
t0=$SECONDS

"$H/host/tree.sh" tree
[ -n "${SKIP_CHECKPATCH:-}" ] || [ -z "$PATCHES" ] || "$H/host/checkpatch.sh" >>"$ROWS"

if "$H/host/build.sh" selftests; then
	row PASS build kselftests >>"$ROWS"
else
	row FAIL build kselftests "see build/ours/kselftest-obj/build.log" >>"$ROWS"
	"$H/host/report.sh" summary "$ROWS"
	exit 1
fi

plan=${VARIANTS:-$(checked_variants)}
# Unknown test names (given, or in a variant's @tests line) stop here, with the list of valid ones.
for t in $TESTS $(for v in $plan; do variant_field "$v" tests; done); do
	grep -qx "$t" "$KSELFTEST/kselftest-list.txt" || {
		echo "valid tests:" >&2
		sed 's/^/  /' "$KSELFTEST/kselftest-list.txt" >&2
		die "unknown test '$t'"
	}
done

# run_kselftests VARIANT: the kselftests (TESTS, else the variant's @tests, else all) in a guest
# of VARIANT, as rows; then its coverage, if it measures some.
run_kselftests() {
	local v=$1 res=$OUT/$1 tests=${TESTS:-$(variant_field "$1" tests)}
	step "booting $KERNEL $v and running the kselftests${tests:+ ($tests)}"
	# shellcheck disable=SC2086 # a list of names
	TIMEOUT=${TIMEOUT:-1800} "$H/host/boot.sh" "$res" "$v" "$H/guest/jobs/kselftest" "$KSELFTEST" $tests || true
	"$H/host/report.sh" tap "$v" "$res/tap.txt" >"$res/rows.tsv"
	guest_rows "$v" "$res" "$res/rows.tsv" >>"$ROWS"
	[ -z "$(variant_field "$v" coverage)" ] || "$H/host/coverage.sh" rows "$v" "$res" >>"$ROWS"
}

# The series' prefix: its patches up to the `# layer 3` line of the series (the feature with
# mainline's semantics, without our improvements), built on the variant whose @check line says
# `prefix`, in the variant's own build folder, before the whole series: the tree is checked out
# at the prefix and back, which gives new mtimes only to the files the later patches change, so
# the variant's build after it recompiles only what they touch. Its tests are all binfmt_misc
# suites that exist at the prefix (one that needs a later patch fails: a bug of the series). Rows: group prefix:VARIANT, builds prefix:kernel-VARIANT and prefix:kselftests.
run_prefix() {
	local v=$1 g=prefix:$1 first prefix head res=$OUT/prefix-$1 t tests=()
	first=$("$H/host/series-comments.sh" find "$TREE" "$BASE_TAG" '^# layer 3:')
	if [ -z "$first" ]; then
		row NOTE "$g" layers "$(rel "${PATCHES:-patches}")/series has no '# layer 3:' line: no prefix build" >>"$ROWS"
		return 0
	fi
	prefix=$(git -C "$TREE" rev-parse "$first^")
	head=$(git -C "$TREE" symbolic-ref -q --short HEAD || git -C "$TREE" rev-parse HEAD)
	step "the series' prefix on $v: $(git -C "$TREE" log -1 --format='%h %s' "$prefix")"
	git -C "$TREE" checkout -q --detach "$prefix" || die "cannot check out the prefix in $(rel "$TREE")"
	# shellcheck disable=SC2064 # expand now: back to this branch, however the step ends
	trap "git -C '$TREE' checkout -q '$head'" EXIT
	trap 'exit 130' INT TERM
	if KSELFTEST_DIR=$KDIR/kselftest-prefix "$H/host/build.sh" selftests; then
		row PASS build prefix:kselftests >>"$ROWS"
		if "$H/host/build.sh" kernel "$v"; then
			row PASS build "prefix:kernel-$v" >>"$ROWS"
			# Every binfmt_misc suite the prefix has, not only the variant's @tests: the
			# prefix is proven by the tests of its own layers.
			for t in ${TESTS:-$(grep '^binfmt_misc:' "$KDIR/kselftest-prefix/kselftest-list.txt")}; do
				grep -qx "$t" "$KDIR/kselftest-prefix/kselftest-list.txt" && tests+=("$t")
			done
			if [ ${#tests[@]} -eq 0 ]; then
				row NOTE "$g" tests "none of the tests exists at the prefix" >>"$ROWS"
			else
				step "booting $KERNEL $v at the prefix and running its kselftests${tests[*]:+ (${tests[*]})}"
				TIMEOUT=${TIMEOUT:-1800} "$H/host/boot.sh" "$res" "$v" "$H/guest/jobs/kselftest" \
					"$KDIR/kselftest-prefix" "${tests[@]}" || true
				"$H/host/report.sh" tap "$g" "$res/tap.txt" >"$res/rows.tsv"
				guest_rows "$g" "$res" "$res/rows.tsv" >>"$ROWS"
			fi
		else
			row FAIL build "prefix:kernel-$v" "see $(rel "$KDIR/$v")/build.log" >>"$ROWS"
		fi
	else
		row FAIL build prefix:kselftests "see build/ours/kselftest-obj/build.log" >>"$ROWS"
	fi
	git -C "$TREE" checkout -q "$head"
	trap - EXIT INT TERM
}

for v in $plan; do
	jobs=$(variant_field "$v" check)
	[ -n "$jobs" ] || jobs=kselftest
	if variant_runs "$v" prefix; then
		if [ -z "$TESTS" ] && [ "${PREFIX:-1}" != 0 ] && [ -n "$PATCHES" ]; then
			run_prefix "$v"
		fi
		# A variant that is there for the prefix only is not built at the whole series.
		[ "$jobs" != prefix ] || continue
	fi
	if ! "$H/host/build.sh" kernel "$v"; then
		row FAIL build "kernel-$v" "see $(rel "$KDIR/$v")/build.log" >>"$ROWS"
		continue
	fi
	row PASS build "kernel-$v" >>"$ROWS"
	for job in $jobs; do
		case $job in
		kselftest) run_kselftests "$v" ;;
		prefix) ;;
		e2e)
			if [ -n "$TESTS" ] || [ "${E2E:-1}" = 0 ]; then continue; fi
			"$H/e2e/e2e.sh" rows "$v" >>"$ROWS" ||
				row FAIL e2e setup "harness/e2e/e2e.sh stopped (its error is above)" >>"$ROWS"
			;;
		*) die "$(rel "$(variant_file "$v")"): unknown job '$job' in its @check line" ;;
		esac
	done
done

# A file more than one variant measures: the lines the runs of all of them ran (gcov on a debug
# kernel and on a race kernel see different paths: the lookup's retries need two fast CPUs).
for f in $(for v in $plan; do variant_field "$v" coverage; done | tr ' ' '\n' | sort | uniq -d); do
	base=$(basename "$f" .c) runs=() names=()
	for v in $plan; do
		[ ! -f "$OUT/$v/coverage/$base.c.gcov" ] || { runs+=("$OUT/$v/coverage/$base.c.gcov"); names+=("$v"); }
	done
	[ ${#runs[@]} -ge 2 ] || continue
	mkdir -p "$OUT/coverage"
	read -r lp ln < <("$H/host/coverage.sh" union "$OUT/coverage/$base.c.uncovered" "${runs[@]}")
	row NOTE coverage "$f" "lines $lp% of $ln, run on ${names[*]} together; uncovered lines: $(rel "$OUT")/coverage/$base.c.uncovered ($(wc -l <"$OUT/coverage/$base.c.uncovered"))" >>"$ROWS"
done

info "check took $((SECONDS - t0)) s; rows in $(rel "$ROWS")"
"$H/host/report.sh" summary "$ROWS"
