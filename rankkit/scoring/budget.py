"""Budgeted metrics (the paper's Eq. 2, 3, 5, 6): a metric@k evaluated at the largest k whose
cost fits the budget. pass_flops@f and pass_time@t are one function with different cost units.

For rank-score, each of the k samples costs its generation plus its scoring by the ranker.
A budget that buys no sample, or more samples than the dump holds, has no estimate: NaN.
"""

from __future__ import annotations

import numpy as np

from rankkit.scoring.pass_at_k import pass_at_k
from rankkit.scoring.rank_score import rank_score_matrix

BUDGET_UNITS = ("flops", "time")  # what a budget is counted in: FLOPs or seconds

# Budgets are often written as k * cost; this keeps 3 * 0.1 / 0.1 from rounding down to 2.
_REL_TOLERANCE = 1e-9


def samples_within_budget(budget, cost_per_sample: float) -> np.ndarray:
    """k = max{k : k * cost_per_sample <= budget} for each budget (int64 array, may be 0)."""
    if not np.isfinite(cost_per_sample) or cost_per_sample <= 0:
        raise ValueError(f"cost per sample must be a positive number, got {cost_per_sample!r}")
    budget = np.atleast_1d(np.asarray(budget, dtype=np.float64))
    if np.any(budget < 0) or not np.all(np.isfinite(budget)):
        raise ValueError("budgets must be finite and >= 0")
    return np.floor(budget / cost_per_sample * (1 + _REL_TOLERANCE)).astype(np.int64)


def _at_budget(metric_at_k, n_min: int, budget, cost_per_sample: float, n_problems: int) -> np.ndarray:
    ks = samples_within_budget(budget, cost_per_sample)
    out = np.full((n_problems, len(ks)), np.nan)
    ok = (ks >= 1) & (ks <= n_min)
    if ok.any():
        out[:, ok] = metric_at_k(ks[ok])
    return out


def pass_at_budget(n, c, budget, cost_per_sample: float) -> np.ndarray:
    """pass@k(budget) per problem: shape (problems, budgets); NaN where k is 0 or exceeds n."""
    n_arr = np.atleast_1d(np.asarray(n))
    c_arr = np.broadcast_to(np.atleast_1d(np.asarray(c)), n_arr.shape)
    return _at_budget(
        lambda ks: pass_at_k(n_arr, c_arr, ks), int(n_arr.min()), budget, cost_per_sample, len(n_arr)
    )


def rank_score_at_budget(ranked_labels, budget, generator_cost: float, ranker_cost: float = 0.0) -> np.ndarray:
    """rank-score@k(budget) per problem, each sample costing generation plus ranking."""
    if ranker_cost < 0:
        raise ValueError("ranker cost must be >= 0")
    n_min = min(len(r) for r in ranked_labels)
    return _at_budget(
        lambda ks: rank_score_matrix(ranked_labels, ks),
        n_min, budget, generator_cost + ranker_cost, len(ranked_labels),
    )


def pass_flops_at(n, c, flops, cost) -> np.ndarray:
    """pass_flops@f (Eq. 2): ``cost`` is a ModelCost (or anything with flops_per_sample)."""
    return pass_at_budget(n, c, flops, cost.flops_per_sample)


def pass_time_at(n, c, seconds, cost) -> np.ndarray:
    """pass_time@t (Eq. 3): ``cost`` is a ModelCost (or anything with seconds_per_sample)."""
    return pass_at_budget(n, c, seconds, cost.seconds_per_sample)


def rank_score_flops_at(ranked_labels, flops, cost, ranker_flops_per_sample: float = 0.0) -> np.ndarray:
    """rank-score_flops@f (Eq. 5): generation FLOPs plus the ranker's FLOPs per sample."""
    return rank_score_at_budget(ranked_labels, flops, cost.flops_per_sample, ranker_flops_per_sample)


def rank_score_time_at(ranked_labels, seconds, cost, ranker_seconds_per_sample: float = 0.0) -> np.ndarray:
    """rank-score_time@t (Eq. 6): generation seconds plus the ranker's seconds per sample."""
    return rank_score_at_budget(ranked_labels, seconds, cost.seconds_per_sample, ranker_seconds_per_sample)
