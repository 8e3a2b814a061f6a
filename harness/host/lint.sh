#!/usr/bin/env bash
# Lint: shellcheck on every shell script of the harness (found by their `#!` line or a
# `# shellcheck shell=` line, the e2e row scripts and guest jobs included, POSIX sh ones as sh),
# and pyflakes on the Python ones. Prints a row per file and the closing
# 'N passed, N failed' line; exit 1 if any file has findings.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

apt_install shellcheck python3 python3-pyflakes
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

# kind FILE: sh, bash, python or nothing.
kind() {
	case $(head -n 1 "$1") in
	'#!/bin/sh'* | '#!/usr/bin/env sh'*) echo sh ;;
	'#!/bin/bash'* | '#!/usr/bin/env bash'*) echo bash ;;
	'#!/usr/bin/env python3'* | '#!/usr/bin/python3'*) echo python ;;
	*) sed -n 's/^# shellcheck shell=\(sh\|bash\)$/\1/p' "$1" | head -n 1 ;;
	esac
}

step "lint: shellcheck and pyflakes on harness/ and .ci/"
while IFS= read -r f; do
	k=$(kind "$f")
	[ -n "$k" ] || continue
	case $k in
	sh | bash) out=$(cd "$TOP" && shellcheck -x -s "$k" "$(rel "$f")" 2>&1) ;;
	python) out=$(/usr/bin/python3 -m pyflakes "$f" 2>&1) ;;
	esac && st=PASS || st=FAIL
	if [ "$st" = PASS ]; then
		row PASS lint "$(rel "$f")" "$k" >>"$rows"
	else
		printf '%s\n' "$out" | head -30 >&2
		row FAIL lint "$(rel "$f")" "$(printf '%s\n' "$out" | grep -cE '^In |^[^ ]+:[0-9]+:') findings" >>"$rows"
	fi
done < <(find "$H" "$TOP/.ci" -type f | sort)
"$H/host/report.sh" summary "$rows"
