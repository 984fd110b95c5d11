"""rank-score@k (the paper's Eq. 4) and the ordering of labels by ranker scores.

rank-score@k is the expected label of the best-ranked sample in a uniformly random subset of
k of the n samples. The best-ranked member is sample i (1-based rank) with probability
w(k, i) = C(n-i, k-1) / C(n, k), so rank-score@k = sum_i w(k, i) * pass_i: one weight row per
k, and all curves of all problems with the same n are one matrix product.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from rankkit.scoring._validate import as_k_array

TIES = ("expected", "stable")
DEFAULT_TIES = "expected"  # exact and independent of the dump's order; "stable" reproduces the paper's snippet


@lru_cache(maxsize=8)
def _weight_matrix(n: int) -> np.ndarray:
    """W[k-1, i-1] = C(n-i, k-1) / C(n, k) for k, i = 1..n (read-only, cached per n).

    Built by the recurrence w(k, 1) = k/n, w(k, i+1) = w(k, i) * (n-i-k+1) / (n-i): a cumulative
    product along i, exact to about n * 2**-53 relative, with no big binomials.
    """
    k = np.arange(1, n + 1, dtype=np.float64)[:, None]
    i = np.arange(1, n, dtype=np.float64)[None, :]
    w = np.empty((n, n), dtype=np.float64)
    w[:, :1] = k / n
    if n > 1:
        factors = (n - i - k + 1) / (n - i)
        np.clip(factors, 0.0, None, out=factors)
        np.cumprod(factors, axis=1, out=w[:, 1:])
        w[:, 1:] *= w[:, :1]
    w.setflags(write=False)
    return w


def rank_score_weights(n: int, k) -> np.ndarray:
    """Rows of rank-score weights for the given k values (shape (len(k), n)); see module doc."""
    k_arr, _ = as_k_array(k)
    if np.any(k_arr > n):
        raise ValueError(f"rank-score@k needs k <= n (n={n}, k up to {int(k_arr.max())})")
    return _weight_matrix(int(n))[k_arr - 1]


def rank_score_at_k(passed_in_rank_order, k) -> np.ndarray | float:
    """rank-score@k of one problem, in [0, 1].

    ``passed_in_rank_order``: the labels (0/1, or expected labels in [0, 1]) sorted by the
    ranker, best first. ``k``: a scalar or 1-D array of sample counts (1 <= k <= n).
    """
    labels = np.asarray(passed_in_rank_order, dtype=np.float64)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError("passed_in_rank_order must be a non-empty 1-D sequence of labels")
    if np.any((labels < 0) | (labels > 1)) or not np.all(np.isfinite(labels)):
        raise ValueError("labels must lie in [0, 1]")
    out = rank_score_weights(labels.size, k) @ labels
    return float(out[0]) if np.ndim(k) == 0 else out


def rank_score_matrix(ranked_labels: Sequence[np.ndarray], k) -> np.ndarray:
    """rank-score@k for many problems at once: shape (problems, len(k)).

    Problems with the same n share one cached weight matrix and one matrix product.
    """
    k_arr, _ = as_k_array(k)
    sizes = np.array([len(r) for r in ranked_labels], dtype=np.int64)
    if sizes.size == 0:
        raise ValueError("no problems given")
    out = np.empty((len(ranked_labels), len(k_arr)), dtype=np.float64)
    for n in np.unique(sizes):
        rows = np.flatnonzero(sizes == n)
        stacked = np.stack([np.asarray(ranked_labels[r], dtype=np.float64) for r in rows])
        out[rows] = stacked @ rank_score_weights(int(n), k_arr).T
    return out


def rank_labels(scores, labels, ties: str = DEFAULT_TIES, eligible=None) -> np.ndarray:
    """Labels reordered best score first (higher score = better), as floats.

    ties="expected" (default): each tied group gets its mean label, which by linearity of
    rank-score in the labels equals the exact expectation over uniformly random tie-breaking, so
    the result does not depend on the dump's order.
    ties="stable": tied samples keep their order in the dump, as the paper's snippet sorts.
    ``eligible``: optional mask; ineligible samples (e.g. unfinished generations the paper
    discards) are ranked below every eligible one and count as failures, so a random subset
    of k samples yields the best eligible sample in it, or nothing.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    if scores.shape != labels.shape or scores.ndim != 1:
        raise ValueError(f"scores {scores.shape} and labels {labels.shape} must be 1-D of one length")
    if np.isnan(scores).any():
        raise ValueError(f"scores contain NaN at sample(s) {np.flatnonzero(np.isnan(scores))[:10].tolist()}")
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
    if eligible is None:
        eligible = np.ones(scores.shape, dtype=bool)
    else:
        eligible = np.asarray(eligible, dtype=bool)
        labels = np.where(eligible, labels, 0.0)
    order = np.lexsort((-scores, ~eligible))  # primary key last: eligible first, then score
    ranked = labels[order]
    if ties == "expected":
        s, e = scores[order], eligible[order]
        new_group = np.ones(len(s), dtype=bool)
        new_group[1:] = (s[1:] != s[:-1]) | (e[1:] != e[:-1])
        group = np.cumsum(new_group) - 1
        sums = np.bincount(group, weights=ranked)
        counts = np.bincount(group)
        ranked = (sums / counts)[group]
    return ranked
