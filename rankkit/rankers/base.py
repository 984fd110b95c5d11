"""The ranker interface: an object with a name and ``score(problem, generations)``."""

from __future__ import annotations

import copy
import inspect
from typing import Any, Sequence

import numpy as np

from rankkit.costs import RankerCost
from rankkit.fingerprint import path_fingerprint


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

    def __new__(cls, *args, **kwargs):
        # Record the constructor's arguments as given: they make a ranker's identity in the
        # score cache (``get_params`` fills in the defaults) and a fresh copy for every fold.
        self = super().__new__(cls)
        self._init_call = (args, dict(kwargs))
        return self

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
        not measure): ``measured_totals`` divided by its samples. Used when ``cost`` is not
        declared."""
        totals = self.measured_totals()
        if totals is None or not totals[2]:
            return None
        return RankerCost(totals[0] / totals[2], totals[1] / totals[2])

    def measured_totals(self) -> tuple[float, float, int] | None:
        """(FLOPs, seconds, samples) this instance measured in all so far (None: it does not
        measure). Rankers that measure their cost override this (or ``measured_cost`` alone)."""
        return None

    def components(self) -> dict[str, "Ranker"]:
        """The rankers a composite ranker (an ensemble) is built from, by spec; {} otherwise."""
        return {}

    def set_component_scores(self, scores: dict) -> None:
        """A composite ranker receives its components' scores (spec -> {task_id: scores, higher
        is better}) computed once by evaluation, e.g. from the score cache."""

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters as this instance was made, defaults included."""
        return ranker_params(self)

    def identity(self) -> dict[str, Any]:
        """What, beyond its parameters and version, decides this ranker's scores: fingerprints of
        the files and models it reads, resolved settings (dtype, device). Rankers that read
        anything from outside extend this; see ``rankkit.fingerprint``."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def ranker_params(ranker) -> dict[str, Any]:
    """A ranker's constructor parameters, defaults included (rankers not derived from Ranker:
    the attributes named like its constructor's parameters)."""
    init = type(ranker).__init__
    try:
        signature = inspect.signature(init)
    except (TypeError, ValueError):
        return {}
    call = getattr(ranker, "_init_call", None)
    if call is None:
        return {n: getattr(ranker, n) for n in list(signature.parameters)[1:] if hasattr(ranker, n)}
    args, kwargs = call
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return {"args": list(args), **kwargs}
    bound.apply_defaults()
    out = {}
    for i, (name, value) in enumerate(bound.arguments.items()):
        if i == 0:
            continue  # self
        kind = signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind == inspect.Parameter.VAR_POSITIONAL:
            if value:
                out[name] = list(value)
        else:
            out[name] = value
    return out


# Parameters that change how fast a ranker runs, never what it scores.
NOT_SCORING = frozenset({"workers", "show_progress"})


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def ranker_identity(ranker) -> dict[str, Any]:
    """Everything that decides a ranker's scores: its class, version, constructor parameters,
    the fingerprint of every parameter naming a file or directory, and what ``identity()`` adds
    (a model's weights, the resolved dtype and device). The score cache is keyed on this."""
    params = {k: v for k, v in ranker_params(ranker).items() if k not in NOT_SCORING}
    inputs = {}
    for key, value in params.items():
        if isinstance(value, str) and value:
            found = path_fingerprint(value)
            if found is not None:
                inputs[key] = found
    extra = ranker.identity() if callable(getattr(ranker, "identity", None)) else {}
    return {"class": f"{type(ranker).__module__}.{type(ranker).__qualname__}",
            "name": str(getattr(ranker, "name", "")), "version": str(getattr(ranker, "version", "")),
            "params": _plain(params), "inputs": inputs, **_plain(extra)}


def clone(ranker):
    """A fresh, unfitted ranker with the same constructor parameters (scikit-learn's ``clone``):
    what each cross-fitting fold gets, so that no state carries over from one fit to the next.
    Rankers not derived from Ranker are deep-copied instead (give them before any fit)."""
    call = getattr(ranker, "_init_call", None)
    if call is None:
        return copy.deepcopy(ranker)
    args, kwargs = call
    fresh = type(ranker)(*args, **kwargs)
    for attr in ("name", "seed"):  # set after construction by make_ranker or a user
        if attr in vars(ranker):
            setattr(fresh, attr, getattr(ranker, attr))
    return fresh


def oriented(ranker: Ranker, scores: np.ndarray) -> np.ndarray:
    """Scores turned so that higher is better."""
    return scores if ranker.higher_is_better else -scores
