#!/usr/bin/env bash
# Tests of the harness itself, no kernel needed: the TAP parser on saved TAP (tap/), the known
# failures, the variants read from configs/ (and from a variant made up here, to show that one
# file is all a new variant takes), the rows a guest run gives for each outcome, and the
# summary line. A row per test and the closing 'N passed, N failed' line; exit 1 on a failure.
#   harness-tests.sh
# tap/kselftest-6.1.tap and tap/kselftest-6.12.tap: tap/sample_test.c built with each version's
# kselftest_harness.h, with three small scripts (pass, crash, skip), run by that version's
# run_kselftest.sh and piped to a file, as harness/guest/jobs/kselftest does. The two versions
# name a skipped case differently; both must give the rows of tap/kselftest.rows.
# tap/guest-6.1.tap: an excerpt of a real guest run (vm, make check): fixture variants, skipped
# cases, and exec:execveat, a known failure of harness/known-failures.
# kcsan/console.txt: a kernel log with KCSAN reports in the race kernel's format (one outside the
# series twice, one with a module frame in fs/binfmt_misc.c, one with a kernel/ucount.c frame
# under a headline that names other files) and a WARNING; kcsan/functions.tsv the functions
# kcsan.sh would find in the series' objects.
# coverage/: gcov -b's report on fs/binfmt_misc.c (with the header blocks gcov adds and its
# total) and an annotated source, as coverage.sh reads them.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

T=$H/tests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=$work/rows.tsv
: >"$rows"

# expect NAME EXPECTED ACTUAL: a row for test NAME, passing when the two strings are equal.
expect() {
	if [ "$2" = "$3" ]; then
		row PASS harness "$1" >>"$rows"
	else
		row FAIL harness "$1" "expected [$(printf '%s' "$2" | tr '\t\n' ' |')] got [$(printf '%s' "$3" | tr '\t\n' ' |')]" >>"$rows"
	fi
}
tap() { "$H/host/report.sh" tap "$@"; }

# --- the TAP parser --------------------------------------------------------------------------
for v in 6.1 6.12; do
	expect "tap:kselftest-$v" "$(cat "$T/tap/kselftest.rows")" "$(KERNEL=ours KNOWN_FAILURES=/dev/null tap vm "$T/tap/kselftest-$v.tap")"
done
expect tap:guest-6.1 "$(cat "$T/tap/guest-6.1.rows")" "$(KERNEL=ours tap vm "$T/tap/guest-6.1.tap")"
: >"$work/empty.tap"
expect tap:no-output "$(row FAIL vm tests "no TAP output")" "$(tap vm "$work/empty.tap")"
# A known failure is skipped only when its failing checks are the known ones.
printf 'ours\tcoll:crashes.sh\t.*\tcrashes on purpose\n' >"$work/known"
expect tap:known-failure-needs-its-failing-lines "$(row FAIL vm coll:crashes.sh exit=139)" \
	"$(KERNEL=ours KNOWN_FAILURES=$work/known tap vm "$T/tap/kselftest-6.1.tap" | grep crashes)"
expect tap:known-failure-other-kernel "FAIL" \
	"$(KERNEL=peer KNOWN_FAILURES=/dev/null tap vm "$T/tap/guest-6.1.tap" | grep execveat | cut -f1)"
sed 's/^# Check success of execveat(22, .., 4096)\.\.\. \[OK\]/# Check success of execveat(22, "", 4096)... [FAIL] (child 1 exited with 1)/' \
	"$T/tap/guest-6.1.tap" >"$work/new-failure.tap"
expect tap:known-failure-with-a-new-failing-check "FAIL" \
	"$(KERNEL=ours tap vm "$work/new-failure.tap" | grep execveat | cut -f1)"
# A case line without a name and without a RUN line before it (not kselftest_harness's).
printf '# selftests: coll: a\n# # RUN fx.x ...\n# ok 1 fx.x\nok 1 selftests: coll: a\n# selftests: coll: b\n# ok 1 # SKIP no\nok 2 selftests: coll: b\n' >"$work/nameless.tap"
expect tap:nameless-case "coll:b:case 1" "$(tap vm "$work/nameless.tap" | sed -n 2p | cut -f3)"

# --- variants: configs/*.config and their header lines ------------------------------------------
expect variants:order "vm debug race" "$(variants | xargs)"
expect variants:checked "debug race" "$(checked_variants | xargs)"
expect variants:debug-chain "vm debug" "$(variant_chain debug | xargs)"
expect variants:race-chain "vm race" "$(variant_chain race | xargs)"
expect variants:debug-runs-no-e2e no "$(variant_runs debug e2e && echo yes || echo no)"
expect variants:race-runs-e2e yes "$(variant_runs race e2e && echo yes || echo no)"
expect variants:race-builds-the-prefix yes "$(variant_runs race prefix && echo yes || echo no)"
expect variants:debug-has-binfmt-misc-module yes "$(variant_chain debug | while read -r c; do variant_file "$c"; done | xargs grep -qx 'CONFIG_BINFMT_MISC=m' && echo yes)"
expect variants:race-runs-only-what-races "binfmt_misc:binfmt_misc_stress_test binfmt_misc:binfmt_misc_lookup_test exec" \
	"$(variant_field race tests)"
expect variants:vm-runs-every-test "" "$(variant_field vm tests)"
expect variants:debug-measures-coverage "fs/binfmt_misc.c" "$(variant_field debug coverage | cut -d' ' -f1)"
expect variants:race-measures-coverage "fs/binfmt_misc.c" "$(variant_field race coverage)"
expect variants:race-instruments-the-series "series" "$(variant_field race kcsan)"
# Every variant sees all the CPUs QEMU gives it (boot.sh: no PCI, so microvm, whose MP table
# lists them all; its devices are virtio-mmio), every checker kernel preempts.
chain_sets() { variant_chain "$1" | while read -r c; do variant_file "$c"; done | xargs grep -qx "$2"; }
for v in vm debug race; do
	expect "variants:$v-microvm" yes "$(chain_sets "$v" CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y &&
		! chain_sets "$v" CONFIG_PCI=y && echo yes)"
done
for v in debug race; do
	expect "variants:$v-preempt" yes "$(grep -qx 'CONFIG_PREEMPT=y' "$(variant_file "$v")" && echo yes)"
done
# A new variant is one file: it extends debug, make check runs its kselftests.
mkdir -p "$work/configs" "$work/build/ours/linux/tools/testing/selftests/binfmt_misc"
cp "$CONFIGS"/*.config "$work/configs/"
touch "$work/build/ours/linux/tools/testing/selftests/binfmt_misc/config"
printf '# a made-up variant\n# @extends: debug\n# @check: kselftest\nCONFIG_PREEMPT=y\n' >"$work/configs/x.config"
(
	CONFIGS=$work/configs BUILD=$work/build OURS_TREE=$work/build/ours/linux
	expect variants:new-file-listed "vm debug race x" "$(variants | xargs)"
	expect variants:new-file-checked "debug race x" "$(checked_variants | xargs)"
	expect variants:new-file-fragments "config vm.config debug.config x.config" \
		"$(variant_fragments x | xargs -n1 basename | xargs)"
	printf '# @extends: y2\n' >"$CONFIGS/y1.config"
	printf '# @extends: y1\n' >"$CONFIGS/y2.config"
	expect variants:loop-refused "loop" "$( (variant_chain y1) 2>&1 | grep -o loop)"
	printf 'CONFIG_X=y\n' >"$CONFIGS/z.config"
	expect variants:missing-extends-refused "has no '# @extends:' line" "$( (variant_chain z) 2>&1 | grep -o "has no '# @extends:' line")"
)

# --- guest_rows: what each outcome of a guest run gives ---------------------------------------
# fake_run OUTCOME RC [JOB_ROW [splat]]: a results folder as harness/host/boot.sh leaves it (with
# CPUS="ONLINE GIVEN", the cpus file guest/init writes).
fake_run() {
	local res=$work/run-$RANDOM
	mkdir -p "$res"
	echo "$1" >"$res/outcome"
	[ -z "${CPUS:-}" ] || echo "$CPUS" >"$res/cpus"
	[ -z "$2" ] || echo "$2" >"$res/rc"
	[ "$1" != splat ] && [ "${4:-}" != splat ] || echo "BUG: KASAN: use-after-free in bm_entry_write" >"$res/splat"
	[ "$1" != timeout ] || echo 1800 >"$res/timeout"
	: >"$res/rows.tsv"
	[ -z "${3:-}" ] || printf '%s\n' "$3" >"$res/rows.tsv"
	echo "$res"
}
# statuses OUTCOME RC [JOB_ROW]: the STATUS:NAME of each row guest_rows gives.
statuses() {
	local res
	res=$(fake_run "$@")
	guest_rows g "$res" "$res/rows.tsv" | cut -f1,3 | tr '\t' : | xargs
}
expect outcome:ok "PASS:kernel-log" "$(statuses ok 0)"
expect outcome:ok-job-failed-with-row "FAIL:t PASS:kernel-log" "$(statuses ok 1 "$(row FAIL g t)")"
expect outcome:ok-job-failed-without-row "PASS:t PASS:kernel-log FAIL:job" "$(statuses ok 1 "$(row PASS g t)")"
expect outcome:job-exit-124-is-not-timeout "PASS:kernel-log FAIL:job" "$(statuses ok 124)"
expect outcome:splat "FAIL:kernel-log" "$(statuses splat 0)"
expect outcome:timeout "FAIL:guest" "$(statuses timeout "")"
expect outcome:no-result "FAIL:guest" "$(statuses no-result "")"
expect outcome:no-result-after-an-oops "FAIL:kernel-log FAIL:guest" "$(statuses no-result "" "" splat)"
expect outcome:cpus-as-given "PASS:kernel-log PASS:cpus" "$(CPUS="2 2" statuses ok 0)"
expect outcome:cpus-mismatch-fails "PASS:kernel-log FAIL:cpus" "$(CPUS="1 2" statuses ok 0)"
expect outcome:cpus-mismatch-detail "1 online, QEMU was given 2" \
	"$(res=$(CPUS="1 2" fake_run ok 0) && guest_rows g "$res" /dev/null | awk -F'\t' '$3 == "cpus" { sub(/ \(.*/, "", $4); print $4 }')"
res=$(fake_run splat 0)
expect outcome:splat-detail-names-splat-file "BUG: KASAN: use-after-free in bm_entry_write (excerpt: ${res#"$TOP"/}/splat)" \
	"$(guest_rows g "$res" /dev/null | cut -f4)"

# --- KCSAN: reports with a frame in the series' code fail, the others are noted --------------
K=$T/kcsan
"$H/host/kcsan.sh" classify "$K/functions.tsv" "$work/kcsan" "$K/console.txt" "$K/console.txt"
expect kcsan:each-report-once 3 "$(wc -l <"$work/kcsan/kcsan.tsv")"
expect kcsan:elsewhere "elsewhere:data-race in tick_nohz_next_event / tick_sched_do_timer:" \
	"$(grep tick_ "$work/kcsan/kcsan.tsv" | tr '\t' :)"
expect kcsan:module-frame-in-series "series:bm_register_write (fs/binfmt_misc.c)" \
	"$(grep bm_lookup "$work/kcsan/kcsan.tsv" | cut -f1,3 | tr '\t' :)"
expect kcsan:deeper-frame-in-series "series:inc_rlimit_ucounts (kernel/ucount.c)" \
	"$(grep copy_process "$work/kcsan/kcsan.tsv" | cut -f1,3 | tr '\t' :)"
expect kcsan:strip-keeps-other-splats "smpboot: Allowing 2 CPUs, 0 hotplug CPUs|WARNING: CPU: 1 PID: 930 at fs/namespace.c:1234 mnt_warn+0x10/0x20" \
	"$("$H/host/kcsan.sh" strip "$K/console.txt" | grep -v '^=' | paste -sd'|')"
# What guest_rows makes of them: the series' reports are in the splat (boot.sh), the others NOTEs.
res=$(fake_run ok 0)
cp "$work/kcsan/kcsan.tsv" "$res/"
expect kcsan:elsewhere-noted "PASS:kernel-log NOTE:kcsan" "$(guest_rows g "$res" /dev/null | cut -f1,3 | tr '\t' : | xargs)"
printf 'bm_x\tfs/binfmt_misc.c\n' >"$work/fns.tsv"
"$H/host/kcsan.sh" classify "$work/fns.tsv" "$work/kcsan-none" /dev/null
expect kcsan:no-report-no-row "" "$(cat "$work/kcsan-none/kcsan.tsv")"

# --- coverage: gcov's figures for one file, the lines never run ------------------------------
C=$T/coverage
expect coverage:figures-of-the-file "75.00 8 50.00 4" "$("$H/host/coverage.sh" summary "$C/gcov.txt" fs/binfmt_misc.c)"
expect coverage:file-without-branches "40.00 5 - 0" "$("$H/host/coverage.sh" summary "$C/gcov.txt" include/linux/refcount.h)"
expect coverage:file-not-reported "" "$("$H/host/coverage.sh" summary "$C/gcov.txt" kernel/ucount.c)"
expect coverage:uncovered-lines "5 11" "$("$H/host/coverage.sh" uncovered "$C/binfmt_misc.c.gcov" | cut -d: -f1 | xargs)"
# The union of two kernels' runs of the same source: the other ran line 5.
sed 's/^    #####:    5:/        1:    5:/' "$C/binfmt_misc.c.gcov" >"$work/other.c.gcov"
expect coverage:union-of-two-runs "87.50 8" "$("$H/host/coverage.sh" union "$work/union.uncovered" "$C/binfmt_misc.c.gcov" "$work/other.c.gcov")"
expect coverage:union-uncovered "11" "$(cut -d: -f1 "$work/union.uncovered" | xargs)"

# --- the series' comment lines (layer markers): kept with their commits through a rebase ------
g() { git -C "$work/tree" "$@"; }
comments() { "$H/host/series-comments.sh" "$1" "$work/tree" base "${@:2}"; }
mkdir -p "$work/tree"
g init -q -b series
g config user.name t
g config user.email t@t
for i in 1 2 3 4; do
	echo "$i" >"$work/tree/f$i"
	g add "f$i"
	g commit -q -m "patch $i"
done
g tag base HEAD~3
printf '%s\n' 2.patch '# layer 2: the feature' 3.patch '# layer 3: ours' '# each droppable' 4.patch '# end' >"$work/series"
comments record "$work/series"
printf '%s\n' 2.patch 3.patch 4.patch >"$work/names"
expect series-comments:written-back "$(cat "$work/series")" "$(comments write "$work/names")"
expect series-comments:find-layer-3 "patch 4" "$(g log -1 --format=%s "$(comments find '^# layer 3')")"
expect series-comments:find-none "" "$(comments find '^# layer 9')"
# A rebase puts patch 4 before patch 3 and rewords patch 3: the comments follow their commits.
GIT_SEQUENCE_EDITOR="sed -i -e '2{h;d}' -e '3{G;s/\npick/\nreword/}'" GIT_EDITOR="sed -i 1s/.*/patch-three/" \
	g rebase -q -i base >/dev/null 2>&1 || g rebase --abort >/dev/null 2>&1 || true
expect series-comments:rebased "patch 2|patch 4|patch-three" "$(g log --reverse --format=%s base..HEAD | paste -sd'|')"
expect series-comments:follow-the-rebase \
	"$(printf '%s\n' 2.patch '# layer 3: ours' '# each droppable' 3.patch '# layer 2: the feature' 4.patch '# end')" \
	"$(comments write "$work/names")"

# --- run_logged: stopping the script stops what the command started -------------------------
# As make starts compilers: the command starts a child and waits for it. TERM to the script that
# runs run_logged must end both (make does not pass it on), so a stopped build leaves nothing behind.
alive() { local s; s=$(ps -o stat= -p "$1") && [[ $s != Z* ]]; }
# shellcheck disable=SC2016 # $! and $1 are the inner sh's
(run_logged "$work/run-logged.log" run-logged sh -c 'sleep 600 & echo $! >"$1"; wait' sh "$work/child" 2>/dev/null) &
runner=$!
for _ in $(seq 100); do [ -s "$work/child" ] && break; sleep 0.1; done
child=$(cat "$work/child" 2>/dev/null)
expect run-logged:child-started yes "$([ -n "$child" ] && alive "$child" && echo yes)"
kill -TERM "$runner"
wait "$runner" 2>/dev/null || true # run_logged returns the command's status: 143
# (the signal is sent by then, but the child may take a moment to die of it)
for _ in $(seq 50); do if [ -z "$child" ] || ! alive "$child"; then break; fi; sleep 0.1; done
expect run-logged:stop-ends-the-child gone "$([ -n "$child" ] && alive "$child" && echo alive || echo gone)"
[ -z "$child" ] || kill "$child" 2>/dev/null || true

# --- the summary's closing line -------------------------------------------------------------
{ row PASS a x; row FAIL a y; row SKIP b z; row PASS b w; row NOTE b n "a measurement"; } >"$work/summary.tsv"
expect summary:last-line "2 passed, 1 failed, 1 skipped" "$("$H/host/report.sh" summary "$work/summary.tsv" | tail -n 1)"
expect summary:fails-on-failure 1 "$("$H/host/report.sh" summary "$work/summary.tsv" >/dev/null && echo 0 || echo 1)"
expect summary:notes-listed-not-counted "  b                1       0       1|  b n  a measurement" \
	"$("$H/host/report.sh" summary "$work/summary.tsv" | grep -E '^  b( |  +[0-9])' | paste -sd'|')"

"$H/host/report.sh" summary "$rows"
