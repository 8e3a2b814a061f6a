#!/bin/bash
# Proves: a flush-all in one container (-1 to status, as systemd-binfmt --unregister and
# update-binfmts --disable write) empties that container's instance only. This sibling container
# registers an entry of its own before those flushes and finds it still there after them, with
# nothing of theirs added to its instance.
#   sibling.sh FIFO   (run by the job inside `container`, as one long-lived container: it says
#                     "ready" once its entry is in, then waits for a line on FIFO, which the job
#                     writes once systemd-binfmt.sh and update-binfmts.sh are done)
set -u
# shellcheck source=harness/e2e/common.sh
. "$(dirname "$0")/common.sh"
fifo=$1
entry=e2e-sibling

# Open read-write before "ready": the job's write then neither waits for this reader nor gets
# lost before it opens (a FIFO keeps data only while someone has it open).
exec 3<>"$fifo" || exit 1

# hold: mount our instance and register our entry in it; a FAIL row if that cannot be done.
hold() {
	local err
	if ! err=$(mount_instance 2>&1); then
		row FAIL sibling:untouched "no entry to hold: mount -t binfmt_misc: $err"
		return 1
	fi
	if ! err=$({ echo ":$entry:E::e2esib::/bin/cat:" >"$bfm/register"; } 2>&1) || [ ! -f "$bfm/$entry" ]; then
		row FAIL sibling:untouched "no entry to hold: register: $err; instance: $(table)"
		return 1
	fi
}

# check: after the flushes, our instance is as we left it.
check() {
	if [ "$(table)" = "$entry register status" ] && enabled "$bfm/status" && enabled "$bfm/$entry"; then
		row PASS sibling:untouched "a sibling container's entry outlived the flushes of systemd-binfmt and update-binfmts"
	else
		row FAIL sibling:untouched "sibling instance now: $(table), status $(cat "$bfm/status" 2>&1)"
	fi
}

if hold; then
	echo ready
	read -r _ <&3
	check
else
	echo ready
fi
