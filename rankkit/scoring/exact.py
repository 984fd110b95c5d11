"""Exact reference formulas with Python's big integers (slow; for tests and benchmarks only).

They follow the paper's equations term by term, with no shared code with the fast versions.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb
from typing import Sequence


def pass_at_k_exact(n: int, c: int, k: int) -> Fraction:
    """1 - C(n-c, k) / C(n, k) as an exact fraction."""
    return 1 - Fraction(comb(n - c, k), comb(n, k))


def rank_score_at_k_exact(passed_in_rank_order: Sequence[int], k: int) -> Fraction:
    """sum_{i=1}^{n-k+1} C(n-i, k-1) * pass_i / C(n, k) as an exact fraction (Eq. 4)."""
    n = len(passed_in_rank_order)
    total = sum(comb(n - i, k - 1) * int(passed_in_rank_order[i - 1]) for i in range(1, n - k + 2))
    return Fraction(total, comb(n, k))
