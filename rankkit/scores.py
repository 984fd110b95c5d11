"""Precomputed ranker scores: files keyed by (task_id, sample_index), checked against a dump.

Formats: JSONL, CSV and parquet, one row per sample with columns ``task_id``, ``sample_index``
(or ``index``) and one numeric column per ranker. Every sample of the dump must have exactly one
row: missing, duplicated or unknown rows are errors, never dropped.

Direction (which way is better) per column, first match wins: ``--lower-is-better`` on the
command line; the file's metadata (parquet schema metadata, or a ``<file>.meta.json`` sidecar,
``{"directions": {"col": "lower"}, "score_columns": [...]}``); else columns named ``nll``,
``*_nll`` or ``nll_*`` are lower-is-better and every other column higher-is-better.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from rankkit.dumps import Dump, DumpError

KEY_COLUMNS = ("task_id", "sample_index", "index")
METADATA_KEY = b"rankkit"


@dataclass
class ScoreTable:
    """Scores per column and task, in dump sample order, with each column's direction."""

    columns: dict[str, dict[str, np.ndarray]]
    higher_is_better: dict[str, bool]
    source: str = ""
    metadata: dict = field(default_factory=dict)
    costs: dict = field(default_factory=dict)  # column -> RankerCost per sample, where the file says

    def oriented(self, column: str) -> dict[str, np.ndarray]:
        """Scores of one column, turned so that higher is better."""
        if column not in self.columns:
            raise KeyError(f"{self.source}: no score column {column!r}; columns: {', '.join(self.columns)}")
        sign = 1.0 if self.higher_is_better[column] else -1.0
        return {t: sign * s for t, s in self.columns[column].items()}


def is_nll_name(column: str) -> bool:
    c = column.lower()
    return c == "nll" or c.endswith("_nll") or c.startswith("nll_")


def _read_rows(path: Path) -> tuple[dict[str, list], dict]:
    """Column lists and file metadata for a JSONL, CSV or parquet score file."""
    name = path.name.lower().removesuffix(".gz")
    meta: dict = {}
    sidecar = path.with_name(path.name + ".meta.json")
    if sidecar.exists():
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw = (table.schema.metadata or {}).get(METADATA_KEY)
        if raw:
            meta = {**json.loads(raw), **meta}
        return {c: table.column(c).to_pylist() for c in table.column_names}, meta
    opener = gzip.open if path.name.endswith(".gz") else open
    columns: dict[str, list] = {}
    if name.endswith(".csv"):
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            for c in reader.fieldnames or []:
                columns[c] = []
            for row in reader:
                for c, v in row.items():
                    columns[c].append(v)
        return columns, meta
    if name.endswith(".jsonl") or name.endswith(".json"):
        n = 0
        with opener(path, "rt", encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise DumpError(path, f"invalid JSON: {e.msg}", line=line_no) from None
                if not isinstance(rec, dict):
                    raise DumpError(path, "each line must be a JSON object", line=line_no)
                for c, v in rec.items():
                    col = columns.get(c)
                    if col is None:
                        col = columns[c] = [None] * n
                    col.append(v)
                n += 1
                for col in columns.values():
                    if len(col) < n:
                        col.append(None)
        return columns, meta
    raise DumpError(path, "unknown score file type; use .jsonl, .csv or .parquet")


def _to_float(value) -> float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            raise ValueError
    result = float(value)
    if math.isnan(result):
        raise ValueError
    return result


def read_metadata(path: str | Path) -> dict:
    """A score file's metadata (directions, costs, provenance) without aligning it to a dump."""
    return _read_rows(Path(path))[1]


def read_scores(
    path: str | Path,
    dump: Dump,
    columns: Sequence[str] | None = None,
    lower_is_better: Iterable[str] = (),
    missing: str = "error",
) -> ScoreTable:
    """Read a score file and align it with ``dump`` (every sample exactly once). ``columns``:
    which to read (default: the file's score columns); ``missing="skip"`` reads those of them
    the file has and leaves the others out instead of raising."""
    path = Path(path)
    if not path.exists():
        raise DumpError(path, "score file not found")
    raw, meta = _read_rows(path)
    if "task_id" not in raw:
        raise DumpError(path, "score file has no 'task_id' column")
    index_col = "sample_index" if "sample_index" in raw else "index" if "index" in raw else None
    if index_col is None:
        raise DumpError(path, "score file has no 'sample_index' (or 'index') column")
    task_ids = raw["task_id"]
    n_rows = len(task_ids)
    if n_rows == 0:
        raise DumpError(path, "score file has no rows")

    wanted = list(columns) if columns else list(meta.get("score_columns") or [])
    if columns and missing == "skip":
        wanted = [c for c in wanted if c in raw and c not in KEY_COLUMNS]
    elif not wanted:
        wanted = [c for c in raw if c not in KEY_COLUMNS and _numeric_column(raw[c])]
    for c in wanted:
        if c not in raw:
            raise DumpError(path, f"no score column {c!r}; columns: {', '.join(raw)}")

    positions = {t: i for i, t in enumerate(dump.tasks)}
    sizes = [len(t) for t in dump]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    flat = np.full(n_rows, -1, dtype=np.int64)
    for row, (tid, idx) in enumerate(zip(task_ids, raw[index_col])):
        tid = str(tid)
        pos = positions.get(tid)
        if pos is None:
            raise DumpError(path, f"row {row + 1}: task not in the dump {dump.source}", tid)
        try:
            i = int(idx)
            if str(idx).strip() not in (str(i), f"{i}.0"):
                raise ValueError
        except (TypeError, ValueError):
            raise DumpError(path, f"row {row + 1}: bad sample index {idx!r}", tid) from None
        if not 0 <= i < sizes[pos]:
            raise DumpError(path, f"row {row + 1}: sample index out of range (the task has {sizes[pos]})", tid, i)
        flat[row] = offsets[pos] + i
    seen = np.bincount(flat, minlength=int(offsets[-1]))
    if np.any(seen > 1):
        where = int(np.flatnonzero(seen > 1)[0])
        pos = int(np.searchsorted(offsets, where, side="right") - 1)
        raise DumpError(path, "duplicate score row", list(dump.tasks)[pos], where - int(offsets[pos]))
    if np.any(seen == 0):
        missing = np.flatnonzero(seen == 0)
        pos = int(np.searchsorted(offsets, missing[0], side="right") - 1)
        raise DumpError(path, f"no score row ({missing.size} sample(s) missing in all)",
                        list(dump.tasks)[pos], int(missing[0] - offsets[pos]))

    directions_meta = meta.get("directions", {})
    lower = set(lower_is_better)
    table: dict[str, dict[str, np.ndarray]] = {}
    higher: dict[str, bool] = {}
    for c in wanted:
        values = np.empty(int(offsets[-1]), dtype=np.float64)
        col = raw[c]
        for row, v in enumerate(col):
            try:
                values[flat[row]] = _to_float(v)
            except (TypeError, ValueError):
                tid = str(task_ids[row])
                raise DumpError(path, f"column {c!r}: not a number: {v!r}", tid, int(raw[index_col][row])) from None
        table[c] = {t: values[offsets[p]:offsets[p + 1]] for t, p in positions.items()}
        if c in lower:
            higher[c] = False
        elif c in directions_meta:
            if directions_meta[c] not in ("lower", "higher"):
                raise DumpError(path, f"direction of {c!r} must be 'lower' or 'higher', got {directions_meta[c]!r}")
            higher[c] = directions_meta[c] == "higher"
        else:
            higher[c] = not is_nll_name(c)
    unknown = lower - set(wanted)
    if unknown:
        raise DumpError(path, f"lower_is_better names column(s) not used: {', '.join(sorted(unknown))}")
    costs = {}
    for c, entry in (meta.get("costs") or {}).items():
        if c in table and entry is not None:
            from rankkit.costs import RankerCost

            try:
                costs[c] = RankerCost(float(entry["flops_per_sample"]), float(entry["seconds_per_sample"]))
            except (KeyError, TypeError, ValueError):
                raise DumpError(path, f"metadata: cost of {c!r} must be {{flops_per_sample, seconds_per_sample}}, "
                                      f"got {entry!r}") from None
    return ScoreTable(table, higher, str(path), meta, costs)


def _numeric_column(values: list) -> bool:
    for v in values[:100]:
        try:
            _to_float(v)
        except (TypeError, ValueError):
            return False
    return True


def write_scores(path: str | Path, dump: Dump, scores: dict[str, dict[str, np.ndarray]],
                 higher_is_better: dict[str, bool] | None = None, extra: dict[str, dict[str, list]] | None = None,
                 metadata: dict | None = None, costs: dict | None = None) -> None:
    """Write scores (column -> task_id -> array) as JSONL, CSV or parquet, with directions.

    ``extra``: other per-sample columns (counts, statuses) written beside the scores but not
    declared as scores. ``metadata``: more provenance for the file's metadata. ``costs``: column
    -> RankerCost per sample (or None), read back by ``read_scores`` for budgeted reports.
    """
    path = Path(path)
    higher_is_better = higher_is_better or {}
    extra = extra or {}
    directions = {c: "higher" if higher_is_better.get(c, not is_nll_name(c)) else "lower" for c in scores}
    meta = {**(metadata or {}), "directions": directions, "score_columns": list(scores)}
    if costs:
        meta["costs"] = {c: None if v is None else {"flops_per_sample": v.flops_per_sample,
                                                    "seconds_per_sample": v.seconds_per_sample}
                         for c, v in costs.items()}
    task_col, index_col = [], []
    cols: dict[str, list] = {c: [] for c in [*scores, *extra]}
    for task in dump:
        for c, table in [*scores.items(), *extra.items()]:
            arr = table[task.task_id]
            if len(arr) != len(task):
                raise ValueError(f"task {task.task_id}: {len(arr)} values for {len(task)} samples in column {c!r}")
            cols[c].extend(float(x) for x in arr) if c in scores else cols[c].extend(arr)
        task_col.extend([task.task_id] * len(task))
        index_col.extend(range(len(task)))
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name.lower()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")  # shards may merge at the same moment
    if name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({"task_id": task_col, "sample_index": index_col, **cols})
        table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})
        pq.write_table(table, tmp)
        tmp.replace(path)
        return
    if name.endswith(".csv"):
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["task_id", "sample_index", *cols])
            w.writerows(zip(task_col, index_col, *cols.values()))
    elif name.endswith(".jsonl"):
        with open(tmp, "w", encoding="utf-8") as fh:
            for row in zip(task_col, index_col, *cols.values()):
                rec = {"task_id": row[0], "sample_index": row[1]}
                rec.update(zip(cols, row[2:]))
                fh.write(json.dumps(rec) + "\n")
    else:
        raise ValueError(f"{path}: unknown score file type; use .jsonl, .csv or .parquet")
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_series(path: str | Path, dump: Dump, series: dict, metadata: dict | None = None) -> None:
    """Write live rankers' ``Scores`` (name -> Scores) as a score file: each column in its
    ranker's own direction, with the direction and the cost per sample in the metadata, so that
    ``rank-score --scores`` reads back exactly what ``score_dump`` returned."""
    write_scores(path, dump, {name: s.natural() for name, s in series.items()},
                 {name: s.higher_is_better for name, s in series.items()}, metadata=metadata,
                 costs={name: s.cost for name, s in series.items()})
