"""Dumps as Hugging Face ``datasets`` and parquet: one row per sample, written and read a batch of
rows at a time, so that a dump of millions of samples never exists twice in memory.

Columns: ``task_id``, ``sample_index``, ``generation``, ``label`` (int8: 1 passed, 0 failed,
-1 unknown), ``finished`` (null where the dump does not say), ``prompt`` (on each task's first
sample, null on the others: a prompt is stored once per task), ``fields`` (the sample's other
fields as a JSON object, null where it has none). Reading also takes datasets made elsewhere:
``completion`` / ``solution`` for the generation, ``passed`` (bool) or ``pass_at_1`` (0/100)
for the label, and every other column as a per-sample field.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from rankkit.dumps.model import FAIL, PASS, UNKNOWN, Dump, DumpError, TaskSamples

ROWS_PER_BATCH = 1 << 16
COLUMNS = ("task_id", "sample_index", "generation", "label", "finished", "prompt", "fields")


def _schema():
    import pyarrow as pa

    return pa.schema([("task_id", pa.string()), ("sample_index", pa.int32()), ("generation", pa.string()),
                      ("label", pa.int8()), ("finished", pa.bool_()), ("prompt", pa.string()),
                      ("fields", pa.string())])


def record_batches(dump: Dump, rows: int = ROWS_PER_BATCH) -> Iterator:
    """The dump as Arrow record batches of about ``rows`` rows (whole tasks), in dump order."""
    import pyarrow as pa

    schema = _schema()
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    for task in dump:
        n = len(task)
        columns["task_id"] += [task.task_id] * n
        columns["sample_index"] += range(n)
        columns["generation"] += task.generations
        columns["label"] += task.labels.tolist()
        columns["finished"] += [None] * n if task.finished is None else task.finished.tolist()
        columns["prompt"] += [task.prompt] + [None] * (n - 1)
        names = list(task.fields)
        for i in range(n):
            present = {k: task.fields[k][i] for k in names if task.fields[k][i] is not None}
            columns["fields"].append(json.dumps(present, ensure_ascii=False) if present else None)
        if len(columns["task_id"]) >= rows:
            yield pa.record_batch([columns[c] for c in COLUMNS], schema=schema)
            columns = {c: [] for c in COLUMNS}
    if columns["task_id"]:
        yield pa.record_batch([columns[c] for c in COLUMNS], schema=schema)


def write_parquet(dump: Dump, path: str | Path) -> None:
    """One parquet file, written a batch at a time (through a .part file)."""
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with pq.ParquetWriter(tmp, _schema(), compression="zstd") as writer:
        for batch in record_batches(dump):
            writer.write_batch(batch)
    tmp.replace(path)


def save_dataset(dump: Dump, directory: str | Path) -> None:
    """A ``datasets.Dataset`` directory (``save_to_disk``; ``datasets.load_from_disk`` reads it),
    built from a parquet file so that no second in-memory copy is made."""
    import datasets

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    quiet = datasets.is_progress_bar_enabled()
    if quiet:
        datasets.disable_progress_bars()  # rankkit's commands show their own progress
    try:
        _save_dataset(dump, directory)
    finally:
        if quiet:
            datasets.enable_progress_bars()


def _save_dataset(dump: Dump, directory: Path) -> None:
    import datasets

    with tempfile.TemporaryDirectory(dir=directory.parent) as tmp:
        parquet = Path(tmp) / "dump.parquet"
        write_parquet(dump, parquet)
        ds = datasets.Dataset.from_parquet(str(parquet), cache_dir=str(Path(tmp) / "cache"), keep_in_memory=False)
        staging = Path(tmp) / "dataset"
        ds.save_to_disk(str(staging))
        del ds
        if directory.exists():
            shutil.rmtree(directory)
        shutil.move(str(staging), directory)


def to_dataset(dump: Dump):
    """The dump as an in-memory ``datasets.Dataset`` (for a big dump, prefer ``save_dataset``)."""
    import datasets
    import pyarrow as pa

    return datasets.Dataset(pa.Table.from_batches(list(record_batches(dump)), schema=_schema()))


def from_dataset(ds, source: str = "<dataset>") -> Dump:
    """A ``datasets.Dataset`` (one row per sample) back as a dump; rows may come in any order."""
    return Dump(_build(source, _dataset_batches(ds, source)), source, {"format": "hf-dataset"})


def _dataset_batches(ds, source) -> Iterator:
    import datasets

    if isinstance(ds, datasets.DatasetDict):
        raise DumpError(source, f"a DatasetDict with splits {', '.join(ds)}: pass one split (e.g. ds['train'])")
    yield from ds.with_format("arrow").iter(batch_size=ROWS_PER_BATCH)


def read_parquet(path: Path) -> dict[str, TaskSamples]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a bad file
        raise DumpError(path, f"not a readable parquet file ({e})") from None
    return _build(path, handle.iter_batches(batch_size=ROWS_PER_BATCH))


def read_dataset_dir(path: Path) -> dict[str, TaskSamples]:
    import datasets

    try:
        ds = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as e:
        raise DumpError(path, f"not a dataset saved with save_to_disk ({e})") from None
    return _build(path, _dataset_batches(ds, path))


def _column(names, *candidates):
    return next((c for c in candidates if c in names), None)


class _Task:
    """One task's rows as columns, filled a batch at a time."""

    __slots__ = ("prompt", "indices", "generations", "labels", "finished", "fields", "count")

    def __init__(self):
        self.prompt, self.indices, self.generations, self.labels, self.finished = None, [], [], [], []
        self.fields: dict[str, list] = {}
        self.count = 0

    def add_fields(self, values: dict) -> None:
        for name, value in values.items():
            column = self.fields.get(name)
            if column is None:
                column = self.fields[name] = [None] * self.count
            column.append(value)

    def pad(self) -> None:
        self.count += 1
        for column in self.fields.values():
            if len(column) < self.count:
                column.append(None)


def _build(path, batches: Iterable) -> dict[str, TaskSamples]:
    """Tasks from record batches of rows, checked: every task's sample indices are 0..n-1 once."""
    tasks: dict[str, _Task] = {}
    seen = False
    for batch in batches:
        names = batch.schema.names
        if not seen:
            seen = True
            gen = _column(names, "generation", "completion", "solution")
            if "task_id" not in names or gen is None:
                raise DumpError(path, f"a dump needs the columns task_id and generation (or completion, solution); "
                                      f"the data has {', '.join(names)}")
            label = _column(names, "label", "passed", "pass_at_1")
            extra = [c for c in names if c not in COLUMNS and c not in (gen, label, "passed", "pass_at_1",
                                                                       "completion", "solution")]
        data = {c: batch.column(c).to_pylist() for c in names}
        ids = data["task_id"]
        n = len(ids)
        indices = data.get("sample_index") or [None] * n
        prompts = data.get("prompt") or [None] * n
        finished = data.get("finished") or [None] * n
        fields = data.get("fields") or [None] * n
        labels = data[label] if label else [None] * n
        for r in range(n):
            task_id = ids[r]
            if task_id is None:
                raise DumpError(path, "a row has no task_id")
            task_id = str(task_id)
            task = tasks.get(task_id)
            if task is None:
                task = tasks[task_id] = _Task()
            if prompts[r] is not None:
                if task.prompt not in (None, prompts[r]):
                    raise DumpError(path, "two different prompts", task_id, indices[r])
                task.prompt = prompts[r]
            task.indices.append(indices[r])
            task.generations.append(data[gen][r])
            task.labels.append(_label(path, task_id, indices[r], label, labels[r]))
            task.finished.append(finished[r])
            if fields[r]:
                task.add_fields(json.loads(fields[r]))
            if extra:
                task.add_fields({c: data[c][r] for c in extra if data[c][r] is not None})
            task.pad()
    if not seen:
        raise DumpError(path, "no rows")
    return {task_id: _finish(path, task_id, task) for task_id, task in tasks.items()}


def _finish(path, task_id: str, task: _Task) -> TaskSamples:
    given = task.indices
    order = None
    if any(i is not None for i in given):
        if any(i is None for i in given):
            raise DumpError(path, "'sample_index' is given for some samples of the task but not all", task_id)
        if any(b <= a for a, b in zip(given, given[1:])):  # rows out of order: sort them
            order = sorted(range(len(given)), key=given.__getitem__)
            given = [given[i] for i in order]
        for want, got in enumerate(given):
            if got != want:
                kind = "duplicate sample_index" if got < want else f"sample_index values skip {want}"
                raise DumpError(path, kind, task_id, got)
    pick = (lambda column: column) if order is None else (lambda column: [column[i] for i in order])
    generations = pick(task.generations)
    for index, text in enumerate(generations):
        if not isinstance(text, str):
            raise DumpError(path, f"the generation must be a string, got {type(text).__name__}", task_id, index)
    finished = pick(task.finished)
    known = sum(f is not None for f in finished)
    if known and known != len(finished):
        raise DumpError(path, "'finished' is given for some samples of the task but not all", task_id)
    return TaskSamples(task_id, task.prompt, generations, np.array(pick(task.labels), dtype=np.int8),
                       np.array(finished, dtype=bool) if known else None,
                       {k: pick(v) for k, v in sorted(task.fields.items())})


def _label(path, task_id, index, column, value) -> int:
    if value is None:
        return UNKNOWN
    if column == "label" and value in (-1, 0, 1) and not isinstance(value, bool):
        return int(value)
    if column == "passed" and isinstance(value, bool):
        return PASS if value else FAIL
    if column == "pass_at_1" and value in (0, 100) and not isinstance(value, bool):
        return PASS if value == 100 else FAIL
    raise DumpError(path, f"'{column}' holds {value!r}, no label", task_id, index)
