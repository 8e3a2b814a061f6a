#!/usr/bin/env bash
# Check: everything CI checks: the series applies, checkpatch --strict on every patch (beside
# what follows), the series' prefix (see build_prefix), the kselftests build, then for each
# variant `make check` runs (configs/*.config with a `# @check:` line, in order): its kernel
# builds, a guest runs what the line names (kselftest, e2e), every guest run gives rows
# (harness/lib.sh guest_rows); then the summary table and the closing 'N passed, N failed' line.
# Kernels build in the background while guests run, and each variant's guests start as soon as
# its kernel is there (see start_build and the order at the end).
# Environment: KERNEL (default ours; the kselftests always come from ours' tree), VARIANTS
# (default: the variants with a @check line; a variant named here runs its kselftests even
# without one), TESTS (COLLECTION:TEST or COLLECTION names, default each variant's @tests
# line, else all; no e2e then), SKIP_CHECKPATCH=1, E2E=0 (no end-to-end rows), PREFIX=0 (no
# prefix build, see run_prefix; none either when TESTS is given). A variant with a @coverage
# line adds its coverage figures (harness/host/coverage.sh) as NOTE rows.
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
# A build, guest or checkpatch still running when this script stops (an error, ^C) stops too.
declare -A build_pid=()
checkpatch_pid=
# shellcheck disable=SC2317 # called from the traps
stop_builds() {
	local p
	for p in "${build_pid[@]}"; do kill -- "-$p" 2>/dev/null || true; done
	[ -z "$checkpatch_pid" ] || kill "$checkpatch_pid" 2>/dev/null || true
}
trap stop_builds EXIT
trap 'exit 130' INT TERM

# checkpatch (one core for about 40 s) runs beside the builds; its rows and its log come first in
# the summary (finish_checkpatch).
if [ -z "${SKIP_CHECKPATCH:-}" ] && [ -n "$PATCHES" ]; then
	"$H/host/checkpatch.sh" >"$OUT/rows-checkpatch.tsv" 2>"$OUT/checkpatch.log" &
	checkpatch_pid=$!
fi
finish_checkpatch() {
	[ -n "$checkpatch_pid" ] || return 0
	wait "$checkpatch_pid" || true
	checkpatch_pid=
	cat "$OUT/checkpatch.log" >&2
	cat "$OUT/rows-checkpatch.tsv" "$ROWS" >"$ROWS.new"
	mv "$ROWS.new" "$ROWS"
}

plan=${VARIANTS:-$(checked_variants)}

# build_kselftests: the kselftests of the whole series, then the names to run checked against
# them: an unknown test name (given, or in a variant's @tests line) stops here, with the list of
# valid ones. A name without a colon is a whole collection.
build_kselftests() {
	local t pattern
	if "$H/host/build.sh" selftests; then
		row PASS build kselftests >>"$ROWS"
	else
		row FAIL build kselftests "see build/ours/kselftest-obj/build.log" >>"$ROWS"
		finish_checkpatch
		"$H/host/report.sh" summary "$ROWS"
		exit 1
	fi
	for t in $TESTS $(for v in $plan; do variant_field "$v" tests; done); do
		case $t in *:*) pattern=$t ;; *) pattern="$t:.*" ;; esac
		grep -qx "$pattern" "$KSELFTEST/kselftest-list.txt" || {
			echo "valid tests:" >&2
			sed 's/^/  /' "$KSELFTEST/kselftest-list.txt" >&2
			die "unknown test '$t'"
		}
	done
}

# run_kselftests VARIANT: the kselftests (TESTS, else the variant's @tests, else all) in a guest
# of VARIANT, as rows; then its coverage, if it measures some.
run_kselftests() {
	local v=$1 res=$OUT/$1 tests=${TESTS:-$(variant_field "$1" tests)}
	step "booting $KERNEL $v and running the kselftests${tests:+ ($tests)}"
	# shellcheck disable=SC2086 # a list of names
	TIMEOUT=${TIMEOUT:-1800} GUEST_ENV=$(variant_field "$v" env) \
		"$H/host/boot.sh" "$res" "$v" "$H/guest/jobs/kselftest" "$KSELFTEST" $tests || true
	"$H/host/report.sh" tap "$v" "$res/tap.txt" >"$res/rows.tsv"
	guest_rows "$v" "$res" "$res/rows.tsv" >>"$ROWS"
	[ -z "$(variant_field "$v" coverage)" ] || "$H/host/coverage.sh" rows "$v" "$res" >>"$ROWS"
}

# Kernel builds run in the background while guests run: a TCG guest keeps about one of the two
# cores busy, a build both, so a build beside a guest uses the core the guest leaves idle. The
# builds take turns (one flock), in the order they were started. start_build VARIANT starts one
# and, once it is built, the variant's guests (run_jobs), beside any other variant's: two guests
# keep the two cores busy once no build is left. Each writes its rows to a file of its own, which
# finish VARIANT waits for and adds to the summary's, in the order of the variants.
# build_and_run VARIANT, fd 8 open on the turn's lock file: build it in its turn, then its guests.
build_and_run() {
	flock 8
	if ! "$H/host/build.sh" kernel "$1"; then
		row FAIL build "kernel-$1" "see $(rel "$KDIR/$1")/build.log" >>"$ROWS"
		return 1
	fi
	exec 8>&-
	row PASS build "kernel-$1" >>"$ROWS"
	run_jobs "$1"
}
start_build() {
	: >"$OUT/rows-$1.tsv"
	# In a process group of its own (set -m), which stop_builds stops whole: the build, or the
	# guest and its QEMU.
	set -m
	ROWS=$OUT/rows-$1.tsv build_and_run "$1" 8>"$OUT/.build-turn" &
	build_pid[$1]=$!
	set +m
}
finish() {
	wait "${build_pid[$1]}" || true
	cat "$OUT/rows-$1.tsv" >>"$ROWS"
}

# The series' prefix: its patches up to the `# layer 3` line of the series (the feature with
# mainline's semantics, without our improvements), built on the variants whose @check line says
# `prefix`, in the variant's own build folder, before the whole series: the tree is checked out
# at the prefix and back, which gives new mtimes only to the files the later patches change, so
# the variant's build after it recompiles only what they touch. build_prefix VARIANT builds it
# (the kselftests at the prefix, in build/ours/kselftest-prefix, and the kernel); test_prefix
# VARIANT runs every binfmt_misc suite that exists at the prefix (one that needs a later patch
# fails: a bug of the series). Rows: group prefix:VARIANT, builds prefix:kernel-VARIANT and
# prefix:kselftests.
prefix_commit() {
	local first
	first=$("$H/host/series-comments.sh" find "$TREE" "$BASE_TAG" '^# layer 3:')
	[ -n "$first" ] && git -C "$TREE" rev-parse "$first^"
}
build_prefix() {
	local v=$1 prefix head ok=0 kernel_ok
	prefix=$(prefix_commit) || {
		row NOTE "prefix:$v" layers "$(rel "${PATCHES:-patches}")/series has no '# layer 3:' line: no prefix build" >>"$ROWS"
		return 1
	}
	head=$(git -C "$TREE" symbolic-ref -q --short HEAD || git -C "$TREE" rev-parse HEAD)
	step "the series' prefix on $v: $(git -C "$TREE" log -1 --format='%h %s' "$prefix")"
	git -C "$TREE" checkout -q --detach "$prefix" || die "cannot check out the prefix in $(rel "$TREE")"
	# shellcheck disable=SC2064 # expand now: back to this branch, however the step ends
	trap "git -C '$TREE' checkout -q '$head'; stop_builds" EXIT
	trap 'exit 130' INT TERM
	# The kselftests (mostly the uapi headers they install: one core) beside the kernel.
	set -m
	KSELFTEST_DIR=$KDIR/kselftest-prefix "$H/host/build.sh" selftests &
	build_pid[kselftest-prefix]=$!
	set +m
	"$H/host/build.sh" kernel "$v" && kernel_ok=1 || kernel_ok=0
	if wait "${build_pid[kselftest-prefix]}"; then
		row PASS build prefix:kselftests >>"$ROWS"
	else
		row FAIL build prefix:kselftests "see build/ours/kselftest-obj/build.log" >>"$ROWS"
		kernel_ok=0
	fi
	unset 'build_pid[kselftest-prefix]'
	if [ "$kernel_ok" = 1 ]; then
		row PASS build "prefix:kernel-$v" >>"$ROWS"
		ok=1
	else
		row FAIL build "prefix:kernel-$v" "see $(rel "$KDIR/$v")/build.log" >>"$ROWS"
	fi
	git -C "$TREE" checkout -q "$head"
	trap stop_builds EXIT
	[ "$ok" = 1 ]
}
test_prefix() {
	local v=$1 g=prefix:$1 res=$OUT/prefix-$1 tests=()
	# Every binfmt_misc suite the prefix has, not only the variant's @tests: the prefix is
	# proven by the tests of its own layers.
	mapfile -t tests < <(grep '^binfmt_misc:' "$KDIR/kselftest-prefix/kselftest-list.txt")
	if [ ${#tests[@]} -eq 0 ]; then
		row NOTE "$g" tests "none of the tests exists at the prefix" >>"$ROWS"
		return 0
	fi
	step "booting $KERNEL $v at the prefix and running its kselftests (${tests[*]})"
	TIMEOUT=${TIMEOUT:-1800} "$H/host/boot.sh" "$res" "$v" "$H/guest/jobs/kselftest" \
		"$KDIR/kselftest-prefix" "${tests[@]}" || true
	"$H/host/report.sh" tap "$g" "$res/tap.txt" >"$res/rows.tsv"
	guest_rows "$g" "$res" "$res/rows.tsv" >>"$ROWS"
}

# runs_e2e VARIANT: whether make check runs the e2e rows on it.
runs_e2e() { variant_runs "$1" e2e && [ -z "$TESTS" ] && [ "${E2E:-1}" != 0 ]; }

# run_jobs VARIANT: what its @check line names, on its kernel of the whole series. The e2e guest
# runs beside the kselftests' (each keeps about one core busy); its rows come after theirs.
run_jobs() {
	local v=$1 job e2e_pid=
	if runs_e2e "$v"; then
		{ "$H/e2e/e2e.sh" rows "$v" ||
			row FAIL e2e setup "harness/e2e/e2e.sh stopped (its error is above)"; } >"$OUT/rows-$v-e2e.tsv" &
		e2e_pid=$!
	fi
	for job in $(variant_field "$v" check); do
		case $job in
		kselftest) run_kselftests "$v" ;;
		prefix | e2e) ;;
		*) die "$(rel "$(variant_file "$v")"): unknown job '$job' in its @check line" ;;
		esac
	done
	[ -n "$(variant_field "$v" check)" ] || run_kselftests "$v"
	if [ -n "$e2e_pid" ]; then
		wait "$e2e_pid" || true
		cat "$OUT/rows-$v-e2e.tsv" >>"$ROWS"
	fi
}

# The order: the prefix kernels first (the tree at the prefix), then the kselftests and the other
# kernels at the whole series, which build while the prefix guests run; a prefix variant's kernel
# is built again at the whole series once its prefix guest is done (the guest boots that build
# folder's kernel and modules). Each variant's guests run as soon as its kernel is there. What
# the e2e rows need (foreign busybox packages, the container tools) comes in from the start,
# beside the builds: harness/e2e/deps.sh takes a lock, so the e2e job's own call waits for it.
for v in $plan; do
	if runs_e2e "$v"; then
		set -m
		"$H/e2e/deps.sh" >"$OUT/e2e-deps.log" 2>&1 &
		build_pid[e2e-deps]=$!
		set +m
		break
	fi
done
prefixed=() others=()
for v in $plan; do
	if variant_runs "$v" prefix && [ -z "$TESTS" ] && [ "${PREFIX:-1}" != 0 ] && [ -n "$PATCHES" ]; then
		prefixed+=("$v")
	else
		others+=("$v")
	fi
done
ready=()
for v in "${prefixed[@]}"; do
	build_prefix "$v" && ready+=("$v")
done
build_kselftests
for v in "${others[@]}"; do
	# A variant that is there for the prefix only is not built at the whole series.
	[ "$(variant_field "$v" check)" = prefix ] || start_build "$v"
done
for v in "${prefixed[@]}"; do
	case " ${ready[*]} " in *" $v "*) test_prefix "$v" ;; esac
	# A variant that is there for the prefix only is not built at the whole series.
	[ "$(variant_field "$v" check)" = prefix ] || start_build "$v"
done
for v in "${others[@]}" "${prefixed[@]}"; do
	[ -z "${build_pid[$v]:-}" ] || finish "$v"
done

# A file more than one variant measures: the lines the runs of all of them ran (gcov on a debug
# kernel and on a race kernel see different paths: the lookup's retries need two fast CPUs).
for f in $(for v in $plan; do variant_field "$v" coverage; done | tr ' ' '\n' | sort | uniq -d); do
	base=$(basename "$f" .c) runs=() names=()
	for v in $plan; do
		[ ! -f "$OUT/$v/coverage/$base.c.gcov" ] || { runs+=("$OUT/$v/coverage/$base.c.gcov"); names+=("$v"); }
	done
	[ ${#runs[@]} -ge 2 ] || continue
	mkdir -p "$OUT/coverage"
	read -r lp ln < <("$H/host/coverage.sh" union "$OUT/coverage/$base.c.uncovered" "${runs[@]}")
	row NOTE coverage "$f" "lines $lp% of $ln, run on ${names[*]} together; uncovered lines: $(rel "$OUT")/coverage/$base.c.uncovered ($(wc -l <"$OUT/coverage/$base.c.uncovered"))" >>"$ROWS"
done

finish_checkpatch
info "check took $((SECONDS - t0)) s; rows in $(rel "$ROWS")"
"$H/host/report.sh" summary "$ROWS"
