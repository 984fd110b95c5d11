"""Benchmarks: HumanEval and MBPP problems with prompts, stop sequences and test programs."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from rankkit.errors import InputError

from rankkit.tasks.base import Problem, truncate_at_stops
from rankkit.tasks.humaneval import HumanEvalProblem, load_humaneval
from rankkit.tasks.mbpp import MBPPProblem, canonical_task_id, load_mbpp

BENCHMARKS = ("humaneval", "mbpp")


def load_benchmark(name: str, **kwargs) -> dict[str, Problem]:
    """Problems of a benchmark by name ('humaneval', 'mbpp'; MBPP takes split=, shots=)."""
    if name == "humaneval":
        return load_humaneval()
    if name == "mbpp":
        return load_mbpp(**kwargs)
    raise InputError(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}", param="benchmark")


def problem_lookup(name: str, **kwargs) -> Callable[[str], Problem]:
    """task_id -> Problem for a benchmark; MBPP accepts '11', 11 or 'MBPP/11'. KeyError if unknown."""
    problems = load_benchmark(name, **kwargs)
    if name == "mbpp":
        def lookup(task_id):
            try:
                return problems[canonical_task_id(task_id)]
            except ValueError:
                raise KeyError(task_id) from None
        return lookup
    return problems.__getitem__


_ID_PATTERNS = {"humaneval": re.compile(r"HumanEval/\d+"), "mbpp": re.compile(r"MBPP/\d+")}


def detect_benchmark(task_ids: Iterable[str]) -> str | None:
    """'humaneval' or 'mbpp' when every task id has that benchmark's form (HumanEval/N, MBPP/N),
    else None (a custom task set)."""
    ids = [str(t) for t in task_ids]
    for name, pattern in _ID_PATTERNS.items():
        if ids and all(pattern.fullmatch(t) for t in ids):
            return name
    return None


def public_metadata(task_id: str) -> dict[str, Any]:
    """What a ranker may know of a benchmark task beyond its prompt: benchmark, entry point,
    stop sequences and (MBPP) the task text; never tests or reference solutions. {} for ids
    that are no HumanEval/MBPP task."""
    name = detect_benchmark([task_id])
    if name is None:
        return {}
    problems = load_benchmark(name, **({"split": "all"} if name == "mbpp" else {}))
    problem = problems.get(str(task_id))
    if problem is None:
        return {}
    out = {"benchmark": name, "entry_point": problem.entry_point, "stop_sequences": problem.stop_sequences}
    if name == "mbpp":
        out["text"] = problem.metadata.get("text")
    return out


__all__ = [
    "detect_benchmark", "public_metadata",
    "BENCHMARKS", "HumanEvalProblem", "MBPPProblem", "Problem", "canonical_task_id",
    "load_benchmark", "load_humaneval", "load_mbpp", "problem_lookup", "truncate_at_stops",
]
