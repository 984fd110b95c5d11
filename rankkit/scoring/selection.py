"""Scores within one problem turned into what selection needs: ranks scaled to [0, 1], and the
expected label of the pool's top-ranked sample (what ensembles and verifiers fit for)."""

from __future__ import annotations

import numpy as np


def rank01(scores: np.ndarray) -> np.ndarray:
    """Ranks within one problem scaled to [0, 1] (best = 1); ties share their mean rank; NaN lowest."""
    x = np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=np.float64))
    n = len(x)
    if n < 2:
        return np.ones(n)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mean_rank = starts + (counts - 1) / 2.0
    return mean_rank[inverse] / (n - 1)


def pool_top_expected(scores: np.ndarray, labels: np.ndarray) -> float:
    """rank-score@n: the expected label of the top-ranked sample of the whole pool, ties broken
    uniformly at random (not rank-score@1, which is pass@1 for every ranker)."""
    top = scores >= scores.max()
    return float(labels[top].mean())


def top_sample(scores: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    """(index of the top-scored sample, how many samples share its score): a tie is broken
    uniformly at random, so the pick's expected label is the tied group's mean, whatever the
    samples' order. NaN scores rank lowest."""
    x = np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=np.float64))
    best = np.flatnonzero(x == x.max())
    return int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0]), len(best)
