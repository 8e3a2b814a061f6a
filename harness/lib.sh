# shellcheck shell=bash
# Shared helpers for the harness scripts: paths, progress lines, errors.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# shellcheck disable=SC2034 # these are for the scripts that source this file
{
# The kernel the series targets; KVER=6.12 selects the upstream peer (no series applied).
KVER=${KVER:-6.1}
PATCHES=$TOP/patches/$KVER
TREE=$BUILD/linux-$KVER
BASE_TARBALL=/usr/src/linux-source-$KVER.tar.xz
BASE_PACKAGE=linux-source-$KVER
BASE_TAG=base
# The kselftests come from our series' tree even when testing the upstream peer's kernel.
SELFTEST_KVER=${SELFTEST_KVER:-6.1}
SELFTEST_TREE=$BUILD/linux-$SELFTEST_KVER
}

step() { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

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
		apt-get update -q >/dev/null || die "apt-get update failed"
		touch "$BUILD/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
		|| die "apt-get install ${missing[*]} failed"
}

# run_logged LOG DESC CMD...: run CMD with its output in LOG, printing the log's last line every
# 20 s so a long build shows progress; on failure print the log's tail and return CMD's status.
run_logged() {
	local log=$1 desc=$2 pid rc=0 last
	shift 2
	mkdir -p "$(dirname "$log")"
	"$@" >"$log" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # expand now: the trap must name this pid
	trap "kill $pid 2>/dev/null" INT TERM
	while ! wait_timeout "$pid" 20; do
		last=$(tail -n 1 "$log" 2>/dev/null | cut -c1-100)
		info "$desc: ${last:-...}"
	done
	wait "$pid" || rc=$?
	trap - INT TERM
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "--- last lines of ${log#"$TOP"/} ---" >&2
		tail -n 30 "$log" >&2
		printf '%s\n' "--- end ---" >&2
	fi
	return "$rc"
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

# lock_build: hold build/.lock-<KVER> until this script exits, so two runs (two terminals, two
# developers' loops) never build into the same output directory at once.
lock_build() {
	mkdir -p "$BUILD"
	exec 9>"$BUILD/.lock-$KVER"
	flock -n 9 || { step "waiting for another build/test run on $KVER to finish"; flock 9; }
}
