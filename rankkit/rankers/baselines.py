"""Score-free rankers: random (a lower bound), length (shorter first) and oracle (an upper bound)."""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np
from rankkit.errors import InputError

from rankkit.rankers.base import FREE, Ranker
from rankkit.rankers.registry import register_ranker


@register_ranker("random")
class RandomRanker(Ranker):
    """Uniform random scores, reproducible per (seed, task_id) whatever the problem order."""

    name = "random"
    cost = FREE
    cacheable = False

    def __init__(self, seed: int = 0):
        self.seed = int(seed)

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        key = zlib.crc32(str(problem.task_id).encode("utf-8"))
        rng = np.random.default_rng([self.seed, key])
        return rng.random(len(generations))


@register_ranker("length")
class LengthRanker(Ranker):
    """Shorter generations first (score = minus the length in characters, trailing blanks ignored)."""

    name = "length"
    cost = FREE
    cacheable = False

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return -np.array([len(g.rstrip()) for g in generations], dtype=np.float64)


@register_ranker("oracle")
class OracleRanker(Ranker):
    """The unit-test labels themselves: an upper bound on any ranker (needs a labelled dump)."""

    name = "oracle"
    cost = FREE  # an upper bound to compare with, not a method anyone pays for
    uses_labels = True
    cacheable = False

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        if len(generations) != len(problem.labels):
            raise InputError(f"task {problem.task_id}: oracle needs the dump's own samples")
        return problem.passed().astype(np.float64)
