"""Writing dumps: the released format and one sample per line, atomically, with provenance; and
``write_dump``, any format that can hold the dump (other harnesses' included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rankkit.dumps.files import write_text
from rankkit.dumps.harnesses.detection import parse_format
from rankkit.dumps.hf import save_dataset, write_parquet
from rankkit.dumps.model import PASS, UNKNOWN, Dump, DumpError, TaskSamples, provenance_path
from rankkit.dumps.readers import HARNESS_READERS



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
    def parts():
        yield "{"
        for t, task in enumerate(dump):
            samples = [_sample_dict(task, i, "pass_at_1") for i in range(len(task))]
            body = {"task_id": task.task_id, "prompt": task.prompt, "samples": samples}
            yield ("," if t else "") + "\n" + json.dumps(task.task_id) + ": " + json.dumps(body)
        yield "\n}\n"

    write_text(path, parts())
    _write_provenance(dump, Path(path))


def write_jsonl(dump: Dump, path: str | Path, include_prompt: bool = False) -> None:
    """Write one sample per line with ``task_id`` and ``sample_index`` (human-eval compatible)."""
    def lines():
        for task in dump:
            for i in range(len(task)):
                rec = {"task_id": task.task_id, "sample_index": i}
                if include_prompt and task.prompt is not None:
                    rec["prompt"] = task.prompt
                rec.update(_sample_dict(task, i, "passed"))
                yield json.dumps(rec) + "\n"

    write_text(path, lines())
    _write_provenance(dump, Path(path))


def write_dump(dump: Dump, path: str | Path, format: str = "auto") -> str:
    """Write ``dump`` in any format that can hold it (``rankkit.dumps.harnesses.FORMATS``, with
    options such as ``bigcode:labels=L.json``); "auto": released for .json[.gz], jsonl for
    .jsonl[.gz], parquet for .parquet, else a datasets directory. Returns the format written."""
    path = Path(path)
    name, options = parse_format(path, format)
    if name == "auto":
        plain = path.name.removesuffix(".gz")
        name = ("jsonl" if plain.endswith(".jsonl") else "released" if plain.endswith(".json") else
                "parquet" if plain.endswith(".parquet") else "hf-dataset")
    if name == "released":
        write_released(dump, path)
    elif name == "parquet":
        write_parquet(dump, path)
    elif name == "hf-dataset":
        save_dataset(dump, path)
    elif name == "jsonl":
        write_jsonl(dump, path, include_prompt=True)
    elif name == "json-list":
        raise DumpError(path, "rankkit writes samples one per line: use jsonl")
    else:
        HARNESS_READERS[name].write(dump, path, options)
    return name


def _write_provenance(dump: "Dump", path: Path) -> None:
    if dump.metadata.get("provenance"):
        provenance_path(path).write_text(json.dumps(dump.metadata["provenance"], indent=1) + "\n", encoding="utf-8")
