"""Input checks shared by the metric functions: integer counts and k values, clear errors."""

from __future__ import annotations

import numpy as np


def _as_int_array(value, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold whole numbers, got {arr!r}")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold whole numbers, got dtype {arr.dtype}")
    return np.atleast_1d(arr).astype(np.int64)


def as_problem_arrays(n, c) -> tuple[np.ndarray, np.ndarray, bool]:
    """(n, c) as int64 arrays of one length; True where both were scalars."""
    scalar = np.ndim(n) == 0 and np.ndim(c) == 0
    n_arr, c_arr = _as_int_array(n, "n"), _as_int_array(c, "c")
    n_arr, c_arr = np.broadcast_arrays(n_arr, c_arr)
    if np.any(n_arr < 1):
        raise ValueError("n (samples per problem) must be >= 1")
    if np.any(c_arr < 0) or np.any(c_arr > n_arr):
        raise ValueError("c (correct samples) must lie in [0, n]")
    return n_arr.copy(), c_arr.copy(), scalar


def as_k_array(k) -> tuple[np.ndarray, bool]:
    """k as an int64 array of values >= 1; True where k was a scalar."""
    scalar = np.ndim(k) == 0
    k_arr = _as_int_array(k, "k")
    if k_arr.size == 0:
        raise ValueError("k is empty")
    if np.any(k_arr < 1):
        raise ValueError("k must be >= 1")
    return k_arr, scalar


def shape_result(out: np.ndarray, problems_scalar: bool, k_scalar: bool):
    """Drop the axes of scalar inputs from a (problems, ks) result."""
    if problems_scalar and k_scalar:
        return float(out[0, 0])
    if problems_scalar:
        return out[0]
    if k_scalar:
        return out[:, 0]
    return out
