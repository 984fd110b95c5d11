"""Ensemble ranking: a weighted sum of the components' rank-normalised scores.

Each component's scores are turned into ranks within the problem, scaled to [0, 1] (ties share
their mean rank), so components on any scale combine. The weights are fitted on labelled
problems by searching the simplex for the best mean rank-score@n (the expected label of the
pool's top-ranked sample, ties broken at random in expectation); evaluation fits them on *other*
problems (cross-fitting), never on the one scored.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
from rankkit.errors import InputError, SpecError

from rankkit.rankers.base import Ranker, RankerCost, oriented, total_cost
from rankkit.rankers.registry import make_ranker, register_ranker
from rankkit.scoring.selection import pool_top_expected, rank01

DEFAULT_COMPONENTS = "nll+self-consistency+exec-agreement"


def simplex_grid(m: int, step: float) -> np.ndarray:
    """All weight vectors of m non-negative entries summing to 1, in multiples of ``step``."""
    units = int(round(1.0 / step))
    rows = [c for c in itertools.product(range(units + 1), repeat=m) if sum(c) == units]
    return np.array(rows, dtype=np.float64) / units


@register_ranker("ensemble")
class EnsembleRanker(Ranker):
    """Weighted sum of rank-normalised component scores; weights fitted on labelled problems.

    ``components``: ranker specs joined by '+'; ``model``: passed to the LM ones.
    """

    name = "ensemble"
    learned = True

    def __init__(self, components: str | Sequence[str] = DEFAULT_COMPONENTS, model: str | None = None,
                 step: float = 0.1, weights: Sequence[float] | None = None):
        names = components.split("+") if isinstance(components, str) else list(components)
        if len(names) < 2:
            raise SpecError(f"an ensemble needs at least two components, got {names}")
        self.component_names = names
        # ``model`` reaches only the components that take one (make_ranker checks their parameters)
        self._components = {n: make_ranker(n, **({"model": model} if model else {})) for n in names}
        if any(c.uses_labels for c in self._components.values()):
            raise SpecError("an ensemble cannot include a ranker that reads the labels (oracle)")
        self.step = step
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self._features: dict[tuple, np.ndarray] = {}
        self._known: dict[str, dict] = {}

    def components(self) -> dict[str, Ranker]:
        return dict(self._components)

    def set_component_scores(self, scores: dict) -> None:
        """Component spec -> {task_id: oriented scores} computed elsewhere (e.g. cached)."""
        self._known = dict(scores)

    @property
    def cost(self) -> RankerCost | None:
        return total_cost(c.cost for c in self._components.values())

    def features(self, problems, generations) -> list[np.ndarray]:
        """Per problem a (samples x components) matrix of rank-normalised scores (memoised)."""
        keys = [(str(p.task_id), hash(tuple(g))) for p, g in zip(problems, generations)]
        todo = [i for i, k in enumerate(keys) if k not in self._features]
        if todo:
            columns = []
            for name, c in self._components.items():
                known = self._known.get(name, {})
                if all(str(problems[i].task_id) in known for i in todo):
                    raw = [known[str(problems[i].task_id)] for i in todo]
                    columns.append([rank01(np.asarray(s, dtype=np.float64)) for s in raw])
                    continue
                raw = c.score_many([problems[i] for i in todo], [generations[i] for i in todo])
                columns.append([rank01(oriented(c, np.asarray(s, dtype=np.float64))) for s in raw])
            for j, i in enumerate(todo):
                self._features[keys[i]] = np.stack([col[j] for col in columns], axis=1)
        return [self._features[k] for k in keys]

    def fit(self, problems, generations, labels) -> "EnsembleRanker":
        """Weights on the simplex grid that maximise the mean rank-score@n of the training problems."""
        feats = self.features(list(problems), list(generations))
        labels = [np.asarray(l, dtype=np.float64) for l in labels]
        best, best_value = None, -1.0
        for w in simplex_grid(len(self._components), self.step):
            value = np.mean([pool_top_expected(f @ w, l) for f, l in zip(feats, labels)])
            if value > best_value + 1e-12:
                best, best_value = w, value
        self.weights = best
        return self

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return self.score_many([problem], [generations])[0]

    def score_many(self, problems, generations):
        if self.weights is None:
            raise InputError("the ensemble has no weights yet: fit it on labelled problems first "
                             "(rank-score does this by cross-fitting), or give weights=")
        return [f @ self.weights for f in self.features(list(problems), list(generations))]
