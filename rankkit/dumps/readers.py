"""Reading dumps in every supported format, one task at a time (see ``rankkit.dumps``)."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from rankkit.dumps.model import (
    GENERATION_KEYS,
    PASS,
    FAIL,
    UNKNOWN,
    Dump,
    DumpError,
    TaskSamples,
    _attach_problems,
    provenance_path,
)
from rankkit.dumps.files import TextStream as _TextStream
from rankkit.dumps.files import iter_json_array_records as _iter_json_array_records
from rankkit.dumps.files import iter_jsonl_records as _iter_jsonl_records
from rankkit.dumps.files import open_binary as _open_binary
from rankkit.dumps.harnesses import batch, bigcode, evalplus, livecodebench, lm_eval
from rankkit.dumps.harnesses.common import Tally
from rankkit.dumps.harnesses.detection import FORMATS, HARNESS_FORMATS, detect, parse_format, sniff
from rankkit.dumps.hf import read_dataset_dir, read_parquet
from rankkit.dumps.spaces import _repair_all

HARNESS_READERS = {"bigcode": bigcode, "lm-eval": lm_eval, "evalplus": evalplus, "livecodebench": livecodebench,
                   "batch": batch}
_RESERVED = {"task_id", "prompt", "sample_index", "passed", "pass_at_1", "finished", *GENERATION_KEYS}



def _iter_released_tasks(path: Path) -> Iterator[tuple[str, Any, int]]:
    """(key, value, line) for each top-level member of a released-format JSON object."""
    with _open_binary(path) as fh:
        stream = _TextStream(fh, path)
        if stream.peek() == "":
            raise DumpError(path, "empty file")
        stream.expect("{", "a JSON object keyed by task_id (released format)")
        if stream.peek() == "}":
            stream.pos += 1
        else:
            while True:
                if stream.peek() != '"':
                    stream.expect('"', "a task_id string")
                line = stream.line_at(stream.pos)
                key = stream.value()
                stream.expect(":", "':' after a task_id")
                yield key, stream.value(task_id=key), line
                if stream.peek() == ",":
                    stream.pos += 1
                    continue
                stream.expect("}", "',' or '}'")
                break
        if stream.peek() != "":
            raise DumpError(path, "unexpected data after the JSON object", line=stream.line_at(stream.pos))


def _label_from(path, task_id, index, sample: Mapping) -> int:
    if "passed" in sample:
        v = sample["passed"]
        if isinstance(v, bool):
            return PASS if v else FAIL
        if v is None:
            return UNKNOWN
        raise DumpError(path, f"'passed' must be true or false, got {v!r}", task_id, index)
    if "pass_at_1" in sample:
        v = sample["pass_at_1"]
        if v is None:
            return UNKNOWN
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in (0, 100):
            raise DumpError(path, f"'pass_at_1' must be 0 or 100, got {v!r}", task_id, index)
        return PASS if v == 100 else FAIL
    return UNKNOWN


def _finished_from(path, task_id, index, sample: Mapping):
    v = sample.get("finished")
    if v is not None and not isinstance(v, bool):
        raise DumpError(path, f"'finished' must be true or false, got {v!r}", task_id, index)
    return v


class _TaskBuilder:
    """Collects one task's samples in order, validating each."""

    def __init__(self, path, task_id: str, prompt: str | None):
        self.path, self.task_id, self.prompt = path, task_id, prompt
        self.generations: list[str] = []
        self.labels: list[int] = []
        self.finished: list = []
        self.fields: dict[str, list] = {}
        self.generation_key: str | None = None

    def add(self, sample, index: int, line=None) -> None:
        path, tid = self.path, self.task_id
        if not isinstance(sample, dict):
            raise DumpError(path, f"a sample must be a JSON object, got {type(sample).__name__}", tid, index, line)
        key = next((k for k in GENERATION_KEYS if k in sample), None)
        if key is None:
            raise DumpError(path, f"missing field 'generation' (or {', '.join(GENERATION_KEYS[1:])})", tid, index, line)
        text = sample[key]
        if not isinstance(text, str):
            raise DumpError(path, f"'{key}' must be a string, got {type(text).__name__}", tid, index, line)
        if self.generation_key is None:
            self.generation_key = key
        self.generations.append(text)
        self.labels.append(_label_from(path, tid, index, sample))
        self.finished.append(_finished_from(path, tid, index, sample))
        for name, value in sample.items():
            if name in _RESERVED:
                continue
            column = self.fields.get(name)
            if column is None:
                column = self.fields[name] = [None] * (len(self.generations) - 1)
            column.append(value)
        for column in self.fields.values():
            if len(column) < len(self.generations):
                column.append(None)

    def build(self) -> TaskSamples:
        if not self.generations:
            raise DumpError(self.path, "task has no samples", self.task_id)
        known = [f for f in self.finished if f is not None]
        finished = None
        if known:
            if len(known) != len(self.finished):
                i = self.finished.index(None)
                raise DumpError(self.path, "'finished' is given for some samples of the task but not this one",
                                self.task_id, i)
            finished = np.array(self.finished, dtype=bool)
        return TaskSamples(self.task_id, self.prompt, self.generations,
                           np.array(self.labels, dtype=np.int8), finished, self.fields)


_PLAIN_KEYS = ({"generation", "pass_at_1"}, {"generation"})


def _plain_released_task(task_id: str, prompt, samples: list) -> TaskSamples | None:
    """The common case in bulk — every sample exactly {generation: str, pass_at_1: 0|100} — or None."""
    try:
        if not samples or any(type(s) is not dict for s in samples):
            return None
        keys = set().union(*samples)
        if keys not in _PLAIN_KEYS or any(len(s) != len(keys) for s in samples):
            return None
        generations = [s["generation"] for s in samples]
        if any(type(g) is not str for g in generations):
            return None
        if "pass_at_1" not in keys:
            return TaskSamples(task_id, prompt, generations, np.full(len(samples), UNKNOWN, dtype=np.int8))
        values = [s["pass_at_1"] for s in samples]
        if not {type(v) for v in values} <= {int, float}:
            return None
        arr = np.asarray(values, dtype=np.float64)
        if not np.all((arr == 0) | (arr == 100)):
            return None
        return TaskSamples(task_id, prompt, generations, (arr == 100).astype(np.int8))
    except (TypeError, KeyError):
        return None


def _read_released(path: Path, repair_spaces: bool, metadata: dict) -> dict[str, TaskSamples]:
    tasks: dict[str, TaskSamples] = {}
    for key, value, line in _iter_released_tasks(path):
        if key in tasks:
            raise DumpError(path, "duplicate task (the key appears twice)", key, line=line)
        if not isinstance(value, dict):
            raise DumpError(path, f"a task must be a JSON object, got {type(value).__name__}", key, line=line)
        inner = value.get("task_id", key)
        if str(inner) != key:
            raise DumpError(path, f"key {key!r} does not match the task's task_id {inner!r}", key, line=line)
        prompt = value.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise DumpError(path, "'prompt' must be a string", key, line=line)
        samples = value.get("samples")
        if not isinstance(samples, list):
            raise DumpError(path, "missing or non-list field 'samples'", key, line=line)
        task = _plain_released_task(key, prompt, samples)
        if task is None:  # anything unusual: the careful path, which also words the errors
            builder = _TaskBuilder(path, key, prompt)
            for i, sample in enumerate(samples):
                builder.add(sample, i)
            task = builder.build()
        tasks[key] = task
    if repair_spaces:
        metadata["space_repaired"] = _repair_all(tasks)
    return tasks


def _read_records(path: Path, records: Iterable[tuple[int, Any]], metadata: dict) -> dict[str, TaskSamples]:
    builders: dict[str, _TaskBuilder] = {}
    explicit: dict[str, list] = {}
    seen_any = False
    for line, rec in records:
        seen_any = True
        if not isinstance(rec, dict):
            raise DumpError(path, f"each record must be a JSON object, got {type(rec).__name__}", line=line)
        if "task_id" not in rec:
            raise DumpError(path, "missing field 'task_id'", line=line)
        task_id = str(rec["task_id"])
        b = builders.get(task_id)
        prompt = rec.get("prompt")
        if b is None:
            b = builders[task_id] = _TaskBuilder(path, task_id, prompt)
            explicit[task_id] = []
        elif prompt is not None and b.prompt is not None and prompt != b.prompt:
            raise DumpError(path, "prompt differs from the task's earlier samples", task_id, len(b.generations), line)
        elif b.prompt is None and prompt is not None:
            b.prompt = prompt
        index = rec.get("sample_index")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise DumpError(path, f"'sample_index' must be an integer >= 0, got {index!r}", task_id, line=line)
        explicit[task_id].append(index)
        b.add(rec, index if index is not None else len(b.generations), line)
    if not seen_any:
        raise DumpError(path, "empty file (no samples)")
    keys = {b.generation_key for b in builders.values()}
    metadata["generation_key"] = sorted(keys)[0] if len(keys) == 1 else sorted(keys)
    tasks = {}
    for task_id, b in builders.items():
        task = b.build()
        given = explicit[task_id]
        if any(i is not None for i in given):
            if any(i is None for i in given):
                raise DumpError(path, "'sample_index' is given for some samples of the task but not all", task_id)
            order = np.argsort(np.array(given), kind="stable")
            sorted_idx = np.array(given)[order]
            dup = np.flatnonzero(sorted_idx[1:] == sorted_idx[:-1])
            if dup.size:
                raise DumpError(path, "duplicate sample_index", task_id, int(sorted_idx[dup[0]]))
            if sorted_idx[-1] != len(given) - 1:
                missing = sorted(set(range(len(given))) - set(sorted_idx.tolist()))[0]
                raise DumpError(path, f"sample_index values skip {missing} (must be 0..n-1)", task_id)
            task = task.subset(order)
        tasks[task_id] = task
    return tasks


def detect_format(path: str | Path) -> str:
    """The format of a dump file, from its content (``rankkit.dumps.harnesses.FORMATS``): an
    error lists what was seen and the formats that would fit, rather than misreading."""
    return detect(Path(path))


def load_dump(
    path: str | Path,
    format: str = "auto",
    repair_spaces: bool | None = None,
    problems: Mapping[str, Any] | Callable[[str], Any] | None = None,
    benchmark: str | None = None,
) -> Dump:
    """Read a dump in any supported format (``rankkit.dumps.harnesses.FORMATS``).

    format: "auto" (from the content) or a format's name, with options for the harness formats
    ("bigcode:task=humaneval-unstripped", "evalplus:labels=plus", ...; see each reader).
    repair_spaces: restore the leading space the released Code Llama dumps lost to SentencePiece
    decoding (see ``repair_leading_space``); default on for the released format, off otherwise.
    problems: a benchmark's problems (task_id -> Problem, or a lookup function raising KeyError)
    to check task_ids against and to fill in missing prompts. benchmark: its name, which formats
    without task ids (bigcode) need to map positions to problems.
    What was read (problems, samples, labelled, skipped by reason, notes) is in
    ``metadata["read"]``.
    """
    path = Path(path)
    try:
        return _load(path, format, repair_spaces, problems, benchmark)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise DumpError(path, f"corrupt or truncated gzip file ({e})") from None


def _load(path: Path, format: str, repair_spaces, problems, benchmark) -> Dump:
    name, options = parse_format(path, format)
    if name == "auto":
        fmt = detect_format(path)
    else:
        fits, seen = sniff(path)
        if name not in fits:
            raise DumpError(path, f"this is not the {name} format ({FORMATS[name]}): the file is {seen}, which "
                                  f"fits {', '.join(fits) or 'no format rankkit reads'}")
        fmt = name
    metadata: dict[str, Any] = {"format": fmt}
    tally = Tally()
    if fmt == "released":
        tasks = _read_released(path, True if repair_spaces is None else repair_spaces, metadata)
    elif fmt in ("jsonl", "json-list"):
        records = _iter_jsonl_records(path) if fmt == "jsonl" else _iter_json_array_records(path)
        tasks = _read_records(path, records, metadata)
        if repair_spaces:
            metadata["space_repaired"] = _repair_all(tasks)
    elif fmt == "parquet":
        tasks = read_parquet(path)
    elif fmt == "hf-dataset":
        tasks = read_dataset_dir(path)
    else:
        tasks = HARNESS_READERS[fmt].read(path, benchmark, options, tally)
        if options:
            metadata["format_options"] = options
        if tally.problem_fields:
            metadata["problem_fields"] = tally.problem_fields
        if repair_spaces:
            metadata["space_repaired"] = _repair_all(tasks)
    if not tasks:
        raise DumpError(path, "the dump holds no tasks")
    if fmt not in HARNESS_FORMATS:
        for task in tasks.values():
            tally.add(task)
    metadata["read"] = tally.as_dict()
    if problems is not None:
        _attach_problems(path, tasks, problems)
    sidecar = provenance_path(path)
    if sidecar.exists():
        try:
            metadata["provenance"] = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError as e:
            raise DumpError(sidecar, f"invalid JSON ({e})") from None
        public = metadata["provenance"].get("public_fields") if isinstance(metadata["provenance"], dict) else None
        if public is not None:
            if not isinstance(public, list) or not all(isinstance(f, str) for f in public):
                raise DumpError(sidecar, f"'public_fields' must be a list of field names, got {public!r}")
            for task in tasks.values():
                task.public = tuple(public)
    return Dump(tasks, str(path), metadata)
