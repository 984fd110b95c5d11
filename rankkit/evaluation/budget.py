"""A compute budget and the costs it is spent on, shared by ``evaluate`` and ``plan``.

``Budget`` holds the unit (FLOPs or seconds), the cost table (the paper's Table 1 plus the
user's entries), the generator and the per-series overrides; it prices a sample of generation
and of each series, and says where every figure comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from rankkit.costs import PAPER_COSTS, ModelCost, get_cost
from rankkit.errors import CostError, InputError, UnknownNameError
from rankkit.rankers.base import RankerCost
from rankkit.scoring import BUDGET_UNITS


def budget_unit(budget: str | None) -> str | None:
    """None for no budget ('none' and '' too), else a checked unit."""
    if budget in (None, "none", ""):
        return None
    if budget not in BUDGET_UNITS:
        raise InputError(f"budget must be one of none, {', '.join(BUDGET_UNITS)}, got {budget!r}", param="budget")
    return budget


@dataclass
class Budget:
    """What a budget in ``unit`` ('flops' or 'time') pays for: ``generator`` (a cost entry or a
    ``ModelCost``), looked up in the paper's Table 1 plus ``cost_table`` (the user's entries
    win); ``ranker_costs``: series name -> cost per sample (a number, or a model whose scoring
    cost to use); ``points``: the budgets to report (None: k x the generator's cost)."""

    unit: str
    generator: str | ModelCost | None = None
    cost_table: Mapping[str, ModelCost] | None = None
    ranker_costs: Mapping[str, float | str] = field(default_factory=dict)
    points: Sequence[float] | None = None

    def __post_init__(self):
        unit = budget_unit(self.unit)
        if unit is None:
            raise InputError("a budget needs a unit: flops or time", param="budget")
        self.unit = unit
        self.table = {**PAPER_COSTS, **(self.cost_table or {})}
        self.ranker_costs = dict(self.ranker_costs or {})

    def generator_cost(self, generator: str | ModelCost | None = None) -> tuple[str, float, str]:
        """(name, cost per generated sample, source) of ``generator`` (default: the budget's)."""
        generator = self.generator if generator is None else generator
        if generator is None:
            raise CostError(f"a {self.unit} budget needs the cost of the model that generated the dump",
                            param="generator", example="MODEL")
        entry = generator if isinstance(generator, ModelCost) else get_cost(str(generator), self.table)
        return entry.name, entry.per_sample(self.unit), entry.source or entry.name

    def series_cost(self, name: str, scores, override: float | str | None = None) -> tuple[float, str]:
        """(cost per sample, where it comes from) of scoring with series ``name``, the first of:
        ``override`` or the budget's ``ranker_costs`` entry (a number, or a model whose scoring
        cost to use); the cost table's scoring entry for the model the ranker scored with; what
        the ranker declared; what it measured (or what its score file recorded)."""
        value = override if override is not None else self.ranker_costs.get(name)
        if value is not None:
            if isinstance(value, str):
                entry = get_cost(value, self.table)
                return entry.score_per_sample(self.unit), f"--ranker-cost {name}={value}: {entry.source or entry.name}"
            value = float(value)
            if not value >= 0:
                raise InputError(f"the cost of {name!r} must be >= 0, got {value}", param="ranker_costs")
            return value, f"given: {name}={value:g}"
        model = getattr(scores, "model", None)
        if model:
            try:
                entry = get_cost(model, self.table)
            except UnknownNameError:
                entry = None
            if entry is not None and _has_score_cost(entry, self.unit):
                return (entry.score_per_sample(self.unit),
                        f"cost table: {entry.source or entry.name} (scoring with {entry.name})")
        cost: RankerCost | None = getattr(scores, "cost", None)
        if cost is None:
            raise CostError(f"ranker {name!r} has no cost per sample in {self.unit} (none declared or measured)",
                            param="ranker_costs", example=f"{name}=VALUE")
        return cost.per_sample(self.unit), getattr(scores, "cost_source", None) or "declared or measured by the ranker"

    def check(self, generators: Sequence[str | ModelCost | None] | None = None) -> None:
        """Every cost entry this budget will look up exists: checked before any ranker runs (a
        missing entry after an hour of scoring helps nobody)."""
        for generator in generators if generators is not None else [self.generator]:
            self.generator_cost(generator)
        for value in self.ranker_costs.values():
            if isinstance(value, str):
                get_cost(value, self.table).score_per_sample(self.unit)

    def notes(self, generator_source: str, priced: Mapping[str, tuple[float, str]]) -> list[str]:
        """What a reader must know: seconds measured on different machines are being added."""
        measured = sorted({source for _, source in priced.values() if source.startswith("measured on")})
        if self.unit == "time" and "Hassid" in generator_source and measured:
            return [f"generation seconds are the paper's (8 x A100, {generator_source}) while ranker seconds were "
                    f"{'; '.join(measured)}: the sum mixes machines (give --ranker-cost or a --cost-table entry "
                    f"measured on the generator's hardware)"]
        return []


def _has_score_cost(entry: ModelCost, unit: str) -> bool:
    value = entry.score_flops_per_sample if unit == "flops" else entry.score_seconds_per_sample
    return value is not None and value == value
