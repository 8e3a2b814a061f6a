#!/usr/bin/env bash
# Run: build the patched vm kernel and boot it for the narrated demo or an interactive shell.
#   run.sh demo|shell
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

H=$TOP/harness
VARIANT=${VARIANT:-vm}
case "${1:-}" in
demo | shell) ;;
*) die "usage: $0 demo|shell" ;;
esac
lock_build
"$H/base.sh" tree
"$H/build.sh" kernel "$VARIANT"
res=$BUILD/run-$KVER
if [ "$1" = shell ]; then
	step "booting $VARIANT-$KVER with a shell on this terminal (exit the shell to power off)"
	INTERACTIVE=1 "$H/guest.sh" "$res" "$VARIANT" "$H/jobs/shell"
else
	"$H/e2e-deps.sh"
	step "booting $VARIANT-$KVER for the demo"
	rc=0
	TIMEOUT=${TIMEOUT:-300} "$H/guest.sh" "$res" "$VARIANT" "$H/jobs/demo" \
		"$BUILD/e2e-deps/arm64/busybox" || rc=$?
	# The demo talks on the console; show it without the kernel's own lines.
	grep -v '^\[ *[0-9]*\.[0-9]*\]' "$res/console.log" | grep -v '^guest-init:' || true
	exit "$rc"
fi
