"""lm-evaluation-harness ``--log_samples`` files (``samples_<task>_<date>.jsonl``): one record per
document and filter, with ``doc_id``, ``doc`` (HumanEval/MBPP keep ``task_id`` there),
``arguments`` (per request: the context and generation settings), ``resps`` (per request, the
model's raw outputs), ``filtered_resps`` (per request, the filter's output: one string, or a list
with one per repeat), ``filter`` and the per-document metrics named in ``metrics``
(lm_eval/evaluator.py, commit 4e7e0d4). The humaneval tasks' filter puts the prompt in front of
each completion; it is stripped again here.

A per-document metric such as pass@1 over several repeats is no per-sample verdict: such samples
stay unlabelled (the tally says so). With one sample per document a 0/1 value is its verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rankkit.dumps.files import write_text
from rankkit.dumps.harnesses.common import Tally, read_lines, text_of, verdicts
from rankkit.dumps.model import FAIL, PASS, UNKNOWN, DumpError, TaskSamples

PASS_METRICS = ("pass@1", "pass_at_1")


def _flatten(path, task_id, values, what: str) -> list[str]:
    if not isinstance(values, list):
        raise DumpError(path, f"'{what}' must be a list (one entry per request)", task_id)
    out = []
    for entry in values:
        for text in entry if isinstance(entry, list) else [entry]:
            out.append(text_of(path, task_id, len(out), text, f"each of '{what}'"))
    return out


def _task_id(path, line, record, benchmark) -> str:
    doc = record.get("doc")
    if not isinstance(doc, dict) or "task_id" not in doc:
        raise DumpError(path, f"document {record.get('doc_id')!r} has no doc.task_id (keys: "
                              f"{', '.join(sorted(doc)) if isinstance(doc, dict) else 'none'})", line=line)
    task_id = doc["task_id"]
    if benchmark == "mbpp" or (isinstance(task_id, int) and benchmark is None):
        from rankkit.tasks import canonical_task_id

        return canonical_task_id(task_id)
    return str(task_id)


def read(path: Path, benchmark: str | None, options: dict, tally: Tally) -> dict[str, TaskSamples]:
    """Options: ``responses`` (``filtered``, the default, or ``raw``), ``filter`` (which filter's
    records, when the log holds several)."""
    key = {"filtered": "filtered_resps", "raw": "resps"}.get(options.get("responses", "filtered"))
    if key is None:
        raise DumpError(path, f"responses must be filtered or raw, not {options['responses']!r}")
    records = list(read_lines(path))
    filters = sorted({str(r.get("filter")) for _, r in records})
    chosen = options.get("filter")
    if chosen is None and len(filters) > 1:
        raise DumpError(path, f"the log holds the records of several filters ({', '.join(filters)}): choose "
                              f"one with --format lm-eval:filter=NAME")
    tasks: dict[str, TaskSamples] = {}
    lines: dict[str, int] = {}
    per_document = 0
    for line, record in records:
        if chosen is not None and str(record.get("filter")) != chosen:
            continue
        for field in ("doc_id", "doc", key):
            if field not in record:
                raise DumpError(path, f"missing field {field!r} (an lm-evaluation-harness sample log has doc_id, "
                                      f"doc, resps, filtered_resps)", line=line)
        task_id = _task_id(path, line, record, benchmark)
        if task_id in tasks:
            raise DumpError(path, f"task appears twice (lines {lines[task_id]} and {line})", task_id, line=line)
        lines[task_id] = line
        texts = _flatten(path, task_id, record[key], key)
        if not texts:
            raise DumpError(path, f"'{key}' holds no samples", task_id, line=line)
        doc_prompt = record["doc"].get("prompt")
        context = _context(record)
        if isinstance(doc_prompt, str) and all(t.startswith(doc_prompt) for t in texts):
            prompt, generations = doc_prompt, [t[len(doc_prompt):] for t in texts]
        else:
            prompt, generations = context, texts
        labels = np.full(len(texts), UNKNOWN, dtype=np.int8)
        metric = next((m for m in PASS_METRICS if m in record), None)
        if metric is not None:
            value = record[metric]
            if len(texts) == 1 and value in (0, 1) and not isinstance(value, bool):
                labels[0] = PASS if value == 1 else FAIL
            else:
                per_document += len(texts)
        fields = {"doc_id": [record["doc_id"]] * len(texts)}
        tasks[task_id] = tally.add(TaskSamples(task_id, prompt, generations, labels, None, fields))
    if not tasks:
        raise DumpError(path, f"no records of filter {chosen!r}; the log holds {', '.join(filters)}")
    if per_document:
        tally.notes.append(f"{per_document} samples unlabelled: the log's pass@1 is per document over several "
                           f"samples, not a per-sample verdict (run `rankkit execute` to label them)")
    return tasks


def _context(record) -> str | None:
    """The first request's context, the text the model was given: the log writes ``arguments``
    as {"gen_args_0": {"arg_0": context, "arg_1": settings}} (lm_eval/loggers/evaluation_tracker.py)."""
    arguments = record.get("arguments")
    try:
        context = arguments["gen_args_0"]["arg_0"] if isinstance(arguments, dict) else arguments[0][0]
    except (TypeError, IndexError, KeyError):
        return None
    return context if isinstance(context, str) and context else None


def write(dump, path: Path, options: dict) -> None:
    """One record per problem, as the log writes it: ``doc`` holds the task id (MBPP's as the
    integer lm-eval uses) and the prompt, ``resps`` the generations, ``filtered_resps`` prompt +
    generation (the humaneval filter's form), ``doc_id`` the field read or the position. The log's
    pass@1 is per document: it is a label again only for a problem with one sample."""
    lines = []
    for position, task in enumerate(dump):
        prompt = task.prompt or ""
        doc_id = (task.fields.get("doc_id") or [position])[0]
        raw_id = int(task.task_id.split("/", 1)[1]) if task.task_id.startswith("MBPP/") else task.task_id
        doc = {"task_id": raw_id, **({"prompt": task.prompt} if task.prompt is not None else {})}
        record = {"doc_id": doc_id, "doc": doc, "target": "",
                  "arguments": {"gen_args_0": {"arg_0": prompt, "arg_1": {}}},
                  "resps": [list(task.generations)], "filtered_resps": [[prompt + g for g in task.generations]],
                  "filter": "none", "metrics": []}
        known = verdicts(task, str(path))
        if known is not None:
            record["metrics"] = ["pass@1"]
            record["pass@1"] = sum(known) / len(known)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    write_text(path, lines)
