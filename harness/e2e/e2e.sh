#!/usr/bin/env bash
# E2E: real container tools in a guest (harness/e2e/job): qemu-user-static's binfmt.d lines,
# systemd-binfmt, update-binfmts and an unprivileged LXC container, each in its own binfmt_misc
# instance, the host's table untouched.
#   e2e.sh rows VARIANT   boot KERNEL's built VARIANT, print the result rows (check.sh calls this)
#   e2e.sh check          build what is missing (tree, default variant), run, print the summary
# E2E_TIMEOUT (seconds, default 900: make check runs it on the debug kernel, KASAN under TCG)
# bounds the guest. Results: build/<kernel>/e2e/<variant>/.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

# e2e_rows VARIANT: the guest run, as rows on stdout.
e2e_rows() {
	local variant=$1 res=$KDIR/e2e/$1
	"$H/e2e/deps.sh"
	step "booting $KERNEL $variant for the end-to-end container tools"
	TIMEOUT=${E2E_TIMEOUT:-900} "$H/host/boot.sh" "$res" "$variant" "$H/e2e/job" "$BUILD/e2e-deps" || true
	guest_rows e2e "$res" "$res/rows.tsv"
}

case "${1:-}" in
rows)
	e2e_rows "${2:?usage: $0 rows VARIANT}"
	;;
check)
	lock_build
	variant=${VARIANT:-$(default_variant)}
	"$H/host/tree.sh" tree
	"$H/host/build.sh" kernel "$variant"
	mkdir -p "$KDIR/e2e-check"
	e2e_rows "$variant" >"$KDIR/e2e-check/rows.tsv"
	"$H/host/report.sh" summary "$KDIR/e2e-check/rows.tsv"
	;;
*) die "usage: $0 rows VARIANT | check" ;;
esac
