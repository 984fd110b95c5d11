"""A dump opened for evaluation: read, its task ids checked against the benchmark they name, and
missing prompts filled in from it."""

from __future__ import annotations

from pathlib import Path

from rankkit.dumps.model import Dump, attach_problems
from rankkit.dumps.readers import load_dump
from rankkit.errors import InputError
from rankkit.tasks import BENCHMARKS, detect_benchmark, problem_lookup


def open_dump(path: str | Path, benchmark: str | None = "auto", repair_spaces: bool | None = None,
              head: int | None = None, check_task_ids: bool = True, format: str = "auto") -> Dump:
    """Load a dump for evaluation. ``benchmark``: 'humaneval' / 'mbpp' checks every task id
    against it and fills in missing prompts; 'auto' does so when all ids have one benchmark's
    form (HumanEval/N, MBPP/N); None (or ``check_task_ids=False`` with 'auto') checks nothing.
    ``format``: see ``load_dump`` (a format without task ids needs a named benchmark)."""
    if benchmark not in (None, "auto", *BENCHMARKS):
        raise InputError(f"unknown benchmark {benchmark!r}; choose from {', '.join(BENCHMARKS)}",
                               param="benchmark")
    dump = load_dump(path, format, repair_spaces=repair_spaces,
                     benchmark=benchmark if benchmark in BENCHMARKS else None)
    if benchmark == "auto":
        benchmark = detect_benchmark(dump.tasks) if check_task_ids else None
    if benchmark is not None:
        attach_problems(dump, problem_lookup(benchmark, **({"split": "all"} if benchmark == "mbpp" else {})))
        dump.metadata["benchmark"] = benchmark
    if head is not None:
        if head < 1:
            raise InputError("the number of problems must be >= 1", param="head")
        dump = dump.head(head)
    return dump
