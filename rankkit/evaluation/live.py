"""Running live rankers over a dump: label-free views, the score cache, cross-fitting, costs.

``score_dump`` returns ``Scores``: task_id -> scores oriented so that higher is better, with the
ranker's cost per sample (declared, or measured while scoring and kept with cached scores) and
where both came from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rankkit.dumps import Dump
from rankkit.errors import InputError, RankkitError, SpecError
from rankkit.machine import machine_name
from rankkit.progress import Progress
from rankkit.rankers.base import Ranker, RankerCost, clone, oriented, ranker_identity, total_cost
from rankkit.dumps.view import view_for
from rankkit.score_cache import ScoreCache


class Scores(dict):
    """task_id -> scores (higher is better) of one series, with where they came from
    (``origin``: 'live', 'live (cached: ...)' or 'file PATH'), what one sample costs to score
    (``cost``: RankerCost, or None when unknown) and where that figure comes from
    (``cost_source``), the LM that scored them (``model``, for a cost table's scoring entry) and,
    for rankers that say how they were made (a verifier's mode and training), ``description``."""

    def __init__(self, values=(), *, name: str = "", cost: RankerCost | None = None,
                 higher_is_better: bool = True, description: str | None = None, origin: str = "live",
                 cost_source: str | None = None, model: str | None = None):
        super().__init__(values)
        self.name, self.cost, self.higher_is_better = name, cost, higher_is_better
        self.description, self.origin, self.cost_source, self.model = description, origin, cost_source, model

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


def measured_totals(ranker, samples_seen: int) -> tuple[float, float] | None:
    """(FLOPs, seconds) the ranker measured in all; ``samples_seen``: what this process handed it,
    for rankers that only report a per-sample mean."""
    fn = getattr(ranker, "measured_totals", None)
    totals = fn() if callable(fn) else None
    if totals is not None:
        return float(totals[0]), float(totals[1])
    cost = measured_cost(ranker)
    if cost is None:
        return None
    return cost.flops_per_sample * samples_seen, cost.seconds_per_sample * samples_seen


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


def _score_batch(ranker, spec: str, tasks) -> list[np.ndarray]:
    """One checked score array per task, in order: a ranker returning more or fewer is a bug."""
    views = [view_for(ranker, t) for t in tasks]
    scores = list(_call(ranker, spec, "score_many", views, [v.generations for v in views]))
    if len(scores) != len(tasks):
        raise RankerFailure(f"ranker {spec!r} returned {len(scores)} score arrays for {len(tasks)} problems")
    return [_checked(spec, task, s) for task, s in zip(tasks, scores)]


def score_dump(dump: Dump, ranker: Ranker, show_progress: bool = True, cache_dir: str | Path | None = None,
               spec: str | None = None, folds: int = 5, batch_problems: int = 8) -> Scores:
    """Run a live ranker on every problem; scores oriented so that higher is better.

    Rankers see label-free views (the oracle alone gets labels). cache_dir: keep the scores on
    disk (keyed by the ranker's full identity and the dump), resuming from what is there.
    Learned rankers (``ranker.learned``) are cross-fitted: the problems are split into ``folds``
    and each fold is scored by a fresh copy of the ranker fitted on the other folds' labels.
    """
    spec = spec or ranker.name
    if ranker.learned:
        return cross_fit_scores(dump, ranker, folds, show_progress, cache_dir, spec=spec)
    if ranker.uses_labels:
        for task in dump:
            task.passed()  # a clear error for unlabelled samples
    cache = (ScoreCache(cache_dir, ranker_identity(ranker), dump, spec)
             if cache_dir is not None and ranker.cacheable else None)
    raw = cache.load() if cache else {}
    stored = cache.totals if cache else []
    todo = [t for t in dump if t.task_id not in raw]
    from_cache = len(dump) - len(todo)
    machine = machine_name()
    bar = Progress(len(todo), f"ranking with {spec}", unit="problems", enabled=show_progress and bool(todo))
    run_totals: list[tuple[float, float, int] | None] = []
    seen = 0
    before = measured_totals(ranker, seen)
    with bar:
        for start in range(0, len(todo), batch_problems):
            batch = todo[start:start + batch_problems]
            checked = _score_batch(ranker, spec, batch)
            for task, s in zip(batch, checked):
                raw[task.task_id] = s
            samples = sum(len(t) for t in batch)
            seen += samples
            after = measured_totals(ranker, seen)
            delta = _spent(before, after)
            before = after
            run_totals.append(None if delta is None else (*delta, samples))
            if cache is not None:
                cache.append([t.task_id for t in batch], checked, delta, machine)
            bar.advance(len(batch))
    cost, cost_source = ranker.cost, "declared by the ranker"
    if cost is None:
        parts = list(stored) + run_totals
        if parts and all(p is not None for p in parts):
            n = sum(p[2] for p in parts)
            cost = RankerCost(sum(p[0] for p in parts) / n, sum(p[1] for p in parts) / n)
            machines = sorted((cache.machines if cache else set()) | ({machine} if todo else set()))
            cost_source = f"measured on {', '.join(machines) or machine}"
        else:
            cost_source = None
    origin = "live" if not from_cache else f"live ({from_cache} of {len(dump)} problems from the score cache {cache.path})"
    out = Scores(name=spec, higher_is_better=bool(ranker.higher_is_better), description=describe(ranker),
                 cost=cost, cost_source=cost_source, origin=origin, model=_model_of(ranker))
    for task in dump:
        s = raw[task.task_id]
        if s.shape != (len(task),):
            raise InputError(f"{cache.path if cache else 'cache'}: task {task.task_id} has {s.shape} stored scores "
                             f"for {len(task)} samples")
        out[task.task_id] = oriented(ranker, s)
    return out


def _model_of(ranker) -> str | None:
    model = getattr(ranker, "model", None)
    return model if isinstance(model, str) else None


def fold_of(position: int, folds: int) -> int:
    """Problem ``position`` (in dump order) belongs to fold position mod folds."""
    return position % folds


def _subdump(dump: Dump, tasks) -> Dump:
    return Dump({t.task_id: t for t in tasks}, dump.source, dict(dump.metadata))


def cross_fit_scores(dump: Dump, ranker: Ranker, folds: int = 5, show_progress: bool = True,
                     cache_dir: str | Path | None = None, spec: str | None = None) -> Scores:
    """Scores of a learned ranker where no problem is scored by a fit that saw its labels.

    Problem i belongs to fold i mod ``folds``. Each fold gets a fresh clone of ``ranker`` (same
    constructor parameters, no state from other folds); ``fit`` gets label-free views of the
    other folds' problems and their labels as its explicit ``labels`` argument; scoring gets
    views of the held-out fold. Components of a composite ranker are scored once, through the
    score cache when one is given; a learned component is cross-fitted inside each outer fold
    (nested), on that fold's training problems only. The cost is the components' added up.
    """
    spec = spec or ranker.name
    tasks = list(dump)
    if len(tasks) < 2:
        raise InputError(f"ranker {spec!r} is learned: cross-fitting needs at least 2 problems")
    for task in tasks:
        task.passed()
    components = ranker.components() if callable(getattr(ranker, "components", None)) else {}
    fixed, learned, costs = {}, {}, []
    for name, component in components.items():
        if getattr(component, "uses_labels", False):
            raise SpecError(f"ranker {spec!r}: component {name!r} reads the labels")
        if getattr(component, "learned", False):
            learned[name] = component
        else:
            fixed[name] = score_dump(dump, component, show_progress, cache_dir, spec=name)
            costs.append(fixed[name].cost)
    folds = max(2, min(folds, len(tasks)))
    out: dict[str, np.ndarray] = {}
    own: list[tuple[float, float] | None] = []
    learned_costs: dict[str, list] = {name: [] for name in learned}
    description = None
    with Progress(folds, f"cross-fitting {spec}", unit="folds", enabled=show_progress) as bar:
        for f in range(folds):
            train = [t for i, t in enumerate(tasks) if fold_of(i, folds) != f]
            test = [t for i, t in enumerate(tasks) if fold_of(i, folds) == f]
            model = clone(ranker)
            if components:
                known = dict(fixed)
                for name, component in learned.items():
                    inner = cross_fit_scores(_subdump(dump, train), component, folds, False, cache_dir, spec=name)
                    outer = _fit_and_score(clone(component), name, train, test)
                    learned_costs[name].append((outer[1], sum(len(t) for t in test)))
                    known[name] = {**inner, **outer[0]}
                model.set_component_scores(known)
            train_views = [view_for(model, t) for t in train]
            _call(model, spec, "fit", train_views, [v.generations for v in train_views],
                  [t.passed().astype(np.int8) for t in train])
            start = measured_totals(model, 0)
            for task, s in zip(test, _score_batch(model, spec, test)):
                out[task.task_id] = oriented(model, s)
            own.append(_spent(start, measured_totals(model, sum(len(t) for t in test))))
            description = describe(model)
            bar.advance(1)
    if components:
        for name, parts in learned_costs.items():
            costs.append(_per_sample(parts))
        cost = total_cost(costs)
    elif ranker.cost is not None:
        cost = ranker.cost
    else:
        cost = _per_sample([(o, 1) for o in own], samples=sum(len(t) for t in tasks))
    return Scores({t.task_id: out[t.task_id] for t in tasks}, name=spec, cost=cost,
                  higher_is_better=bool(ranker.higher_is_better), description=description,
                  cost_source=None if cost is None else (
                      "declared by the ranker" if ranker.cost is not None and not components
                      else f"measured on {machine_name()}"),
                  origin=f"live, cross-fitted over {folds} folds", model=_model_of(ranker))


def _fit_and_score(model, name: str, train, test) -> tuple[dict[str, np.ndarray], tuple[float, float] | None]:
    """A learned component fitted on ``train`` and scored on ``test``: (scores, measured totals)."""
    views = [view_for(model, t) for t in train]
    _call(model, name, "fit", views, [v.generations for v in views], [t.passed().astype(np.int8) for t in train])
    start = measured_totals(model, 0)
    scores = {t.task_id: oriented(model, s) for t, s in zip(test, _score_batch(model, name, test))}
    n = sum(len(t) for t in test)
    if model.cost is not None:
        return scores, (model.cost.flops_per_sample * n, model.cost.seconds_per_sample * n)
    return scores, _spent(start, measured_totals(model, n))


def _spent(start: tuple[float, float] | None, end: tuple[float, float] | None) -> tuple[float, float] | None:
    """What was measured between two readings of a ranker's totals (None: it measures nothing)."""
    if end is None:
        return None
    base = start or (0.0, 0.0)
    return end[0] - base[0], end[1] - base[1]


def _per_sample(parts, samples: int | None = None) -> RankerCost | None:
    """Sum of (FLOPs, seconds) totals over their samples; None if any total is unknown."""
    if not parts or any(p is None for p, _ in parts):
        return None
    n = samples if samples is not None else sum(k for _, k in parts)
    if not n:
        return None
    return RankerCost(sum(p[0] for p, _ in parts) / n, sum(p[1] for p, _ in parts) / n)
