"""pass@k: the unbiased estimator of Chen et al. (2021), the paper's Eq. 1.

pass@k = 1 - C(n-c, k) / C(n, k), computed for every requested k of every problem at once.
"""

from __future__ import annotations

import numpy as np

from rankkit.scoring._validate import as_k_array, as_problem_arrays, shape_result


def _survival_curves(n: int, c: np.ndarray) -> np.ndarray:
    """C(n-c, k) / C(n, k) for k = 0..n (columns), one row per entry of ``c``.

    Uses the ratio recurrence r(k+1) = r(k) * (n-c-k) / (n-k): a cumulative product of
    n factors, so the relative error stays near n * 2**-53 (no big binomials, no cancellation).
    """
    j = np.arange(n, dtype=np.float64)  # j = 0..n-1 gives the factor from k=j to k=j+1
    factors = (n - c[:, None] - j[None, :]) / (n - j[None, :])
    np.clip(factors, 0.0, None, out=factors)
    out = np.empty((len(c), n + 1), dtype=np.float64)
    out[:, 0] = 1.0
    np.cumprod(factors, axis=1, out=out[:, 1:])
    return out


def pass_at_k(n, c, k) -> np.ndarray | float:
    """Unbiased pass@k for problems with ``n`` samples of which ``c`` pass, in [0, 1].

    ``n`` and ``c`` are scalars or 1-D arrays over problems; ``k`` is a scalar or a 1-D array
    (``np.arange(1, n + 1)`` for a whole curve). The result has shape (problems, ks), with the
    axes of scalar inputs dropped. Raises ValueError for k < 1, k > n, c < 0 or c > n.
    """
    n_arr, c_arr, problems_scalar = as_problem_arrays(n, c)
    k_arr, k_scalar = as_k_array(k)
    if np.any(k_arr[None, :] > n_arr[:, None]):
        raise ValueError(
            f"pass@k needs k <= n: k up to {int(k_arr.max())} asked, smallest n is {int(n_arr.min())}"
        )
    out = np.empty((len(n_arr), len(k_arr)), dtype=np.float64)
    for n_value in np.unique(n_arr):
        rows = np.flatnonzero(n_arr == n_value)
        survival = _survival_curves(int(n_value), c_arr[rows].astype(np.float64))
        out[rows] = 1.0 - survival[:, k_arr]
    return shape_result(out, problems_scalar, k_scalar)
