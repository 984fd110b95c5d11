"""Bootstrap confidence intervals over problems for means of per-problem metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """Mean over problems with a percentile bootstrap interval (arrays over the metric's columns)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def bootstrap_ci(per_problem, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0) -> Estimate:
    """Mean of ``per_problem`` (problems x columns) and its bootstrap interval over problems.

    Resampling problems with replacement is a multinomial count vector per replicate, so all
    replicates and columns are one matrix product. Columns holding NaN give NaN throughout.
    """
    values = np.asarray(per_problem, dtype=np.float64)
    squeeze = values.ndim == 1
    if squeeze:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError("per_problem must be a non-empty (problems,) or (problems, columns) array")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    p = values.shape[0]
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(p, np.full(p, 1.0 / p), size=n_boot).astype(np.float64)
    bad = np.isnan(values).any(axis=0)
    filled = np.where(np.isnan(values), 0.0, values)
    replicates = counts @ filled / p
    alpha = (1 - confidence) / 2
    low, high = np.quantile(replicates, [alpha, 1 - alpha], axis=0)
    mean = filled.mean(axis=0)
    for arr in (mean, low, high):
        arr[bad] = np.nan
    if squeeze:
        return Estimate(mean[:1].copy(), low[:1].copy(), high[:1].copy())
    return Estimate(mean, low, high)
