#!/usr/bin/env bash
# Check: everything CI checks, in order: the series applies, checkpatch --strict on every patch,
# the kselftests and both kernels build, the tests run in a guest of each kernel, a splat-free
# kernel log on each; then the summary table and the 'N passed, N failed' line.
# Environment: VARIANTS (default "vm debug"), TESTS (COLLECTION:TEST names, default all),
# SKIP_CHECKPATCH=1, E2E=0 (no end-to-end container tools run after the vm kernel's tests).
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

VARIANTS=${VARIANTS:-vm debug}
TESTS=${TESTS:-}
OUT=$BUILD/check-$KVER
ROWS=$OUT/rows.tsv
KSELFTEST=$BUILD/kselftest-$SELFTEST_KVER
H=$TOP/harness

lock_build
mkdir -p "$OUT"
: >"$ROWS"
t0=$SECONDS
row() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }

"$H/base.sh" tree
# The peer's run still takes the kselftests from our series' tree.
[ "$KVER" = "$SELFTEST_KVER" ] || KVER=$SELFTEST_KVER TREE_AS_IS=${TREE_AS_IS:-} "$H/base.sh" tree
[ -n "${SKIP_CHECKPATCH:-}" ] || "$H/checkpatch.sh" >>"$ROWS"

if "$H/build.sh" selftests; then
	row PASS build kselftests ""
else
	row FAIL build kselftests "see build/kselftest-obj-$KVER/build.log"
	"$H/report.sh" summary "$ROWS"
	exit 1
fi

# Unknown test names stop here, with the list of valid ones.
for t in $TESTS; do
	grep -qx "$t" "$KSELFTEST/kselftest-list.txt" || {
		echo "valid tests:" >&2
		sed 's/^/  /' "$KSELFTEST/kselftest-list.txt" >&2
		die "unknown test '$t'"
	}
done

for v in $VARIANTS; do
	if ! "$H/build.sh" kernel "$v"; then
		row FAIL build "kernel-$v" "see build/$v-$KVER/build.log"
		continue
	fi
	row PASS build "kernel-$v" ""
	step "booting $v-$KVER and running the kselftests"
	res=$OUT/$v
	rc=0
	# shellcheck disable=SC2086 # TESTS is a list of names
	TIMEOUT=${TIMEOUT:-1800} "$H/guest.sh" "$res" "$v" "$H/jobs/kselftest" "$KSELFTEST" $TESTS || rc=$?
	"$H/report.sh" tap "$v" "$res/tap.txt" >>"$ROWS"
	case $rc in
	124) row FAIL "$v" "guest" "timed out (console: ${res#"$TOP"/}/console.log)" ;;
	125) row FAIL "$v" "guest" "died without a result (console: ${res#"$TOP"/}/console.log)" ;;
	126) row FAIL "$v" "kernel-log" "splat in ${res#"$TOP"/}/dmesg.txt" ;;
	*) row PASS "$v" "kernel-log" "no splat" ;;
	esac
	# Real container tools on the series' vm kernel (E2E=0 skips; not for a TESTS selection).
	if [ "$v" = vm ] && [ "$KVER" = 6.1 ] && [ "${E2E:-1}" != 0 ] && [ -z "$TESTS" ]; then
		"$H/e2e.sh" rows "$ROWS" || row FAIL e2e setup "harness/e2e.sh stopped (its error is above)"
	fi
done

info "check took $((SECONDS - t0)) s; rows in ${ROWS#"$TOP"/}"
"$H/report.sh" summary "$ROWS"
