import numpy as np
import pytest

from rankkit.dumps import load_dump
from rankkit.evaluation import rank_score_curve, score_dump
from rankkit.rankers import Ranker, available_rankers, get_ranker, register_ranker
from rankkit.rankers.registry import unregister_ranker


def test_builtin_rankers(small_dump_path):
    dump = load_dump(small_dump_path)
    task = dump["T/0"]
    np.testing.assert_array_equal(get_ranker("length").score(task, task.generations), [-12, -16, -12])
    np.testing.assert_array_equal(get_ranker("oracle").score(task, task.generations), [1, 0, 1])
    r1 = get_ranker("random", seed=1).score(task, task.generations)
    assert np.array_equal(r1, get_ranker("random", seed=1).score(task, task.generations))
    assert not np.array_equal(r1, get_ranker("random", seed=2).score(task, task.generations))
    assert not np.array_equal(r1, get_ranker("random", seed=1).score(dump["T/1"], dump["T/1"].generations))


def test_decorator_registration_and_sign(small_dump_path):
    @register_ranker("test-lower-better")
    class LowerBetter(Ranker):
        name = "test-lower-better"
        higher_is_better = False

        def score(self, problem, generations):
            return np.arange(len(generations), dtype=float)  # first sample is best

    try:
        assert "test-lower-better" in available_rankers()
        dump = load_dump(small_dump_path)
        scores = score_dump(dump, get_ranker("test-lower-better"), show_progress=False)
        curve = rank_score_curve(dump, scores, [3], "x", n_boot=10)
        # k = n picks the first sample: T/0 sample 0 passes, T/1 sample 0 fails.
        assert curve.estimate.mean[0] == pytest.approx(0.5)
        with pytest.raises(ValueError, match="already registered"):
            register_ranker("test-lower-better")(object)
    finally:
        unregister_ranker("test-lower-better")


def test_unknown_ranker_and_wrong_shape(small_dump_path):
    with pytest.raises(KeyError, match="available"):
        get_ranker("does-not-exist")

    class Bad(Ranker):
        name = "bad"

        def score(self, problem, generations):
            return np.zeros(1)

    with pytest.raises(ValueError, match="returned"):
        score_dump(load_dump(small_dump_path), Bad(), show_progress=False)
