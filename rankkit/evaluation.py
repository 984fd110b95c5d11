"""From a labelled dump and ranker scores to curves: pass@k and rank-score@k, plain or budgeted.

A ``Curve`` holds per-problem values (problems x points) and their bootstrap estimate, for x
given either as k or as a budget (FLOPs or seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.dumps import Dump
from rankkit.progress import progress
from rankkit.rankers.base import Ranker, RankerCost, oriented
from rankkit.score_cache import ScoreCache
from rankkit.scoring import (
    Estimate,
    bootstrap_ci,
    pass_at_budget,
    pass_at_k,
    rank_labels,
    rank_score_at_budget,
    rank_score_curves,
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


def _estimate(per_problem: np.ndarray, n_boot: int, seed: int) -> Estimate:
    return bootstrap_ci(per_problem, n_boot=n_boot, seed=seed)


def max_k(dump: Dump) -> int:
    """The largest k every problem supports (its smallest sample count)."""
    return min(len(t) for t in dump)


def check_ks(dump: Dump, ks: Sequence[int]) -> np.ndarray:
    ks = np.asarray(ks, dtype=np.int64)
    limit = max_k(dump)
    if ks.size == 0 or ks.min() < 1 or ks.max() > limit:
        raise ValueError(f"k must lie in 1..{limit} (the fewest samples any problem of {dump.source} has)")
    return ks


def score_dump(dump: Dump, ranker: Ranker, show_progress: bool = True, cache_dir: str | Path | None = None,
               spec: str | None = None, folds: int = 5, batch_problems: int = 32) -> dict[str, np.ndarray]:
    """Run a live ranker on every problem; scores oriented so that higher is better.

    cache_dir: keep the scores on disk (keyed by ``spec`` and the dump), resuming from what is
    there. Learned rankers (``ranker.learned``) are cross-fitted: the problems are split into
    ``folds`` and each fold is scored by the ranker fitted on the other folds' labels.
    """
    if ranker.learned:
        return cross_fit_scores(dump, ranker, folds, show_progress, cache_dir)
    if ranker.uses_labels:
        for task in dump:
            task.passed()  # a clear error for unlabelled samples
    cache = (ScoreCache(cache_dir, spec or ranker.name, dump, str(getattr(ranker, "version", "")))
             if cache_dir is not None and ranker.cacheable else None)
    raw = cache.load() if cache else {}
    if cache is not None and cache.cost is not None and raw:
        try:
            ranker.cost = RankerCost(*cache.cost)
        except AttributeError:  # a computed cost (e.g. an ensemble's)
            pass
    todo = [t for t in dump if t.task_id not in raw]
    batches = [todo[i:i + batch_problems] for i in range(0, len(todo), batch_problems)]
    for batch in progress(batches, total=len(batches), description=f"ranking with {spec or ranker.name}",
                          enabled=show_progress and bool(batches)):
        scores = ranker.score_many(batch, [t.generations for t in batch])
        if len(scores) != len(batch):
            raise ValueError(f"ranker {ranker.name!r} returned {len(scores)} score arrays for {len(batch)} problems")
        checked = []
        for task, s in zip(batch, scores):
            s = np.asarray(s, dtype=np.float64)
            if s.shape != (len(task),):
                raise ValueError(f"ranker {ranker.name!r} returned {s.shape} scores for task {task.task_id} "
                                 f"with {len(task)} samples")
            if np.isnan(s).any():
                raise ValueError(f"ranker {ranker.name!r} returned NaN for task {task.task_id}, "
                                 f"sample {int(np.flatnonzero(np.isnan(s))[0])}")
            checked.append(s)
            raw[task.task_id] = s
        if cache is not None:
            cache.append([t.task_id for t in batch], checked, ranker.cost)
    out = {}
    for task in dump:
        s = raw[task.task_id]
        if s.shape != (len(task),):
            raise ValueError(f"{cache.path if cache else 'cache'}: task {task.task_id} has {s.shape} stored scores "
                             f"for {len(task)} samples")
        out[task.task_id] = oriented(ranker, s)
    return out


def cross_fit_scores(dump: Dump, ranker: Ranker, folds: int = 5, show_progress: bool = True,
                     cache_dir: str | Path | None = None) -> dict[str, np.ndarray]:
    """Scores of a learned ranker where no problem is scored by a fit that saw its labels.

    Problem i belongs to fold i mod ``folds`` (at most one fold per problem). Components of an
    ensemble are scored once, through the score cache when one is given.
    """
    tasks = list(dump)
    if len(tasks) < 2:
        raise ValueError(f"ranker {ranker.name!r} is learned: cross-fitting needs at least 2 problems")
    for task in tasks:
        task.passed()
    components = dict(zip(getattr(ranker, "component_names", ()), getattr(ranker, "components", ())))
    if components:
        known = {name: score_dump(dump, c, show_progress, cache_dir, spec=name) for name, c in components.items()}
        ranker.features(tasks, [t.generations for t in tasks], known)
    folds = max(2, min(folds, len(tasks)))
    out = {}
    for f in range(folds):
        train = [t for i, t in enumerate(tasks) if i % folds != f]
        test = [t for i, t in enumerate(tasks) if i % folds == f]
        ranker.fit(train, [t.generations for t in train], [t.passed().astype(np.int8) for t in train])
        for task, s in zip(test, ranker.score_many(test, [t.generations for t in test])):
            out[task.task_id] = oriented(ranker, np.asarray(s, dtype=np.float64))
    return {t.task_id: out[t.task_id] for t in tasks}


def ranked_labels(dump: Dump, scores: Mapping[str, np.ndarray], ties: str = "stable",
                  discard_unfinished: bool = False) -> list[np.ndarray]:
    """Each problem's labels in ranker order (higher score first), see ``rank_labels``."""
    out = []
    for task in dump:
        if task.task_id not in scores:
            raise KeyError(f"no scores for task {task.task_id}")
        eligible = None
        if discard_unfinished:
            if task.finished is None:
                raise ValueError(f"task {task.task_id}: --discard-unfinished needs 'finished' flags in the dump")
            eligible = task.finished
        try:
            out.append(rank_labels(scores[task.task_id], task.passed(), ties=ties, eligible=eligible))
        except ValueError as e:
            raise ValueError(f"task {task.task_id}: {e}") from None
    return out


def pass_curve(dump: Dump, ks, name: str = "pass@k", n_boot: int = 1000, seed: int = 0) -> Curve:
    """pass@k (the unit-test upper bound of any ranking) at each k."""
    ks = check_ks(dump, ks)
    n, c = dump.counts()
    values = pass_at_k(n, c, ks).reshape(len(n), len(ks))
    return Curve(name, "pass@k", ks, "k", values, _estimate(values, n_boot, seed))


def rank_score_curve(dump: Dump, scores: Mapping[str, np.ndarray], ks, name: str, ties: str = "stable",
                     discard_unfinished: bool = False, n_boot: int = 1000, seed: int = 0) -> Curve:
    """rank-score@k of one ranker's scores (higher is better) at each k."""
    ks = check_ks(dump, ks)
    values = rank_score_curves(ranked_labels(dump, scores, ties, discard_unfinished), ks)
    return Curve(name, "rank-score@k", ks, "k", values, _estimate(values, n_boot, seed),
                 {"ties": ties, "discard_unfinished": discard_unfinished})


def pass_budget_curve(dump: Dump, budgets, unit: str, generator_cost: float, name: str,
                      n_boot: int = 1000, seed: int = 0) -> Curve:
    """pass_flops@f or pass_time@t: pass@k with the most samples the budget buys."""
    n, c = dump.counts()
    budgets = np.asarray(budgets, dtype=np.float64)
    values = pass_at_budget(n, c, budgets, generator_cost)
    return Curve(name, f"pass_{unit}", budgets, unit, values, _estimate(values, n_boot, seed),
                 {"generator_cost": generator_cost})


def rank_score_budget_curve(dump: Dump, scores: Mapping[str, np.ndarray], budgets, unit: str,
                            generator_cost: float, ranker_cost: float, name: str, ties: str = "stable",
                            discard_unfinished: bool = False, n_boot: int = 1000, seed: int = 0) -> Curve:
    """rank-score_flops@f or rank-score_time@t: each sample costs generation plus ranking."""
    budgets = np.asarray(budgets, dtype=np.float64)
    ranked = ranked_labels(dump, scores, ties, discard_unfinished)
    values = rank_score_at_budget(ranked, budgets, generator_cost, ranker_cost)
    return Curve(name, f"rank-score_{unit}", budgets, unit, values, _estimate(values, n_boot, seed),
                 {"generator_cost": generator_cost, "ranker_cost": ranker_cost, "ties": ties,
                  "discard_unfinished": discard_unfinished})
