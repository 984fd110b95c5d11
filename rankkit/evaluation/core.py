"""The evaluation core: a labelled dump and score series in, a ``Report`` out.

``evaluate`` is what ``rankkit rank-score`` and ``rankkit report`` run, and what a Python user
calls: pass@k and each series' rank-score@k (plus, under a FLOPs or time budget, their budgeted
curves), bootstrap intervals over problems, each ranker's paired difference to a baseline, and
the metadata that says how the numbers were made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.costs import ModelCost
from rankkit.dumps import Dump, open_dump
from rankkit.errors import CostError, InputError, UnknownNameError
from rankkit.evaluation.curves import (
    DEFAULT_TIES,
    Curve,
    Difference,
    check_ks,
    check_ties,
    max_k,
    paired_difference,
    pass_budget_curve,
    pass_curve,
    rank_score_budget_curve,
    rank_score_curve,
)
from rankkit.evaluation.budget import Budget
from rankkit.evaluation.live import Scores, score_dump

DEFAULT_KS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)


def default_ks(limit: int) -> np.ndarray:
    """1, 2, 5, 10, 20, ... up to ``limit`` (the fewest samples of any problem)."""
    return np.array([k for k in DEFAULT_KS if k <= limit] or [1])


def is_nll_series(name: str) -> bool:
    """Series that hold a causal LM's NLL: the ``nll`` and ``generator-nll`` rankers or an NLL
    column of a score file."""
    from rankkit.scores import is_nll_name

    base = name.partition(":")[0]
    return base in ("nll", "generator-nll") or is_nll_name(name)


def resolve_series(dump: Dump, rankers: Sequence[str] = (), scores=None, lower_is_better: Sequence[str] = (),
                   seed: int = 0, cache_dir: str | Path | None = None, folds: int = 5,
                   show_progress: bool = True) -> dict[str, Scores]:
    """name -> Scores for each entry of ``rankers``: a column of the score file ``scores`` (path or
    ScoreTable) or a live ranker spec, scored now (or read from the score cache). With no
    ``rankers``: every column of ``scores``, else random, length and oracle."""
    from rankkit.rankers import available_rankers, make_ranker
    from rankkit.scores import ScoreTable, read_scores

    registered = set(available_rankers())

    def is_live(spec: str) -> bool:
        return spec.partition(":")[0] in registered

    table = scores
    if scores is not None and not isinstance(scores, ScoreTable):
        # every asked-for name that is a column of the file is read from it, live ranker or not
        table = read_scores(scores, dump, columns=list(rankers) or None, lower_is_better=lower_is_better,
                            missing="skip" if rankers else "error")
    names = list(rankers) or (list(table.columns) if table is not None else ["random", "length", "oracle"])
    live = {}
    for spec in names:  # every spec is checked, and every ranker made, before any of them runs
        if table is not None and spec in table.columns:
            continue
        if not is_live(spec):
            have = f"score columns: {', '.join(table.columns)}; " if table is not None else ""
            raise UnknownNameError(f"unknown ranker {spec!r} ({have}rankers: {', '.join(sorted(registered))})",
                                   param="rankers")
        live[spec] = make_ranker(spec, seed=seed)
    out: dict[str, Scores] = {}
    for spec in names:
        if spec in live:
            out[spec] = score_dump(dump, live[spec], show_progress=show_progress, cache_dir=cache_dir, spec=spec,
                                   folds=folds)
        else:
            model = table.metadata.get("model") if is_nll_series(spec) else None
            out[spec] = Scores(table.oriented(spec), name=spec, cost=table.costs.get(spec),
                               higher_is_better=table.higher_is_better[spec], origin=f"file {table.source}",
                               cost_source=f"score file {table.source}" if spec in table.costs else None,
                               model=model if isinstance(model, str) else None)
    return out


@dataclass
class Report:
    """Everything one evaluation produced: curves per panel, paired differences, costs, metadata."""

    k_curves: list[Curve]  # pass@k first (when asked), then each series' rank-score@k
    budget_curves: list[Curve] = field(default_factory=list)  # under the budget, same order
    differences: list[Difference] = field(default_factory=list)  # series - baseline, both panels
    baseline: str | None = None
    ranker_costs: dict[str, float | None] = field(default_factory=dict)  # per sample, budget units
    meta: dict = field(default_factory=dict)

    @property
    def budget(self) -> str | None:
        return self.meta.get("budget")

    def panel(self, which: str) -> list[Curve]:
        """'k' or 'budget': that panel's curves."""
        if which not in ("k", "budget"):
            raise ValueError(f"panel must be 'k' or 'budget', got {which!r}")
        return self.k_curves if which == "k" else self.budget_curves

    def panel_differences(self, which: str) -> list[Difference]:
        x_label = "k" if which == "k" else self.budget
        return [d for d in self.differences if d.x_label == x_label]


def evaluate(dump: Dump | str | Path, series: Mapping[str, Mapping[str, np.ndarray]], ks: Sequence[int] | None = None,
             *, budget: Budget | None = None, ties: str = DEFAULT_TIES, discard_unfinished: bool = False,
             with_pass: bool = True, baseline: str | None = "auto", n_boot: int = 1000, seed: int = 0) -> Report:
    """pass@k and rank-score@k of each series on a labelled dump, optionally under a budget.

    ``series``: name -> {task_id: scores, higher is better} (``Scores`` from ``score_dump`` or
    ``resolve_series`` carry their ranker's cost and origin). ``ks``: default 1, 2, 5, 10, ...
    up to n. ``budget``: a ``Budget`` (unit, generator, cost table, per-series overrides,
    points): also rank-score_<unit> at its points (default: k x the generator's cost per
    sample), each sample costing generation plus its series' cost. ``baseline``: the series
    every other is compared with by a paired bootstrap; "auto" = an NLL series if present, else
    random (added when absent); None = no comparisons.
    """
    if not isinstance(dump, Dump):
        dump = open_dump(dump)
    check_ties(ties)
    if budget is not None and not isinstance(budget, Budget):
        raise InputError(f"budget must be a Budget (rankkit.evaluation.Budget), got {budget!r}", param="budget")
    if budget is not None:
        budget.check()
    dump.counts()  # every sample labelled, or a clear error naming the first that is not
    ks = check_ks(dump, default_ks(max_k(dump)) if ks is None else ks)
    series = dict(series)
    base = _pick_baseline(series, baseline)
    if base == "random" and "random" not in series:
        from rankkit.rankers import make_ranker

        series["random"] = score_dump(dump, make_ranker("random", seed=seed), show_progress=False)
    meta = {"dump": dump.source, "problems": len(dump), "samples": dump.n_samples, "ties": ties,
            "discard_unfinished": discard_unfinished, "budget": budget.unit if budget else None, "baseline": base,
            "bootstrap": {"replicates": n_boot, "confidence": 0.95, "seed": seed, "paired": True}}
    if dump.metadata.get("benchmark"):
        meta["benchmark"] = dump.metadata["benchmark"]
    meta["series"] = {name: getattr(s, "origin", None) or "given" for name, s in series.items()}
    meta["models"] = {name: getattr(s, "model", None) for name, s in series.items() if getattr(s, "model", None)}
    described = {name: s.description for name, s in series.items() if getattr(s, "description", None)}
    if described:
        meta["rankers"] = described  # how each learned or configured ranker made its numbers

    k_curves = [pass_curve(dump, ks, n_boot=n_boot, seed=seed)] if with_pass else []
    for name, scores in series.items():
        k_curves.append(rank_score_curve(dump, scores, ks, name, ties, discard_unfinished, n_boot, seed))
    report = Report(k_curves, baseline=base, meta=meta)

    if budget is not None:
        unit = budget.unit
        gen_name, gen_cost, gen_source = budget.generator_cost()
        grid = (np.unique(np.asarray(budget.points, dtype=np.float64)) if budget.points is not None
                else ks * gen_cost)
        if grid.size == 0 or np.any(grid < 0):
            raise InputError("budgets must be numbers >= 0", param="budgets")
        meta.update(generator=gen_name, generator_cost_per_sample=gen_cost, generator_cost_source=gen_source)
        unknown = sorted(set(budget.ranker_costs) - set(series))
        if unknown:
            raise InputError(f"ranker costs given for series that are not evaluated: {', '.join(unknown)}",
                             param="ranker_costs")
        priced = {name: budget.series_cost(name, s) for name, s in series.items()}
        costs = {name: value for name, (value, _) in priced.items()}
        report.ranker_costs = costs
        meta["costs"] = {"unit": "FLOPs" if unit == "flops" else "seconds",
                         "generator": {"model": gen_name, "per_sample": gen_cost, "source": gen_source},
                         "rankers": {name: {"per_sample": value, "source": source}
                                     for name, (value, source) in priced.items()}}
        notes = budget.notes(gen_source, priced)
        if notes:
            meta["notes"] = notes
        if with_pass:
            report.budget_curves.append(pass_budget_curve(dump, grid, unit, gen_cost, "pass@k", n_boot, seed))
        for name, scores in series.items():
            report.budget_curves.append(rank_score_budget_curve(dump, scores, grid, unit, gen_cost, costs[name],
                                                                name, ties, discard_unfinished, n_boot, seed))
    if base is not None:
        for curves in (report.k_curves, report.budget_curves):
            ranked = {c.name: c for c in curves if c.metric.startswith("rank-score")}
            for name, curve in ranked.items():
                if name != base:
                    report.differences.append(paired_difference(curve, ranked[base], n_boot, seed))
    return report


def _pick_baseline(series: Mapping, baseline: str | None) -> str | None:
    if baseline is None:
        return None
    if baseline != "auto":
        if baseline not in series:
            raise UnknownNameError(f"baseline {baseline!r} is not among the series ({', '.join(series)})",
                                   param="baseline")
        return baseline
    return next((name for name in series if is_nll_series(name)), "random")


def compare_generators(dumps: Mapping[str, Dump], ks: Sequence[int] | None = None, *, budget: Budget | None = None,
                       generators: Sequence[str | ModelCost] | None = None, n_boot: int = 1000,
                       seed: int = 0) -> list[Curve]:
    """pass@k of several generators' dumps (name -> dump), or pass_<unit> under ``budget`` with one
    cost entry per dump in ``generators`` (same order): the paper's Sec. 4 comparison of model
    sizes under one budget."""
    limit = min(max_k(d) for d in dumps.values())
    ks = check_ks(min(dumps.values(), key=max_k), default_ks(limit) if ks is None else ks)
    if budget is None:
        return [pass_curve(d, ks, name=name, n_boot=n_boot, seed=seed) for name, d in dumps.items()]
    if not generators or len(generators) != len(dumps):
        raise CostError(f"a {budget.unit} budget needs one generator cost entry per dump ({len(dumps)} dumps)",
                        param="generator", example="MODEL")
    costs = [budget.generator_cost(g)[1] for g in generators]
    grid = (np.unique(np.asarray(budget.points, dtype=np.float64)) if budget.points is not None
            else np.unique(np.concatenate([ks * c for c in costs])))
    return [pass_budget_curve(d, grid, budget.unit, c, name, n_boot, seed)
            for (name, d), c in zip(dumps.items(), costs)]


def reference_pass_at_1(path: str | Path) -> float:
    """pass@1 of a labelled dump, e.g. a greedy one (one sample per problem): a reference line."""
    dump = open_dump(path)
    n, c = dump.counts()
    return float(np.mean(c / n))
