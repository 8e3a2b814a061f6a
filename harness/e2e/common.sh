# shellcheck shell=sh
# What the e2e scripts share (sourced). POSIX sh: lxc-init.sh sources it too, in the LXC
# container's busybox sh.

# Where binfmt_misc is mounted: the container tools know no other place.
bfm=/proc/sys/fs/binfmt_misc

# row STATUS NAME DETAIL: one result row on stdout (STATUS: PASS, FAIL or SKIP). The job tells
# these lines from the rest of the output by their start; DETAIL is kept to one line.
row() {
	printf '%s\te2e\t%s\t%s\n' "$1" "$2" "$(printf '%s' "${3:-}" | tr '\t\n' '  ')"
}

# fail_rows DETAIL NAME...: a FAIL row for each check that cannot run.
fail_rows() (
	detail=$1
	shift
	for name; do row FAIL "$name" "$detail"; done
)

as_user() { setpriv --reuid=1000 --regid=1000 --clear-groups -- "$@"; }

# container [UNSHARE_OPTION...] -- CMD...: uid 1000 outside, root inside, its own mount namespace
# (and more if asked).
container() { as_user unshare --user --map-root-user --mount --propagation private "$@"; }

# mount_instance: mount binfmt_misc at its place; in a new user namespace, an instance of its own.
mount_instance() { mount -t binfmt_misc binfmt_misc "$bfm"; }

# table: the files of our binfmt_misc mount, on one line.
table() (cd "$bfm" && echo *)

# count_entries: the entries in our instance (0 if nothing is mounted).
count_entries() (
	n=0
	for f in "$bfm"/*; do
		case ${f##*/} in
		register | status) ;;
		*) [ -e "$f" ] && n=$((n + 1)) ;;
		esac
	done
	echo "$n"
)

# enabled FILE: the status or entry file says "enabled" on its first line.
enabled() { [ "$(head -n 1 "$1" 2>/dev/null)" = enabled ]; }

# uname_m BUSYBOX: what `BUSYBOX uname -m` says, or the error of its execve.
uname_m() { "$1" uname -m 2>&1 | tail -n 1; }

# arm64_row NAME OWN OUT DETAIL: the row of an arm64 binary a container ran, OUT what it said.
# It passes (with DETAIL) only if it said aarch64 with an entry of the container's own instance
# (OWN = yes). Without one, an aarch64 says the host's entry ran it: a kernel without the series.
arm64_row() {
	case $2,$3 in
	yes,aarch64) row PASS "$1" "$4" ;;
	no,aarch64) row FAIL "$1" "uname -m = aarch64, but through the host's qemu-aarch64: no entry of the container's own" ;;
	*) row FAIL "$1" "$3" ;;
	esac
}
