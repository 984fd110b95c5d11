"""The pass matrix: every distinct candidate of a problem run once on all of the problem's cases.

One sandboxed process per distinct candidate loads its code and runs each case (an input to call,
a call with its expected value, or an assert) under its own time limit (``probes``). Per problem
the result is a candidates x cases matrix of outcomes (ok, raised, timeout, not run), of output
fingerprints (a hash of the value's type and repr) and of whether each case held (its expected
value, or its assert). Results are cached with the executor's cache and depend on nothing but the
program and the cases, so the same candidates on the same cases give the same matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rankkit.execution import Environment
from rankkit.programs.probes import TIMEOUT_MARK, Case, FollowMedian, ProbeResult, run_probes

OK, RAISED, TIMEOUT, NOT_RUN = 0, 1, 2, 3  # outcome codes


@dataclass
class PassMatrix:
    """One problem's candidates x cases results.

    ``outcome`` (int8, OK/RAISED/TIMEOUT/NOT_RUN), ``error`` (the raised class, else ""),
    ``fingerprint`` (the output's type+repr hash, else ""), ``held`` (the case's expected value
    or assert held); per candidate ``loaded`` and ``seconds`` (its sandbox time; a duplicate
    candidate shares its twin's run and spends nothing).
    """

    task_id: str
    cases: tuple[Case, ...]
    outcome: np.ndarray
    error: np.ndarray
    fingerprint: np.ndarray
    held: np.ndarray
    loaded: np.ndarray
    seconds: np.ndarray
    distinct: int  # candidates that ran (the others were duplicates)

    @property
    def shape(self) -> tuple[int, int]:
        return self.outcome.shape

    @property
    def passed(self) -> np.ndarray:
        """Bool candidates x cases: the case ran and held (for the tests' verdict matrix)."""
        return self.held & (self.outcome == OK)

    def behaviour(self, i: int) -> tuple | None:
        """Candidate i's outputs on every case; None when it produced none (did not load, or every
        case raised or ran out of time): such candidates agree with nobody."""
        if not self.loaded[i] or not (self.outcome[i] == OK).any():
            return None
        return tuple(self.fingerprint[i]) + tuple(self.error[i])


def from_results(task_id: str, cases: Sequence[Case], results: Sequence[ProbeResult], distinct: int,
                 seconds: Sequence[float]) -> PassMatrix:
    """Arrange probe results (one per candidate, in order) and their sandbox seconds as a matrix."""
    n, m = len(results), len(cases)
    outcome = np.full((n, m), NOT_RUN, dtype=np.int8)
    error = np.full((n, m), "", dtype=object)
    fingerprint = np.full((n, m), "", dtype=object)
    held = np.zeros((n, m), dtype=bool)
    for i, r in enumerate(results):
        for j in range(m):
            fp = r.fingerprints[j] if r.loaded else None
            if fp is None:
                continue
            if fp == TIMEOUT_MARK:
                outcome[i, j], error[i, j] = TIMEOUT, "timeout"
            elif fp.startswith("!"):
                outcome[i, j], error[i, j] = RAISED, fp[1:]
            else:
                outcome[i, j], fingerprint[i, j] = OK, fp
            held[i, j] = bool(r.passed[j])
    return PassMatrix(str(task_id), tuple(cases), outcome, error, fingerprint, held,
                      np.array([r.loaded for r in results], dtype=bool), np.asarray(seconds, dtype=np.float64),
                      distinct)


def pass_matrices(problems: Sequence[tuple[str, str, Sequence[str], Sequence[Case]]], *, workers: int | None = None,
                  env: Environment = Environment(), cache=True, case_seconds: float | FollowMedian = 0.5,
                  total_seconds: float = 5.0, show_progress: bool = False) -> list[PassMatrix]:
    """The pass matrix of each (task id, code prefix, candidates, cases); all problems' distinct
    candidates run in one sandbox pool. A problem with no cases gets a candidates x 0 matrix and
    runs nothing."""
    jobs: list[tuple[str, Sequence[Case]]] = []
    owners: list[int] = []  # the problem of each job
    layout = []
    for number, (task_id, prefix, candidates, cases) in enumerate(problems):
        index: dict[str, int] = {}
        rows = []
        for c in candidates:
            if cases and c not in index:
                index[c] = len(jobs)
                jobs.append((prefix + c, cases))
                owners.append(number)
            rows.append(index.get(c))
        layout.append((task_id, cases, rows, len(index)))
    results = run_probes(jobs, workers=workers, env=env, cache=cache, case_seconds=case_seconds,
                         total_seconds=total_seconds, show_progress=show_progress, problems=owners) if jobs else []
    out = []
    for task_id, cases, rows, distinct in layout:
        if not cases:
            out.append(from_results(task_id, cases, [ProbeResult(True, None, [], []) for _ in rows], 0,
                                    [0.0] * len(rows)))
            continue
        # a duplicate shares its twin's result, but its seconds are not spent twice
        firsts = {r: i for i, r in reversed(list(enumerate(rows)))}
        seconds = [results[r].seconds if firsts[r] == i else 0.0 for i, r in enumerate(rows)]
        out.append(from_results(task_id, cases, [results[r] for r in rows], distinct, seconds))
    return out
