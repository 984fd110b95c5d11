"""Running live rankers over a dump: label-free views, the score cache, cross-fitting, costs.

``score_dump`` returns ``Scores``: task_id -> scores oriented so that higher is better, with the
ranker's cost per sample (declared, or measured while scoring and kept with cached scores).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rankkit.dumps import Dump
from rankkit.errors import InputError, RankkitError
from rankkit.progress import Progress
from rankkit.rankers.base import Ranker, RankerCost, oriented, total_cost
from rankkit.rankers.view import view_for
from rankkit.score_cache import ScoreCache


class Scores(dict):
    """task_id -> scores (higher is better) of one series, with where they came from, what
    one sample costs to score (``cost``: RankerCost, or None when unknown) and, for rankers that
    say how they were made (a verifier's mode and training), ``description``."""

    def __init__(self, values=(), *, name: str = "", cost: RankerCost | None = None,
                 higher_is_better: bool = True, description: str | None = None):
        super().__init__(values)
        self.name, self.cost, self.higher_is_better = name, cost, higher_is_better
        self.description = description

    def natural(self) -> dict[str, np.ndarray]:
        """The scores in the ranker's own direction (e.g. NLL lower-is-better), for writing."""
        return {t: (s if self.higher_is_better else -s) for t, s in self.items()}


class RankerFailure(RuntimeError, ValueError):
    """A ranker raised, or returned, something that is not a user error: a bug in the ranker,
    reported with its traceback and the ranker's name (never turned into a one-line error)."""


def measured_cost(ranker) -> RankerCost | None:
    """What the ranker measured of its own cost (rankers not derived from Ranker: None)."""
    measure = getattr(ranker, "measured_cost", None)
    return measure() if callable(measure) else None


def describe(ranker) -> str | None:
    """The ranker's own account of what made its scores (``describe()``), if it gives one."""
    fn = getattr(ranker, "describe", None)
    return fn() if callable(fn) else None


def own_cost(ranker) -> RankerCost | None:
    """The ranker's declared cost, else what it measured so far."""
    return ranker.cost if ranker.cost is not None else measured_cost(ranker)


def _call(ranker: Ranker, spec: str, method: str, *args):
    try:
        return getattr(ranker, method)(*args)
    except RankkitError:
        raise
    except Exception as e:
        raise RankerFailure(f"ranker {spec!r} raised {type(e).__name__} in {method}(...): {e}") from e


def _checked(ranker_name: str, task, s) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    if s.shape != (len(task),):
        raise RankerFailure(f"ranker {ranker_name!r} returned {s.shape} scores for task {task.task_id} "
                            f"with {len(task)} samples")
    if np.isnan(s).any():
        raise RankerFailure(f"ranker {ranker_name!r} returned NaN for task {task.task_id}, "
                            f"sample {int(np.flatnonzero(np.isnan(s))[0])}")
    return s


def _combined_cost(declared, cached, cached_samples: int, measured, measured_samples: int) -> RankerCost | None:
    """Declared cost if any; else the sample-weighted mean of what earlier runs (cache) and this
    run measured."""
    if declared is not None:
        return declared
    parts = [(c, n) for c, n in ((cached, cached_samples), (measured, measured_samples)) if c is not None and n]
    if not parts:
        return None
    total = sum(n for _, n in parts)
    return RankerCost(sum(c.flops_per_sample * n for c, n in parts) / total,
                      sum(c.seconds_per_sample * n for c, n in parts) / total)


def score_dump(dump: Dump, ranker: Ranker, show_progress: bool = True, cache_dir: str | Path | None = None,
               spec: str | None = None, folds: int = 5, batch_problems: int = 8) -> Scores:
    """Run a live ranker on every problem; scores oriented so that higher is better.

    Rankers see label-free views (the oracle alone gets labels). cache_dir: keep the scores on
    disk (keyed by ``spec`` and the dump), resuming from what is there. Learned rankers
    (``ranker.learned``) are cross-fitted: the problems are split into ``folds`` and each fold is
    scored by the ranker fitted on the other folds' labels.
    """
    spec = spec or ranker.name
    if ranker.learned:
        return cross_fit_scores(dump, ranker, folds, show_progress, cache_dir, spec=spec)
    if ranker.uses_labels:
        for task in dump:
            task.passed()  # a clear error for unlabelled samples
    cache = (ScoreCache(cache_dir, spec, dump, str(getattr(ranker, "version", "")))
             if cache_dir is not None and ranker.cacheable else None)
    raw = cache.load() if cache else {}
    cached_samples = sum(len(dump[t]) for t in raw if t in dump.tasks)
    todo = [t for t in dump if t.task_id not in raw]
    bar = Progress(len(todo), f"ranking with {spec}", unit="problems", enabled=show_progress and bool(todo))
    scored = 0
    with bar:
        for start in range(0, len(todo), batch_problems):
            batch = todo[start:start + batch_problems]
            views = [view_for(ranker, t) for t in batch]
            scores = _call(ranker, spec, "score_many", views, [v.generations for v in views])
            if len(scores) != len(batch):
                raise RankerFailure(f"ranker {spec!r} returned {len(scores)} score arrays for {len(batch)} problems")
            checked = [_checked(spec, task, s) for task, s in zip(batch, scores)]
            for task, s in zip(batch, checked):
                raw[task.task_id] = s
            scored += sum(len(t) for t in batch)
            if cache is not None:
                cache.append([t.task_id for t in batch], checked, own_cost(ranker))
            bar.advance(len(batch))
    out = Scores(name=spec, higher_is_better=bool(ranker.higher_is_better), description=describe(ranker),
                 cost=_combined_cost(ranker.cost, cache.cost if cache else None, cached_samples,
                                     measured_cost(ranker) if scored else None, scored))
    for task in dump:
        s = raw[task.task_id]
        if s.shape != (len(task),):
            raise InputError(f"{cache.path if cache else 'cache'}: task {task.task_id} has {s.shape} stored scores "
                             f"for {len(task)} samples")
        out[task.task_id] = oriented(ranker, s)
    return out


def fold_of(position: int, folds: int) -> int:
    """Problem ``position`` (in dump order) belongs to fold position mod folds."""
    return position % folds


def cross_fit_scores(dump: Dump, ranker: Ranker, folds: int = 5, show_progress: bool = True,
                     cache_dir: str | Path | None = None, spec: str | None = None) -> Scores:
    """Scores of a learned ranker where no problem is scored by a fit that saw its labels.

    Problem i belongs to fold i mod ``folds``. ``fit`` gets label-free views of the other folds'
    problems and their labels as its explicit ``labels`` argument; scoring gets views of the
    held-out fold. Components of a composite ranker are scored once, through the score cache
    when one is given; its cost is theirs added up.
    """
    spec = spec or ranker.name
    tasks = list(dump)
    if len(tasks) < 2:
        raise InputError(f"ranker {spec!r} is learned: cross-fitting needs at least 2 problems")
    for task in tasks:
        task.passed()
    components = ranker.components() if callable(getattr(ranker, "components", None)) else {}
    costs = []
    if components:
        known = {}
        for name, component in components.items():
            known[name] = score_dump(dump, component, show_progress, cache_dir, spec=name)
            costs.append(known[name].cost)
        ranker.set_component_scores(known)
    folds = max(2, min(folds, len(tasks)))
    out = {}
    with Progress(folds, f"cross-fitting {spec}", unit="folds", enabled=show_progress) as bar:
        for f in range(folds):
            train = [t for i, t in enumerate(tasks) if fold_of(i, folds) != f]
            test = [t for i, t in enumerate(tasks) if fold_of(i, folds) == f]
            train_views = [view_for(ranker, t) for t in train]
            _call(ranker, spec, "fit", train_views, [v.generations for v in train_views],
                  [t.passed().astype(np.int8) for t in train])
            test_views = [view_for(ranker, t) for t in test]
            scores = _call(ranker, spec, "score_many", test_views, [v.generations for v in test_views])
            for task, s in zip(test, scores):
                out[task.task_id] = oriented(ranker, _checked(spec, task, s))
            bar.advance(1)
    cost = total_cost(costs) if components else own_cost(ranker)
    return Scores({t.task_id: out[t.task_id] for t in tasks}, name=spec, cost=cost,
                  higher_is_better=bool(ranker.higher_is_better), description=describe(ranker))
