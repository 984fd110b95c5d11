"""Benchmarks: HumanEval and MBPP problems with prompts, stop sequences and test programs."""

from __future__ import annotations

from typing import Callable

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
    raise ValueError(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")


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


__all__ = [
    "BENCHMARKS", "HumanEvalProblem", "MBPPProblem", "Problem", "canonical_task_id",
    "load_benchmark", "load_humaneval", "load_mbpp", "problem_lookup", "truncate_at_stops",
]
