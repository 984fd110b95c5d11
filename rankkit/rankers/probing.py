"""The base of execution rankers: run the candidates on probe cases (``rankkit.programs.probes``),
never on the hidden tests, and turn what each case did into scores."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rankkit.errors import InputError
from rankkit.execution.pool import warn_once
from rankkit.programs.probes import Case, ProbeResult, run_probes
from rankkit.rankers.base import Ranker, RankerCost


class ProbingRanker(Ranker):
    """Base of rankers that execute the candidates on probe cases (never the hidden tests).

    Subclasses say which cases to run (``cases``) and how to turn the probe results of one
    problem into scores (``combine``). All problems' programs run in one sandbox pool.
    Cost: measured, the sandbox seconds per sample (FLOPs: none on the accelerator).
    """

    def __init__(self, workers: int | None = None, case_seconds: float = 0.5, total_seconds: float = 5.0,
                 cache: bool = True, examples: str = "auto"):
        self.workers, self.case_seconds, self.total_seconds = workers, case_seconds, total_seconds
        self.cache, self.examples = cache, examples
        self.coverage: dict[str, int] = {}  # task_id -> number of probe cases
        self._seconds, self._samples = 0.0, 0
        self._warned = False

    def describe(self) -> str | None:
        """Said under the report when some problems gave nothing to run: their samples all tie."""
        empty = sorted(t for t, n in self.coverage.items() if n == 0)
        if not empty:
            return None
        return (f"nothing to run for {len(empty)} of {len(self.coverage)} problems (no example inputs in their "
                f"prompts{' or tests' if type(self).__name__ == 'CodeTRanker' else ''}): their samples tie, as random "
                f"would rank them (e.g. {', '.join(empty[:3])}; `rankkit inputs` makes inputs for any signature)")

    def measured_cost(self) -> RankerCost | None:
        """Sandbox seconds per sample so far (no FLOPs: nothing runs on the accelerator)."""
        return RankerCost(0.0, self._seconds / self._samples) if self._samples else None

    def cases(self, problem) -> tuple[str, list[Case]]:  # pragma: no cover - abstract
        """(code prefix for the candidates, probe cases) of one problem."""
        raise NotImplementedError

    def combine(self, problem, generations, results: list[ProbeResult]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return self.score_many([problem], [generations])[0]

    def score_many(self, problems, generations):
        jobs, spans = [], []
        for problem, gens in zip(problems, generations):
            if problem.prompt is None:
                raise InputError(f"task {problem.task_id}: the dump has no prompt", param="benchmark",
                                 example="humaneval|mbpp")
            prefix, cases = self.cases(problem)
            self.coverage[str(problem.task_id)] = len(cases)
            start = len(jobs)
            if cases:
                jobs.extend((prefix + g, cases) for g in gens)
            spans.append((start, len(jobs)))
        empty = [p.task_id for p, (a, b) in zip(problems, spans) if a == b]
        if empty and not self._warned:
            self._warned = True  # once per ranker and run; describe() gives the count at the end
            warn_once(f"rankkit: warning: ranker {self.name!r} has nothing to run for task {empty[0]} (no example "
                      f"inputs in its prompt): such problems' samples tie; the count follows the report")
        results = run_probes(jobs, workers=self.workers, cache=self.cache, case_seconds=self.case_seconds,
                             total_seconds=self.total_seconds) if jobs else []
        # sandbox seconds per sample, on one core (identical candidates counted each time)
        self._seconds += sum(r.seconds for r in results)
        self._samples += sum(len(g) for g in generations)
        out = []
        for problem, gens, (a, b) in zip(problems, generations, spans):
            out.append(self.combine(problem, gens, results[a:b]) if b > a else np.zeros(len(gens)))
        return out
