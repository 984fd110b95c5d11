"""The ranker interface: an object with a name and ``score(problem, generations)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rankkit.scoring.budget import BUDGET_UNITS


@dataclass(frozen=True)
class RankerCost:
    """What scoring one sample costs, in the budget units. ``RankerCost()`` declares it free."""

    flops_per_sample: float = 0.0
    seconds_per_sample: float = 0.0

    def per_sample(self, unit: str) -> float:
        if unit not in BUDGET_UNITS:
            raise ValueError(f"budget unit must be one of {', '.join(BUDGET_UNITS)}, got {unit!r}")
        return self.flops_per_sample if unit == "flops" else self.seconds_per_sample


FREE = RankerCost()


def total_cost(costs) -> RankerCost | None:
    """The cost of running several rankers on each sample (None if any is unknown)."""
    costs = list(costs)
    if any(c is None for c in costs):
        return None
    return RankerCost(sum(c.flops_per_sample for c in costs), sum(c.seconds_per_sample for c in costs))


class Ranker:
    """Scores the samples of one problem; the best sample gets the highest score.

    ``problem`` is a label-free ``ProblemView`` (task_id, prompt, finished, metadata, per-sample
    fields; only a ranker with ``uses_labels`` gets the labelled samples); ``generations`` the
    texts to score, in dump order. Rankers whose natural score is "lower is better" (NLL) set
    ``higher_is_better = False`` and return it unflipped.
    """

    name: str = "ranker"
    higher_is_better: bool = True
    # Declared cost per sample; None = unknown: budgeted reports then ask for it, unless scoring
    # measured it (``measured_cost``). A ranker that really costs nothing declares ``FREE``.
    cost: RankerCost | None = None
    uses_labels: bool = False  # only the oracle may look at the unit-test labels
    learned: bool = False  # True: evaluation fits it on other problems first (cross-fitting)
    cacheable: bool = True  # live scores are worth caching on disk (not for instant rankers)
    version: str = "1"  # part of the score-cache key: bump it when the scores a ranker gives change

    def fit(self, problems, generations, labels) -> "Ranker":
        """Learned rankers train here on label-free problems, their generations and the 0/1
        ``labels`` given explicitly; the default does nothing."""
        return self

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def score_many(self, problems, generations: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Scores for several problems at once; rankers that batch across problems (execution,
        LMs) override this, the rest inherit the loop."""
        return [self.score(p, g) for p, g in zip(problems, generations)]

    def measured_cost(self) -> RankerCost | None:
        """Per-sample cost measured over what this instance has scored so far (None: it does
        not measure). Used when ``cost`` is not declared."""
        return None

    def components(self) -> dict[str, "Ranker"]:
        """The rankers a composite ranker (an ensemble) is built from, by spec; {} otherwise."""
        return {}

    def set_component_scores(self, scores: dict) -> None:
        """A composite ranker receives its components' scores (spec -> {task_id: scores, higher
        is better}) computed once by evaluation, e.g. from the score cache."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def oriented(ranker: Ranker, scores: np.ndarray) -> np.ndarray:
    """Scores turned so that higher is better."""
    return scores if ranker.higher_is_better else -scores
