"""The base of execution rankers: run the candidates on probe cases, never on the hidden tests,
and turn each problem's pass matrix (``rankkit.programs.matrix``) into scores."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rankkit.errors import InputError
from rankkit.execution.pool import warn_once
from rankkit.programs.matrix import PassMatrix, pass_matrices
from rankkit.programs.probes import Case, FollowMedian
from rankkit.rankers.base import Ranker, RankerCost


class ProbingRanker(Ranker):
    """Base of rankers that execute the candidates on probe cases (never the hidden tests).

    Subclasses say which cases to run (``cases``) and how to turn one problem's pass matrix into
    scores (``combine``). All problems' distinct candidates run in one sandbox pool.
    Cost: measured, the sandbox seconds per sample (FLOPs: none on the accelerator).
    ``auto_limits``: each case's time limit follows the candidates' median time on it
    (``FollowMedian``: 4x, at least 0.1 s, at most ``case_seconds``) instead of ``case_seconds``.
    """

    missing = "no example inputs in their prompts"  # what a problem lacked when nothing ran
    remedy = "`rankkit inputs` makes inputs for any signature"

    def __init__(self, workers: int | None = None, case_seconds: float = 0.5, total_seconds: float = 5.0,
                 cache: bool = True, examples: str = "auto", auto_limits: bool = False):
        self.workers, self.case_seconds, self.total_seconds = workers, case_seconds, total_seconds
        self.auto_limits = auto_limits
        self.cache, self.examples = cache, examples
        self.coverage: dict[str, int] = {}  # task_id -> number of probe cases
        self._seconds, self._samples = 0.0, 0
        self._warned = False

    def describe(self) -> str | None:
        """Said under the report when some problems gave nothing to run: their samples all tie."""
        empty = sorted(t for t, n in self.coverage.items() if n == 0)
        if not empty:
            return None
        return (f"nothing to run for {len(empty)} of {len(self.coverage)} problems ({self.missing}): their "
                f"samples tie, as random would rank them (e.g. {', '.join(empty[:3])}; {self.remedy})")

    def measured_cost(self) -> RankerCost | None:
        """Sandbox seconds per sample so far (no FLOPs: nothing runs on the accelerator)."""
        return RankerCost(0.0, self._seconds / self._samples) if self._samples else None

    def cases(self, problem) -> tuple[str, list[Case]]:  # pragma: no cover - abstract
        """(code prefix for the candidates, probe cases) of one problem."""
        raise NotImplementedError

    def combine(self, problem, generations, matrix: PassMatrix) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return self.score_many([problem], [generations])[0]

    def score_many(self, problems, generations):
        todo = []
        for problem, gens in zip(problems, generations):
            if problem.prompt is None:
                raise InputError(f"task {problem.task_id}: the dump has no prompt", param="benchmark",
                                 example="humaneval|mbpp")
            prefix, cases = self.cases(problem)
            self.coverage[str(problem.task_id)] = len(cases)
            todo.append((str(problem.task_id), prefix, list(gens), cases))
        empty = [t for t, _, _, cases in todo if not cases]
        if empty and not self._warned:
            self._warned = True  # once per ranker and run; describe() gives the count at the end
            warn_once(f"rankkit: warning: ranker {self.name!r} has nothing to run for task {empty[0]} "
                      f"({self.missing}): such problems' samples tie; the count follows the report")
        limit = FollowMedian(cap=self.case_seconds) if self.auto_limits else self.case_seconds
        matrices = pass_matrices(todo, workers=self.workers, cache=self.cache, case_seconds=limit,
                                 total_seconds=self.total_seconds)
        # sandbox seconds per sample, on one core (a duplicate candidate runs once)
        self._seconds += sum(float(m.seconds.sum()) for m in matrices)
        self._samples += sum(len(g) for g in generations)
        return [self.combine(problem, gens, m) if m.cases else np.zeros(len(gens))
                for problem, gens, m in zip(problems, generations, matrices)]
