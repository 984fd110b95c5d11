import numpy as np
import pytest

from rankkit.costs import PAPER_COSTS
from rankkit.scoring import (
    pass_at_budget, pass_at_k, pass_flops_at, pass_time_at, rank_score_at_budget,
    rank_score_at_k, rank_score_flops_at, rank_score_time_at, samples_within_budget,
)


def test_samples_within_budget_is_floor_with_tolerance():
    np.testing.assert_array_equal(samples_within_budget([0, 0.29, 0.3, 0.31, 0.61], 0.1), [0, 2, 3, 3, 6])
    assert samples_within_budget(3 * 0.1, 0.1)[0] == 3
    with pytest.raises(ValueError):
        samples_within_budget(1.0, 0.0)
    with pytest.raises(ValueError):
        samples_within_budget(-1.0, 1.0)


def test_pass_time_matches_pass_at_k_definition():
    n, c = np.array([20, 20]), np.array([3, 10])
    seven = PAPER_COSTS["codellama-7b"]
    t = np.array([0.1, seven.seconds_per_sample, 5 * seven.seconds_per_sample + 1e-6, 100.0])
    got = pass_time_at(n, c, t, seven)
    assert np.isnan(got[:, 0]).all()  # budget buys no sample
    np.testing.assert_allclose(got[:, 1], pass_at_k(n, c, 1))
    np.testing.assert_allclose(got[:, 2], pass_at_k(n, c, 5))
    assert np.isnan(got[:, 3]).all()  # more samples than the dump holds
    f = pass_flops_at(n, c, [3 * seven.flops_per_sample], seven)
    np.testing.assert_allclose(f[:, 0], pass_at_k(n, c, 3))


def test_rank_score_budget_counts_ranker_cost():
    ranked = [np.array([0, 1, 0, 0, 1, 0], float), np.array([1, 0, 0, 0, 0, 0], float)]
    gen, rank = 1.0, 0.5
    got = rank_score_at_budget(ranked, [3.0, 4.4, 4.5], gen, rank)
    for j, k in enumerate([2, 2, 3]):
        for p, labels in enumerate(ranked):
            assert got[p, j] == pytest.approx(rank_score_at_k(labels, k))
    cost = PAPER_COSTS["codellama-13b"]
    t = rank_score_time_at(ranked, [4 * cost.seconds_per_sample], cost, ranker_seconds_per_sample=cost.seconds_per_sample)
    assert t[0, 0] == pytest.approx(rank_score_at_k(ranked[0], 2))
    f = rank_score_flops_at(ranked, [2 * cost.flops_per_sample], cost)
    assert f[1, 0] == pytest.approx(rank_score_at_k(ranked[1], 2))
    with pytest.raises(ValueError):
        rank_score_at_budget(ranked, [1.0], 1.0, -1.0)


def test_pass_at_budget_equal_budget_smaller_model_gets_more_samples():
    seven, seventy = PAPER_COSTS["codellama-7b"], PAPER_COSTS["codellama-70b"]
    budget = seventy.seconds_per_sample
    k_small = samples_within_budget(budget, seven.seconds_per_sample)[0]
    assert k_small == int(5605 // 395)
    out = pass_at_budget(100, 10, [budget], seven.seconds_per_sample)
    assert out[0, 0] == pytest.approx(pass_at_k(100, 10, int(k_small)))
