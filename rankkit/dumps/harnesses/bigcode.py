"""bigcode-evaluation-harness ``--save_generations`` files: a JSON list (one entry per problem, in
the benchmark's order from ``--limit_start``) of lists of full programs, each the task's prompt
followed by the post-processed generation. No task ids: positions are mapped through the
benchmark, and every program must start with its problem's prompt.

Prompts as the harness builds them (bigcode_eval/tasks/humaneval.py, mbpp.py, commit 8fc5bae):
``humaneval`` strips the HumanEval prompt, ``humaneval-unstripped`` keeps it, ``mbpp`` (test
split, task ids 11-510) is the InCoder-style docstring of the task text and its first assert.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rankkit.dumps.files import write_text
from rankkit.dumps.harnesses.common import Tally, labels_of, read_json, strip_prompt, text_of, verdicts
from rankkit.dumps.model import UNKNOWN, DumpError, TaskSamples

TASKS = {"humaneval": "humaneval", "humaneval-unstripped": "humaneval", "mbpp": "mbpp"}  # bigcode task -> benchmark


def harness_prompt(task: str, problem) -> str:
    """The prompt bigcode's ``task`` gives the model for ``problem``."""
    if task == "humaneval":
        return problem.prompt.strip()
    if task == "humaneval-unstripped":
        return problem.prompt
    return f'"""\n{problem.metadata["text"]}\n{problem.metadata["test_list"][0]}\n"""\n'


def problems_in_order(benchmark: str) -> list:
    """The problems of the split bigcode evaluates, in its order."""
    from rankkit.tasks import load_humaneval, load_mbpp

    return list(load_humaneval().values()) if benchmark == "humaneval" else list(load_mbpp("test").values())


def read(path: Path, benchmark: str | None, options: dict, tally: Tally) -> dict[str, TaskSamples]:
    """Options: ``task`` (bigcode's task name; default the benchmark's), ``start`` (its
    ``--limit_start``; default: found from the first program's prompt), ``labels`` (a JSON file of
    per-sample verdicts shaped like the generations, or code_eval's per-sample results)."""
    task = options.get("task") or benchmark
    if task is None:
        raise DumpError(path, "bigcode-evaluation-harness generations carry no task ids: name the benchmark "
                              "(--benchmark humaneval|mbpp) so that positions map to problems")
    if task not in TASKS:
        raise DumpError(path, f"unknown bigcode task {task!r}; rankkit maps {', '.join(TASKS)}")
    if benchmark is not None and TASKS[task] != benchmark:
        raise DumpError(path, f"bigcode task {task!r} is not benchmark {benchmark!r}")
    data = read_json(path)
    if not isinstance(data, list) or not all(isinstance(g, list) for g in data):
        raise DumpError(path, "expected a JSON list of lists of programs (bigcode --save_generations)")
    problems = problems_in_order(TASKS[task])
    start = _start(path, data, problems, task, options.get("start"))
    if start + len(data) > len(problems):
        raise DumpError(path, f"{len(data)} positions from {start} go beyond the benchmark's {len(problems)} "
                              f"problems ({TASKS[task]}, bigcode task {task})")
    labels = _labels(Path(options["labels"]), len(data), path) if options.get("labels") else None
    tasks = {}
    for position, programs in enumerate(data):
        problem = problems[start + position]
        if not programs:
            raise DumpError(path, f"position {position} holds no samples", problem.task_id)
        prompt = harness_prompt(task, problem)
        generations = []
        for i, text in enumerate(programs):
            text = text_of(path, problem.task_id, i, text, "a program")
            generations.append(strip_prompt(path, problem.task_id, i, text, (prompt,))[1])
        verdicts = (np.full(len(programs), UNKNOWN, dtype=np.int8) if labels is None else
                    labels_of(options["labels"], problem.task_id, labels[position], len(programs), "the labels"))
        tasks[problem.task_id] = tally.add(TaskSamples(problem.task_id, prompt, generations, verdicts))
    if start:
        tally.notes.append(f"positions start at problem {start} ({problems[start].task_id})")
    counts = {len(g) for g in data}
    if len(counts) > 1:
        tally.notes.append(f"samples per problem vary from {min(counts)} to {max(counts)}")
    return tasks


def _labels(path: Path, positions: int, source) -> list:
    """Per-sample verdicts, one list per position: a list of lists of booleans, or the per-sample
    results of bigcode's code_eval metric as JSON ({position: [[completion_id, {"passed": ...}],
    ...]}, bigcode_eval/tasks/custom_metrics/code_eval.py), ordered by completion id."""
    data = read_json(path)
    if isinstance(data, dict):
        rows = []
        for position in range(positions):
            entries = data.get(str(position))
            if not isinstance(entries, list):
                raise DumpError(path, f"no results for position {position} (keys: {', '.join(list(data)[:5])}...)")
            try:
                ordered = sorted(entries, key=lambda e: e[0])
                rows.append([e[1]["passed"] for e in ordered])
            except (TypeError, KeyError, IndexError):
                raise DumpError(path, f"position {position}: expected [completion_id, {{passed: ...}}] pairs") from None
            if [e[0] for e in ordered] != list(range(len(ordered))):
                raise DumpError(path, f"position {position}: completion ids are not 0..{len(ordered) - 1}")
        if len(data) != positions:
            raise DumpError(path, f"results for {len(data)} positions, {positions} in {source}")
        return rows
    if not isinstance(data, list) or len(data) != positions:
        count = len(data) if isinstance(data, list) else type(data).__name__
        raise DumpError(path, f"{count} label lists for {positions} positions of {source}")
    return data


def _start(path, data, problems, task: str, given) -> int:
    """``--limit_start``: given, or the one problem whose prompt the first program starts with."""
    if given is not None:
        try:
            return int(given)
        except ValueError:
            raise DumpError(path, f"start must be an integer, got {given!r}") from None
    first = next((g[0] for g in data if g), None)
    if not isinstance(first, str):
        raise DumpError(path, "no program to read")
    offset = next(i for i, g in enumerate(data) if g)
    fits = [j for j, p in enumerate(problems) if first.startswith(harness_prompt(task, p))]
    if not fits:
        raise DumpError(path, f"the first program starts with no prompt of bigcode task {task!r}: wrong "
                              f"benchmark or task?", sample_index=0)
    best = max(fits, key=lambda j: len(harness_prompt(task, problems[j])))
    return best - offset


def write(dump, path: Path, options: dict) -> None:
    """Programs as bigcode saves them, prompt + generation, a list per problem in the dump's order
    (which must be consecutive problems of the benchmark for positions to mean anything). The
    format holds no labels: ``labels=FILE`` writes them beside it, as the reader takes them."""
    for task in dump:
        if task.prompt is None:
            raise DumpError(path, "bigcode programs start with their prompt, and this task has none", task.task_id)
    write_text(path, [json.dumps([[t.prompt + g for g in t.generations] for t in dump])])
    if options.get("labels"):
        rows = [verdicts(t, options["labels"]) for t in dump]
        if any(r is None for r in rows):
            missing = next(t.task_id for t, r in zip(dump, rows) if r is None)
            raise DumpError(options["labels"], "the dump is not labelled", missing)
        write_text(options["labels"], [json.dumps(rows)])
