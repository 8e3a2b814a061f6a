# shellcheck shell=bash
# What every harness script shares: paths, the kernels table, the kernel variants, result rows,
# progress lines and apt. Sourced; the scripts under harness/host, harness/e2e and harness/bench
# start with `. "$(dirname "$0")/../lib.sh"`.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
CONFIGS=${CONFIGS:-$TOP/configs}
H=$TOP/harness

step() { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }
rel()  { printf '%s\n' "${1#"$TOP"/}"; }

# --- kernels: harness/kernels, one line per kernel; KERNEL picks one (default ours) --------------
KERNELS_TABLE=$H/kernels
kernel_names() { awk '!/^#/ && NF { print $1 }' "$KERNELS_TABLE"; }
# kernel_field NAME COLUMN: version, package, verified, patches or tree of kernel NAME.
kernel_field() {
	local col
	case $2 in
	version) col=2 ;; package) col=3 ;; verified) col=4 ;; patches) col=5 ;; tree) col=6 ;;
	*) die "kernel_field: no column '$2' in $(rel "$KERNELS_TABLE")" ;;
	esac
	awk -F'\t' -v k="$1" -v c="$col" '!/^#/ && $1 == k { print $c; exit }' "$KERNELS_TABLE"
}
KERNEL=${KERNEL:-ours}
kernel_names | grep -qx "$KERNEL" || die "unknown KERNEL '$KERNEL' (valid: $(kernel_names | tr '\n' ' '))"
# shellcheck disable=SC2034 # used by the scripts that source this file
{
BASE_PACKAGE=$(kernel_field "$KERNEL" package)
BASE_TARBALL=/usr/src/$BASE_PACKAGE.tar.xz
BASE_TAG=base
PATCHES=$(kernel_field "$KERNEL" patches)
[ "$PATCHES" = - ] && PATCHES= || PATCHES=$TOP/$PATCHES
KDIR=$BUILD/$KERNEL
TREE=$KDIR/linux
# The kselftests always come from our tree, whichever kernel runs them.
OURS_TREE=$BUILD/ours/linux
# (KSELFTEST_DIR: another install, make check's prefix build's.)
KSELFTEST=${KSELFTEST_DIR:-$BUILD/ours/kselftest}
# The architecture, in one place: the image kbuild makes, where, and the QEMU that boots it.
IMAGE_TARGET=bzImage
IMAGE=arch/x86/boot/bzImage
QEMU=qemu-system-x86_64
QEMU_PACKAGE=qemu-system-x86
}
# variant_dir VARIANT [NAME]: the build folder of VARIANT of kernel NAME (default KERNEL).
variant_dir() { printf '%s\n' "$BUILD/${2:-$KERNEL}/$1"; }
# kernel_image VARIANT [NAME]: its bootable image.
kernel_image() { printf '%s\n' "$(variant_dir "$@")/$IMAGE"; }

# --- variants: configs/<variant>.config; header lines say what each builds on and runs ----------
#   # @extends: tinyconfig | <variant>   the configuration it starts from
#   # @check: kselftest e2e              what `make check` builds it for and runs on it (prefix:
#                                        first the series up to its `# layer 3` line, check.sh)
#   # @default: yes                      the one make run, make test, bench and bisect use
#   # @tests: binfmt_misc:binfmt_misc_stress_test exec ...   the kselftests make check runs on it
#                                        (COLLECTION:TEST, or a whole COLLECTION; default all)
#   # @coverage: fs/binfmt_misc.c ...    built with gcov for these files; make check reports them
#   # @kcsan: series                     KCSAN instruments only the C files the series changes
#   # @env: NAME=VALUE ...               the environment of its kselftests in the guest
variant_file() { printf '%s\n' "$CONFIGS/$1.config"; }
# variant_field VARIANT KEY: the value of the variant's `# @KEY:` header line, or nothing.
variant_field() { sed -n "s/^# @$2: *//p" "$(variant_file "$1")" | head -n 1; }
# variant_chain VARIANT: the variants it is made of, the one it extends first, itself last.
variant_chain() {
	local v=$1 chain=() n=0
	while [ "$v" != tinyconfig ]; do
		[ -f "$(variant_file "$v")" ] || die "unknown variant '$v' (valid: $(variants | tr '\n' ' '))"
		chain=("$v" "${chain[@]}")
		v=$(variant_field "$v" extends)
		[ -n "$v" ] || die "$(rel "$(variant_file "${chain[0]}")") has no '# @extends:' line"
		n=$((n + 1))
		[ "$n" -le 8 ] || die "variant '$1': '# @extends:' lines form a loop"
	done
	printf '%s\n' "${chain[@]}"
}
# variants: every variant, each after the one it extends (then by name). A broken variant file
# stops it (and the caller, which takes the list with an assignment: list=$(variants)).
variants() {
	local f v chain depths=""
	for f in "$CONFIGS"/*.config; do
		[ -f "$f" ] || continue
		v=$(basename "$f" .config)
		chain=$(variant_chain "$v") || exit 1
		depths+="$(wc -l <<<"$chain") $v"$'\n'
	done
	printf '%s' "$depths" | sort -k1,1n -k2,2 | cut -d' ' -f2
}
# default_variant: the variant whose file says `# @default: yes`.
default_variant() {
	local v found=()
	for v in $(variants); do
		[ "$(variant_field "$v" default)" != yes ] || found+=("$v")
	done
	[ ${#found[@]} -eq 1 ] || die "exactly one configs/*.config must say '# @default: yes' (found: ${found[*]:-none})"
	echo "${found[0]}"
}
# variant_fragments VARIANT: the config fragments of VARIANT, in merge order (a later one wins):
# the `config` fragments of the kselftests that run in it, then those of its @extends chain, so
# that a variant has the last word (BINFMT_MISC=m where a selftest's fragment asks for =y).
SELFTESTS=${SELFTESTS:-binfmt_misc exec}
variant_fragments() {
	local v t chain
	chain=$(variant_chain "$1") || exit 1
	[ -d "$OURS_TREE" ] || die "no tree at $(rel "$OURS_TREE") for the kselftests' config fragments: run 'make tree' first"
	for t in $SELFTESTS; do
		[ ! -f "$OURS_TREE/tools/testing/selftests/$t/config" ] || echo "$OURS_TREE/tools/testing/selftests/$t/config"
	done
	for v in $chain; do variant_file "$v"; done
}
# checked_variants: the variants `make check` runs something on, in order.
checked_variants() {
	local v list
	list=$(variants) || exit 1
	for v in $list; do
		[ -z "$(variant_field "$v" check)" ] || echo "$v"
	done
}
# variant_runs VARIANT JOB: does `make check` run JOB (kselftest, e2e) on VARIANT?
variant_runs() { case " $(variant_field "$1" check) " in *" $2 "*) return 0 ;; esac; return 1; }

# --- result rows: STATUS<TAB>GROUP<TAB>NAME<TAB>DETAIL, STATUS one of PASS FAIL SKIP NOTE ------
# A NOTE is a finding or a measurement (a KCSAN report outside the series' code, the coverage):
# the summary lists it, and counts it neither as passed nor as failed.
# row STATUS GROUP NAME [DETAIL]: one row on stdout; DETAIL kept to one line. (The e2e scripts,
# in the guest and in POSIX sh, have their own in harness/e2e/common.sh, group e2e.)
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(printf '%s' "${4:-}" | tr '\t\n' '  ')"; }

# guest_rows GROUP RESULTS JOB_ROWS: the rows of one guest run (harness/host/boot.sh RESULTS):
# the job's own rows (a file, may be empty), then what the guest's outcome adds to them: a
# kernel-log row, a NOTE per KCSAN report outside the series' code, a cpus row (the CPUs online
# against those QEMU was given), a failing row when the guest timed out or stopped without a
# result, and one when the job exited non-zero without a failing row of its own.
guest_rows() {
	local group=$1 res=$2 job_rows=$3 outcome rc console online given
	outcome=$(cat "$res/outcome" 2>/dev/null || echo "no-outcome")
	console="console: $(rel "$res")/console.log"
	[ ! -f "$job_rows" ] || cat "$job_rows"
	# A splat fails the kernel log whatever else happened (an oops panics: no result then).
	if [ -s "$res/splat" ]; then
		row FAIL "$group" kernel-log "$(head -n 1 "$res/splat") (excerpt: $(rel "$res")/splat)"
	elif [ "$outcome" = ok ]; then
		row PASS "$group" kernel-log "no splat"
	fi
	[ ! -s "$res/kcsan.tsv" ] || awk -F'\t' -v g="$group" -v f="$(rel "$res")/kcsan.txt" \
		'$1 == "elsewhere" { printf "NOTE\t%s\tkcsan\tdata race outside the series: %s (%s)\n", g, $2, f }' "$res/kcsan.tsv"
	if [ -s "$res/cpus" ]; then
		read -r online given <"$res/cpus"
		if [ "$online" = "$given" ]; then
			row PASS "$group" cpus "$online online, as QEMU was given"
		else
			row FAIL "$group" cpus "$online online, QEMU was given $given ($console)"
		fi
	fi
	case $outcome in
	ok | splat) ;;
	timeout) row FAIL "$group" guest "timed out after $(cat "$res/timeout") s ($console)" ;;
	no-result) row FAIL "$group" guest "stopped without a result ($console)" ;;
	*) row FAIL "$group" guest "no outcome in $(rel "$res") (boot.sh did not finish)" ;;
	esac
	rc=$(cat "$res/rc" 2>/dev/null || true)
	if [ -n "$rc" ] && [ "$rc" != 0 ] && ! grep -q '^FAIL' "$job_rows" 2>/dev/null; then
		row FAIL "$group" job "exited $rc without a failing row ($console)"
	fi
	return 0
}

# --- apt ----------------------------------------------------------------------------------------
APT_LOCK_WAIT=${APT_LOCK_WAIT:-600}
# apt_get ARGS...: apt-get that waits (up to APT_LOCK_WAIT s) for another apt or dpkg to finish,
# a fresh machine's unattended upgrades or a second make, instead of failing at once: dpkg's
# lock through apt's own DPkg::Lock::Timeout, the lists and archives locks (apt-get update,
# downloads) by trying again while apt says it could not get a lock.
# Maintainer scripts (binfmt-support's runs update-binfmts --import) register formats in the
# running kernel's binfmt_misc, and the host's kernel is not ours: apt runs in a mount namespace
# where /proc/sys/fs is an empty read-only tmpfs, with nothing to write to or mount on.
apt_get() {
	local err rc t0=$SECONDS
	err=$(mktemp)
	while :; do
		rc=0
		DEBIAN_FRONTEND=noninteractive unshare --mount --propagation private -- sh -c \
			'mount -t tmpfs -o ro,size=4k no-binfmt-misc /proc/sys/fs && exec "$@"' apt-get \
			apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT" "$@" 2>"$err" || rc=$?
		if [ "$rc" -eq 0 ] || ! grep -q 'Could not get lock' "$err" || [ $((SECONDS - t0)) -ge "$APT_LOCK_WAIT" ]; then
			break
		fi
		info "apt: $(grep -m1 'Could not get lock' "$err" | cut -c1-100); trying again in 10 s"
		sleep 10
	done
	cat "$err" >&2
	rm -f "$err"
	return "$rc"
}
# apt_install PKG...: install the Debian packages that are missing (we run as root in CI).
apt_install() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
	step "installing ${missing[*]}"
	if [ ! -f "$BUILD/.apt-updated" ]; then
		mkdir -p "$BUILD"
		apt_get update -q >/dev/null || die "apt-get update failed"
		touch "$BUILD/.apt-updated"
	fi
	apt_get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# --- long commands ------------------------------------------------------------------------------
# run_logged LOG DESC CMD...: run CMD with its output in LOG, printing the log's last line every
# 20 s so a long build shows progress; on failure print the log's tail and return CMD's status.
# CMD runs in a process group of its own, and INT or TERM to this script stop the whole group:
# make does not pass a signal on to its jobs (sub-makes, compilers): killing CMD alone would
# leave them building. Kbuild removes the half-written object, so the build can go on later.
run_logged() {
	local log=$1 desc=$2 pid rc=0 last
	shift 2
	mkdir -p "$(dirname "$log")"
	set -m
	"$@" </dev/null >"$log" 2>&1 &
	pid=$!
	set +m
	# shellcheck disable=SC2064 # expand now: the trap must name this pid (CMD's process group)
	trap "kill -- -$pid 2>/dev/null" INT TERM
	while ! wait_timeout "$pid" 20; do
		last=$(tail -n 1 "$log" 2>/dev/null | cut -c1-100)
		info "$desc: ${last:-...}"
	done
	wait "$pid" || rc=$?
	trap - INT TERM
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "--- last lines of $(rel "$log") ---" >&2
		tail -n 30 "$log" >&2
		printf '%s\n' "--- end ---" >&2
	fi
	return "$rc"
}

# cpu_seconds VAR: VAR set to the CPU time (user + system, whole seconds) this shell's finished
# children have used so far: a step's cost apart from the machine's load (builds and guests print
# theirs). `times` in this very shell (not in $(...), a subshell that has no children of its own).
cpu_seconds() {
	local f
	f=$(mktemp)
	times >"$f"
	printf -v "$1" '%s' "$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } }
		END { printf "%.0f", t }' "$f")"
	rm -f "$f"
}

# wait_timeout PID SECONDS: true once PID has exited, false if it still runs after SECONDS.
wait_timeout() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# lock_build: hold build/<kernel>/.lock until this script exits, so two runs (two terminals, two
# developers' loops) never build into the same folders at once.
lock_build() {
	mkdir -p "$KDIR"
	exec 9>"$KDIR/.lock"
	flock -n 9 || { step "waiting for another build/test run on $KERNEL to finish"; flock 9; }
}
