#!/usr/bin/python3
"""harness/bench/report.py OUT: from the rows of harness/bench/job (OUT/raw-<kernel>.tsv),
OUT/kernels.tsv and OUT/configs.tsv, write OUT/results.md (medians, ratios, goals, memory), its
plot (OUT/plot.png by gnuplot) and OUT/stats.tsv: kernel, config, median, q1, q3 over rounds of
each batch's median; config "r:<c>" is the ratio of c to its reference (empty table, direct
exec, depth 0) taken within each round, where both ran minutes apart. A configuration is NA
when all its rows are NA. The report uses the figures as stats.tsv shows them (6 digits).
"""
import operator
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS = {"base": "#555555", "peer": "#1f77b4", "ours": "#d62728"}  # and their colours
KINDS = ("magic", "ext")
SIZES = (40, 1000, 10000)
SHAPES = "shapes:1000"  # 1000 magic entries of as many (offset, size), none matching
TABLE = ("empty:0",) + tuple(f"{kind}:{n}" for kind in KINDS for n in SIZES) + (SHAPES,)
PAIRS = {"match:1": "direct:1", "ns32:40": "ns0:40"}  # config: its reference
ABSOLUTE = TABLE + ("direct:1", "match:1", "ns0:40", "ns32:40")
LABELS = {"empty:0": "0 (empty table)", **{f"magic:{n}": f"{n} qemu-like magic" for n in SIZES},
          **{f"ext:{n}": f"{n} extension" for n in SIZES}, SHAPES: "1000 magic, 1000 shapes",
          "direct:1": "interpreter run directly",
          "match:1": "through a matching entry", "ns0:40": "depth 0, 40 entries",
          "ns32:40": "depth 32, 40 entries"}
MEMORY = {"mem-instance": ("per instance (mount in a new user+mount namespace; {} mounts)",
                           "mounts"),
          "mem-entry": ("per entry (qemu-like, {} in one instance)", "entries")}
# Goals: (what, numerator (kernel, config), denominator (kernel, config), comparison, limit);
# a row shows when both kernels were measured. "r:<config>": the config's ratio to its reference.
GOALS = ([(f"{LABELS[c]} ≤ {lim} × empty", ("ours", c), ("ours", "empty:0"), operator.le, lim)
          for c, lim in (("magic:1000", 1.02), ("ext:1000", 1.02),
                         ("magic:10000", 1.05), ("ext:10000", 1.05))]
         + [(f"{LABELS[c]}: base / ours ≥ 0.98", ("base", c), ("ours", c), operator.ge, 0.98)
            for c in ("empty:0", "magic:40", "ext:40")]
         + [("32 levels of fallback ≤ 1.01 × depth 0", ("ours", "ns32:40"), ("ours", "ns0:40"),
             operator.le, 1.01),
            (f"{LABELS[SHAPES]} / empty: ours ≤ 1.02 × base's", ("ours", "r:" + SHAPES),
             ("base", "r:" + SHAPES), operator.le, 1.02)])
CLOCKS = {("icount",): "Clock: QEMU -icount shift=0, guest time advances 1 ns per guest "
          "instruction: figures\ncount instructions (\"µs\" = thousands of instructions) and do "
          "not depend on the host's load.",
          ("host",): "Clock: host time (the host's TSC): figures include whatever else the host "
          "was running.",
          (): "Clock: unknown (kernels.tsv has no row for these kernels)."}
CONFIGS_SAME = ("Every option the config fragments ask for has the same value in the kernels' "
                ".config.")
CONFIGS_DIFFER = ("Options the config fragments ask for that the kernels' .config files set "
                  "differently:")
LAST_COLUMN = """

Last column: ours' median time over base's for the same configuration (different boots);
in the two "X / Y" rows, ours' ratio X / Y over base's (each ratio taken within one boot)."""
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


def read_tsv(path, width=0):
    """The non-blank lines of the TSV file PATH as lists of fields, padded to WIDTH fields."""
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return [row + [""] * (width - len(row)) for row in rows]


def quartiles(values):
    """(median, q1, q3) of VALUES, interpolating linearly, to 6 significant digits."""
    a = sorted(values)

    def q(p):
        x = (len(a) - 1) * p
        i = int(x)
        return a[-1] if i + 1 >= len(a) else a[i] + (x - i) * (a[i + 1] - a[i])
    return tuple(float("%.6g" % q(p)) for p in (0.5, 0.25, 0.75))


def kernel_stats(rows):
    """{config: (median, q1, q3), or None if all its rows are NA} of one kernel's raw ROWS,
    then the per-round ratios "r:<config>" in the same order."""
    values, last, empties = {}, {}, {}
    for kind, entries, rnd, _, value, *_ in rows:
        config = f"{kind}:{entries}"
        values.setdefault(config, [])
        if value != "NA":
            values[config].append(float(value))
            last[config, rnd] = float(value)  # a config's row in that round (its last one)
            if kind == "empty":
                empties.setdefault(rnd, []).append(float(value))
    means = {rnd: sum(es) / len(es) for rnd, es in empties.items()}
    ratios = {}
    for (config, rnd), value in last.items():
        kind = config.split(":")[0]
        empty_ref = kind in KINDS or config == SHAPES
        ref = means.get(rnd) if empty_ref else last.get((PAIRS.get(config), rnd))
        if ref:
            ratios.setdefault(config, []).append(value / ref)
    stats = {c: quartiles(v) if v else None for c, v in values.items()}
    stats.update({"r:" + c: quartiles(ratios[c]) for c in values if c in ratios})
    return stats


def div(a, b):
    """A / B; None when either is missing or B is 0."""
    return None if a is None or not b else a / b


def fmt(x, spec=".3f", missing="n/a"):
    """X formatted as SPEC, or MISSING."""
    return missing if x is None else format(x, spec)


def verdict(x, meets, limit):
    """Whether the ratio X, rounded as shown, MEETS (operator.le or ge) LIMIT."""
    if x is None:
        return "not measured"
    return "**met**" if meets(round(x, 3), limit) else "**missed**"


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
        self.raw = {k: read_tsv(f"{out}/raw-{k}.tsv", 6) for k in self.kernels}
        self.stats = {}
        for k in self.kernels:
            try:
                self.stats.update({(k, c): s for c, s in kernel_stats(self.raw[k]).items()})
            except ValueError as e:
                sys.exit(f"error: {out}/raw-{k}.tsv: {e}")
        self.runs = {}  # kernel: its (first) row of kernels.tsv
        for run in read_tsv(f"{out}/kernels.tsv", 6):
            self.runs.setdefault(run[0], run)
        runs = [self.runs[k] for k in self.kernels if k in self.runs]
        self.date = max((run[4] for run in runs), default="n/a")
        self.clocks = tuple(sorted({run[5] for run in runs}))

    def get(self, kernel, config, i=0):
        """Median (I=0), q1 (1) or q3 (2) of CONFIG on KERNEL; None if NA or not measured."""
        s = self.stats.get((kernel, config))
        return s[i] if s else None

    def first(self, kernel, kind, i):
        """Field I (from 0) of KERNEL's first raw row of KIND; empty if none."""
        return next((r[i] for r in self.raw[kernel] if r[0] == kind), "")

    def memory_value(self, kernel, kind):
        """Bytes per instance or entry (KIND) at the count of KERNEL's own rows."""
        return self.get(kernel, f"{kind}:{self.first(kernel, kind, 1)}")

    def ratio(self, kernel, config, ref):
        """The ratio of medians, then [quartiles of the per-round ratio]: 1.012 [1.004–1.019]."""
        r = div(self.get(kernel, config), self.get(kernel, ref))
        q = self.stats.get((kernel, "r:" + config))
        return fmt(r) + (f" [{q[1]:.3f}–{q[2]:.3f}]" if r is not None and q else "")

    def kernels_table(self):
        """A row per kernel from kernels.tsv (n/a without one)."""
        rows = []
        for k in self.kernels:
            if k in self.runs:
                _, uname, l0, l1, date, clock = self.runs[k][:6]
                rows.append([k, uname, date, clock, f"{l0} → {l1}"])
            else:
                rows.append([k] + ["n/a"] * 4)
        return table(["kernel", "uname -r", "measured", "clock",
                      "host load (1, 5, 15 min) before → after its boot"], rows)

    def configs(self):
        """The options the kernels' .config files set differently, if OUT/configs.tsv exists."""
        path = f"{self.out}/configs.tsv"
        if not os.path.isfile(path):
            return ""
        header, *options = read_tsv(path) or [[]]
        col = {name: i for i, name in enumerate(header) if i}
        diffs = ""
        for fields in options:
            fields += [""] * (len(header) - len(fields))
            vals = [fields[col[k]] if k in col else "absent" for k in self.kernels]
            if len(set(vals)) > 1:
                pairs = ", ".join(f"{k} {v}" for k, v in zip(self.kernels, vals))
                diffs += f"- `{fields[0]}`: {pairs}\n"
        return f"\n{CONFIGS_DIFFER}\n{diffs}" if diffs else f"\n{CONFIGS_SAME}\n"

    def ratios(self):
        """Each kernel against its own empty table, and ours against base."""
        both = "ours" in self.kernels and "base" in self.kernels
        rows = []
        for c, ref in [(c, "empty:0") for c in TABLE] + list(PAIRS.items()):
            pair = c in PAIRS
            rows.append([f"{LABELS[c]} / {LABELS[ref]}" if pair else LABELS[c]]
                        + [f"1 ({fmt(self.get(k, c), '.0f')} µs)" if c == ref
                           else self.ratio(k, c, ref) for k in self.kernels])
            if both:
                ours, base = (div(self.get(k, c), self.get(k, ref)) if pair else self.get(k, c)
                              for k in ("ours", "base"))
                rows[-1].append(fmt(div(ours, base)))
        return (table(["entries"] + self.kernels + ["ours / base"] * both, rows)
                + LAST_COLUMN * both)

    def absolute(self):
        """Median [q1–q3] of each configuration, in µs."""
        def cell(k, c):
            return "{} [{}–{}]".format(*(fmt(self.get(k, c, i), ".0f") for i in range(3)))
        return table(["configuration"] + self.kernels,
                     [[LABELS[c]] + [cell(k, c) for k in self.kernels] for c in ABSOLUTE])

    def memory(self):
        """Bytes charged per instance and per entry (with a kernel's count if not the first's)."""
        rows = []
        for kind, (what, unit) in MEMORY.items():
            n = self.first(self.kernels[0], kind, 1)
            rows.append([what.format(n)])
            for k in self.kernels:
                v, count = self.memory_value(k, kind), self.first(k, kind, 1)
                cell = "n/a" if v is None else f"{v:.0f} B"
                rows[-1].append(cell + (f" ({count} {unit})" if count not in ("", n) else ""))
        return table(["what"] + self.kernels, rows)

    def goals(self):
        """Our goals, met or missed (only when ours was measured)."""
        if "ours" not in self.kernels:
            return ""
        rows = []
        for what, a, b, meets, limit in GOALS:
            if a[0] in self.kernels and b[0] in self.kernels:
                r = div(self.get(*a), self.get(*b))
                rows.append([what, fmt(r), verdict(r, meets, limit)])
        if "peer" in self.kernels:
            a, b = (self.memory_value(k, "mem-entry") for k in ("ours", "peer"))
            shown = "not measured" if None in (a, b) else f"{a:.0f} B vs {b:.0f} B"
            rows.append(["memory per entry ≤ peer's", shown, verdict(div(a, b), operator.le, 1)])
        return ("\n## Goals (ours)\n\n| goal | measured | |\n|---|---|---|\n"
                + "".join(row(r) + "\n" for r in rows))

    def markdown(self):
        """The whole of results.md."""
        warning = ("**Warning: the kernels were measured with different clocks ("
                   + ", ".join(self.clocks) + "): compare ratios only.**")
        return RESULTS.format(
            date=self.date, cpus=len(os.sched_getaffinity(0)),
            clock=CLOCKS.get(self.clocks, warning),
            rounds=len({r[2] for r in self.raw[self.kernels[0]] if r[0] == "empty"}),
            execs=self.first(self.kernels[0], "empty", 3), kernels=self.kernels_table(),
            configs=self.configs(), ratios=self.ratios(), absolute=self.absolute(),
            memory=self.memory(), goals=self.goals())

    def stats_tsv(self):
        """stats.tsv: a row per kernel and configuration, the ratios after the configurations."""
        return "".join(f"{k}\t{c}\t" + ("\t".join("%.6g" % x for x in s) if s else "NA\tNA\tNA")
                       + "\n" for (k, c), s in self.stats.items())

    def plot_tsv(self):
        """plot.tsv: per table size, each kernel's times and their ratios to its empty table."""
        rows = [["x", "entries"] + [f"{k}-{kind}{r}" for k in self.kernels
                                    for r in ("", "-r") for kind in KINDS]]
        for i, n in enumerate((0,) + SIZES):
            rows.append([str(i), str(n)])
            for k in self.kernels:
                e = self.get(k, "empty:0")
                times = [self.get(k, f"{kind}:{n}") if n else e for kind in KINDS]
                rows[-1] += ([fmt(t, ".6g", "NaN") for t in times]
                             + [fmt(div(t, e), ".3f", "NaN") if n else "1" for t in times])
        return "".join("\t".join(r) + "\n" for r in rows)

    def plot_gp(self):
        """plot.gp: absolute times on the left, ratios to the empty table on the right."""
        def plot(col):
            return "plot" + ",".join(
                f" '{self.out}/plot.tsv' using 1:{col + 4 * i} with linespoints lw 2 pt 7 lc rgb "
                f"'{KERNELS[k]}' title '{k}, qemu-like magic', '' using 1:{col + 4 * i + 1} with "
                f"linespoints lw 2 pt 6 dt 2 lc rgb '{KERNELS[k]}' title '{k}, extension'"
                for i, k in enumerate(self.kernels))
        unit = "µs per exec" + " (guest time: 1 ns per instruction)" * ("icount" in self.clocks)
        return GNUPLOT.format(out=self.out, unit=unit, absolute=plot(3), relative=plot(5))


def draw(out, shown):
    """Run gnuplot on OUT/plot.gp, its errors in OUT/plot.log; on failure show them and exit."""
    try:
        gnuplot = subprocess.run(["gnuplot", f"{out}/plot.gp"], stderr=subprocess.PIPE, text=True)
        log, ok = gnuplot.stderr, gnuplot.returncode == 0
    except OSError as e:  # no gnuplot
        log, ok = f"{e} (apt-get install gnuplot-nox)\n", False
    with open(f"{out}/plot.log", "w") as f:
        f.write(log)
    if not ok:
        sys.exit(f"{log}error: gnuplot failed (script: {shown}/plot.gp)")


def main(argv):
    """Write the report's files into OUT, draw the plot, print results.md."""
    if len(argv) != 2:
        sys.exit("usage: report.py OUT")
    out = argv[1]
    report = Report(out)
    results = report.markdown()
    files = {"stats.tsv": report.stats_tsv(), "results.md": results,
             "plot.tsv": report.plot_tsv(), "plot.gp": report.plot_gp()}
    for name, text in files.items():
        with open(f"{out}/{name}", "w", encoding="utf-8") as f:
            f.write(text)
    shown = out[len(TOP) + 1:] if out.startswith(TOP + "/") else out  # as lib.sh shows paths
    draw(out, shown)
    print(f"==> results: {shown}/results.md, {shown}/plot.png", file=sys.stderr)
    sys.stdout.buffer.write(results.encode())


if __name__ == "__main__":
    main(sys.argv)
