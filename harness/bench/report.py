#!/usr/bin/python3
"""harness/bench/report.py OUT: from the rows of harness/jobs/bench (OUT/raw-<kernel>.tsv),
OUT/kernels.tsv and OUT/configs.tsv, write OUT/results.md (medians, ratios, goals, memory), its
plot (OUT/plot.png by gnuplot) and OUT/stats.tsv: kernel, config, median, q1, q3 over rounds of
each batch's median; config "r:<c>" is the ratio of c to its reference (empty table, direct
exec, depth 0) taken within each round, where both ran minutes apart.
"""
import functools
import operator
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS = {"base": "#555555", "peer": "#1f77b4", "ours": "#d62728"}  # and their colours
KINDS = ("magic", "ext")
SIZES = (40, 1000, 10000)
TABLE = ("empty:0",) + tuple(f"{kind}:{n}" for kind in KINDS for n in SIZES)
PAIRS = (("match:1", "direct:1"), ("ns32:40", "ns0:40"))  # (config, its reference)
ABSOLUTE = TABLE + ("direct:1", "match:1", "ns0:40", "ns32:40")
LABELS = {"empty:0": "0 (empty table)", **{f"magic:{n}": f"{n} qemu-like magic" for n in SIZES},
          **{f"ext:{n}": f"{n} extension" for n in SIZES}, "direct:1": "interpreter run directly",
          "match:1": "through a matching entry", "ns0:40": "depth 0, 40 entries",
          "ns32:40": "depth 32, 40 entries"}
MEMORY = {"mem-instance": "per instance (mount in a new user+mount namespace; {} mounts)",
          "mem-entry": "per entry (qemu-like, {} in one instance)"}
# Goals: (what, numerator (kernel, config), denominator (kernel, config), comparison, limit);
# a row shows when both kernels were measured.
GOALS = ([(f"{LABELS[c]} ≤ {lim} × empty", ("ours", c), ("ours", "empty:0"), operator.le, lim)
          for c, lim in (("magic:1000", 1.02), ("ext:1000", 1.02),
                         ("magic:10000", 1.05), ("ext:10000", 1.05))]
         + [(f"{LABELS[c]}: base / ours ≥ 0.98", ("base", c), ("ours", c), operator.ge, 0.98)
            for c in ("empty:0", "magic:40", "ext:40")]
         + [("32 levels of fallback ≤ 1.01 × depth 0", ("ours", "ns32:40"), ("ours", "ns0:40"),
             operator.le, 1.01)])
CLOCKS = {("icount",): "Clock: QEMU -icount shift=0, guest time advances 1 ns per guest "
          "instruction: figures\ncount instructions (\"µs\" = thousands of instructions) and do "
          "not depend on the host's load.",
          ("host",): "Clock: host time (the host's TSC): figures include whatever else the host "
          "was running."}
CONFIGS_SAME = ("Every option the config fragments ask for has the same value in the kernels' "
                ".config.")
CONFIGS_DIFFER = ("Options the config fragments ask for that the kernels' .config files set "
                  "differently:")
RESULTS = """# binfmt_misc exec benchmark

Measured {date} (latest boot) on a host with {cpus} cores,
under QEMU TCG, one guest boot per kernel (1 vCPU). Each configuration: {rounds}
rounds of {execs} timed fork+exec+wait of a static binary, the configurations alternating
inside each round; a figure is the median over rounds of each batch's median.
Ratios: ratio of medians, then [first–third quartile] of the same ratio within each round.
{clock}

{kernels}
{configs}
## Exec cost against the table size, each kernel against its own empty table

{ratios}

Last column: ours' median time over base's for the same configuration (different boots).

## Absolute figures: µs per fork+exec+wait (median; [q1–q3] over rounds)

{absolute}

## Memory charged to the memory cgroup (memory.current, stocks drained; median over rounds)

{memory}

n/a: the kernel cannot mount binfmt_misc in a user namespace (no per-namespace instances).
{goals}
![exec cost against the table size](plot.png)
"""
GNUPLOT = """set terminal pngcairo size 1200,520 font ',10'
set output '{out}/plot.png'
set datafile separator tab
set key top left
set grid ytics
set xtics ('0' 0, '40' 1, '1000' 2, '10000' 3)
set xlabel 'registered entries (none matches)'
set multiplot layout 1,2 title 'binfmt\\_misc: fork+exec of a static binary no entry matches, \
QEMU TCG (median over rounds)'
set ylabel '{unit}'
{absolute}
set ylabel 'time / same kernel with an empty table'
set arrow from graph 0, first 1.02 to graph 1, first 1.02 nohead dt 3 lc 'gray'
set arrow from graph 0, first 1.05 to graph 1, first 1.05 nohead dt 3 lc 'gray'
{relative}
unset multiplot
"""
NUMBER = re.compile(r"[ \t\n]*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
FILES = {"encoding": "utf-8", "errors": "surrogateescape", "newline": ""}  # bytes as they are


def lines(path):
    """The lines of PATH as awk reads them: split at newlines only."""
    with open(path, **FILES) as f:
        text = f.read()
    return text[:-1].split("\n") if text else []


def field(line, n):
    """Field N (from 1) of a tab-separated LINE, empty past the end, as awk -F'\\t' reads it."""
    fields = line.split("\t")
    return fields[n - 1] if n <= len(fields) else ""


def num(s):
    """The number awk reads in string S: its leading decimal number, else 0."""
    m = NUMBER.match(s)
    return float(m.group()) if m else 0.0


def quantile(a, p):
    """Quantile P of the sorted list A, interpolating linearly (q = 1 + (n - 1) p)."""
    x = 1 + (len(a) - 1) * p
    i = int(x)
    return a[-1] if i >= len(a) else a[i - 1] + (x - i) * (a[i] - a[i - 1])


def kernel_stats(rows):
    """{config: (median, q1, q3)} of one kernel's RAW rows, as %.6g strings ("NA" when the first
    row is NA, an NA row after a number counts as 0), then the per-round ratios "r:<config>"."""
    values, last, empties = {}, {}, {}
    for row in rows:
        kind, entries, rnd, value = (field(row, i) for i in (1, 2, 3, 5))
        values.setdefault(f"{kind}:{entries}", []).append(value if value == "NA" else num(value))
        if value != "NA":
            last[f"{kind}:{entries}", rnd] = num(value)  # a round's last row of a config
            if kind == "empty":
                empties.setdefault(rnd, []).append(num(value))
    for rnd, es in empties.items():
        mean = functools.reduce(operator.add, es) / len(es)  # added in order, as awk does
        tables = [c for c in values if c.split(":")[0] in KINDS]  # magic:N, ext:N against empty
        refs = [(c, None) for c in tables] + list(PAIRS)
        for config, ref in refs:
            den = last.get((ref, rnd)) if ref else mean
            if (config, rnd) in last and den is not None:
                values.setdefault("r:" + config, []).append(last[config, rnd] / den)
    stats = {}
    for config, vals in values.items():
        a = sorted(0.0 if v == "NA" else v for v in vals)
        stats[config] = (("NA",) * 3 if vals[0] == "NA"
                         else tuple("%.6g" % quantile(a, p) for p in (0.5, 0.25, 0.75)))
    return stats


def div(a, b):
    """A / B with 3 decimals; empty when either is missing or NA, or B is 0."""
    if "" in (a, b) or "NA" in (a, b) or num(b) == 0:
        return ""
    return "%.3f" % (num(a) / num(b))


def fmt(x, digits=3):
    """X with DIGITS decimals, or n/a."""
    return "n/a" if x in ("", "NA") else "%.*f" % (digits, num(x))


def verdict(x, meets, limit):
    """Whether the ratio X (a string) MEETS (operator.le or ge) LIMIT."""
    if x in ("", "n/a"):
        return "not measured"
    return "**met**" if meets(num(x), limit) else "**missed**"


def row(cells):
    """A markdown table row."""
    return "| " + " | ".join(cells) + " |"


def table(head, rows):
    """A markdown table."""
    return "\n".join([row(head), "|" + "---|" * len(head)] + [row(r) for r in rows])


class Report:
    """The figures of one bench output directory OUT."""

    def __init__(self, out):
        self.out = out
        self.kernels = [k for k in KERNELS if os.path.isfile(f"{out}/raw-{k}.tsv")]
        if not self.kernels:
            sys.exit(f"error: no {out}/raw-*.tsv: run 'make bench' first")
        if not os.path.isfile(f"{out}/kernels.tsv"):
            sys.exit(f"error: no {out}/kernels.tsv: run 'make bench' first")
        self.raw = {k: lines(f"{out}/raw-{k}.tsv") for k in self.kernels}
        self.stats = {(k, c): s for k in self.kernels
                      for c, s in kernel_stats(self.raw[k]).items()}
        self.runs = lines(f"{out}/kernels.tsv")

    def get(self, kernel, config, i=0):
        """Median (I=0), q1 (1) or q3 (2) of CONFIG on KERNEL, as in stats.tsv; empty if none."""
        return self.stats.get((kernel, config), ("", "", ""))[i]

    def first(self, kernel, kind, n):
        """Field N of KERNEL's first raw row of KIND; empty if none."""
        return next((field(r, n) for r in self.raw[kernel] if field(r, 1) == kind), "")

    def ratio(self, kernel, config, ref):
        """The ratio of medians, then [quartiles of the per-round ratio]: 1.012 [1.004–1.019]."""
        r = div(self.get(kernel, config), self.get(kernel, ref))
        q1, q3 = self.get(kernel, "r:" + config, 1), self.get(kernel, "r:" + config, 2)
        return "n/a" if not r else f"{r} [{fmt(q1)}–{fmt(q3)}]" if q1 else r

    def kernels_table(self):
        """A row per kernel from kernels.tsv, its fields split as bash's `IFS=tab read` does."""
        rows = []
        for k in self.kernels:
            line = next((line for line in self.runs if field(line, 1) == k), "")
            _, uname, l0, l1, date, clock = (re.split("\t+", line.strip("\t"), maxsplit=5)
                                             + [""] * 6)[:6]
            rows.append([k, uname, date, clock, f"{l0} → {l1}"])
        return table(["kernel", "uname -r", "measured", "clock",
                      "host load (1, 5, 15 min) before → after its boot"], rows)

    def configs(self):
        """The options the kernels' .config files set differently, if OUT/configs.tsv exists."""
        path = f"{self.out}/configs.tsv"
        if not os.path.isfile(path):
            return ""
        rows = lines(path)
        col = {name: i for i, name in enumerate(rows[0].split("\t"), 1) if i > 1} if rows else {}
        diffs = ""
        for line in rows[1:]:  # a kernel without a column reads the whole line, as awk's $"" does
            vals = [field(line, col[k]) if k in col else line for k in self.kernels]
            if len(set(vals)) > 1:
                pairs = ", ".join(f"{k} {v}" for k, v in zip(self.kernels, vals))
                diffs += f"- `{field(line, 1)}`: {pairs}\n"
        return f"\n{CONFIGS_DIFFER}\n{diffs}" if diffs else f"\n{CONFIGS_SAME}\n"

    def ratios(self):
        """Each kernel against its own empty table, and ours against base."""
        both = "ours" in self.kernels and "base" in self.kernels
        rows = []
        for c, ref in [(c, "empty:0") for c in TABLE] + list(PAIRS):
            rows.append([LABELS[c] if ref == "empty:0" else f"{LABELS[c]} / {LABELS[ref]}"]
                        + [f"1 ({fmt(self.get(k, c), 0)} µs)" if c == "empty:0"
                           else self.ratio(k, c, ref) for k in self.kernels]
                        + ([div(self.get("ours", c), self.get("base", c))] if both else []))
        return table(["entries"] + self.kernels + ["ours / base"] * both, rows)

    def absolute(self):
        """Median [q1–q3] of each configuration, in µs."""
        return table(["configuration"] + self.kernels, [
            [LABELS[c]] + ["{} [{}–{}]".format(*(fmt(self.get(k, c, i), 0) for i in range(3)))
                           for k in self.kernels] for c in ABSOLUTE])

    def memory(self):
        """Bytes charged per instance and per entry."""
        rows = []
        for kind, what in MEMORY.items():
            n = self.first(self.kernels[0], kind, 2)
            values = [self.get(k, f"{kind}:{n}") for k in self.kernels]
            rows.append([what.format(n)] + [fmt(v, 0) + " B" if v not in ("", "NA") else "n/a"
                                            for v in values])
        return table(["what"] + self.kernels, rows)

    def goals(self):
        """Our goals, met or missed (only when ours was measured)."""
        if "ours" not in self.kernels:
            return ""
        rows = []
        for what, a, b, op, limit in GOALS:
            if a[0] in self.kernels and b[0] in self.kernels:
                r = div(self.get(*a), self.get(*b))
                rows.append([what, r, verdict(r, op, limit)])
        if "peer" in self.kernels:
            c = "mem-entry:" + self.first("ours", "mem-entry", 2)
            a, b = self.get("ours", c), self.get("peer", c)
            rows.append(["memory per entry ≤ peer's", f"{fmt(a, 0)} B vs {fmt(b, 0)} B",
                         verdict(div(a, b), operator.le, 1)])
        return ("\n## Goals (ours)\n\n| goal | measured | |\n|---|---|---|\n"
                + "".join(row(r) + "\n" for r in rows))

    def markdown(self):
        """The whole of results.md."""
        cut = [(field(line, 5), field(line, 6)) if "\t" in line else (line, line)
               for line in self.runs]  # as `cut -f5,6` prints them: all of a line without tabs
        clocks = tuple(sorted({clock for _, clock in cut}))
        warning = ("**Warning: the kernels were measured with different clocks ("
                   + "".join(c + " " for c in clocks) + "): compare ratios only.**")
        return RESULTS.format(
            date=max((date for date, _ in cut), default=""),
            cpus=len(os.sched_getaffinity(0)), clock=CLOCKS.get(clocks, warning),
            rounds=len({field(r, 3) for r in self.raw[self.kernels[0]] if field(r, 1) == "empty"}),
            execs=self.first(self.kernels[0], "empty", 4), kernels=self.kernels_table(),
            configs=self.configs(), ratios=self.ratios(), absolute=self.absolute(),
            memory=self.memory(), goals=self.goals())

    def plot_tsv(self):
        """plot.tsv: per table size, each kernel's times and their ratios to its empty table."""
        rows = [["x", "entries"] + [f"{k}-{kind}{r}" for k in self.kernels
                                    for r in ("", "-r") for kind in KINDS]]
        for i, n in enumerate((0,) + SIZES):
            rows.append([str(i), str(n)])
            for k in self.kernels:
                e = self.get(k, "empty:0")
                times = [self.get(k, f"{kind}:{n}") if n else e for kind in KINDS]
                rows[-1] += [v or "NaN" for v in times + [div(t, e) if n else "1" for t in times]]
        return "".join("\t".join(r) + "\n" for r in rows)

    def plot_gp(self):
        """plot.gp: absolute times on the left, ratios to the empty table on the right."""
        def plot(col):
            return "plot" + ",".join(
                f" '{self.out}/plot.tsv' using 1:{col + 4 * i} with linespoints lw 2 pt 7 lc rgb "
                f"'{KERNELS[k]}' title '{k}, qemu-like magic', '' using 1:{col + 4 * i + 1} with "
                f"linespoints lw 2 pt 6 dt 2 lc rgb '{KERNELS[k]}' title '{k}, extension'"
                for i, k in enumerate(self.kernels))
        icount = "icount" in "\n".join(self.runs)
        unit = "µs per exec" + " (guest time: 1 ns per instruction)" * icount
        return GNUPLOT.format(out=self.out, unit=unit, absolute=plot(3), relative=plot(5))


def draw(out, shown):
    """Run gnuplot on OUT/plot.gp, its errors in OUT/plot.log; on failure show them and exit."""
    with open(f"{out}/plot.log", "w") as log:
        try:
            ok = subprocess.run(["gnuplot", f"{out}/plot.gp"], stderr=log).returncode == 0
        except OSError as e:  # no gnuplot
            log.write(f"{e} (apt-get install gnuplot-nox)\n")
            ok = False
    if not ok:
        with open(f"{out}/plot.log", **FILES) as log:
            sys.stderr.write(log.read())
        sys.exit(f"error: gnuplot failed (script: {shown}/plot.gp)")


def main(argv):
    """Write the report's files into OUT, draw the plot, print results.md."""
    if len(argv) != 2:
        sys.exit("usage: report.py OUT")
    out = argv[1]
    report = Report(out)
    results = report.markdown()
    files = {"stats.tsv": "".join(f"{k}\t{c}\t" + "\t".join(s) + "\n"
                                  for (k, c), s in report.stats.items()),
             "results.md": results, "plot.tsv": report.plot_tsv(), "plot.gp": report.plot_gp()}
    for name, text in files.items():
        with open(f"{out}/{name}", "w", **FILES) as f:
            f.write(text)
    shown = out[len(TOP) + 1:] if out.startswith(TOP + "/") else out  # as lib.sh shows paths
    draw(out, shown)
    print(f"==> results: {shown}/results.md, {shown}/plot.png", file=sys.stderr)
    sys.stdout.buffer.write(results.encode("utf-8", "surrogateescape"))


if __name__ == "__main__":
    main(sys.argv)
