#!/usr/bin/env bash
# Guest: boot a built kernel under QEMU with the host root shared read-only over 9p, run one
# job script in it (harness/jobs/*) and bring its exit status back through a shared results folder.
#   guest.sh RESULTS_DIR VARIANT JOB [ARGS...]
# Environment: TIMEOUT (seconds, default 600), INTERACTIVE=1 (console on this terminal),
# ACCEL (default tcg: KVM hangs on these machines), QEMU_EXTRA (more QEMU options, split on
# spaces; make bench passes -icount).
# Exit status: the job's; 124 if the guest timed out; 125 if it died without a result;
# 126 if the kernel log shows a splat (BUG, WARNING, KASAN, lockdep, UBSAN, kmemleak, oops, stall).
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

RES=$1 VARIANT=$2 JOB=$3
shift 3
KERNEL=$BUILD/$VARIANT-$KVER/arch/x86/boot/bzImage
TIMEOUT=${TIMEOUT:-600}
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-2G}

[ -f "$KERNEL" ] || die "no kernel at ${KERNEL#"$TOP"/}: run 'make build' (or harness/build.sh kernel $VARIANT)"
[ -x "$JOB" ] || die "no job script $JOB"
JOB=$(realpath "$JOB")
apt_install qemu-system-x86

rm -rf "$RES"
mkdir -p "$RES"
# The job, as guest-init finds it: a wrapper naming the real script (visible via the host root).
{
	echo '#!/bin/bash'
	printf 'exec %q' "$JOB"
	printf ' %q' "$@"
	echo
} >"$RES/job"
chmod +x "$RES/job"

append="console=ttyS0 root=root rootfstype=9p ro"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
# An oops panics and the panic reboots at once (QEMU exits): a dead kernel fails in seconds,
# not at the timeout.
append+=" init=$TOP/harness/guest-init oops=panic panic=-1 quiet loglevel=4"
# shellcheck disable=SC2054 # the commas belong to QEMU's option values
qemu=(qemu-system-x86_64 -accel "$ACCEL" -cpu max -smp 2 -m "$MEM" -nodefaults -no-reboot
	-display none -kernel "$KERNEL" -append "$append"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=root
	-fsdev "local,id=top,path=$TOP,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=top,mount_tag=top
	-fsdev "local,id=results,path=$RES,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=results,mount_tag=results)
# shellcheck disable=SC2206 # a list of options, split on spaces
qemu+=(${QEMU_EXTRA:-})

qpid=
# shellcheck disable=SC2317 # called from the traps
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; return 0; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

t0=$SECONDS
rc=0
if [ -n "${INTERACTIVE:-}" ]; then
	"${qemu[@]}" -serial mon:stdio || rc=$?
else
	: >"$RES/console.log"
	timeout -k 5 "$TIMEOUT" "${qemu[@]}" -serial "file:$RES/console.log" </dev/null &
	qpid=$!
	# Show result lines of the tests as they come out on the console.
	tail -n +1 -F --pid="$qpid" "$RES/console.log" 2>/dev/null |
		grep --line-buffered -E '^(# )?(not )?ok [0-9]+ ' | sed -u 's/^/    /' >&2 &
	wait "$qpid" || rc=$?
	qpid=
	wait
fi

# A splat anywhere in the kernel log fails the run, whatever the tests said.
splats='BUG:|WARNING:|KASAN:|UBSAN:|INFO: possible|INFO: task .* blocked|possible circular locking|'
splats+='suspicious RCU usage|rcu: INFO|detected stall|Oops|general protection fault|Kernel panic|'
splats+='unreferenced object|list_add corruption|list_del corruption|kernel BUG'
# Only the console's kernel lines (timestamped): the tests' own output may say anything.
grep -E '^\[ *[0-9]+\.[0-9]+\]' "$RES/console.log" >"$RES/console-kernel.txt" || true
logs=("$RES/console-kernel.txt")
[ -f "$RES/dmesg.txt" ] && logs+=("$RES/dmesg.txt")
[ -f "$RES/kmemleak.txt" ] && logs+=("$RES/kmemleak.txt")
splat=$(grep -Eh -m1 -A25 "$splats" "${logs[@]}" | head -40 || true)
[ -z "$splat" ] || echo "$splat" >"$RES/splat"

if [ "$rc" -eq 124 ]; then
	warn "$VARIANT-$KVER guest timed out after $TIMEOUT s; last console lines:"
	tail -n 20 "$RES/console.log" >&2
	exit 124
fi
[ "$rc" -eq 0 ] || warn "qemu exited with status $rc"
if [ ! -f "$RES/rc" ]; then
	warn "$VARIANT-$KVER guest stopped without a result; ${splat:+the kernel log has a splat, }last console lines:"
	{ [ -n "$splat" ] && echo "$splat"; } || tail -n 20 "$RES/console.log"
	exit 125
fi >&2
info "$VARIANT-$KVER guest ran $((SECONDS - t0)) s"
if [ -n "$splat" ]; then
	warn "$VARIANT-$KVER kernel log has a splat:"
	echo "$splat" >&2
	exit 126
fi
exit "$(cat "$RES/rc")"
