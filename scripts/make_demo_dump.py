"""Build the bundled demo dump from CodeT's real CodeGen-16B-mono HumanEval samples.

Joins the samples to HumanEval task ids by prompt, cuts each at the HumanEval stop sequences
(keeping the raw sample and a `finished` flag, see `finished_flag`), labels every sample with
`rankkit execute`'s machinery (standard library only, each distinct program run once), and
writes the paper's released format, gzip-compressed. CodeT's model-generated test cases for the
same problems are written beside it, keyed by task_id.

    python scripts/make_demo_dump.py ../shared/data/codet data/humaneval_codegen16b_codet.json.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np

from rankkit.dumps import Dump, TaskSamples, write_released
from rankkit.execution import Limits, dump_programs, execute_programs, label_dump
from rankkit.tasks import load_humaneval

SOLUTIONS = "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_code_solution.jsonl"
TEST_CASES = "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_test_case.jsonl"
DATASET = "HumanEval_for_code_generation.jsonl"


def finished_flag(raw: str, stop_found: bool) -> bool:
    """Whether generation ended by a stop rather than the 300-token limit.

    CodeT's samples were already cut by the generator just before a stop sequence that starts
    with a newline, so a raw sample ending at a line boundary (trailing spaces aside) finished;
    one ending mid-line (e.g. an endless run of '#') hit the token limit. No token counts ship
    with the file, so this is the best available evidence.
    """
    return stop_found or raw.rstrip(" \t").endswith("\n")


def _task_ids_by_prompt(codet_dir: Path) -> dict[str, str]:
    with open(codet_dir / DATASET, encoding="utf-8") as fh:
        return {row["prompt"]: row["task_id"] for row in map(json.loads, fh)}


def build(codet_dir: Path) -> Dump:
    """The samples as an unlabelled dump in HumanEval order, cut at the stop sequences."""
    by_prompt = _task_ids_by_prompt(codet_dir)
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
            cut = [humaneval[task_id].truncate(s) for s in row["samples"]]
            tasks[task_id] = TaskSamples(
                task_id, row["prompt"], [c[0] for c in cut],
                np.full(len(cut), -1, dtype=np.int8),
                np.array([finished_flag(raw, c[1]) for raw, c in zip(row["samples"], cut)]),
                {"raw_generation": list(row["samples"])},
            )
    missing = set(humaneval) - set(tasks)
    if missing:
        raise SystemExit(f"no samples for {len(missing)} task(s), e.g. {sorted(missing)[0]}")
    return Dump({t: tasks[t] for t in humaneval}, str(codet_dir / SOLUTIONS), {"generator": "CodeGen-16B-mono"})


def write_test_cases(codet_dir: Path, path: Path) -> int:
    """CodeT's generated asserts, one line per task: {task_id, prompt, samples}."""
    by_prompt = _task_ids_by_prompt(codet_dir)
    rows = []
    with open(codet_dir / TEST_CASES, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            row = json.loads(line)
            owners = [t for p, t in by_prompt.items() if row["prompt"].startswith(p)]
            if len(owners) != 1:
                raise SystemExit(f"{TEST_CASES}: line {line_no}: prompt matches {len(owners)} tasks")
            rows.append({"task_id": owners[0], "prompt": row["prompt"], "samples": row["samples"]})
    order = {t: i for i, t in enumerate(load_humaneval())}
    rows.sort(key=lambda r: order[r["task_id"]])
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return len(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("codet_dir", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args(argv)
    dump = build(args.codet_dir)
    programs, _ = dump_programs(dump, load_humaneval())
    report = execute_programs(programs, workers=args.workers, limits=Limits(timeout=args.timeout), cache=False)
    dump = label_dump(dump, report.results)
    write_released(dump, args.output)
    tests_path = args.output.with_name(args.output.name.replace(".json.gz", "_tests.jsonl.gz"))
    n_tests = write_test_cases(args.codet_dir, tests_path)
    n, c = dump.counts()
    finished = sum(int(t.finished.sum()) for t in dump)
    print(json.dumps({"problems": len(dump), "samples": int(n.sum()), "passing": int(c.sum()), "finished": finished,
                      "distinct_programs": report.distinct_programs, "verdicts": report.counts,
                      "environment": report.environment, "test_case_tasks": n_tests}, indent=1), file=sys.stderr)

if __name__ == "__main__":
    main()
