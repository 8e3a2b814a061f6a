#!/usr/bin/env bash
# Demo: build the patched kernel's default variant (vm) and boot it for the narrated demo
# (make run) or an interactive shell (make shell).
#   demo.sh demo|shell       VARIANT picks another variant
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

VARIANT=${VARIANT:-$(default_variant)}
case "${1:-}" in
demo | shell) ;;
*) die "usage: $0 demo|shell" ;;
esac
lock_build
"$H/host/tree.sh" tree
"$H/host/build.sh" kernel "$VARIANT"
res=$KDIR/$1
if [ "$1" = shell ]; then
	step "booting $KERNEL $VARIANT with a shell on this terminal (exit the shell to power off)"
	INTERACTIVE=1 exec "$H/host/boot.sh" "$res" "$VARIANT" "$H/guest/jobs/shell"
fi
"$H/e2e/deps.sh"
step "booting $KERNEL $VARIANT for the demo"
rc=0
TIMEOUT=${TIMEOUT:-300} "$H/host/boot.sh" "$res" "$VARIANT" "$H/guest/jobs/demo" \
	"$BUILD/e2e-deps/arm64/busybox" || rc=$?
# The demo talks on the console; show it without the kernel's own lines.
grep -v '^\[ *[0-9]*\.[0-9]*\]' "$res/console.log" | grep -v '^guest/init:' || true
guest_rows demo "$res" /dev/null | grep '^FAIL' | cut -f3- | sed 's/^/error: demo: /' >&2 || true
exit "$rc"
