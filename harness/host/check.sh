#!/usr/bin/env bash
# Check: everything CI checks, in order: the series applies, checkpatch --strict on every patch,
# the kselftests build, then for each variant `make check` runs (configs/*.config with a
# `# @check:` line, in order): its kernel builds, a guest runs what the line names (kselftest,
# e2e), every guest run gives rows (harness/lib.sh guest_rows); then the summary table and the
# closing 'N passed, N failed' line.
# Environment: KERNEL (default ours; the kselftests always come from ours' tree), VARIANTS
# (default: the variants with a @check line; a variant named here runs its kselftests even
# without one), TESTS (COLLECTION:TEST names, default each variant's @tests line, else all; no
# e2e then), SKIP_CHECKPATCH=1, E2E=0 (no end-to-end rows). A variant with a @coverage line adds
# its coverage figures (harness/host/coverage.sh) as NOTE rows.
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

for v in $plan; do
	if ! "$H/host/build.sh" kernel "$v"; then
		row FAIL build "kernel-$v" "see $(rel "$KDIR/$v")/build.log" >>"$ROWS"
		continue
	fi
	row PASS build "kernel-$v" >>"$ROWS"
	jobs=$(variant_field "$v" check)
	[ -n "$jobs" ] || jobs=kselftest
	for job in $jobs; do
		case $job in
		kselftest) run_kselftests "$v" ;;
		e2e)
			if [ -n "$TESTS" ] || [ "${E2E:-1}" = 0 ]; then continue; fi
			"$H/e2e/e2e.sh" rows "$v" >>"$ROWS" ||
				row FAIL e2e setup "harness/e2e/e2e.sh stopped (its error is above)" >>"$ROWS"
			;;
		*) die "$(rel "$(variant_file "$v")"): unknown job '$job' in its @check line" ;;
		esac
	done
done

info "check took $((SECONDS - t0)) s; rows in $(rel "$ROWS")"
"$H/host/report.sh" summary "$ROWS"
