#!/usr/bin/env bash
# Bench: what binfmt_misc's table costs every exec, on three kernels with the same configs:
#   base = Debian's linux-source-6.1 unpatched (built in build/bench-base from the tree's `base` tag),
#   peer = Debian's linux-source-6.12 (upstream's own per-namespace binfmt_misc),
#   ours = linux-6.1 + patches/6.1.
# One guest boot per kernel runs harness/jobs/bench (harness/bench/exec-bench.c); then
# harness/bench-report.sh writes build/bench/results.md and build/bench/plot.png.
# The guests run under QEMU's -icount shift=0: guest time advances 1 ns per guest instruction,
# so the figures do not depend on what else the host runs (ICOUNT=0: host time, noisy).
# Environment: KERNELS (default "base peer ours"), ROUNDS (9), EXECS (execs per batch, 25),
# MEM_ROUNDS (3), NO_BUILD=1 (boot the kernels already built, build only the missing ones).
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

H=$TOP/harness
OUT=$BUILD/bench
KERNELS=${KERNELS:-base peer ours}
ROUNDS=${ROUNDS:-9}
EXECS=${EXECS:-25}
ICOUNT=${ICOUNT:-1}
MEM_ROUNDS=${MEM_ROUNDS:-3}
BASE_BUILD=$BUILD/bench-base
BIN=$OUT/exec-bench

# kernel_build NAME, kernel_kver NAME: the BUILD and KVER under which the harness finds kernel NAME.
kernel_build() {
	case $1 in
	base) echo "$BASE_BUILD" ;;
	peer | ours) echo "$BUILD" ;;
	*) die "unknown kernel '$1' (valid: base peer ours)" ;;
	esac
}
kernel_kver() { if [ "$1" = peer ]; then echo 6.12; else echo 6.1; fi; }
bzimage() { echo "$(kernel_build "$1")/vm-$(kernel_kver "$1")/arch/x86/boot/bzImage"; }

# The unpatched base: a clone of our tree at its `base` tag, with our selftests' config fragment
# (SLUB, MEMCG_KMEM, ...) copied in, so that its .config is the one of ours and the peer.
prepare_base_tree() {
	local ours=$BUILD/linux-6.1 tree=$BASE_BUILD/linux-6.1 frag=tools/testing/selftests/binfmt_misc/config
	[ -f "$ours/$frag" ] || die "no ${ours#"$TOP"/}/$frag: run 'make tree' first"
	if [ -d "$tree/.git" ] &&
		[ "$(git -C "$tree" rev-parse HEAD)" != "$(git -C "$ours" rev-parse "$BASE_TAG")" ]; then
		step "the base tag of ${ours#"$TOP"/} moved: cloning the base tree again"
		rm -rf "$tree"
	fi
	if [ ! -d "$tree/.git" ]; then
		step "cloning ${ours#"$TOP"/} at tag $BASE_TAG into ${tree#"$TOP"/} (the unpatched base)"
		mkdir -p "$BASE_BUILD"
		git clone -q --shared "$ours" "$tree"
		git -C "$tree" checkout -q "$BASE_TAG"
	fi
	mkdir -p "$tree/${frag%/*}"
	cmp -s "$ours/$frag" "$tree/$frag" || cp "$ours/$frag" "$tree/$frag"
}

build_kernel() {
	local name=$1
	if [ -n "${NO_BUILD:-}" ] && [ -f "$(bzimage "$name")" ]; then
		info "$name: $(bzimage "$name" | sed "s|^$TOP/||") as it is (NO_BUILD)"
		return 0
	fi
	case $name in
	ours) (lock_build && TREE_AS_IS=1 "$H/base.sh" tree && "$H/build.sh" kernel vm) ;;
	peer) (export KVER=6.12 && lock_build && "$H/base.sh" tree && KVER=6.1 TREE_AS_IS=1 "$H/base.sh" tree &&
		"$H/build.sh" kernel vm) ;;
	base) ({ [ -d "$BUILD/linux-6.1/.git" ] || "$H/base.sh" tree; } && prepare_base_tree &&
		BUILD=$BASE_BUILD TREE_AS_IS=1 "$H/build.sh" kernel vm) ;;
	esac || die "building the $name kernel failed (see above)"
}

# run_guest NAME: boot kernel NAME with the bench job; progress lines from its console as they come.
run_guest() {
	local name=$1 res=$OUT/guest-$1 mhz gpid rc=0 load0 qemu_extra=
	[ "$ICOUNT" = 0 ] || qemu_extra="-icount shift=0"
	mhz=$("$BIN" tsc)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	rm -rf "$res"
	step "booting $name ($(kernel_kver "$name")): $ROUNDS rounds of $EXECS execs per configuration; host load $load0"
	BUILD=$(kernel_build "$name") KVER=$(kernel_kver "$name") TIMEOUT=${TIMEOUT:-1800} QEMU_EXTRA=$qemu_extra \
		nice -n 10 "$H/guest.sh" "$res" vm "$H/jobs/bench" "$BIN" "$ROUNDS" "$EXECS" "$MEM_ROUNDS" "$mhz" &
	gpid=$!
	# shellcheck disable=SC2064 # expand now: the trap must name this pid
	trap "kill $gpid 2>/dev/null" INT TERM
	tail -n +1 -F --pid="$gpid" "$res/console.log" 2>/dev/null |
		grep --line-buffered '^bench:' | sed -u "s/^bench: /    $name: /" >&2 &
	wait "$gpid" || rc=$?
	trap - INT TERM
	wait
	[ "$rc" -eq 0 ] || die "the $name guest failed (status $rc; console: ${res#"$TOP"/}/console.log)"
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

apt_install gcc libc6-dev gnuplot-nox
mkdir -p "$OUT"
for k in $KERNELS; do kernel_build "$k" >/dev/null; done
step "building the benchmark (${BIN#"$TOP"/})"
gcc -O2 -Wall -Wextra -static -o "$BIN" "$H/bench/exec-bench.c" || die "gcc failed on harness/bench/exec-bench.c"
# ours first: the base is cloned from its tree
for k in ours peer base; do
	case " $KERNELS " in *" $k "*) build_kernel "$k" ;; esac
done
t0=$SECONDS
for k in $KERNELS; do
	run_guest "$k"
done
info "guests ran $((SECONDS - t0)) s"
# configs.tsv: the value each kernel's .config gives every option the fragments ask for
# ("absent": the kernel has no such option, or it is hidden by a dependency).
{
	printf 'option'; for k in base peer ours; do printf '\t%s' "$k"; done; echo
	cat "$TOP/configs/vm.config" "$BUILD/linux-6.1/tools/testing/selftests/binfmt_misc/config" 2>/dev/null |
		grep -o 'CONFIG_[A-Za-z0-9_]*' | sort -u | while read -r opt; do
		printf '%s' "$opt"
		for k in base peer ours; do
			c=$(dirname "$(bzimage "$k")")/../../../.config
			v=$(grep -E "^($opt=|# $opt is not set)" "$c" 2>/dev/null | head -n 1) || true
			case $v in "# "*) v=n ;; "") v=absent ;; *) v=${v#*=} ;; esac
			printf '\t%s' "$v"
		done
		echo
	done
} >"$OUT/configs.tsv"
"$H/bench-report.sh" "$OUT"
