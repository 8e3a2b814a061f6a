#!/usr/bin/env bash
# KCSAN: sort the data-race reports of a guest's kernel log into those with a stack frame in
# code the series adds or changes (they fail the run, as any splat does) and those elsewhere in
# the kernel (listed in the summary, not counted). boot.sh calls it on every run; a kernel
# without KCSAN has no report and gets empty files.
#   kcsan.sh sources                    the kernel C files the series changes (build.sh instruments
#                                       only these on a variant whose @kcsan line says `series`)
#   kcsan.sh functions VARIANT          "FUNCTION<TAB>FILE" for each function defined in a C file
#                                       the series changes, from VARIANT's objects (KERNEL's build)
#   kcsan.sh classify FUNCTIONS OUT LOG...   OUT/kcsan.tsv: one line per distinct report,
#                                       "series|elsewhere<TAB>HEADLINE<TAB>FRAME" (FRAME: the first
#                                       frame in the series' code, "function (file)"); OUT/kcsan.txt:
#                                       those reports in full, each after a "## series|elsewhere" line
#   kcsan.sh strip LOG...               the logs without their KCSAN reports (for the other splats)
# The kernels carry no debug info: a frame is attributed by its function's name, so a function of
# a header the series changes counts where it was inlined, in its caller's file.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/../lib.sh"

# series_sources: the kernel C files the series changes (ours' tree, the tag base to the work tree;
# the selftests and tools aside). The same files for every kernel: the peer's are its versions.
series_sources() {
	[ -d "$OURS_TREE/.git" ] || return 0
	git -C "$OURS_TREE" diff --name-only "$BASE_TAG" -- '*.c' \
		':(exclude)tools/' ':(exclude)scripts/' ':(exclude)samples/' ':(exclude)Documentation/'
}

cmd_functions() {
	local dir src obj
	dir=$(variant_dir "$1")
	for src in $(series_sources); do
		obj=$dir/${src%.c}.o
		[ -f "$obj" ] || continue
		# Text symbols; GCC's local clones (foo.isra.0, foo.constprop.0, foo.cold) count as foo.
		nm --defined-only "$obj" | awk -v f="$src" '$2 ~ /^[tT]$/ { sub(/\..*/, "", $3); print $3 "\t" f }'
	done | sort -u
}

# The lines of the logs without the console's timestamp; a report runs from its "BUG: KCSAN:" line
# to the "=====" line that closes it.
untimed() { sed -E 's/^\[ *[0-9]+\.[0-9]+\] ?//' "$@"; }

cmd_strip() {
	untimed "$@" | awk '/^BUG: KCSAN: / { in_report = 1 } !in_report { print } in_report && /^==========/ { in_report = 0 }'
}

cmd_classify() {
	local functions=$1 out=$2
	shift 2
	mkdir -p "$out"
	untimed "$@" | awk -F'\t' -v tsv="$out/kcsan.tsv" -v txt="$out/kcsan.txt" -v fns="$functions" '
	BEGIN { while ((getline line < fns) > 0) { split(line, f, "\t"); file[f[1]] = f[2] } }
	function flush() {
		if (head == "" || (head in seen)) { head = ""; return }
		seen[head] = 1
		where = frame == "" ? "elsewhere" : "series"
		printf "%s\t%s\t%s\n", where, head, frame > tsv
		printf "## %s%s\n%s\n", where, (frame == "" ? "" : ": " frame), body > txt
		head = ""
	}
	/^BUG: KCSAN: / { flush(); head = $0; sub(/^BUG: KCSAN: /, "", head); body = $0; frame = ""; next }
	head == "" { next }
	/^==========/ { flush(); next }
	{
		body = body "\n" $0
		# A frame: " function+0x1d/0x30", " function+0x1d/0x30 [module]"
		if (frame == "" && match($0, /^ *[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+\/0x[0-9a-f]+/)) {
			fn = $0; sub(/^ */, "", fn); sub(/\+.*/, "", fn); sub(/\..*/, "", fn)
			if (fn in file) frame = fn " (" file[fn] ")"
		}
	}
	END { flush() }'
	touch "$out/kcsan.tsv" "$out/kcsan.txt"
}

case "${1:-}" in
sources) series_sources ;;
functions) cmd_functions "${2:?usage: $0 functions VARIANT}" ;;
classify) cmd_classify "${2:?usage: $0 classify FUNCTIONS OUT LOG...}" "${3:?usage: $0 classify FUNCTIONS OUT LOG...}" "${@:4}" ;;
strip) shift && cmd_strip "$@" ;;
*) die "usage: $0 sources | functions VARIANT | classify FUNCTIONS OUT LOG... | strip LOG..." ;;
esac
