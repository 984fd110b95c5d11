"""What every harness reader shares: whole-file JSON, prompt stripping that refuses a mismatch,
labels checked against the samples, and the counts a reader reports."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rankkit.dumps.files import iter_jsonl_records, open_binary
from rankkit.dumps.model import FAIL, PASS, UNKNOWN, DumpError, TaskSamples


def read_json(path: Path) -> Any:
    """The whole file as one JSON value (gzip allowed), with errors naming the file and line."""
    with open_binary(path) as fh:
        raw = fh.read()
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DumpError(path, f"not valid UTF-8 near byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise DumpError(path, f"invalid JSON: {e.msg} (column {e.colno})", line=e.lineno) from None


def read_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) of a JSONL file; a record that is no object is an error."""
    for line, record in iter_jsonl_records(path):
        if not isinstance(record, dict):
            raise DumpError(path, f"each line must be a JSON object, got {type(record).__name__}", line=line)
        yield line, record


def strip_prompt(path, task_id: str, index: int, text: str, prompts: tuple[str, ...]) -> tuple[str, str]:
    """(prompt, generation) of a full program that starts with one of its problem's ``prompts``
    (the longest that fits); a program starting with none is an error, never a guess."""
    fits = [p for p in prompts if text.startswith(p)]
    if not fits:
        shown = prompts[0][:60].replace("\n", "\\n")
        raise DumpError(path, f"the program does not start with its problem's prompt ({shown!r}...); wrong "
                              f"benchmark or problem order?", task_id, index)
    prompt = max(fits, key=len)
    return prompt, text[len(prompt):]


def labels_of(path, task_id: str, values, n: int, what: str) -> np.ndarray:
    """Per-sample labels from booleans (or 0/1); a count that is not ``n`` is an error."""
    if not isinstance(values, list):
        raise DumpError(path, f"{what} must be a list, got {type(values).__name__}", task_id)
    if len(values) != n:
        raise DumpError(path, f"{what} holds {len(values)} verdicts for {n} samples", task_id)
    out = np.empty(n, dtype=np.int8)
    for i, v in enumerate(values):
        if v is None:
            out[i] = UNKNOWN
        elif isinstance(v, bool) or v in (0, 1):
            out[i] = PASS if v else FAIL
        else:
            raise DumpError(path, f"{what}: a verdict must be true or false, got {v!r}", task_id, i)
    return out


def text_of(path, task_id: str, index: int, value, what: str) -> str:
    if not isinstance(value, str):
        raise DumpError(path, f"{what} must be a string, got {type(value).__name__}", task_id, index)
    return value


@dataclass
class Tally:
    """What a reader read and what it left out, by reason: reported, never silent."""

    problems: int = 0
    samples: int = 0
    labelled: int = 0
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    problem_fields: dict = field(default_factory=dict)  # task_id -> per-problem facts the format holds

    def add(self, task: TaskSamples) -> TaskSamples:
        self.problems += 1
        self.samples += len(task)
        self.labelled += int((task.labels != UNKNOWN).sum())
        return task

    def as_dict(self) -> dict:
        return {"problems": self.problems, "samples": self.samples, "labelled": self.labelled,
                "skipped": dict(self.skipped), "notes": list(self.notes)}


def verdicts(task: TaskSamples, what: str) -> list[bool] | None:
    """The task's labels as booleans, None when none is known; some but not all is an error."""
    known = task.labels != UNKNOWN
    if not known.any():
        return None
    if not known.all():
        raise DumpError(what, f"sample {int(np.flatnonzero(~known)[0])} has no label while others do: the format "
                              f"holds verdicts for all samples of a problem or none", task.task_id)
    return [bool(v == PASS) for v in task.labels]
