"""Throughput of the pass matrix (issue 17): case executions per second when each distinct
candidate runs all of its problem's cases in one sandboxed process, against one sandboxed
process per (candidate, case) -- the same harness, sandbox and limits, caching off.

Workload: the first problems of the demo dump, their first distinct candidates, and rankkit's
own inputs for each (the prompt alone). Median of several runs of each, in the same run.

    python bench/pass_matrix_speed.py [--problems 10] [--candidates 10] [--inputs 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os

from _results import machine, median_time, write_section
from rankkit.dumps import open_dump
from rankkit.execution import Limits, execute_programs
from rankkit.paths import data_file
from rankkit.programs.inputs import synthesize_inputs
from rankkit.programs.matrix import pass_matrices
from rankkit.programs.probes import Case, probe_program
from rankkit.programs.prompt_info import prompt_info


def workload(problems: int, candidates: int, inputs: int):
    dump = open_dump(data_file("humaneval_codegen16b_codet.json.gz"), head=problems)
    out = []
    for task in dump:
        distinct = list(dict.fromkeys(task.generations))[:candidates]
        _, made = synthesize_inputs(task.prompt, list(task.generations), n=inputs, seed=0)
        out.append((task.task_id, prompt_info(task.prompt).code_prefix, distinct, [Case("expr", i.call) for i in made]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=10)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--inputs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    work = workload(args.problems, args.candidates, args.inputs)
    cases = sum(len(c) * len(k) for _, _, c, k in work)

    def matrix():
        pass_matrices(work, workers=args.workers, cache=False)

    singles = [probe_program(prefix + c, [case]) for _, prefix, cands, ks in work for c in cands for case in ks]

    def per_case():
        execute_programs(singles, workers=args.workers, limits=Limits(timeout=10.0), cache=False, show_progress=False)

    m_median, m_runs = median_time(matrix, args.repeats)
    s_median, s_runs = median_time(per_case, args.repeats)
    lines = [
        f"Machine: {machine()}; {args.workers} sandbox workers; nothing else was running. "
        f"`python bench/pass_matrix_speed.py --problems {args.problems} --candidates {args.candidates} --inputs "
        f"{args.inputs} --repeats {args.repeats}`: the first {args.problems} demo problems, up to {args.candidates} "
        f"distinct candidates each, up to {args.inputs} of rankkit's own inputs each: {cases:,} case executions; "
        "caching off; median of the runs.", "",
        "| method | processes | seconds | case executions/s | vs one process per case | runs (s) |",
        "|---|---|---|---|---|---|",
        f"| pass matrix: one process per candidate, all its cases | {sum(len(c) for _, _, c, _ in work):,} | "
        f"{m_median:.2f} | {cases / m_median:,.0f} | {s_median / m_median:.1f}x | {', '.join(f'{t:.2f}' for t in m_runs)} |",
        f"| one process per (candidate, case) | {len(singles):,} | {s_median:.2f} | {cases / s_median:,.0f} | 1.0x | "
        f"{', '.join(f'{t:.2f}' for t in s_runs)} |",
    ]
    write_section("pass-matrix-speed", "## Pass matrix throughput (`bench/pass_matrix_speed.py`)\n\n" + "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
