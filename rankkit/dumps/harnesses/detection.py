"""Telling dump formats apart from the start of a file: ``sniff`` names every format it could be,
``detect`` the one it is, or says what was seen and what would fit; ``parse_format`` reads a
format spec (name and options) for reading and writing alike."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rankkit.dumps.files import TextStream, open_binary
from rankkit.dumps.model import DumpError

# name -> what a file of that format looks like (for detection errors and --help)
FORMATS = {
    "released": "a JSON object keyed by task_id, each {task_id, prompt, samples: [{generation, pass_at_1}]}",
    "jsonl": "JSON lines, one sample each with task_id and generation/completion/solution (human-eval, evalplus samples)",
    "json-list": "a JSON list of such samples",
    "bigcode": "bigcode-evaluation-harness --save_generations: a JSON list of lists of programs (needs --benchmark)",
    "lm-eval": "lm-evaluation-harness --log_samples: JSON lines with doc_id, doc, resps, filtered_resps",
    "evalplus": "evalplus eval_results.json: an object with date, hash and eval: {task_id: [results]}",
    "livecodebench": "LiveCodeBench output: a JSON list of problems with question_id and code_list",
    "batch": "OpenAI / vLLM batch output: JSON lines with custom_id and response.body.choices",
    "parquet": "a parquet file, one row per sample (task_id, sample_index, generation, label, ...)",
    "hf-dataset": "a Hugging Face datasets directory (save_to_disk), one row per sample",
}
HARNESS_FORMATS = ("bigcode", "lm-eval", "evalplus", "livecodebench", "batch")
SAMPLE_KEYS = {"generation", "completion", "solution"}
FIRST_LINE_LIMIT = 1 << 22  # characters of a first line tried as one JSON record


def _first_line(path: Path) -> tuple[str | None, bool]:
    """(the first line, unless it is very long; whether anything follows it)."""
    with open_binary(path) as fh:
        data = fh.readline(FIRST_LINE_LIMIT + 1)
        more = bool(fh.read(4096).strip())
    if len(data) > FIRST_LINE_LIMIT:
        return None, more
    return data.decode("utf-8", errors="replace"), more


def peek(path: Path) -> tuple[str, Any]:
    """What a file starts with: ("array", first element), ("lines", first record) or
    ("object", {key: value} of its first members; the big 'eval' member is left as ...)."""
    if path.is_dir():
        return ("directory", sorted(p.name for p in path.iterdir())[:8])
    with open_binary(path) as fh:
        if fh.read(4) == b"PAR1":
            return ("parquet", None)
        fh.seek(0)
        stream = TextStream(fh, path, chunk=1 << 16)
        first = stream.peek()
        if first == "":
            raise DumpError(path, "empty file")
        if first == "[":
            stream.pos += 1
            return ("array", None if stream.peek() == "]" else stream.value())
        if first != "{":
            raise DumpError(path, f"not JSON or JSON lines (starts with {first!r})")
    line, more = _first_line(path)
    record = None
    if line is not None:
        try:
            record = json.loads(line)
        except ValueError:
            pass
    if isinstance(record, dict) and not _is_whole_object(record) and (
            more or path.name.lower().removesuffix(".gz").endswith(".jsonl")
            or {"task_id", "doc_id", "custom_id"} & set(record)):
        return ("lines", record)
    return ("object", _members(path))


def _is_whole_object(record: dict) -> bool:
    """A one-line file that is a dump object rather than one record."""
    return "eval" in record or any(isinstance(v, dict) and "samples" in v for v in list(record.values())[:3])


def _members(path: Path, limit: int = 3) -> dict:
    """The first members of a top-level object; the value of 'eval' is not read (it is the file)."""
    out: dict = {}
    with open_binary(path) as fh:
        stream = TextStream(fh, path)
        stream.expect("{", "a JSON object")
        while len(out) < limit and stream.peek() == '"':
            key = stream.value()
            stream.expect(":", "':' after a key")
            if key == "eval":
                out[key] = ...
                break
            out[key] = stream.value(task_id=key)
            if stream.peek() != ",":
                break
            stream.pos += 1
    return out


def sniff(path: Path) -> tuple[list[str], str]:
    """(every format the file's start fits, a description of that start for error messages)."""
    kind, first = peek(path)
    if kind == "parquet":
        return ["parquet"], "a parquet file"
    if kind == "directory":
        fits = ["hf-dataset"] if {"dataset_info.json", "state.json"} & set(first) else []
        return fits, f"a directory holding {', '.join(first) or 'nothing'}"
    if kind == "array":
        if first is None:
            return [], "an empty JSON list"
        if isinstance(first, list):
            fits = ["bigcode"] if all(isinstance(x, str) for x in first) else []
            return fits, f"a JSON list whose first entry is a list of {_kinds(first)}"
        if isinstance(first, dict):
            fits = []
            if "question_id" in first and "code_list" in first:
                fits.append("livecodebench")
            if "task_id" in first or (not fits and SAMPLE_KEYS & set(first)):
                fits.append("json-list")  # the reader names what a sample lacks
            return fits, f"a JSON list of objects with keys {_keys(first)}"
        return [], f"a JSON list of {type(first).__name__}"
    if kind == "lines":
        fits = []
        if "doc_id" in first and "doc" in first and ("resps" in first or "filtered_resps" in first):
            fits.append("lm-eval")
        if "custom_id" in first and ("response" in first or "error" in first):
            fits.append("batch")
        if "task_id" in first or (not fits and SAMPLE_KEYS & set(first)):
            fits.append("jsonl")  # the reader names what a sample lacks
        return fits, f"JSON lines with keys {_keys(first)}"
    if "eval" in first:
        return ["evalplus"], "a JSON object with an 'eval' member"
    if not first:
        return ["released"], "an empty JSON object"
    value = next(iter(first.values()), None)
    if isinstance(value, dict) and "samples" in value:
        return ["released"], "a JSON object keyed by task id"
    return [], f"a JSON object with keys {_keys(first)}"


def _keys(d: dict) -> str:
    names = sorted(map(str, d))
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


def _kinds(items: list) -> str:
    return "/".join(sorted({type(x).__name__ for x in items})) or "nothing"


def detect(path: Path) -> str:
    """The one format the file fits; otherwise an error listing what was seen and what would fit."""
    fits, seen = sniff(path)
    if len(fits) == 1:
        return fits[0]
    listing = "; ".join(f"{name}: {FORMATS[name]}" for name in FORMATS)
    if not fits:
        raise DumpError(path, f"no format rankkit reads starts like this ({seen}). Formats: {listing}")
    raise DumpError(path, f"{seen} fits several formats ({', '.join(fits)}): name one with --format")


def parse_format(path, spec: str) -> tuple[str, dict[str, str]]:
    """``auto``, ``name`` or ``name:key=value,key=value`` -> (name, options); an unknown name, a
    malformed option or options for a format that takes none are errors naming ``path``."""
    name, _, rest = spec.partition(":")
    options = {}
    for part in filter(None, rest.split(",")):
        key, eq, value = part.partition("=")
        if not eq or not re.fullmatch(r"[a-z_]+", key):
            raise DumpError(path, f"format options are key=value, got {part!r} in {spec!r}")
        options[key] = value
    if name not in ("auto", *FORMATS):
        raise DumpError(path, f"unknown format {name!r}; choose from auto, {', '.join(FORMATS)}")
    if options and name not in HARNESS_FORMATS:
        raise DumpError(path, f"format {name} takes no options (got {', '.join(options)})")
    return name, options
