#!/usr/bin/env bash
# E2E: real container tools in a guest of the vm kernel (harness/jobs/e2e): qemu-user-static's
# binfmt.d lines, systemd-binfmt, update-binfmts and an unprivileged LXC container, each in its
# own binfmt_misc instance, the host's table untouched.
#   e2e.sh rows ROWS   boot the built vm kernel, append result rows to ROWS (check.sh calls this)
#   e2e.sh check       build what is missing (tree, vm kernel), run, print the summary
# Rows are "STATUS<TAB>e2e<TAB>NAME<TAB>DETAIL", like check.sh's. KVER=6.12 runs the upstream peer;
# E2E_TIMEOUT (seconds, default 300) bounds the guest. Results: build/e2e-<KVER>/.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

H=$TOP/harness
VARIANT=vm

# run ROWS: the guest run; its rows (or the reason there are none) go to ROWS.
run() {
	local rows=$1 res=$BUILD/e2e-$KVER rc=0
	"$H/e2e-deps.sh"
	step "booting $VARIANT-$KVER for the end-to-end container tools"
	TIMEOUT=${E2E_TIMEOUT:-300} "$H/guest.sh" "$res" "$VARIANT" "$H/jobs/e2e" "$BUILD/e2e-deps" || rc=$?
	[ -f "$res/rows.tsv" ] && cat "$res/rows.tsv" >>"$rows"
	case $rc in
	0 | 1) printf 'PASS\te2e\tkernel-log\tno splat\n' >>"$rows" ;;
	124) printf 'FAIL\te2e\tguest\ttimed out (console: %s)\n' "${res#"$TOP"/}/console.log" >>"$rows" ;;
	125) printf 'FAIL\te2e\tguest\tdied without a result (console: %s)\n' "${res#"$TOP"/}/console.log" >>"$rows" ;;
	126) printf 'FAIL\te2e\tkernel-log\tsplat in %s\n' "${res#"$TOP"/}/dmesg.txt" >>"$rows" ;;
	*) printf 'FAIL\te2e\tguest\tjob exited %s (console: %s)\n' "$rc" "${res#"$TOP"/}/console.log" >>"$rows" ;;
	esac
	# The job exits 1 exactly when one of its rows failed; those rows say why.
	if [ "$rc" -eq 1 ] && ! grep -q '^FAIL' "$res/rows.tsv" 2>/dev/null; then
		printf 'FAIL\te2e\tguest\tjob failed without a failing row (console: %s)\n' "${res#"$TOP"/}/console.log" >>"$rows"
	fi
	return 0
}

case "${1:-}" in
rows)
	[ -n "${2:-}" ] || die "usage: $0 rows ROWS_FILE"
	run "$2"
	;;
check)
	lock_build
	"$H/base.sh" tree
	"$H/build.sh" kernel "$VARIANT"
	out=$BUILD/e2e-check-$KVER
	mkdir -p "$out"
	: >"$out/rows.tsv"
	run "$out/rows.tsv"
	"$H/report.sh" summary "$out/rows.tsv"
	;;
*) die "usage: $0 rows ROWS_FILE | check" ;;
esac
