#!/usr/bin/env bash
# Bench: what binfmt_misc's table costs every exec, on three kernels of harness/kernels built
# with the same variant (the first, vm):
#   base = Debian's linux-source-6.1 unpatched (ours' tree at its `base` tag),
#   peer = Debian's linux-source-6.12 (upstream's own per-namespace binfmt_misc),
#   ours = linux-6.1 + patches/6.1.
# One guest boot per kernel runs harness/bench/job (harness/bench/exec-bench.c); then
# harness/bench/report.py writes build/bench/results.md and build/bench/plot.png.
# The guests run under QEMU's -icount shift=0: guest time advances 1 ns per guest instruction,
# so the figures do not depend on what else the host runs (ICOUNT=0: host time, noisy).
# Environment: KERNELS (default "base peer ours"), ROUNDS (9), EXECS (execs per batch, 25),
# MEM_ROUNDS (3), NO_BUILD=1 (boot the kernels already built, build only the missing ones).
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

OUT=$BUILD/bench
KERNELS=${KERNELS:-base peer ours}
ROUNDS=${ROUNDS:-9}
EXECS=${EXECS:-25}
ICOUNT=${ICOUNT:-1}
MEM_ROUNDS=${MEM_ROUNDS:-3}
VARIANT=$(default_variant)
BIN=$OUT/exec-bench

image() { kernel_image "$VARIANT" "$1"; }

build_kernel() {
	local name=$1
	if [ -n "${NO_BUILD:-}" ] && [ -f "$(image "$name")" ]; then
		info "$name: $(rel "$(image "$name")") as it is (NO_BUILD)"
		return 0
	fi
	(export KERNEL=$name && TREE_AS_IS=1 "$H/host/tree.sh" tree && "$H/host/build.sh" kernel "$VARIANT") ||
		die "building the $name kernel failed (see above)"
}

# run_guest NAME: boot kernel NAME with the bench job; progress lines from its console as they come.
run_guest() {
	local name=$1 res=$OUT/guest-$1 mhz gpid load0 qemu_extra=
	[ "$ICOUNT" = 0 ] || qemu_extra="-icount shift=0"
	mhz=$("$BIN" tsc)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	rm -rf "$res"
	step "booting $name ($(kernel_field "$name" version)): $ROUNDS rounds of $EXECS execs per configuration; host load $load0"
	# One CPU: the bench runs one process at a time, -icount runs the vCPUs in turn on one host
	# thread anyway, and under -icount microvm's second CPU did not come up (smpboot hung 90 s).
	KERNEL=$name TIMEOUT=${TIMEOUT:-1800} QEMU_EXTRA=$qemu_extra CPUS=1 \
		nice -n 10 "$H/host/boot.sh" "$res" "$VARIANT" "$H/bench/job" "$BIN" "$ROUNDS" "$EXECS" "$MEM_ROUNDS" "$mhz" &
	gpid=$!
	# shellcheck disable=SC2064 # expand now: the trap must name this pid
	trap "kill $gpid 2>/dev/null" INT TERM
	tail -n +1 -F --pid="$gpid" "$res/console.log" 2>/dev/null |
		grep --line-buffered '^bench:' | sed -u "s/^bench: /    $name: /" >&2 &
	wait "$gpid" || true
	trap - INT TERM
	wait
	if guest_rows "bench-$name" "$res" /dev/null | grep '^FAIL' >&2; then
		die "the $name guest failed (rows above)"
	fi
	cp "$res/raw.tsv" "$OUT/raw-$name.tsv"
	# kernels.tsv: a row per kernel (the others' rows stay: KERNELS=ours reruns ours alone)
	touch "$OUT/kernels.tsv"
	{
		awk -F'\t' -v k="$name" '$1 != k' "$OUT/kernels.tsv"
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(cat "$res/kernel")" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" \
			"$(date -u '+%Y-%m-%d %H:%M UTC')" "$([ "$ICOUNT" = 0 ] && echo host || echo icount)"
	} >"$OUT/kernels.tsv.new"
	mv "$OUT/kernels.tsv.new" "$OUT/kernels.tsv"
}

# configs.tsv: the value each kernel's .config gives every option the fragments ask for
# ("absent": the kernel has no such option, or it is hidden by a dependency).
write_configs() {
	local opt k c v
	printf 'option\tbase\tpeer\tours\n'
	variant_fragments "$VARIANT" | xargs cat | grep -o 'CONFIG_[A-Za-z0-9_]*' | sort -u | while read -r opt; do
		printf '%s' "$opt"
		for k in base peer ours; do
			c=$(variant_dir "$VARIANT" "$k")/.config
			v=$(grep -E "^($opt=|# $opt is not set)" "$c" 2>/dev/null | head -n 1) || true
			case $v in "# "*) v=n ;; "") v=absent ;; *) v=${v#*=} ;; esac
			printf '\t%s' "$v"
		done
		echo
	done
}

apt_install gcc libc6-dev gnuplot-nox python3
mkdir -p "$OUT"
for k in $KERNELS; do kernel_names | grep -qx "$k" || die "unknown kernel '$k' (valid: $(kernel_names | tr '\n' ' '))"; done
step "building the benchmark ($(rel "$BIN"))"
gcc -O2 -Wall -Wextra -static -o "$BIN" "$H/bench/exec-bench.c" || die "gcc failed on harness/bench/exec-bench.c"
for k in $KERNELS; do build_kernel "$k"; done
t0=$SECONDS
for k in $KERNELS; do run_guest "$k"; done
info "guests ran $((SECONDS - t0)) s"
write_configs >"$OUT/configs.tsv"
"$H/bench/report.py" "$OUT"
