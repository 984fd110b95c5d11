import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankkit.scoring import rank_labels, rank_score_at_k, rank_score_matrix, pass_at_k
from rankkit.scoring.exact import rank_score_at_k_exact

labels_st = st.lists(st.integers(0, 1), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(labels_st)
def test_all_k_equal_exact_formula(labels):
    n = len(labels)
    got = rank_score_at_k(labels, np.arange(1, n + 1))
    exact = [float(rank_score_at_k_exact(labels, k)) for k in range(1, n + 1)]
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 999, 2000])
def test_large_n_all_k_against_exact(n):
    rng = np.random.default_rng(n)
    labels = (rng.random(n) < 0.3).astype(int)
    ks = np.unique(np.concatenate([np.arange(1, min(n, 40) + 1), rng.integers(1, n + 1, 40), [n]]))
    got = rank_score_at_k(labels, ks)
    for k, value in zip(ks, got):
        assert abs(value - float(rank_score_at_k_exact(labels.tolist(), int(k)))) < 1e-9


def test_brute_force_subsets():
    """The definition: expected label of the best-ranked member of a uniform random k-subset."""
    labels = [0, 1, 0, 0, 1, 1, 0]
    n = len(labels)
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(range(n), k))
        expected = np.mean([labels[min(s)] for s in subsets])
        assert rank_score_at_k(labels, k) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(labels_st)
def test_k1_is_mean_and_kn_is_top(labels):
    n = len(labels)
    assert rank_score_at_k(labels, 1) == pytest.approx(np.mean(labels))
    assert rank_score_at_k(labels, n) == pytest.approx(labels[0])


@settings(max_examples=50, deadline=None)
@given(labels_st)
def test_oracle_order_equals_pass_at_k(labels):
    n, c = len(labels), sum(labels)
    ranked = sorted(labels, reverse=True)
    ks = np.arange(1, n + 1)
    np.testing.assert_allclose(rank_score_at_k(ranked, ks), pass_at_k(n, c, ks), atol=1e-12)


def test_curves_batch_matches_single_with_mixed_n():
    rng = np.random.default_rng(0)
    problems = [(rng.random(n) < 0.4).astype(float) for n in (10, 20, 10, 15, 20)]
    ks = [1, 3, 10]
    batch = rank_score_matrix(problems, ks)
    for row, labels in zip(batch, problems):
        np.testing.assert_allclose(row, rank_score_at_k(labels, ks), atol=1e-15)


def test_stable_ties_keep_dump_order():
    scores = np.array([1.0, 2.0, 1.0, 2.0])
    labels = np.array([1, 0, 0, 1])
    np.testing.assert_array_equal(rank_labels(scores, labels, ties="stable"), [0, 1, 1, 0])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1)), min_size=1, max_size=7))
def test_expected_ties_equal_average_over_all_tie_breaks(pairs):
    scores = np.array([p[0] for p in pairs], dtype=float)
    labels = np.array([p[1] for p in pairs])
    n = len(pairs)
    ks = np.arange(1, n + 1)
    got = rank_score_at_k(rank_labels(scores, labels, ties="expected"), ks)
    # Every ordering consistent with the scores (best first), each equally likely.
    orders = [p for p in itertools.permutations(range(n))
              if all(scores[p[i]] >= scores[p[i + 1]] for i in range(n - 1))]
    brute = np.mean([rank_score_at_k(labels[list(p)], ks) for p in orders], axis=0)
    np.testing.assert_allclose(got, brute, atol=1e-12)


def test_ineligible_samples_are_never_chosen():
    scores = np.array([5.0, 4.0, 3.0, 2.0])
    labels = np.array([1, 1, 0, 1])
    eligible = np.array([False, True, True, False])
    n = 4
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(range(n), k))
        def pick(s):
            ok = [i for i in s if eligible[i]]
            return labels[min(ok, key=lambda i: -scores[i])] if ok else 0
        expected = np.mean([pick(s) for s in subsets])
        got = rank_score_at_k(rank_labels(scores, labels, eligible=eligible), k)
        assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("bad", [[], [0.5, 2.0], [[1, 0]]])
def test_rejects_bad_labels(bad):
    with pytest.raises(ValueError):
        rank_score_at_k(bad, 1)


def test_rejects_k_out_of_range_and_nan_scores():
    with pytest.raises(ValueError):
        rank_score_at_k([1, 0], 3)
    with pytest.raises(ValueError):
        rank_score_at_k([1, 0], 0)
    with pytest.raises(ValueError, match="NaN"):
        rank_labels([np.nan, 1.0], [1, 0])
    with pytest.raises(ValueError):
        rank_labels([1.0, 0.0], [1, 0], ties="random")
