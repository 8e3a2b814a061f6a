#!/usr/bin/env bash
# Bench report: from the rows of harness/jobs/bench (OUT/raw-<kernel>.tsv, OUT/kernels.tsv),
# write OUT/results.md (medians, ratios, goals, memory) and OUT/plot.png (gnuplot).
#   bench-report.sh OUT
# Every exec figure is the median over rounds of a batch's median. A ratio against the same
# kernel's empty table is the ratio of those medians; the bracket after it is the spread (first
# and third quartile) of the same ratio taken within each round, where both ran minutes apart.
# shellcheck source=harness/lib.sh
. "$(dirname "$0")/lib.sh"

OUT=${1:?usage: bench-report.sh OUT}
KERNELS=()
for k in base peer ours; do
	[ -f "$OUT/raw-$k.tsv" ] && KERNELS+=("$k")
done
[ ${#KERNELS[@]} -gt 0 ] || die "no $OUT/raw-*.tsv: run 'make bench' first"

# stats.tsv: kernel, config, median, q1, q3 of the rounds' figures; config "r:<c>" is the
# per-round ratio of config c to its reference (empty table, direct exec, depth 0).
for k in "${KERNELS[@]}"; do
	awk -F'\t' -v k="$k" '
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	}
	function q(a, n, p,   x, i) { x = 1 + (n - 1) * p; i = int(x); return i >= n ? a[n] : a[i] + (x - i) * (a[i + 1] - a[i]) }
	function add(c, v) { vals[c, ++cnt[c]] = v; if (!(c in seen)) { seen[c] = 1; order[++nc] = c } }
	$5 == "NA" { add($1 ":" $2, "NA"); next }
	{
		c = $1 ":" $2; add(c, $5); v[c, $3] = $5; rounds[$3] = 1
		if ($1 == "empty") { es[$3] += $5; en[$3]++ }
	}
	END {
		for (r in rounds) {
			if (!en[r]) continue
			e = es[r] / en[r]
			for (c in seen) if (c ~ /^(magic|ext):/ && (c, r) in v) add("r:" c, v[c, r] / e)
			if (("match:1", r) in v && ("direct:1", r) in v) add("r:match:1", v["match:1", r] / v["direct:1", r])
			if (("ns32:40", r) in v && ("ns0:40", r) in v) add("r:ns32:40", v["ns32:40", r] / v["ns0:40", r])
		}
		for (i = 1; i <= nc; i++) {
			c = order[i]; n = cnt[c]
			if (vals[c, 1] == "NA") { print k "\t" c "\tNA\tNA\tNA"; continue }
			for (j = 1; j <= n; j++) a[j] = vals[c, j] + 0
			sort(a, n)
			printf "%s\t%s\t%.6g\t%.6g\t%.6g\n", k, c, q(a, n, 0.5), q(a, n, 0.25), q(a, n, 0.75)
		}
	}' "$OUT/raw-$k.tsv"
done >"$OUT/stats.tsv"

# get KERNEL CONFIG [FIELD]: median (3), q1 (4) or q3 (5); empty if missing.
get() { awk -F'\t' -v k="$1" -v c="$2" -v f="${3:-3}" '$1 == k && $2 == c { print $f; exit }' "$OUT/stats.tsv"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "NA" || b == "NA" || b == 0) print ""; else printf "%.3f", a / b }'; }
fmt() { awk -v x="$1" -v d="${2:-3}" 'BEGIN { if (x == "" || x == "NA") print "n/a"; else printf "%.*f", d, x }'; }
# ratio KERNEL CONFIG REF: "1.012 [1.004–1.019]" (ratio of medians, per-round quartiles)
ratio() {
	local r q1 q3
	r=$(div "$(get "$1" "$2")" "$(get "$1" "$3")")
	[ -n "$r" ] || { echo "n/a"; return; }
	q1=$(get "$1" "r:$2" 4) q3=$(get "$1" "r:$2" 5)
	if [ -n "$q1" ]; then printf '%s [%s–%s]' "$r" "$(fmt "$q1")" "$(fmt "$q3")"; else echo "$r"; fi
}
has() { case " ${KERNELS[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
# verdict VALUE OP LIMIT
verdict() { awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN {
	if (x == "" || x == "n/a") { print "not measured"; exit }
	ok = op == "<=" ? x + 0 <= l + 0 : x + 0 >= l + 0; print ok ? "**met**" : "**missed**" }'; }

CONFIGS=("empty:0" "magic:40" "magic:1000" "magic:10000" "ext:40" "ext:1000" "ext:10000")
label() {
	case $1 in
	empty:0) echo "0 (empty table)" ;;
	magic:*) echo "${1#*:} qemu-like magic" ;;
	ext:*) echo "${1#*:} extension" ;;
	direct:1) echo "interpreter run directly" ;;
	match:1) echo "through a matching entry" ;;
	ns0:40) echo "depth 0, 40 entries" ;;
	ns32:40) echo "depth 32, 40 entries" ;;
	esac
}

raw_line() { awk -F'\t' -v k="$1" '$1 == k { print }' "$OUT/kernels.tsv"; }
rounds=$(awk -F'\t' '$1 == "empty" { r[$3] = 1 } END { print length(r) }' "$OUT/raw-${KERNELS[0]}.tsv")
execs=$(awk -F'\t' '$1 == "empty" { print $4; exit }' "$OUT/raw-${KERNELS[0]}.tsv")

{
	echo "# binfmt_misc exec benchmark"
	echo
	clocks=$(cut -f6 "$OUT/kernels.tsv" | sort -u | tr '\n' ' ')
	echo "Measured $(cut -f5 "$OUT/kernels.tsv" | sort | tail -n 1) (latest boot) on a host with $(nproc) cores,"
	echo "under QEMU TCG, one guest boot per kernel (1 vCPU). Each configuration: $rounds"
	echo "rounds of $execs timed fork+exec+wait of a static binary, the configurations alternating"
	echo "inside each round; a figure is the median over rounds of each batch's median."
	echo "Ratios: ratio of medians, then [first–third quartile] of the same ratio within each round."
	case $clocks in
	"icount ")
		echo "Clock: QEMU -icount shift=0, guest time advances 1 ns per guest instruction: figures"
		echo "count instructions (\"µs\" = thousands of instructions) and do not depend on the host's load." ;;
	"host ")
		echo "Clock: host time (the host's TSC): figures include whatever else the host was running." ;;
	*)
		echo "**Warning: the kernels were measured with different clocks ($clocks): compare ratios only.**" ;;
	esac
	echo
	echo "| kernel | uname -r | measured | clock | host load (1, 5, 15 min) before → after its boot |"
	echo "|---|---|---|---|---|"
	for k in "${KERNELS[@]}"; do
		IFS=$'\t' read -r _ uname l0 l1 date clock <<<"$(raw_line "$k")"
		echo "| $k | $uname | $date | $clock | $l0 → $l1 |"
	done
	if [ -f "$OUT/configs.tsv" ]; then
		diffs=$(awk -F'\t' -v ks="${KERNELS[*]}" 'NR == 1 { for (i = 2; i <= NF; i++) col[$i] = i; next }
			{ n = split(ks, k, " "); d = 0; s = ""
			  for (i = 1; i <= n; i++) { v = $col[k[i]]; if (i > 1 && v != first) d = 1; if (i == 1) first = v
				s = s (i > 1 ? ", " : "") k[i] " " v }
			  if (d) print "`" $1 "`: " s }' "$OUT/configs.tsv")
		echo
		if [ -n "$diffs" ]; then
			echo "Options the config fragments ask for that the kernels' .config files set differently:"
			printf '%s\n' "$diffs" | sed 's/^/- /'
		else
			echo "Every option the config fragments ask for has the same value in the kernels' .config."
		fi
	fi
	echo
	echo "## Exec cost against the table size, each kernel against its own empty table"
	echo
	printf '| entries |'; for k in "${KERNELS[@]}"; do printf ' %s |' "$k"; done
	has ours && has base && printf ' ours / base |'
	echo; printf '|---|'; for _ in "${KERNELS[@]}"; do printf -- '---|'; done
	has ours && has base && printf -- '---|'
	echo
	for c in "${CONFIGS[@]}"; do
		printf '| %s |' "$(label "$c")"
		for k in "${KERNELS[@]}"; do
			if [ "$c" = empty:0 ]; then printf ' 1 (%s µs) |' "$(fmt "$(get "$k" "$c")" 0)"
			else printf ' %s |' "$(ratio "$k" "$c" empty:0)"; fi
		done
		has ours && has base && printf ' %s |' "$(div "$(get ours "$c")" "$(get base "$c")")"
		echo
	done
	for pair in match:1/direct:1 ns32:40/ns0:40; do
		set -- "${pair%/*}" "${pair#*/}"
		printf '| %s / %s |' "$(label "$1")" "$(label "$2")"
		for k in "${KERNELS[@]}"; do printf ' %s |' "$(ratio "$k" "$1" "$2")"; done
		has ours && has base && printf ' %s |' "$(div "$(get ours "$1")" "$(get base "$1")")"
		echo
	done
	echo
	echo "Last column: ours' median time over base's for the same configuration (different boots)."
	echo
	echo "## Absolute figures: µs per fork+exec+wait (median; [q1–q3] over rounds)"
	echo
	printf '| configuration |'; for k in "${KERNELS[@]}"; do printf ' %s |' "$k"; done
	echo; printf '|---|'; for _ in "${KERNELS[@]}"; do printf -- '---|'; done; echo
	for c in "${CONFIGS[@]}" direct:1 match:1 ns0:40 ns32:40; do
		printf '| %s |' "$(label "$c")"
		for k in "${KERNELS[@]}"; do
			printf ' %s [%s–%s] |' "$(fmt "$(get "$k" "$c")" 0)" "$(fmt "$(get "$k" "$c" 4)" 0)" "$(fmt "$(get "$k" "$c" 5)" 0)"
		done
		echo
	done
	echo
	echo "## Memory charged to the memory cgroup (memory.current, stocks drained; median over rounds)"
	echo
	printf '| what |'; for k in "${KERNELS[@]}"; do printf ' %s |' "$k"; done
	echo; printf '|---|'; for _ in "${KERNELS[@]}"; do printf -- '---|'; done; echo
	for c in mem-instance mem-entry; do
		n=$(awk -F'\t' -v c="$c" '$1 == c { print $2; exit }' "$OUT/raw-${KERNELS[0]}.tsv")
		if [ "$c" = mem-instance ]; then printf '| per instance (mount in a new user+mount namespace; %s mounts) |' "$n"
		else printf '| per entry (qemu-like, %s in one instance) |' "$n"; fi
		for k in "${KERNELS[@]}"; do
			v=$(get "$k" "$c:$n")
			if [ "$v" = NA ] || [ -z "$v" ]; then printf ' n/a |'; else printf ' %s B |' "$(fmt "$v" 0)"; fi
		done
		echo
	done
	echo
	echo "n/a: the kernel cannot mount binfmt_misc in a user namespace (no per-namespace instances)."
	if has ours; then
		echo
		echo "## Goals (ours)"
		echo
		echo "| goal | measured | |"
		echo "|---|---|---|"
		for c in magic:1000 ext:1000; do
			r=$(div "$(get ours "$c")" "$(get ours empty:0)")
			echo "| $(label "$c") ≤ 1.02 × empty | $r | $(verdict "$r" "<=" 1.02) |"
		done
		for c in magic:10000 ext:10000; do
			r=$(div "$(get ours "$c")" "$(get ours empty:0)")
			echo "| $(label "$c") ≤ 1.05 × empty | $r | $(verdict "$r" "<=" 1.05) |"
		done
		if has base; then
			for c in empty:0 magic:40 ext:40; do
				r=$(div "$(get base "$c")" "$(get ours "$c")")
				echo "| $(label "$c"): base / ours ≥ 0.98 | $r | $(verdict "$r" ">=" 0.98) |"
			done
		fi
		r=$(div "$(get ours ns32:40)" "$(get ours ns0:40)")
		echo "| 32 levels of fallback ≤ 1.01 × depth 0 | $r | $(verdict "$r" "<=" 1.01) |"
		if has peer; then
			n=$(awk -F'\t' '$1 == "mem-entry" { print $2; exit }' "$OUT/raw-ours.tsv")
			a=$(get ours "mem-entry:$n") b=$(get peer "mem-entry:$n")
			echo "| memory per entry ≤ peer's | $(fmt "$a" 0) B vs $(fmt "$b" 0) B | $(verdict "$(div "$a" "$b")" "<=" 1) |"
		fi
	fi
	echo
	echo "![exec cost against the table size](plot.png)"
} >"$OUT/results.md"

# The plot: exec time against the table size, per kernel and kind of entry; left absolute,
# right against the same kernel's empty table.
{
	printf 'x\tentries'
	for k in "${KERNELS[@]}"; do printf '\t%s-magic\t%s-ext\t%s-magic-r\t%s-ext-r' "$k" "$k" "$k" "$k"; done
	echo
	i=0
	for n in 0 40 1000 10000; do
		printf '%s\t%s' "$i" "$n"
		for k in "${KERNELS[@]}"; do
			e=$(get "$k" empty:0)
			for kind in magic ext; do
				if [ "$n" = 0 ]; then v=$e; else v=$(get "$k" "$kind:$n"); fi
				printf '\t%s' "${v:-NaN}"
			done
			for kind in magic ext; do
				if [ "$n" = 0 ]; then v=1; else v=$(div "$(get "$k" "$kind:$n")" "$e"); fi
				printf '\t%s' "${v:-NaN}"
			done
		done
		echo
		i=$((i + 1))
	done
} >"$OUT/plot.tsv"

colour() { case $1 in base) echo '#555555' ;; peer) echo '#1f77b4' ;; *) echo '#d62728' ;; esac; }
unit="µs per exec"
grep -q icount "$OUT/kernels.tsv" && unit="µs per exec (guest time: 1 ns per instruction)"
{
	echo "set terminal pngcairo size 1200,520 font ',10'"
	echo "set output '$OUT/plot.png'"
	echo "set datafile separator tab"
	echo "set key top left"
	echo "set grid ytics"
	echo "set xtics ('0' 0, '40' 1, '1000' 2, '10000' 3)"
	echo "set xlabel 'registered entries (none matches)'"
	echo "set multiplot layout 1,2 title 'binfmt\\_misc: fork+exec of a static binary no entry matches, QEMU TCG (median over rounds)'"
	echo "set ylabel '$unit'"
	# plot_cols FIRST: a line per kernel and kind, from column FIRST on (4 columns per kernel)
	plot_cols() {
		local col=$1 k plot=plot
		for k in "${KERNELS[@]}"; do
			plot+=" '$OUT/plot.tsv' using 1:$col with linespoints lw 2 pt 7 lc rgb '$(colour "$k")' title '$k, qemu-like magic',"
			plot+=" '' using 1:$((col + 1)) with linespoints lw 2 pt 6 dt 2 lc rgb '$(colour "$k")' title '$k, extension',"
			col=$((col + 4))
		done
		echo "${plot%,}"
	}
	plot_cols 3
	echo "set ylabel 'time / same kernel with an empty table'"
	echo "set arrow from graph 0, first 1.02 to graph 1, first 1.02 nohead dt 3 lc 'gray'"
	echo "set arrow from graph 0, first 1.05 to graph 1, first 1.05 nohead dt 3 lc 'gray'"
	plot_cols 5
	echo "unset multiplot"
} >"$OUT/plot.gp"
gnuplot "$OUT/plot.gp" 2>"$OUT/plot.log" || { cat "$OUT/plot.log" >&2; die "gnuplot failed (script: ${OUT#"$TOP"/}/plot.gp)"; }

step "results: ${OUT#"$TOP"/}/results.md, ${OUT#"$TOP"/}/plot.png"
cat "$OUT/results.md"
