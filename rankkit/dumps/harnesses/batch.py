"""OpenAI-style batch output, as the OpenAI Batch API and vLLM's ``run_batch`` write it: one JSON
line per request, {id, custom_id, response: {status_code, request_id, body}, error}, where the body
is a (chat) completion with ``choices`` (platform.openai.com/docs/api-reference/batch; vLLM
``vllm/entrypoints/openai/protocol.py`` BatchRequestOutput). A choice's text is ``text``
(completions) or ``message.content`` (chat); its token log-probs, where requested, are
``logprobs.token_logprobs`` (completions) or ``logprobs.content[].logprob`` (chat).

The task id is the request's ``custom_id``, or the ``task_id`` group of ``id_pattern`` when each
request holds one sample (custom ids must be unique, e.g. "HumanEval/0#3"). Samples keep the
file's order of requests and each request's order of choices. A failed request holds no sample:
it is counted as skipped with its status, never silently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from rankkit.dumps.files import write_text
from rankkit.dumps.harnesses.common import Tally, read_lines
from rankkit.dumps.model import UNKNOWN, DumpError, TaskSamples


def read(path: Path, benchmark: str | None, options: dict, tally: Tally) -> dict[str, TaskSamples]:
    """Options: ``id_pattern`` (a regular expression with a ``task_id`` group, matched against
    the whole ``custom_id``)."""
    pattern = None
    if options.get("id_pattern"):
        try:
            pattern = re.compile(options["id_pattern"])
        except re.error as e:
            raise DumpError(path, f"id_pattern is no regular expression ({e})") from None
        if "task_id" not in pattern.groupindex:
            raise DumpError(path, "id_pattern needs a named group (?P<task_id>...)")
    samples: dict[str, list[tuple[str, dict]]] = {}
    seen: dict[str, int] = {}
    for line, record in read_lines(path):
        custom = record.get("custom_id")
        if not isinstance(custom, str):
            raise DumpError(path, "missing 'custom_id' (an OpenAI-style batch output line has id, custom_id, "
                                  "response, error)", line=line)
        if custom in seen:
            raise DumpError(path, f"custom_id {custom!r} appears twice (lines {seen[custom]} and {line}); a request "
                                  f"per sample needs distinct ids such as TASK#i, read with --format "
                                  f"'batch:id_pattern=(?P<task_id>.+)#\\d+'", line=line)
        seen[custom] = line
        task_id = custom
        if pattern is not None:
            match = pattern.fullmatch(custom)
            if match is None:
                raise DumpError(path, f"custom_id {custom!r} does not match id_pattern", line=line)
            task_id = match.group("task_id")
        response = record.get("response") or {}
        body = response.get("body") if isinstance(response, dict) else None
        if record.get("error") or not isinstance(body, dict) or response.get("status_code", 200) != 200:
            status = response.get("status_code") if isinstance(response, dict) else None
            tally.skipped[f"request failed (status {status}, error {_error_code(record.get('error'))})"] += 1
            continue
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices:
            raise DumpError(path, "the response body has no choices", task_id, line=line)
        bucket = samples.setdefault(task_id, [])
        for c in sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0):
            bucket.append(_choice(path, task_id, len(bucket), line, c, body))
    tasks = {}
    for task_id, items in samples.items():
        generations = [text for text, _ in items]
        names = sorted({k for _, f in items for k in f})
        fields = {k: [f.get(k) for _, f in items] for k in names}
        finished = fields.pop("_finished")
        if any(v is None for v in finished):
            finished = None
        tasks[task_id] = tally.add(TaskSamples(task_id, None, generations, np.full(len(items), UNKNOWN, dtype=np.int8),
                                               finished, fields))
    if not tasks:
        raise DumpError(path, f"no request succeeded ({', '.join(f'{n} {r}' for r, n in tally.skipped.items())})")
    return tasks


def _error_code(error) -> str:
    if isinstance(error, dict):
        return str(error.get("code") or error.get("message") or "?")
    return "none" if error is None else str(error)


def _choice(path, task_id, index, line, choice, body) -> tuple[str, dict]:
    """(text, fields) of one choice: the finish reason, the model, and the log-probs' sum and count."""
    if not isinstance(choice, dict):
        raise DumpError(path, "a choice must be an object", task_id, index, line)
    message = choice.get("message")
    text = message.get("content") if isinstance(message, dict) else choice.get("text")
    if not isinstance(text, str):
        raise DumpError(path, "a choice has neither 'text' nor 'message.content'", task_id, index, line)
    reason = choice.get("finish_reason")
    fields = {"finish_reason": reason, "model": body.get("model"),
              "_finished": None if reason is None else reason == "stop"}
    logprobs = choice.get("logprobs")
    values = None
    if isinstance(logprobs, dict):
        if isinstance(logprobs.get("content"), list):
            values = [t.get("logprob") for t in logprobs["content"] if isinstance(t, dict)]
        elif isinstance(logprobs.get("token_logprobs"), list):
            values = logprobs["token_logprobs"]
    if values:
        if not all(isinstance(v, (int, float)) for v in values):
            raise DumpError(path, "a token log-prob is not a number", task_id, index, line)
        fields["token_logprobs"] = [float(v) for v in values]
        fields["sum_logprob"], fields["logprob_tokens"] = float(sum(values)), len(values)
    return text, fields


def write(dump, path: Path, options: dict) -> None:
    """One output line per problem, custom_id = task id, a completion with one choice per sample
    (text, finish_reason, the model). The format holds no labels, and log-probs only as token
    lists: a ``token_logprobs`` field is written, a bare sum is not."""
    lines = []
    for n, task in enumerate(dump):
        choices = []
        for i, text in enumerate(task.generations):
            reason = (task.fields.get("finish_reason") or [None] * len(task))[i]
            if reason is None and task.finished is not None:
                reason = "stop" if task.finished[i] else "length"
            tokens = (task.fields.get("token_logprobs") or [None] * len(task))[i]
            choices.append({"index": i, "text": text,
                            "logprobs": None if tokens is None else {"token_logprobs": tokens},
                            "finish_reason": reason})
        model = next((m for m in task.fields.get("model") or [] if m is not None), None)
        body = {"id": f"cmpl-rankkit-{n}", "object": "text_completion", "model": model, "choices": choices}
        lines.append(json.dumps({"id": f"batch_req_{n}", "custom_id": task.task_id,
                                 "response": {"status_code": 200, "request_id": f"rankkit-{n}", "body": body},
                                 "error": None}) + "\n")
    write_text(path, lines)
