#!/usr/bin/env bash
# Boot: boot a built kernel under QEMU with the host root shared read-only over 9p, run one job
# script in it (harness/guest/jobs/*, harness/e2e/job, harness/bench/job) and bring back what
# happened through a shared results folder.
#   boot.sh RESULTS_DIR VARIANT JOB [ARGS...]
# Environment: KERNEL (harness/kernels), TIMEOUT (seconds, default 600), INTERACTIVE=1 (console
# on this terminal), ACCEL (default tcg: KVM hangs on these machines), MEM (default 2G), CPUS
# (default 2), QEMU_EXTRA (more QEMU options, split on spaces; make bench passes -icount),
# GUEST_INIT (PID 1, default harness/guest/init; make check-deb boots systemd through
# harness/deb/init), APPEND (more kernel command line), GUEST_ENV (NAME=VALUE words the job
# gets in its environment: a variant's @env line).
# Results: RESULTS_DIR/rc is the job's exit status (written in the guest by guest/init), and
# RESULTS_DIR/outcome the guest's, decided here: ok, timeout, no-result (the guest stopped
# before the job's status came back) or splat (BUG, WARNING, KASAN, lockdep, UBSAN, kmemleak,
# oops or stall in the kernel log, or a KCSAN report with a frame in the series' code; excerpt
# in RESULTS_DIR/splat). KCSAN reports elsewhere are in RESULTS_DIR/kcsan.tsv (harness/host/
# kcsan.sh). RESULTS_DIR/cpus: the CPUs the guest had online and the CPUs it was given
# (guest/init). guest_rows (lib.sh) turns them into result rows. Exit status: 0 when the outcome
# is ok and the job exited 0, else 1.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

RES=$1 VARIANT=$2 JOB=$3
shift 3
# Results of an earlier run must never be read as this one's, even if this one stops early.
rm -rf "$RES"
mkdir -p "$RES"
KERNEL_IMAGE=$(kernel_image "$VARIANT")
TIMEOUT=${TIMEOUT:-600}
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-2G}
CPUS=${CPUS:-2}

[ -f "$KERNEL_IMAGE" ] || die "no kernel at $(rel "$KERNEL_IMAGE"): run 'make build' (or harness/host/build.sh kernel $VARIANT)"
[ -x "$JOB" ] || die "no job script $JOB"
JOB=$(realpath "$JOB")
apt_install "$QEMU_PACKAGE"

# The job, as guest/init finds it: a wrapper naming the real script (visible via the host root).
{
	echo '#!/bin/bash'
	for kv in ${GUEST_ENV:-}; do
		printf 'export %q\n' "$kv"
	done
	printf 'exec %q' "$JOB"
	printf ' %q' "$@"
	echo
} >"$RES/job"
chmod +x "$RES/job"

append="console=ttyS0 root=root rootfstype=9p ro"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
# An oops panics and the panic reboots at once (QEMU exits): a dead kernel fails in seconds,
# not at the timeout.
append+=" init=${GUEST_INIT:-$H/guest/init} oops=panic panic=-1 quiet loglevel=4${APPEND:+ $APPEND}"
# guest/init checks that the guest has as many CPUs online as QEMU was given.
append+=" harness.cpus=$CPUS"
# The machine follows the kernel. Without PCI (configs/vm.config): QEMU's microvm, whose firmware's
# MP table lists every CPU, with virtio-mmio devices that QEMU adds to the command line; the
# kernel reboots (and QEMU, -no-reboot, exits) by triple fault, as it has neither ACPI nor a
# keyboard controller to ask. With PCI (the Debian kernels of make check-deb): the pc machine,
# whose ACPI MADT lists the CPUs; IRQ routing from the BIOS's table instead of ACPI's _PRT method,
# whose AML loop, run by the interpreter of a KASAN kernel under TCG, hits ACPICA's 30 s loop
# timeout and leaves the virtio devices without interrupts.
if grep -qx 'CONFIG_PCI=y' "$(variant_dir "$VARIANT")/.config" 2>/dev/null; then
	machine=pc virtio_9p=virtio-9p-pci
	append+=" acpi=noirq"
else
	machine=microvm,acpi=off virtio_9p=virtio-9p-device
	append+=" reboot=t"
fi
# A kernel with modules: guest/init binds them on /lib/modules, where modprobe looks.
modules=$(variant_dir "$VARIANT")/modules/lib/modules
[ ! -d "$modules" ] || append+=" harness.modules=$(realpath "$modules")"
# 4-level paging (la57=off): on a CPU with 5-level paging, 6.1's identify_cpu() clears
# boot_cpu_data's feature bits, LA57 among them, and sets them again; an interrupt in between
# sees pgtable_l5_enabled() false, and KASAN's addr_has_metadata() then takes every direct-map
# address for a wild one ("wild-memory-access in do_raw_spin_lock" from handle_edge_irq, 5 ms
# into the boot). A false report of the base kernel, independent of the series, whose timing
# decides whether it shows (docs/results.md); most x86 machines have no LA57 anyway.
# shellcheck disable=SC2054 # the commas belong to QEMU's option values
qemu=("$QEMU" -M "$machine" -accel "$ACCEL" -cpu max,la57=off -smp "$CPUS" -m "$MEM" -nodefaults -no-reboot
	-display none -kernel "$KERNEL_IMAGE" -append "$append"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device "$virtio_9p",fsdev=hostroot,mount_tag=root
	-fsdev "local,id=top,path=$TOP,security_model=none,readonly=on,multidevs=remap"
	-device "$virtio_9p",fsdev=top,mount_tag=top
	-fsdev "local,id=results,path=$RES,security_model=none,multidevs=remap"
	-device "$virtio_9p",fsdev=results,mount_tag=results)
# shellcheck disable=SC2206 # a list of options, split on spaces
qemu+=(${QEMU_EXTRA:-})

if [ -n "${INTERACTIVE:-}" ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

qpid=
# shellcheck disable=SC2317 # called from the traps
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; return 0; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

t0=$SECONDS
c0=0 c1=0
cpu_seconds c0
qrc=0
: >"$RES/console.log"
timeout -k 5 "$TIMEOUT" "${qemu[@]}" -serial "file:$RES/console.log" </dev/null &
qpid=$!
# Show result lines of the tests as they come out on the console, named by the variant (make
# check runs two guests at once).
tail -n +1 -F --pid="$qpid" "$RES/console.log" 2>/dev/null |
	grep --line-buffered -E '^(# )?(not )?ok [0-9]+ ' | sed -u "s|^|    $VARIANT: |" >&2 &
wait "$qpid" || qrc=$?
qpid=
wait

# A splat anywhere in the kernel log fails the run, whatever the job said.
splats='BUG:|WARNING:|KASAN:|UBSAN:|INFO: possible|INFO: task .* blocked|possible circular locking|'
splats+='suspicious RCU usage|rcu: INFO|detected stall|Oops|general protection fault|Kernel panic|'
splats+='unreferenced object|list_add corruption|list_del corruption|kernel BUG'
# Only the console's kernel lines (timestamped): the tests' own output may say anything.
grep -E '^\[ *[0-9]+\.[0-9]+\]' "$RES/console.log" >"$RES/console-kernel.txt" || true
logs=("$RES/console-kernel.txt")
[ -f "$RES/dmesg.txt" ] && logs+=("$RES/dmesg.txt")
[ -f "$RES/kmemleak.txt" ] && logs+=("$RES/kmemleak.txt")
# KCSAN reports count only with a frame in the series' code: sorted apart, then left out of the
# search for the other splats (their "BUG: KCSAN:" line would match it).
"$H/host/kcsan.sh" functions "$VARIANT" >"$RES/series-functions.tsv"
"$H/host/kcsan.sh" classify "$RES/series-functions.tsv" "$RES" "${logs[@]}"
splat=$("$H/host/kcsan.sh" strip "${logs[@]}" | grep -E -m1 -A25 "$splats" | head -40 || true)
if [ -z "$splat" ] && grep -q '^series' "$RES/kcsan.tsv"; then
	splat=$(awk -F'\t' '$1 == "series" { print "BUG: KCSAN: " $2 ", a frame in the series: " $3; exit }' "$RES/kcsan.tsv")
	splat+=$'\n'$(awk '/^## series/ { on = 1; next } /^## / { on = 0 } on' "$RES/kcsan.txt" | head -40)
fi
[ -z "$splat" ] || echo "$splat" >"$RES/splat"

if [ "$qrc" -eq 124 ]; then
	outcome=timeout
	echo "$TIMEOUT" >"$RES/timeout"
	warn "$KERNEL $VARIANT guest timed out after $TIMEOUT s; last console lines:"
	tail -n 20 "$RES/console.log" >&2
elif [ ! -f "$RES/rc" ]; then
	outcome=no-result
	[ "$qrc" -eq 0 ] || warn "qemu exited with status $qrc"
	warn "$KERNEL $VARIANT guest stopped without a result; last console lines:"
	tail -n 20 "$RES/console.log" >&2
elif [ -n "$splat" ]; then
	outcome=splat
else
	outcome=ok
fi
[ -z "$splat" ] || { warn "$KERNEL $VARIANT kernel log has a splat:"; echo "$splat" >&2; }
echo "$outcome" >"$RES/outcome"
cpu_seconds c1
info "$KERNEL $VARIANT guest ran $((SECONDS - t0)) s (CPU $((c1 - c0)) s): $outcome, job exit status $(cat "$RES/rc" 2>/dev/null || echo none)"
[ "$outcome" = ok ] && [ "$(cat "$RES/rc")" = 0 ]
