"""LiveCodeBench code-generation output: a JSON list of problems, each {question_title,
question_content, platform, question_id, contest_id, contest_date, starter_code, difficulty,
output_list (the raw replies), code_list (the code extracted from them)}; the ``*_eval_all.json``
file adds ``graded_list`` (a verdict per sample), ``pass@1`` and per-sample ``metadata``
(lcb_runner/benchmarks/code_generation.py, ``insert_output`` / ``insert_output_evaluation``,
commit 28fef95).

The problem's statement is the prompt; the raw reply is the per-sample field ``reply`` (what
the model wrote, which rankers may read); the grader's metadata is the field ``grading``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rankkit.dumps.files import write_text
from rankkit.dumps.harnesses.common import Tally, labels_of, read_json, text_of, verdicts
from rankkit.dumps.model import UNKNOWN, DumpError, TaskSamples

PROBLEM_KEYS = ("question_title", "platform", "contest_id", "contest_date", "starter_code", "difficulty")


def read(path: Path, benchmark: str | None, options: dict, tally: Tally) -> dict[str, TaskSamples]:
    data = read_json(path)
    if not isinstance(data, list):
        raise DumpError(path, "expected a JSON list of LiveCodeBench problems")
    tasks = {}
    problems = {}
    for position, item in enumerate(data):
        if not isinstance(item, dict) or "question_id" not in item or "code_list" not in item:
            raise DumpError(path, f"entry {position} is no LiveCodeBench problem (question_id, code_list)")
        task_id = str(item["question_id"])
        if task_id in tasks:
            raise DumpError(path, f"question appears twice (entries {list(tasks).index(task_id)} and {position})",
                            task_id)
        codes = item["code_list"]
        if not isinstance(codes, list) or not codes:
            raise DumpError(path, "'code_list' must be a non-empty list", task_id)
        generations = [text_of(path, task_id, i, c, "each code") for i, c in enumerate(codes)]
        fields = {}
        replies = item.get("output_list")
        if replies is not None:
            if not isinstance(replies, list) or len(replies) != len(codes):
                raise DumpError(path, f"'output_list' holds {len(replies) if isinstance(replies, list) else '?'} "
                                      f"replies for {len(codes)} codes", task_id)
            fields["reply"] = list(replies)
        if "graded_list" in item:
            labels = labels_of(path, task_id, item["graded_list"], len(codes), "'graded_list'")
        else:
            labels = np.full(len(codes), UNKNOWN, dtype=np.int8)
        grading = item.get("metadata")
        if isinstance(grading, list) and len(grading) == len(codes):
            fields["grading"] = list(grading)
        prompt = item.get("question_content")
        tasks[task_id] = tally.add(TaskSamples(task_id, prompt if isinstance(prompt, str) else None,
                                               generations, labels, None, fields))
        problems[task_id] = {k: item[k] for k in PROBLEM_KEYS if k in item}
    if not tasks:
        raise DumpError(path, "the file holds no problems")
    tally.problem_fields = problems
    return tasks


def write(dump, path: Path, options: dict) -> None:
    """The code generation output, with ``graded_list`` / ``pass@1`` / ``metadata`` (the
    ``*_eval_all.json`` form) where the dump is labelled; the problem's facts as read."""
    facts = dump.metadata.get("problem_fields", {})
    out = []
    for task in dump:
        item = {"question_title": "", "question_content": task.prompt or "", "platform": "", "question_id": task.task_id,
                "contest_id": "", "contest_date": "", "starter_code": "", "difficulty": ""}
        item.update(facts.get(task.task_id, {}))
        item["output_list"] = list(task.fields.get("reply") or task.generations)
        item["code_list"] = list(task.generations)
        graded = verdicts(task, str(path))
        if graded is not None:
            item["graded_list"] = graded
            item["pass@1"] = graded.count(True) / len(graded)
            if task.fields.get("grading") is not None:
                item["metadata"] = list(task.fields["grading"])
        out.append(item)
    write_text(path, [json.dumps(out, indent=4)])
