"""Per-case time limits that follow the work (``auto_limits``) against the fixed 0.5 s limit, for a
probing ranker on real samples: wall time, every case outcome that changed, and the ranking.

exec-agreement on rankkit's own inputs (the prompt alone, as in "Test-free selection") over the
first problems of the demo dump (CodeGen-16B samples); no caches, so every candidate runs.

    python bench/probe_limits.py [--problems 40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import rankkit.rankers.probing as probing
from _results import machine, write_section
from rankkit.dumps import open_dump
from rankkit.evaluation import evaluate, score_dump
from rankkit.paths import data_file
from rankkit.programs.matrix import OK, RAISED, TIMEOUT
from rankkit.rankers import make_ranker
from rankkit.report import markdown_table

SPEC = "exec-agreement:synth,examples=prompt,cache=false"
NAMES = {OK: "value", RAISED: "raised", TIMEOUT: "timeout"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    dump = open_dump(data_file("humaneval_codegen16b_codet.json.gz"), head=args.problems)
    real, seen = probing.pass_matrices, {}

    def spy(todo, **kw):  # keep each mode's matrices to compare them cell by cell
        out = real(todo, **kw)
        seen[type(kw["case_seconds"]).__name__] = out
        return out

    probing.pass_matrices = spy
    modes = {"fixed 0.5 s a case": SPEC, "auto: 4 x median, 0.1 s floor, 0.5 s cap": SPEC + ",auto_limits=true"}
    times = {m: [] for m in modes}
    series, sandbox = {}, {}
    for _ in range(args.repeats):  # interleaved
        for label, spec in modes.items():
            ranker = make_ranker(spec)
            started = time.perf_counter()
            series[label] = score_dump(dump, ranker, show_progress=False, spec=spec)
            times[label].append(time.perf_counter() - started)
            sandbox[label] = series[label].cost.seconds_per_sample * dump.n_samples
            print(label, f"{times[label][-1]:.1f} s", flush=True)
    probing.pass_matrices = real
    fixed, auto = seen["float"], seen["FollowMedian"]
    changed = []
    for a, b in zip(fixed, auto):
        for i, j in zip(*np.nonzero(a.outcome != b.outcome)):
            changed.append(f"{a.task_id} candidate {i} case {j} `{a.cases[j].source[:50]}`: "
                           f"{NAMES.get(a.outcome[i, j], 'not run')} -> {NAMES.get(b.outcome[i, j], 'not run')}")
    cells = sum(m.outcome.size for m in fixed)
    report = evaluate(dump, series, [1, 5, 10, 100], baseline="fixed 0.5 s a case", n_boot=1000)
    base = statistics.median(times["fixed 0.5 s a case"])
    rows = [f"| {label} | {statistics.median(t):.1f} s | {', '.join(f'{x:.1f}' for x in t)} | {base / statistics.median(t):.2f}x | "
            f"{sandbox[label]:,.0f} s |" for label, t in times.items()]
    listed = "\n".join(f"- {line}" for line in changed[:40]) + (f"\n- ... and {len(changed) - 40} more" if len(changed) > 40 else "")
    body = f"""## Probe limits that follow the work (`bench/probe_limits.py`)

Machine: {machine()}; nothing else was running; 2 sandbox workers. `{SPEC}` on the first {args.problems} problems
of the demo dump ({dump.n_samples:,} CodeGen-16B samples), fixed limit against `auto_limits=true`; no caches;
median of {args.repeats} interleaved runs. Both modes run a probe that ran out of time on a case once more
before it counts.

| case limits | wall time | runs | speed-up | sandbox seconds (last run) |
|---|---|---|---|---|
{chr(10).join(rows)}

Case outcomes that changed (of {cells:,} candidate x case cells): {len(changed)}{':' if changed else '.'}
{listed}

{markdown_table(report.k_curves, "rank-score@k (%)")}
{markdown_table(report.panel_differences("k"), "auto minus fixed (points), paired")}
"""
    write_section("probe-limits", body)
    print(body)


if __name__ == "__main__":
    main()
