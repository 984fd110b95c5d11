"""The ranker interface: an object with a name and ``score(problem, generations)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class RankerCost:
    """What scoring one sample costs, in the budget units (zero for score-free rankers)."""

    flops_per_sample: float = 0.0
    seconds_per_sample: float = 0.0

    def per_sample(self, unit: str) -> float:
        if unit not in ("flops", "time"):
            raise ValueError(f"budget unit must be 'flops' or 'time', got {unit!r}")
        return self.flops_per_sample if unit == "flops" else self.seconds_per_sample


class Ranker:
    """Scores the samples of one problem; the best sample gets the highest score.

    ``problem`` is the dump's TaskSamples (task_id, prompt, labels, finished, fields) or a
    benchmark Problem; ``generations`` the texts to score, in dump order. Rankers whose natural
    score is "lower is better" (NLL) set ``higher_is_better = False`` and return it unflipped.
    """

    name: str = "ranker"
    higher_is_better: bool = True
    cost: RankerCost | None = RankerCost()  # None: unknown (budgeted reports then ask for it)
    uses_labels: bool = False  # only the oracle may look at the unit-test labels
    learned: bool = False  # True: evaluation fits it on other problems first (cross-fitting)
    cacheable: bool = True  # live scores are worth caching on disk (not for instant rankers)
    version: str = "1"  # part of the score-cache key: bump it when the scores a ranker gives change

    def fit(self, problems, generations, labels) -> "Ranker":
        """Learned rankers train here (problems, their generations, their 0/1 labels); the
        default does nothing."""
        return self

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def score_many(self, problems, generations: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Scores for several problems at once; rankers that batch across problems (execution,
        LMs) override this, the rest inherit the loop."""
        return [self.score(p, g) for p, g in zip(problems, generations)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def oriented(ranker: Ranker, scores: np.ndarray) -> np.ndarray:
    """Scores turned so that higher is better."""
    return scores if ranker.higher_is_better else -scores
