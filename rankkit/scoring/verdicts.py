"""Selectors over a verdict matrix: candidates x tests, True where the candidate passed the test.

Pure numpy, no execution: the matrix comes from ``rankkit.programs.matrix``. Each returns one
score per candidate (higher = pick first).

- ``vote``: tests passed (CodeRM-style majority vote over generated tests).
- ``codet``: CodeT's dual agreement: candidates with the same passed set form a consensus set,
  scored |candidates in it| x |tests it passes|.
- ``b4_posterior``: the posterior probability that each candidate is correct, B4's idea worked
  out exactly under this model: each candidate is right with probability ``prior``, each test
  with ``test_prior``; a right candidate passes exactly the right tests; a wrong one passes a
  right test with probability ``theta_right`` and a wrong test with ``theta_wrong``. Right
  candidates then share one passed set, so the hypotheses are "none is right" and "a non-empty
  subset of one consensus set is right, and its passed tests are the right ones"; their sum
  is closed-form per set.
"""

from __future__ import annotations

import numpy as np


def _check(passed) -> np.ndarray:
    matrix = np.asarray(passed)
    if matrix.ndim != 2:
        raise ValueError(f"a verdict matrix is candidates x tests, got shape {matrix.shape}")
    return matrix.astype(bool)


def consensus_sets(passed) -> np.ndarray:
    """Each candidate's consensus set: candidates with identical passed sets share an id
    (ids in order of first appearance)."""
    matrix = _check(passed)
    ids: dict[bytes, int] = {}
    return np.array([ids.setdefault(row.tobytes(), len(ids)) for row in matrix], dtype=np.int64)


def vote(passed) -> np.ndarray:
    """Tests passed, per candidate."""
    return _check(passed).sum(axis=1).astype(np.float64)


def codet(passed) -> np.ndarray:
    """|consensus set| x |tests the set passes|, per candidate."""
    matrix = _check(passed)
    sets = consensus_sets(matrix)
    sizes = np.bincount(sets)
    return (sizes[sets] * matrix.sum(axis=1)).astype(np.float64)


def b4_posterior(passed, prior: float = 0.5, test_prior: float = 0.5, theta_right: float = 0.5,
                 theta_wrong: float = 0.1, log: bool = False) -> np.ndarray:
    """P(candidate is right | matrix) under the model in the module's docstring; its log with
    ``log`` (for ranking: on large matrices all but the best sets underflow to 0)."""
    for name, value in (("prior", prior), ("test_prior", test_prior), ("theta_right", theta_right),
                        ("theta_wrong", theta_wrong)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")
    matrix = _check(passed).astype(np.float64)
    n, m = matrix.shape
    if n == 0:
        return np.zeros(0)
    sets = consensus_sets(matrix)
    first = np.array([np.flatnonzero(sets == g)[0] for g in range(sets.max() + 1)])
    right = matrix[first]  # per set: the tests it passes (the right ones under its hypothesis)
    sizes = np.bincount(sets).astype(np.float64)
    l1, l1c, l2, l2c = np.log(theta_right), np.log1p(-theta_right), np.log(theta_wrong), np.log1p(-theta_wrong)
    # log P(row of a wrong candidate | which tests are right), candidates x sets
    wrong_row = matrix @ (right * l1 + (1 - right) * l2).T + (1 - matrix) @ (right * l1c + (1 - right) * l2c).T
    own = wrong_row[first, np.arange(len(first))]  # a member of the set, were it wrong
    log_px, log_qx = np.log(prior), np.log1p(-prior)
    # the other candidates (all wrong) and the tests' prior, per set
    others = (log_qx + wrong_row).sum(axis=0) - sizes * (log_qx + own)
    rest = others + right.sum(axis=1) * np.log(test_prior) + (m - right.sum(axis=1)) * np.log1p(-test_prior)
    either = np.logaddexp(log_px, log_qx + own)  # log(p + (1 - p) a): a member right or wrong
    # sum over non-empty subsets of the set being right: (p + (1-p)a)^s - ((1-p)a)^s
    all_wrong = sizes * (log_qx + own - either)
    mass = sizes * either + np.log(-np.expm1(np.minimum(all_wrong, -1e-300))) + rest
    # none right: every candidate wrong, each test right or wrong independently
    per_test = np.logaddexp(np.log(test_prior) + (matrix * l1 + (1 - matrix) * l1c).sum(axis=0),
                            np.log1p(-test_prior) + (matrix * l2 + (1 - matrix) * l2c).sum(axis=0))
    none = n * log_qx + per_test.sum()
    total = np.logaddexp(none, np.logaddexp.reduce(mass))
    member = log_px + (sizes - 1) * either + rest  # a given member right, the others of its set either way
    out = member[sets] - total
    return out if log else np.exp(out)
