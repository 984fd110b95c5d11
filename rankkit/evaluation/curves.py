"""From a labelled dump and ranker scores to curves: pass@k and rank-score@k, plain or budgeted,
and paired differences between two rankers' curves.

A ``Curve`` holds per-problem values (problems x points) and their bootstrap estimate, for x
given either as k or as a budget (FLOPs or seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from rankkit.dumps import Dump
from rankkit.errors import InputError
from rankkit.scoring import (
    DEFAULT_TIES,
    TIES,
    Estimate,
    bootstrap_ci,
    pass_at_budget,
    pass_at_k,
    rank_labels,
    rank_score_at_budget,
    rank_score_matrix,
)


@dataclass
class Curve:
    """One series of a report: ``metric`` of ``name`` at each x (k or a budget)."""

    name: str
    metric: str  # "pass@k", "rank-score@k", "pass_flops", "rank-score_time", ...
    x: np.ndarray
    x_label: str  # "k", "flops" or "time"
    per_problem: np.ndarray  # problems x len(x)
    estimate: Estimate
    info: dict = field(default_factory=dict)


@dataclass
class Difference:
    """``name`` minus ``baseline`` at each x, with a paired bootstrap interval: every replicate
    resamples the same problems for both curves. ``significant``: the interval excludes 0."""

    name: str
    baseline: str
    metric: str
    x: np.ndarray
    x_label: str
    per_problem: np.ndarray
    estimate: Estimate

    @property
    def significant(self) -> np.ndarray:
        low, high = self.estimate.low, self.estimate.high
        with np.errstate(invalid="ignore"):  # a tolerance: identical curves differ by rounding only
            return (low > 1e-12) | (high < -1e-12)


def paired_difference(curve: Curve, baseline: Curve, n_boot: int = 1000, seed: int = 0) -> Difference:
    """The paired bootstrap of ``curve - baseline`` over problems (same problems, same x)."""
    if curve.per_problem.shape != baseline.per_problem.shape or not np.array_equal(curve.x, baseline.x):
        raise ValueError(f"curves {curve.name!r} and {baseline.name!r} are not on the same problems and x")
    diff = curve.per_problem - baseline.per_problem
    return Difference(curve.name, baseline.name, curve.metric, curve.x, curve.x_label, diff,
                      bootstrap_ci(diff, n_boot=n_boot, seed=seed))


def max_k(dump: Dump) -> int:
    """The largest k every problem supports (its smallest sample count)."""
    return min(len(t) for t in dump)


def check_ks(dump: Dump, ks: Sequence[int]) -> np.ndarray:
    ks = np.asarray(ks, dtype=np.int64)
    limit = max_k(dump)
    if ks.size == 0 or ks.min() < 1 or ks.max() > limit:
        raise InputError(f"k values must lie in 1..{limit} (the fewest samples any problem of {dump.source} has)",
                         param="ks")
    return ks


def check_ties(ties: str) -> str:
    if ties not in TIES:
        raise InputError(f"ties must be one of {', '.join(TIES)}, got {ties!r}", param="ties")
    return ties


def ranked_labels(dump: Dump, scores: Mapping[str, np.ndarray], ties: str = DEFAULT_TIES,
                  discard_unfinished: bool = False) -> list[np.ndarray]:
    """Each problem's labels in ranker order (higher score first), see ``rank_labels``."""
    out = []
    for task in dump:
        if task.task_id not in scores:
            raise InputError(f"no scores for task {task.task_id}")
        eligible = None
        if discard_unfinished:
            if task.finished is None:
                raise InputError(f"task {task.task_id}: discarding unfinished samples needs 'finished' flags "
                                 f"in the dump", param="discard_unfinished", example="False")
            eligible = task.finished
        try:
            out.append(rank_labels(scores[task.task_id], task.passed(), ties=ties, eligible=eligible))
        except ValueError as e:
            raise InputError(f"task {task.task_id}: {e}") from None
    return out


def pass_curve(dump: Dump, ks, name: str = "pass@k", n_boot: int = 1000, seed: int = 0) -> Curve:
    """pass@k (the unit-test upper bound of any ranking) at each k."""
    ks = check_ks(dump, ks)
    n, c = dump.counts()
    values = pass_at_k(n, c, ks).reshape(len(n), len(ks))
    return Curve(name, "pass@k", ks, "k", values, bootstrap_ci(values, n_boot=n_boot, seed=seed))


def rank_score_curve(dump: Dump, scores: Mapping[str, np.ndarray], ks, name: str, ties: str = DEFAULT_TIES,
                     discard_unfinished: bool = False, n_boot: int = 1000, seed: int = 0) -> Curve:
    """rank-score@k of one ranker's scores (higher is better) at each k."""
    ks = check_ks(dump, ks)
    values = rank_score_matrix(ranked_labels(dump, scores, check_ties(ties), discard_unfinished), ks)
    return Curve(name, "rank-score@k", ks, "k", values, bootstrap_ci(values, n_boot=n_boot, seed=seed),
                 {"ties": ties, "discard_unfinished": discard_unfinished})


def pass_budget_curve(dump: Dump, budgets, unit: str, generator_cost: float, name: str,
                      n_boot: int = 1000, seed: int = 0) -> Curve:
    """pass_flops@f or pass_time@t: pass@k with the most samples the budget buys."""
    n, c = dump.counts()
    budgets = np.asarray(budgets, dtype=np.float64)
    values = pass_at_budget(n, c, budgets, generator_cost)
    return Curve(name, f"pass_{unit}", budgets, unit, values, bootstrap_ci(values, n_boot=n_boot, seed=seed),
                 {"generator_cost": generator_cost})


def rank_score_budget_curve(dump: Dump, scores: Mapping[str, np.ndarray], budgets, unit: str,
                            generator_cost: float, ranker_cost: float, name: str, ties: str = DEFAULT_TIES,
                            discard_unfinished: bool = False, n_boot: int = 1000, seed: int = 0) -> Curve:
    """rank-score_flops@f or rank-score_time@t: each sample costs generation plus ranking."""
    budgets = np.asarray(budgets, dtype=np.float64)
    ranked = ranked_labels(dump, scores, check_ties(ties), discard_unfinished)
    values = rank_score_at_budget(ranked, budgets, generator_cost, ranker_cost)
    return Curve(name, f"rank-score_{unit}", budgets, unit, values, bootstrap_ci(values, n_boot=n_boot, seed=seed),
                 {"generator_cost": generator_cost, "ranker_cost": ranker_cost, "ties": ties,
                  "discard_unfinished": discard_unfinished})
