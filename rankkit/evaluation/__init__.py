"""Evaluation: live rankers over a dump (``score_dump``), curves and paired differences, and the
one entry point both ``rank-score`` and ``report`` run (``evaluate``)."""

from rankkit.evaluation.budget import Budget
from rankkit.evaluation.core import (
    DEFAULT_KS,
    Report,
    compare_generators,
    default_ks,
    evaluate,
    is_nll_series,
    open_dump,
    reference_pass_at_1,
    resolve_series,
)
from rankkit.evaluation.curves import (
    DEFAULT_TIES,
    Curve,
    Difference,
    check_ks,
    max_k,
    paired_difference,
    pass_budget_curve,
    pass_curve,
    rank_score_budget_curve,
    rank_score_curve,
    ranked_labels,
)
from rankkit.evaluation.live import RankerFailure, Scores, cross_fit_scores, fold_of, score_dump

__all__ = [
    "Budget", "DEFAULT_KS", "DEFAULT_TIES", "compare_generators", "Curve", "Difference", "RankerFailure", "Report", "Scores", "check_ks",
    "cross_fit_scores", "default_ks", "evaluate", "fold_of", "is_nll_series", "max_k", "open_dump",
    "paired_difference", "reference_pass_at_1", "pass_budget_curve", "pass_curve", "rank_score_budget_curve", "rank_score_curve",
    "ranked_labels", "resolve_series", "score_dump",
]
