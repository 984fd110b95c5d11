"""The study's question for a user's own models: under a budget, which generator and which way of
selecting (unit tests, a ranker, greedy) gives the most solved problems, with its uncertainty.

An option is one generator's dump, the cost of one of its samples, and a selection policy. At a
budget B an option buys k = max{k : k x cost <= B} samples, each costing generation plus, for a
ranker, the ranker's own cost; its score is pass@k (``tests``), rank-score@k (a ranker) or the
greedy sample's pass@1 (``greedy``: a one-sample dump, taking one sample's cost). A budget that
buys no sample, or more than the dump holds, is "not measured here": never extrapolated.

Every option's score is a mean over the same problems, so differences to the best option get a
*paired* bootstrap (the same resampled problems for all options). Scores change only at budgets
k x cost, so the crossovers and the budget to reach a target are found exactly on those points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.costs import ModelCost
from rankkit.dumps import Dump
from rankkit.errors import CostError, InputError, SpecError
from rankkit.dumps import open_dump
from rankkit.evaluation.budget import Budget, budget_unit
from rankkit.evaluation.curves import DEFAULT_TIES, check_ties, ranked_labels
from rankkit.scoring import bootstrap_ci, pass_at_k, rank_score_matrix
from rankkit.scoring.budget import samples_within_budget

ASSUMPTIONS = (
    "samples are independent draws, so k samples of a dump estimate what k fresh samples would give;",
    "cost grows linearly in k: k samples cost k x (generation + ranking) per problem, nothing shared;",
    "a ranker's own cost per sample is included in the budget (unit tests cost nothing here);",
    "scores are means over the same problems for every option; intervals are 95% bootstrap over problems, "
    "differences paired.",
)


@dataclass
class Option:
    """One way to spend the budget: ``dump`` (path or Dump), the cost entry of its generator,
    and ``select``: "tests", "greedy" or a ranker spec (``scores``: a score file holding it)."""

    name: str
    dump: str | Path | Dump
    generator: str | ModelCost | None = None
    select: str = "tests"
    scores: str | Path | None = None
    ranker_cost: float | str | None = None  # overrides the ranker's own cost (budget units, or a model)


def parse_option(text: str) -> Option:
    """'NAME=DUMP[,generator=ENTRY][,scores=FILE][,ranker_cost=V][,select=tests|greedy|RANKER_SPEC]'.

    ``select`` comes last when its ranker spec holds commas (``select=verifier:mode=exec,lm=none``)."""
    name, eq, rest = text.partition("=")
    if not eq or not name.strip() or not rest:
        raise SpecError(f"bad option {text!r}: use NAME=DUMP[,generator=ENTRY][,select=tests|greedy|RANKER]",
                        param="options")
    parts = rest.split(",")
    option = Option(name.strip(), parts[0].strip())
    select: list[str] | None = None
    for part in parts[1:]:
        key, eq, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if select is not None:  # everything after select= is the ranker spec
            select.append(part)
            continue
        if not eq:
            raise SpecError(f"bad option {text!r}: {part!r} is not key=value", param="options")
        if key == "select":
            select = [value]
        elif key in ("generator", "scores", "ranker_cost"):
            setattr(option, key, value.strip())
        else:
            raise SpecError(f"bad option {text!r}: unknown key {key!r} (generator, scores, ranker_cost, select)",
                            param="options")
    if select is not None:
        option.select = ",".join(select).strip()
    if not option.select:
        raise SpecError(f"bad option {text!r}: select= needs tests, greedy or a ranker spec", param="options")
    return option


@dataclass
class OptionResult:
    """One option at one budget (scores as fractions in [0, 1]; None where not measured)."""

    k: int  # samples the budget buys (may exceed what the dump holds)
    measured: bool
    score: float | None = None
    low: float | None = None
    high: float | None = None
    difference: float | None = None  # minus the best option, with its paired interval
    difference_low: float | None = None
    difference_high: float | None = None
    indistinguishable: bool = False  # the paired interval of the difference to the best holds 0
    note: str = ""


@dataclass
class BudgetResult:
    budget: float
    best: str | None
    options: dict[str, OptionResult]


@dataclass
class Plan:
    """What ``plan`` found: per budget every option's score and its difference to the best, the
    crossovers where the best option changes, and the budget each option needs to reach a target."""

    unit: str
    options: list[dict]  # name, dump, generator, select, costs, samples per problem
    results: list[BudgetResult]
    crossovers: list[dict]  # budget, from, to: where one measured option overtakes another
    curves: dict[str, dict]  # name -> {"budget": [...], "score": [...], "low", "high", "k"} at every breakpoint
    sweep: dict  # {"budget": every budget where some option's k changes, "best": the best option there}
    target: float | None = None
    reaches: dict[str, float | None] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    assumptions: tuple[str, ...] = ASSUMPTIONS
    # budgets where the best option runs out of samples (not a crossover): budget, option, samples, measured
    limits: list[dict] = field(default_factory=list)

    def at(self, budget: float) -> BudgetResult:
        for r in self.results:
            if np.isclose(r.budget, budget, rtol=1e-12, atol=0):
                return r
        raise KeyError(budget)

    def to_dict(self) -> dict:
        out = {"unit": self.unit, "meta": self.meta, "assumptions": list(self.assumptions), "options": self.options,
               "budgets": [], "crossovers": self.crossovers, "target": self.target, "reaches_target": self.reaches,
               "curves": self.curves, "sweep": self.sweep, "limits": self.limits}
        for r in self.results:
            out["budgets"].append({"budget": r.budget, "best": r.best,
                                   "options": {n: vars(o).copy() for n, o in r.options.items()}})
        return out


@dataclass
class _Prepared:
    option: Option
    dump: Dump
    gen_cost: float
    ranker_cost: float
    gen_name: str
    gen_source: str
    ranked: list | None = None  # labels in ranker order (a ranker option)
    ranker_cost_source: str = ""

    @property
    def per_sample(self) -> float:
        return self.gen_cost + self.ranker_cost

    @property
    def n(self) -> int:
        return 1 if self.option.select == "greedy" else min(len(t) for t in self.dump)

    def values_at_k(self, ks: np.ndarray) -> np.ndarray:
        """Per-problem score at each k (1 <= k <= n): problems x len(ks)."""
        if self.option.select == "greedy":
            labels = np.array([float(t.passed()[0]) for t in self.dump])
            return np.repeat(labels[:, None], len(ks), axis=1)
        if self.option.select == "tests":
            n, c = self.dump.counts()
            return pass_at_k(n, c, ks).reshape(len(n), len(ks))
        return rank_score_matrix(self.ranked, ks)

    def values_at(self, budgets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(problems x budgets values, NaN where not measured; the k each budget buys)."""
        ks = samples_within_budget(budgets, self.per_sample)
        used = np.minimum(ks, 1) if self.option.select == "greedy" else ks
        out = np.full((len(self.dump), len(budgets)), np.nan)
        ok = (used >= 1) & (used <= self.n)
        if ok.any():
            out[:, ok] = self.values_at_k(used[ok])
        return out, used


def _load(option: Option, benchmark) -> Dump:
    return option.dump if isinstance(option.dump, Dump) else open_dump(option.dump, benchmark)


def _problem_sets(dumps: Mapping[str, Dump], common_problems: bool) -> tuple[list[str], str | None]:
    names = list(dumps)
    first = list(dumps[names[0]].tasks)
    every = set(first)
    for d in dumps.values():
        every |= set(d.tasks)
    missing = {n: sorted(every - set(d.tasks)) for n, d in dumps.items()}
    if not any(missing.values()):
        return first, None
    if not common_problems:
        lines = [f"{n} lacks {len(m)}: {', '.join(m[:8])}{' ...' if len(m) > 8 else ''}" for n, m in missing.items() if m]
        raise InputError("the options do not cover the same problems (" + "; ".join(lines) + ")",
                         param="common_problems", example="True")
    common = [t for t in first if all(t in d.tasks for d in dumps.values())]
    if not common:
        raise InputError("the options have no problem in common", param="options")
    return common, f"restricted to the {len(common)} problems every option has (of {len(every)})"


def _generator_of(option: Option, dump: Dump) -> str | ModelCost:
    if option.generator is not None:
        return option.generator
    provenance = dump.metadata.get("provenance") or {}
    if provenance.get("generator"):
        return str(provenance["generator"])
    raise CostError(f"option {option.name!r}: no cost entry for its generator (give generator=ENTRY; an option "
                    f"without a known cost is an error, not free)", param="options")


def plan(options: Sequence[Option | str], budget: str = "flops", at: Sequence[float] | None = None, *,
         cost_table: Mapping[str, ModelCost] | None = None, target: float | None = None,
         common_problems: bool = False, ties: str = DEFAULT_TIES, n_boot: int = 1000, seed: int = 0,
         cache_dir=None, folds: int = 5, benchmark: str | None = "auto", show_progress: bool = False) -> Plan:
    """Compare ``options`` (``Option`` or 'NAME=DUMP,...' strings) under a ``budget`` ('flops' or
    'time') at the budgets ``at`` (default: a log-spaced range over what the options measure)."""
    from rankkit.evaluation.core import resolve_series

    unit = budget_unit(budget)
    if unit is None:
        raise InputError("a plan needs a budget: flops or time", param="budget")
    costing = Budget(unit, cost_table=cost_table)
    check_ties(ties)
    options = [parse_option(o) if isinstance(o, str) else o for o in options]
    if not options:
        raise InputError("give at least one option", param="options")
    names = [o.name for o in options]
    if len(set(names)) != len(names):
        raise SpecError(f"option names must be unique, got {', '.join(names)}", param="options")
    if target is not None and not 0 <= target <= 1:
        raise InputError(f"the target is a fraction of problems in [0, 1], got {target}", param="target")
    raw = {o.name: _load(o, benchmark) for o in options}
    order, restriction = _problem_sets(raw, common_problems)
    if at is not None:
        _checked_budgets(at)
    prepared: list[_Prepared] = []
    for o in options:  # every cost entry and ranker spec is checked before any ranker runs
        dump = Dump({t: raw[o.name][t] for t in order}, raw[o.name].source, dict(raw[o.name].metadata))
        dump.counts()  # labelled, or an error naming the first unlabelled sample
        gen_name, gen_cost, source = costing.generator_cost(_generator_of(o, dump))
        p = _Prepared(o, dump, gen_cost, 0.0, gen_name, source)
        if o.select == "greedy":
            many = next((t for t in dump if len(t) != 1), None)
            if many is not None:
                raise InputError(f"option {o.name!r}: select=greedy needs a one-sample dump, but task {many.task_id} "
                                 f"has {len(many)} samples", param="options")
        elif o.select != "tests":
            _check_selector(o, dump, seed)
            if o.ranker_cost is not None and isinstance(_cost_value(o.ranker_cost), str):
                costing.series_cost(o.select, None, _cost_value(o.ranker_cost))
        prepared.append(p)
    for p in prepared:
        o = p.option
        if o.select not in ("tests", "greedy"):
            series = resolve_series(p.dump, [o.select], o.scores, seed=seed, cache_dir=cache_dir, folds=folds,
                                    show_progress=show_progress)[o.select]
            override = _cost_value(o.ranker_cost) if o.ranker_cost is not None else None
            p.ranker_cost, p.ranker_cost_source = costing.series_cost(o.select, series, override)
            p.ranked = ranked_labels(p.dump, series, ties)

    budgets = _checked_budgets(at) if at is not None else default_budgets(prepared)
    results = _compare(prepared, budgets, n_boot, seed)
    curves, sweep, crossovers, limits, reaches = _sweep(prepared, target, n_boot, seed)
    meta = {"problems": len(order), "ties": ties, "budget": unit,
            "bootstrap": {"replicates": n_boot, "confidence": 0.95, "seed": seed, "paired": True}}
    if restriction:
        meta["restriction"] = restriction
    described = [{"name": p.option.name, "dump": str(p.dump.source), "select": p.option.select,
                  "generator": p.gen_name, "generator_cost_source": p.gen_source, "generator_cost_per_sample": p.gen_cost,
                  "ranker_cost_per_sample": p.ranker_cost, "ranker_cost_source": p.ranker_cost_source,
                  "cost_per_sample": p.per_sample,
                  "samples_per_problem": p.n} for p in prepared]
    return Plan(unit, described, results, crossovers, curves, sweep, target, reaches, meta, limits=limits)


def _checked_budgets(at) -> np.ndarray:
    budgets = np.unique(np.asarray(at, dtype=np.float64))
    if budgets.size == 0 or np.any(budgets <= 0) or not np.all(np.isfinite(budgets)):
        raise InputError("budgets must be positive numbers", param="at")
    return budgets


def _check_selector(option: Option, dump: Dump, seed: int) -> None:
    """The option's ranker is a column of its score file or a spec that makes a ranker."""
    from rankkit.rankers import make_ranker
    from rankkit.scores import read_scores

    if option.scores is not None:
        table = read_scores(option.scores, dump, columns=[option.select], missing="skip")
        if option.select in table.columns:
            return
    make_ranker(option.select, seed=seed)


def _cost_value(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def default_budgets(prepared: Sequence[_Prepared], points: int = 8) -> np.ndarray:
    """Log-spaced budgets from the cheapest single sample to the largest measured spend, 3 digits."""
    low = min(p.per_sample for p in prepared)
    high = max(p.per_sample * p.n for p in prepared)
    grid = np.geomspace(low, max(high, low), points)
    return np.unique([_ceil_digits(b, 3) for b in grid])


def _ceil_digits(x: float, digits: int) -> float:
    """``x`` rounded *up* to ``digits`` significant digits (a rounded budget still buys its sample)."""
    scale = 10.0 ** (np.floor(np.log10(x)) - (digits - 1))
    return float(np.ceil(x / scale * (1 - 1e-12)) * scale)


TIE = 1e-9  # means closer than this are equal (rank-score@1 and pass@1 differ by rounding only)


def _first_best(means: np.ndarray) -> int:
    """The first listed option among those with the highest mean."""
    return int(np.flatnonzero(means >= np.nanmax(means) - TIE)[0])


def _compare(prepared: Sequence[_Prepared], budgets: np.ndarray, n_boot: int, seed: int) -> list[BudgetResult]:
    """Every option at each budget; the best; paired differences to it."""
    values, ks = zip(*(p.values_at(budgets) for p in prepared))
    out = []
    for j, b in enumerate(budgets):
        measured = [i for i, v in enumerate(values) if not np.isnan(v[:, j]).any()]
        results: dict[str, OptionResult] = {}
        best = None
        if measured:
            matrix = np.stack([values[i][:, j] for i in measured], axis=1)
            est = bootstrap_ci(matrix, n_boot=n_boot, seed=seed)
            top = _first_best(est.mean)
            best = prepared[measured[top]].option.name
            diff = bootstrap_ci(matrix - matrix[:, [top]], n_boot=n_boot, seed=seed)  # same resamples: paired
        for i, p in enumerate(prepared):
            k = int(ks[i][j])
            if i not in measured:
                note = (f"buys no sample ({p.per_sample:.3g} per sample)" if k < 1 else
                        f"buys {k} samples; its dump holds {p.n}")
                results[p.option.name] = OptionResult(k, False, note=f"not measured here: {note}")
                continue
            m = measured.index(i)
            d_low, d_high = float(diff.low[m]), float(diff.high[m])
            results[p.option.name] = OptionResult(
                k, True, float(est.mean[m]), float(est.low[m]), float(est.high[m]), float(diff.mean[m]), d_low,
                d_high, indistinguishable=(m != top and d_low <= 1e-12 and d_high >= -1e-12),
                note="best" if m == top else "")
        out.append(BudgetResult(float(b), best, results))
    return out


def _sweep(prepared: Sequence[_Prepared], target: float | None, n_boot: int, seed: int):
    """Each option's curve at every budget where some option's k changes; the crossovers of the
    best option there; the smallest budget at which each option reaches ``target``."""
    # every budget where an option's k changes, including where it buys one more than its dump holds
    points = np.unique(np.concatenate([p.per_sample * np.arange(1, p.n + 2) for p in prepared]))
    curves, means = {}, []
    for p in prepared:
        own = p.per_sample * np.arange(1, p.n + 1)
        per_problem = p.values_at_k(np.arange(1, p.n + 1))
        est = bootstrap_ci(per_problem, n_boot=n_boot, seed=seed)
        curves[p.option.name] = {"budget": own.tolist(), "k": list(range(1, p.n + 1)), "score": est.mean.tolist(),
                                 "low": est.low.tolist(), "high": est.high.tolist()}
        means.append(p.values_at(points)[0].mean(axis=0))  # NaN where the option is not measured
    means = np.array(means)
    names = [p.option.name for p in prepared]
    best = [None if np.isnan(col).all() else names[_first_best(col)] for col in means.T]
    # "contested": at least two options are measured there, so the best one beat another
    contested = [int((~np.isnan(col)).sum()) >= 2 for col in means.T]
    crossovers, limits = [], []
    for i in range(1, len(points)):
        if best[i] == best[i - 1] or best[i - 1] is None:
            continue
        gone = np.isnan(means[names.index(best[i - 1]), i])
        if gone:  # the best ran out of samples: nothing crossed
            measured = [n for n, row in zip(names, means) if not np.isnan(row[i])]
            limits.append({"budget": float(points[i]), "option": best[i - 1],
                           "samples": prepared[names.index(best[i - 1])].n, "measured": measured})
            continue
        crossovers.append({"budget": float(points[i]), "from": best[i - 1], "to": best[i], "why": "the scores cross"})
    reaches = {}
    if target is not None:
        for name, row in zip(names, means):
            hit = np.flatnonzero(row >= target - 1e-12)
            reaches[name] = float(points[hit[0]]) if hit.size else None
    return curves, {"budget": points.tolist(), "best": best, "contested": contested}, crossovers, limits, reaches
