import numpy as np
import pytest

from rankkit.scoring import bootstrap_ci


def test_mean_and_interval_cover_the_truth_and_are_reproducible():
    rng = np.random.default_rng(1)
    values = rng.random((400, 3))
    est = bootstrap_ci(values, n_boot=2000, seed=3)
    np.testing.assert_allclose(est.mean, values.mean(axis=0))
    assert np.all(est.low < est.mean) and np.all(est.mean < est.high)
    se = values.std(axis=0, ddof=1) / np.sqrt(400)
    np.testing.assert_allclose(est.high - est.low, 2 * 1.96 * se, rtol=0.15)
    again = bootstrap_ci(values, n_boot=2000, seed=3)
    np.testing.assert_array_equal(est.low, again.low)


def test_constant_column_has_zero_width_and_nan_propagates():
    values = np.column_stack([np.full(10, 0.5), np.r_[np.nan, np.ones(9)]])
    est = bootstrap_ci(values, n_boot=100)
    assert est.low[0] == est.high[0] == 0.5
    assert np.isnan(est.mean[1]) and np.isnan(est.low[1])


def test_rejects_empty():
    with pytest.raises(ValueError):
        bootstrap_ci(np.zeros((0, 2)))
