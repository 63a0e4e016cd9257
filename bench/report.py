#!/usr/bin/env python3
"""Turns the raw outputs in bench/results/ into tables, ratios and a plot.

Reads   bench/results/compare.N.txt   (divan's tables, one per run of `cargo bench --bench compare`)
        bench/results/memory.txt      (`memory <system> <bytes/task> <handle bytes>` lines)
        bench/results/build_cost.txt  (optional, from bench/build_cost.sh)
        bench/results/machine.txt     (optional, from bench/run.sh)
Writes  bench/results/spawn.svg       (per-task spawn cost against task count)
        BENCHMARKS.md                 (the part between the `results:start/end` markers)
        README.md                     (the Performance table, between the `perf:start/end` markers)

Standard library only, so it runs wherever python3 does.
"""

import glob
import math
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
UNITS = {"ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def parse_divan(text):
    """Returns {path tuple: median ns} from divan's tree table."""
    lines = text.splitlines()
    header = next((l for l in lines if "fastest" in l and "median" in l), None)
    if header is None:
        sys.exit("no divan table in compare.txt")
    start = header.index("fastest")
    medians, stack = {}, []
    for line in lines[lines.index(header) + 1:]:
        if len(line) <= start or "│" not in line[start:]:
            continue
        name_part, cols = line[:start], line[start:].split("│")
        match = re.search(r"[^\s│├╰─]", name_part)
        if not match:
            continue
        depth = match.start() // 3 - 1
        name = name_part[match.start():].strip()
        stack = stack[:depth] + [name]
        fields = [c.strip() for c in cols]
        if len(fields) < 3 or not fields[2]:
            continue
        parts = fields[2].split()
        if len(parts) == 2 and parts[1] in UNITS:
            medians[tuple(stack)] = float(parts[0]) * UNITS[parts[1]]
    return medians


class Runs:
    """Medians from several runs of the suite: values are the median across runs, and a ratio
    is the median of the ratios taken within each run, so both sides always come from the
    same run."""

    def __init__(self, runs):
        self.runs = runs

    def get(self, key):
        values = [run[key] for run in self.runs if key in run]
        return statistics.median(values) if values else None

    def __getitem__(self, key):
        return self.get(key)

    def __contains__(self, key):
        return any(key in run for run in self.runs)

    def __iter__(self):
        return iter({key for run in self.runs for key in run})

    def ratio(self, a, b):
        values = [run[a] / run[b] for run in self.runs if a in run and run.get(b)]
        return statistics.median(values) if values else None


def fmt_ratio(x):
    return f"{x:.2f}x" if x is not None else "—"


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "—"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def scenario(m, group, systems, smol, tokio, per=None, per_label=None):
    """A table of one scenario: median, optional per-unit cost, ratio to smol and tokio."""
    header = ["system", "median"] + ([per_label] if per else []) + ["vs smol", "vs tokio"]
    rows = []
    for system, label in systems:
        v = m.get((group, system))
        if v is None:
            continue
        row = [label, fmt_ns(v)] + ([fmt_ns(v / per)] if per else [])
        row += [fmt_ratio(m.ratio((group, system), (group, smol))),
                fmt_ratio(m.ratio((group, system), (group, tokio)))]
        rows.append(row)
    return table(header, rows)


SPAWN_1 = [
    ("runner", "runner `spawn` (debug off)"),
    ("runner_debug", "runner `spawn` (debug on)"),
    ("runner_local", "runner `spawn_local`"),
    ("smol_local", "smol `LocalExecutor` (anchor)"),
    ("smol_executor", "smol `Executor`"),
    ("tokio_current_thread", "tokio current_thread (anchor)"),
]
SPAWN_2 = [
    ("runner", "runner `threads(2)`"),
    ("smol_executor", "smol `Executor`, 2 threads (anchor)"),
    ("tokio_multi_thread", "tokio multi_thread(2) (anchor)"),
]


def spawn_table(m, group, systems, smol, tokio, counts):
    header = ["system"] + [f"{n:,} tasks" for n in counts] + ["vs smol", "vs tokio"]
    rows = []
    big = counts[-2] if len(counts) > 1 else counts[-1]  # ratios at 100,000
    for system, label in systems:
        row = [label]
        for n in counts:
            v = m.get((group, system, str(n)))
            row.append(f"{v / n:.0f} ns" if v else "—")
        v = m.get((group, system, str(big)))
        row += [fmt_ratio(m.ratio((group, system, str(big)), (group, smol, str(big)))),
                fmt_ratio(m.ratio((group, system, str(big)), (group, tokio, str(big))))]
        rows.append(row)
    return table(header, rows) + f"\n\nPer task (median time of one iteration ÷ tasks); ratios at {big:,} tasks."


def svg_plot(m, counts, path):
    """Per-task spawn cost (ns) against task count, log x axis, hand-written SVG."""
    series = [(("spawn", s), l) for s, l in SPAWN_1] + [(("spawn_2_threads", s), l + " ") for s, l in SPAWN_2]
    colours = ["#d62728", "#ff9896", "#9467bd", "#1f77b4", "#17becf", "#2ca02c",
               "#d62728", "#1f77b4", "#2ca02c"]
    points = []
    for (key, label), colour in zip(series, colours):
        pts = [(n, m[key + (str(n),)] / n) for n in counts if key + (str(n),) in m]
        if pts:
            points.append((label.replace("`", ""), colour, key[0] == "spawn_2_threads", pts))
    if not points:
        return
    w, h, left, right, top, bottom = 760, 420, 70, 280, 40, 50
    ymax = max(y for *_, pts in points for _, y in pts) * 1.1
    lx0, lx1 = math.log10(counts[0]), math.log10(counts[-1])

    def x(n):
        return left + (math.log10(n) - lx0) / (lx1 - lx0) * (w - left - right)

    def y(v):
        return h - bottom - v / ymax * (h - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14">Spawn + await: ns per task against task count (median, lower is better)</text>']
    step = 10 ** math.floor(math.log10(ymax / 4))
    step *= 5 if ymax / step > 20 else 2 if ymax / step > 8 else 1
    v = 0.0
    while v <= ymax:
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += step
    for n in counts:
        out.append(f'<line x1="{x(n):.1f}" x2="{x(n):.1f}" y1="{top}" y2="{h - bottom}" stroke="#eee"/>')
        out.append(f'<text x="{x(n):.1f}" y="{h - bottom + 16}" text-anchor="middle">{n:,}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">tasks spawned, then awaited (log scale)</text>')
    out.append(f'<text x="16" y="{(top + h - bottom) / 2}" transform="rotate(-90 16 {(top + h - bottom) / 2})" text-anchor="middle">ns per task</text>')
    for i, (label, colour, dashed, pts) in enumerate(points):
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        path_d = " ".join(f"{'M' if j == 0 else 'L'}{x(n):.1f},{y(v):.1f}" for j, (n, v) in enumerate(pts))
        out.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for n, v in pts:
            out.append(f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
        ly = top + 10 + i * 20
        out.append(f'<line x1="{w - right + 15}" x2="{w - right + 45}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{w - right + 52}" y="{ly + 4}">{label.strip()}{" (2 threads)" if dashed and "2" not in label else ""}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def read(name):
    try:
        with open(os.path.join(RESULTS, name)) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def kv_lines(text, tag):
    return [l.split()[1:] for l in text.splitlines() if l.startswith(tag + " ")]


def verdict(value, limit):
    if value is None:
        return "not measured"
    return "met" if value <= limit else "**missed**"


def readme_table(m, mem, hello, tests):
    """The headline table of README.md's Performance section, between its markers."""
    g = m.get
    at = "100000"

    def cell(v, *ratios):
        parts = [f"{fmt_ratio(x)} {name}" for x, name in ratios if x is not None]
        return f"{v} ({', '.join(parts)})" if parts else v

    def ns(key):
        v = g(key)
        return fmt_ns(v) if v is not None else "—"

    rows = [
        ["build, run a ready future, close",
         cell(ns(("lifecycle", "runner_builder")),
              (m.ratio(("lifecycle", "runner_builder"), ("lifecycle", "smol_local")), "smol"),
              (m.ratio(("lifecycle", "runner_run"), ("lifecycle", "tokio_current_thread_bare")), "tokio")),
         ns(("lifecycle", "smol_local")),
         f'{ns(("lifecycle", "tokio_current_thread_bare"))} ({ns(("lifecycle", "tokio_current_thread"))} with `enable_all`)'],
        ["the same, main future yields once",
         cell(ns(("lifecycle_yield", "runner_builder")),
              (m.ratio(("lifecycle_yield", "runner_builder"), ("lifecycle_yield", "smol_local")), "smol"),
              (m.ratio(("lifecycle_yield", "runner_run"), ("lifecycle_yield", "tokio_current_thread_bare")), "tokio")),
         ns(("lifecycle_yield", "smol_local")), ns(("lifecycle_yield", "tokio_current_thread_bare"))],
    ]
    per = lambda key, n: fmt_ns(g(key) / n) if g(key) else "—"  # noqa: E731
    rows.append(["spawn + await, per task (100,000 tasks)",
                 cell(per(("spawn", "runner", at), 100_000),
                      (m.ratio(("spawn", "runner", at), ("spawn", "smol_local", at)), "smol"),
                      (m.ratio(("spawn", "runner", at), ("spawn", "tokio_current_thread", at)), "tokio")),
                 per(("spawn", "smol_local", at), 100_000), per(("spawn", "tokio_current_thread", at), 100_000)])
    rows.append(["ping-pong over a bounded channel, per round trip",
                 cell(per(("ping_pong", "runner"), 100_000),
                      (m.ratio(("ping_pong", "runner"), ("ping_pong", "smol_local")), "smol"),
                      (m.ratio(("ping_pong", "runner"), ("ping_pong", "tokio_current_thread")), "tokio")),
                 per(("ping_pong", "smol_local"), 100_000), per(("ping_pong", "tokio_current_thread"), 100_000)])
    if mem:
        b = {k: v[0] for k, v in mem.items()}
        rows.append(["memory per pending task",
                     cell(f'{b["runner"]:.0f} B', (b["runner"] / b["smol_local"], "smol"),
                          (b["runner"] / b["tokio_current_thread"], "tokio")),
                     f'{b["smol_local"]:.0f} B', f'{b["tokio_current_thread"]:.0f} B'])
    c1, c10k = g(("context", "current", "1")), g(("context", "current", "10000"))
    if c1 and c10k:
        rows.append(["`Context::current()` with 1 / 10,000 variables set", f"{fmt_ns(c1)} / {fmt_ns(c10k)}", "—", "—"])
    if tests and all(k in tests for k in ("runner", "smol", "tokio")):
        wall = {k: float(v[0]) for k, v in tests.items()}
        ms = lambda k: f"{wall[k] * 1000:.0f} ms"  # noqa: E731
        rows.append(["500 trivial async tests, whole test binary, wall",
                     cell(ms("runner"), (wall["runner"] / wall["smol"], "smol"),
                          (wall["runner"] / wall["tokio"], "tokio")),
                     f'{ms("smol")} (`#[test]` + `block_on`)', ms("tokio")])
    if hello:
        rows.append(["hello world, clean debug build, CPU", f'{float(hello["runner"][0]):.1f} s',
                     f'{float(hello["smol"][0]):.1f} s', f'{float(hello["tokio"][0]):.1f} s (rt + macros)'])
    debug = m.ratio(("spawn", "runner_debug", at), ("spawn", "runner", at))
    text = (table(["", "runner", "bare smol", "tokio current_thread"], rows)
            + f"\n\nDebug mode costs {fmt_ratio(debug)} on spawn. Measured at the commit and on the machine "
            "that BENCHMARKS.md names.")
    path = os.path.join(ROOT, "README.md")
    with open(path) as f:
        doc = f.read()
    begin, end = "<!-- perf:start -->", "<!-- perf:end -->"
    if begin not in doc or end not in doc:
        return
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + begin + "\n" + text + "\n" + end + tail)


def main():
    files = sorted(glob.glob(os.path.join(RESULTS, "compare*.txt")))
    if not files:
        sys.exit("no bench/results/compare*.txt: run bench/run.sh first")
    m = Runs([parse_divan(open(f).read()) for f in files])
    ablated = sorted(glob.glob(os.path.join(RESULTS, "without_context*.txt")))
    w = Runs([parse_divan(open(f).read()) for f in ablated])
    counts = sorted({int(k[2]) for k in m if k[0] == "spawn" and len(k) == 3})
    svg_plot(m, counts, os.path.join(RESULTS, "spawn.svg"))
    g = m.get
    # Spawn ratios are read at the second-largest count (100,000): see "What is measured".
    at_ratios = str(counts[-2]) if len(counts) > 1 else str(counts[-1])
    md = []
    machine = read("machine.txt").strip()
    if machine:
        md += ["### Machine and run", "", machine, ""]
    md += [f"Timings: median across {len(files)} run(s) of the whole suite; each ratio is the median "
           "of the ratios taken within one run.", ""]

    md += ["### Lifecycle: build, run a ready future, close", "",
           scenario(m, "lifecycle", [
               ("runner_builder", "runner `Runner::builder().handle_ctrl_c(false)`"),
               ("runner_run", "`runner::run` (defaults)"),
               ("smol_local", "smol `LocalExecutor` + `async_io::block_on` (anchor)"),
               ("smol_executor", "smol `Executor` + `async_io::block_on`"),
               ("tokio_current_thread_bare", "tokio current_thread, no drivers (anchor)"),
               ("tokio_current_thread", "tokio current_thread, `enable_all` (= `#[tokio::main]`)"),
               ("futures_block_on", "`futures::executor::block_on` (no executor)"),
               ("pollster_block_on", "`pollster::block_on` (no executor)")],
               "smol_local", "tokio_current_thread_bare"), ""]
    md += ["### Lifecycle, with a main future that yields once", "",
           "A ready future can finish in its first poll, before any executor runs; here the "
           "future yields once, so the executor has to run, wake it and poll it again.", "",
           scenario(m, "lifecycle_yield", [
               ("runner_builder", "runner `Runner::builder().handle_ctrl_c(false)`"),
               ("runner_run", "`runner::run` (defaults)"),
               ("smol_local", "smol `LocalExecutor` + `async_io::block_on` (anchor)"),
               ("smol_executor", "smol `Executor` + `async_io::block_on`"),
               ("tokio_current_thread_bare", "tokio current_thread, no drivers (anchor)"),
               ("tokio_current_thread", "tokio current_thread, `enable_all`"),
               ("futures_block_on", "`futures::executor::block_on`"),
               ("pollster_block_on", "`pollster::block_on`")],
               "smol_local", "tokio_current_thread_bare"), ""]
    md += ["### Spawn and await, one thread", "",
           spawn_table(m, "spawn", SPAWN_1, "smol_local", "tokio_current_thread", counts), "",
           "![per-task spawn cost against task count](bench/results/spawn.svg)", ""]
    md += ["### Spawn and await, two threads", "",
           spawn_table(m, "spawn_2_threads", SPAWN_2, "smol_executor", "tokio_multi_thread", counts), ""]
    md += ["### Ping-pong: 100,000 round trips over bounded(1) channels", "",
           scenario(m, "ping_pong", [
               ("runner", "runner + async-channel"),
               ("smol_local", "smol `LocalExecutor` + async-channel (anchor)"),
               ("smol_executor", "smol `Executor` + async-channel"),
               ("tokio_current_thread", "tokio current_thread + `tokio::sync::mpsc` (anchor)")],
               "smol_local", "tokio_current_thread", 100_000, "per round trip"), ""]
    md += ["### Timers: 10,000 concurrent 1 ms sleeps", "",
           scenario(m, "timers", [
               ("runner", "runner + `async_io::Timer`"),
               ("smol_local", "smol `LocalExecutor` + `async_io::Timer` (anchor)"),
               ("tokio_current_thread", "tokio current_thread + `tokio::time::sleep` (anchor)")],
               "smol_local", "tokio_current_thread"), "",
           "Overshoot (median wall time − 1 ms): " + ", ".join(
               f"{s} {fmt_ns(g(('timers', s)) - 1e6)}" for s in ("runner", "smol_local", "tokio_current_thread")
               if g(("timers", s))) + ".", ""]
    md += ["### Unblock: 10,000 trivial blocking offloads, started together then awaited", "",
           scenario(m, "unblock", [
               ("runner", "`runner::unblock`"),
               ("blocking_unblock", "`blocking::unblock` (anchor)"),
               ("tokio_spawn_blocking", "tokio `spawn_blocking` (anchor)")],
               "blocking_unblock", "tokio_spawn_blocking", 10_000, "per offload"), ""]
    md += ["### Unblock, sequential: 1,000 trivial blocking jobs, each awaited before the next", "",
           "The round trip through a warm pool, without the thread start-up that makes the "
           "concurrent row noisy.", "",
           scenario(m, "unblock_sequential", [
               ("runner", "`runner::unblock`"),
               ("blocking_unblock", "`blocking::unblock` (anchor)"),
               ("tokio_spawn_blocking", "tokio `spawn_blocking` (anchor)")],
               "blocking_unblock", "tokio_spawn_blocking", 1_000, "per offload"), ""]
    c1, c10k = g(("context", "current", "1")), g(("context", "current", "10000"))
    pr, ps = g(("context", "poll_runner")), g(("context", "poll_smol_executor"))
    poll_with = m.ratio(("context", "poll_runner"), ("context", "poll_smol_executor"))
    poll_without = w.ratio(("context", "poll_runner"), ("context", "poll_smol_executor"))
    set_with = m.ratio(("context", "poll_runner_in_context"), ("context", "poll_smol_executor"))
    set_without = w.ratio(("context", "poll_runner_in_context"), ("context", "poll_smol_executor"))
    pc, pcw = g(("context", "poll_runner_in_context")), w.get(("context", "poll_runner_in_context"))
    spawn_with = m.ratio(("spawn", "runner", at_ratios), ("spawn", "smol_executor", at_ratios))
    spawn_without = w.ratio(("spawn", "runner", at_ratios), ("spawn", "smol_executor", at_ratios))
    md += ["### Context variables", "",
           "What the context machinery costs tasks that touch no variable: the same benchmarks "
           "run again from a build of runner without it (a copy edited by `bench/without_context.py`: "
           f"no snapshot at spawn, no context swap per poll; {len(ablated)} run(s)). Each build is "
           "compared with bare smol `Executor` within its own run, and the machinery's cost is the "
           "ratio of the two ratios, so that neither build's run decides it alone.", "",
           table(["measure", "median", "ratio"], [
        ["`Context::current()`, 1 variable set", fmt_ns(c1) if c1 else "—", ""],
        ["`Context::current()`, 10,000 variables set", fmt_ns(c10k) if c10k else "—", fmt_ratio(m.ratio(("context", "current", "10000"), ("context", "current", "1"))) + " of 1 variable"],
        ["10,000 tasks × 10 yields, bare smol `Executor`", fmt_ns(ps) if ps else "—", ""],
        ["same, runner `spawn`, spawned where no variable is set", fmt_ns(pr) if pr else "—", fmt_ratio(poll_with) + " of bare `Executor`: all runner adds"],
        ["same, runner built without the context machinery", fmt_ns(w.get(("context", "poll_runner"))) if w.get(("context", "poll_runner")) else "—", fmt_ratio(poll_without) + " of bare `Executor`"],
        ["same, runner, spawned where a variable is set (its context swapped in per poll)", fmt_ns(pc) if pc else "—", fmt_ratio(set_with) + " of bare `Executor`: all runner adds"],
        ["same, runner built without the context machinery", fmt_ns(pcw) if pcw else "—", fmt_ratio(set_without) + " of bare `Executor`"],
        ["spawn + await 100,000 tasks, runner `spawn`", "", fmt_ratio(spawn_with) + " of bare `Executor`: all runner adds"],
        ["same, runner built without the context machinery", "", fmt_ratio(spawn_without) + " of bare `Executor`"],
    ]), ""]

    mem = {s: (float(b), int(hb)) for s, b, hb in kv_lines(read("memory.txt"), "memory")}
    if mem:
        anchor_s, anchor_t = mem.get("smol_local", (0, 0))[0], mem.get("tokio_current_thread", (0, 0))[0]
        md += ["### Memory per pending task (100,000 detached tasks, polled once, `VmRSS` delta)", "",
               table(["system", "bytes per task", "handle size", "vs smol", "vs tokio"],
                     [[s, f"{b:.0f}", f"{hb} B", ratio(b, anchor_s), ratio(b, anchor_t)] for s, (b, hb) in mem.items()]),
               ""]

    build = read("build_cost.txt")
    tests = {r[0]: r[1:] for r in kv_lines(build, "pertest")}
    hello = {r[0]: r[1:] for r in kv_lines(build, "hello")}
    if tests:
        floor = tests.get("std", ["0", "0"])
        md += ["### Per-test overhead: a test binary of 500 trivial async tests, whole process", "",
               "Median of 21 runs of the test binary (libtest, 2 threads), the systems' runs interleaved. `std` is the floor: 500 "
               "plain synchronous `#[test]`s; the last two columns are the cost above it, per test.", "",
               table(["tests written with", "wall", "CPU (user+sys)", "wall µs per test above std", "CPU µs per test above std"],
                     [[k, f"{float(v[0]) * 1e3:.0f} ms", f"{float(v[1]) * 1e3:.0f} ms",
                       f"{(float(v[0]) - float(floor[0])) / 500 * 1e6:.0f}" if k != "std" else "—",
                       f"{(float(v[1]) - float(floor[1])) / 500 * 1e6:.0f}" if k != "std" else "—"]
                      for k, v in tests.items()]), ""]
    if hello:
        md += ["### Hello world: clean build and binary size", "",
               table(["hello world with", "clean debug build, CPU s", "clean release build, CPU s", "release binary (stripped)", "crates compiled"],
                     [[k, v[0], v[1], f"{int(v[2]) / 1024:.0f} KiB", v[3]] for k, v in hello.items()]), ""]
        slowest = kv_lines(build, "slowest")
        if slowest:
            md += ["Slowest crates of each clean debug build (wall seconds, from `cargo build --timings`; "
                   "two run at a time):", "",
                   table(["hello world with", "slowest crates"],
                         [[r[0], ", ".join(c.replace(":", " ") + " s" for c in r[1:])] for r in slowest]), ""]

    # Targets from issue 7 (and the benchmark parts of issues 3 and 4).
    def r(a, b):
        return a / b if a is not None and b else None

    at = at_ratios
    rows = []

    def target(name, value, limit, how="issue 7"):
        rows.append([name, f"{value:.3f}x" if value is not None else "—", f"≤ {limit:g}x", verdict(value, limit), how])

    target("lifecycle, `Runner` (Ctrl-C off) vs bare smol", m.ratio(("lifecycle", "runner_builder"), ("lifecycle", "smol_local")), 1.0)
    target("lifecycle, `runner::run` vs tokio current_thread (no drivers)", m.ratio(("lifecycle", "runner_run"), ("lifecycle", "tokio_current_thread_bare")), 1.0)
    target("lifecycle, `runner::run` vs tokio current_thread (`enable_all`)", m.ratio(("lifecycle", "runner_run"), ("lifecycle", "tokio_current_thread")), 1.0)
    target("lifecycle, main future yields once: `Runner` vs bare smol", m.ratio(("lifecycle_yield", "runner_builder"), ("lifecycle_yield", "smol_local")), 1.0)
    target("lifecycle, main future yields once: `runner::run` vs tokio (no drivers)", m.ratio(("lifecycle_yield", "runner_run"), ("lifecycle_yield", "tokio_current_thread_bare")), 1.0)
    target(f"spawn, runner vs smol `LocalExecutor` ({int(at):,} tasks)", m.ratio(("spawn", "runner", at), ("spawn", "smol_local", at)), 1.1)
    target("context machinery, 10,000 tasks × 10 yields: runner with it vs without it", r(poll_with, poll_without), 1.05, "issue 3")
    target("context machinery, the same tasks spawned where a variable is set: with vs without", r(set_with, set_without), 1.05, "issue 3")
    target("context machinery, spawn + await 100,000 tasks: runner with it vs without it", r(spawn_with, spawn_without), 1.05, "issue 3")
    target("`Context::current()` with 10,000 vs 1 variable: O(1) (a copy would be ~1000x)", m.ratio(("context", "current", "10000"), ("context", "current", "1")), 1.5, "issue 3")
    target(f"spawn, debug on vs off ({int(at):,} tasks)", m.ratio(("spawn", "runner_debug", at), ("spawn", "runner", at)), 2.0, "issue 4")
    target("ping-pong vs smol", m.ratio(("ping_pong", "runner"), ("ping_pong", "smol_local")), 1.05)
    target("timers vs smol (wall time)", m.ratio(("timers", "runner"), ("timers", "smol_local")), 1.05)
    target("unblock, 10,000 at once vs `blocking::unblock`", m.ratio(("unblock", "runner"), ("unblock", "blocking_unblock")), 1.1)
    target("unblock, one at a time vs `blocking::unblock`", m.ratio(("unblock_sequential", "runner"), ("unblock_sequential", "blocking_unblock")), 1.1)
    if mem:
        target("memory per pending task vs smol", r(mem.get("runner", (None,))[0], anchor_s), 1.2)
    if tests:
        for col, what in ((0, "wall"), (1, "CPU")):
            v = {k: float(x[col]) for k, x in tests.items()}
            best = min(v.get("tokio", math.inf), v.get("smol", math.inf))
            target(f"per-test overhead, whole process ({what}) vs the better of smol and tokio",
                   r(v.get("runner"), best), 1.0)
    if hello:
        cpu = {k: float(v[0]) for k, v in hello.items()}
        target("hello world clean debug build (CPU) vs smol", r(cpu.get("runner"), cpu.get("smol")), 1.0)
        target("hello world clean debug build (CPU) vs tokio (rt + macros)", r(cpu.get("runner"), cpu.get("tokio")), 1.0, "the mark to beat")
    md = ["### Targets", "", table(["target", "measured", "target", "verdict", "from"], rows), ""] + md

    readme_table(m, mem, hello, tests)

    path = os.path.join(ROOT, "BENCHMARKS.md")
    with open(path) as f:
        doc = f.read()
    begin, end = "<!-- results:start -->", "<!-- results:end -->"
    if begin not in doc:
        doc += f"\n{begin}\n{end}\n"
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + begin + "\n<!-- generated by bench/report.py from bench/results/; do not edit by hand -->\n\n"
                + "\n".join(md) + "\n" + end + tail)
    print("\n".join(md))


if __name__ == "__main__":
    main()
