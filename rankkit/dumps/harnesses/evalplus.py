"""evalplus ``eval_results.json``: {"date", "hash", "eval": {task_id: [per sample, in the order of
samples.jsonl: {task_id, solution, base_status, plus_status, base_fail_tests, plus_fail_tests}]}}
with statuses "pass" / "fail" / "timeout", and ``plus_status`` null after ``--base-only``
(evalplus/evaluate.py, commit 26d6d00).

Two label sets: ``labels=base`` (the original benchmark's tests) or ``labels=plus`` (HumanEval+ /
MBPP+: base and plus tests both pass, as evalplus counts it). Both statuses stay as per-sample
fields, which rankers never see. evalplus's MBPP ids ("Mbpp/2") become rankkit's ("MBPP/2").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rankkit.dumps.files import write_text
from rankkit.dumps.harnesses.common import Tally, read_json, text_of, verdicts
from rankkit.dumps.model import FAIL, PASS, DumpError, TaskSamples

STATUSES = ("pass", "fail", "timeout")


def task_id_of(task_id: str) -> str:
    return "MBPP/" + task_id.split("/", 1)[1] if task_id.startswith("Mbpp/") else task_id


def read(path: Path, benchmark: str | None, options: dict, tally: Tally) -> dict[str, TaskSamples]:
    """Options: ``labels`` (``base``, the default, or ``plus``)."""
    which = options.get("labels", "base")
    if which not in ("base", "plus"):
        raise DumpError(path, f"labels must be base or plus, not {which!r}")
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("eval"), dict):
        raise DumpError(path, "expected evalplus's eval_results.json: an object with an 'eval' object")
    if benchmark is None:
        from rankkit.tasks import detect_benchmark

        benchmark = detect_benchmark(task_id_of(str(t)) for t in data["eval"])
    lookup = _prompts(benchmark)
    tasks = {}
    full = 0
    for raw_id, results in data["eval"].items():
        task_id = task_id_of(str(raw_id))
        if not isinstance(results, list) or not results:
            raise DumpError(path, "expected a non-empty list of per-sample results", task_id)
        prompt = lookup(task_id)
        generations, labels, fields = [], [], {}
        for i, r in enumerate(results):
            if not isinstance(r, dict):
                raise DumpError(path, f"a result must be an object, got {type(r).__name__}", task_id, i)
            solution = text_of(path, task_id, i, r.get("solution"), "'solution'")
            if prompt is not None and solution.startswith(prompt):
                solution = solution[len(prompt):]
            else:
                full += 1
            generations.append(solution)
            base, plus = r.get("base_status"), r.get("plus_status")
            if base not in STATUSES:
                raise DumpError(path, f"'base_status' must be one of {', '.join(STATUSES)}, got {base!r}", task_id, i)
            if which == "plus" and plus not in STATUSES:
                raise DumpError(path, f"no plus verdict ('plus_status' is {plus!r}: evalplus ran with "
                                      f"--base-only?); read labels=base", task_id, i)
            passed = base == "pass" and (which == "base" or plus == "pass")
            labels.append(PASS if passed else FAIL)
            for name, value in r.items():
                if name not in ("solution", "task_id"):
                    fields.setdefault(name, [None] * i).append(value)
            for column in fields.values():
                column.extend([None] * (i + 1 - len(column)))
        task = TaskSamples(task_id, prompt, generations, np.array(labels, dtype=np.int8), None, fields)
        tasks[task_id] = tally.add(task)
    if full:
        tally.notes.append(f"{full} solutions do not start with their benchmark prompt (or no benchmark was "
                           f"named): kept whole as the generation")
    tally.notes.append(f"labels: evalplus's {which} verdicts")
    return tasks


def _prompts(benchmark: str | None):
    """task_id -> the benchmark's prompt, or None where it has none."""
    if benchmark != "humaneval":
        return lambda task_id: None  # evalplus's MBPP+ prompts are its own; solutions are whole programs
    from rankkit.tasks import load_humaneval

    problems = load_humaneval()
    return lambda task_id: problems[task_id].prompt if task_id in problems else None


def write(dump, path: Path, options: dict) -> None:
    """eval_results.json as evalplus writes it: per sample the whole solution (prompt +
    generation), the statuses read (fields ``base_status`` / ``plus_status``) or, for a dump
    labelled otherwise, ``base_status`` from its labels and no plus verdict."""
    from datetime import datetime

    out = {"date": datetime.now().strftime("%Y-%m-%d %H:%M"), "hash": dump.fingerprint(), "eval": {}}
    for task in dump:
        labels = verdicts(task, str(path))
        base, plus = task.fields.get("base_status"), task.fields.get("plus_status")
        if labels is None and base is None:
            raise DumpError(path, "evalplus results hold a verdict per sample, and this task has none", task.task_id)
        raw_id = "Mbpp/" + task.task_id.split("/", 1)[1] if task.task_id.startswith("MBPP/") else task.task_id
        rows = []
        for i, g in enumerate(task.generations):
            row = {"task_id": raw_id, "solution": (task.prompt or "") + g,
                   "base_status": base[i] if base is not None else ("pass" if labels[i] else "fail"),
                   "plus_status": plus[i] if plus is not None else None}
            for name, values in task.fields.items():
                if name not in row and values[i] is not None:
                    row[name] = values[i]
            row.setdefault("base_fail_tests", [])
            row.setdefault("plus_fail_tests", [])
            rows.append(row)
        out["eval"][raw_id] = rows
    write_text(path, [json.dumps(out)])
