"""The paper's metrics, pure numpy and no I/O: pass@k, rank-score@k, budgets, bootstrap."""

from rankkit.scoring.bootstrap import Estimate, bootstrap_ci
from rankkit.scoring.budget import (
    BUDGET_UNITS,
    pass_at_budget,
    pass_flops_at,
    pass_time_at,
    rank_score_at_budget,
    rank_score_flops_at,
    rank_score_time_at,
    samples_within_budget,
)
from rankkit.scoring.pass_at_k import pass_at_k
from rankkit.scoring.rank_score import DEFAULT_TIES, TIES, rank_labels, rank_score_at_k, rank_score_matrix, rank_score_weights

__all__ = [
    "BUDGET_UNITS",
    "Estimate",
    "DEFAULT_TIES",
    "TIES",
    "bootstrap_ci",
    "pass_at_budget",
    "pass_at_k",
    "pass_flops_at",
    "pass_time_at",
    "rank_labels",
    "rank_score_at_budget",
    "rank_score_at_k",
    "rank_score_matrix",
    "rank_score_flops_at",
    "rank_score_time_at",
    "rank_score_weights",
    "samples_within_budget",
]
