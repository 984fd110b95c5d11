"""Second guards for tie modes and for duplicate folding (identical programs run once,
identical generations scored once): each is checked here by an independent fact."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.dumps import Dump, TaskSamples, load_dump
from rankkit.evaluation import pass_curve, rank_score_curve
from rankkit.execution import execute_dump
from rankkit.lm import NLLEngine
from rankkit.lm.reference import plain_scores
from rankkit.scoring import rank_score_at_k


def _dump():
    rng = np.random.default_rng(4)
    tasks = {}
    for i in range(6):
        labels = (rng.random(9) < 0.4).astype(np.int8)
        tasks[f"T/{i}"] = TaskSamples(f"T/{i}", "p", [f"g{j}" for j in range(9)], labels)
    return Dump(tasks, "mem")


def test_all_tied_scores_expected_is_pass_at_1_and_stable_is_dump_order():
    """A ranker that ties everything picks uniformly at random: rank-score@k = pass@1 for every k
    ('expected'); 'stable' keeps dump order, i.e. ranks the samples as listed."""
    dump = _dump()
    flat = {t.task_id: np.zeros(len(t)) for t in dump}
    ks = [1, 2, 5, 9]
    expected = rank_score_curve(dump, flat, ks, "flat", ties="expected", n_boot=10).per_problem
    p1 = pass_curve(dump, [1], n_boot=10).per_problem[:, 0]
    np.testing.assert_allclose(expected, np.repeat(p1[:, None], len(ks), axis=1), atol=1e-12)
    stable = rank_score_curve(dump, flat, ks, "flat", ties="stable", n_boot=10).per_problem
    for row, task in zip(stable, dump):
        np.testing.assert_allclose(row, rank_score_at_k(task.labels.astype(float), ks), atol=1e-12)
    assert not np.allclose(stable, expected)  # the two modes really differ here


def test_ties_flag_reaches_the_numbers(tmp_path, write_json):
    from conftest import released_obj

    path = write_json("tie.json", released_obj([("A", "def f():\n", [(100.0, "    return 1\n"), (0.0, "    return 2\n"),
                                                                    (0.0, "    return 3\n")])]))
    means = {}
    for mode in ("stable", "expected"):
        out = tmp_path / f"{mode}.json"
        r = CliRunner().invoke(app, ["rank-score", str(path), "--ranker", "length", "--k", "3", "--ties", mode,
                                     "--baseline", "none", "-o", str(out)])
        assert r.exit_code == 0, r.output
        means[mode] = [x["mean"] for x in json.loads(out.read_text())["rows"] if x["name"] == "length"][0]
    assert means == {"stable": pytest.approx(1.0), "expected": pytest.approx(1 / 3)}  # all three equally long


def test_same_generation_in_two_tasks_is_not_folded_across_their_tests(tmp_path):
    """Folding is by the whole program (prompt + generation + tests), never by generation text."""
    from rankkit.tasks import load_humaneval

    he = load_humaneval()
    body = he["HumanEval/2"].reference_solution  # truncate_number: return number % 1.0
    tasks = {t: TaskSamples(t, he[t].prompt, [body, body], np.full(2, -1, dtype=np.int8))
             for t in ("HumanEval/2", "HumanEval/4")}
    done = execute_dump(Dump(tasks, "mem"), "humaneval", cache=False, show_progress=False)
    assert done.labelled["HumanEval/2"].labels.tolist() == [1, 1]
    assert done.labelled["HumanEval/4"].labels.tolist() == [0, 0]
    assert done.report.distinct_programs == 2 and done.report.executed == 2


def test_duplicate_generations_far_apart_get_the_plain_score_of_their_own_text(tiny):
    model, tokenizer = tiny
    prompt = "def f(x):\n"
    gens = ["    return x\n", "    return 2 * x\n", "    pass\n", "    return x\n", "    return 2 * x\n", "    return x\n"]
    engine = NLLEngine(model, tokenizer, max_batch_tokens=16)
    fast = engine.score(prompt, gens)
    plain = plain_scores(model, tokenizer, prompt, gens)
    assert engine.stats["distinct"] == 3 and engine.stats["samples"] == 6
    for f, p in zip(fast, plain):
        assert f.num_tokens == p.num_tokens and f.sum_logprob == pytest.approx(p.sum_logprob, abs=1e-4)
    assert fast[0].sum_logprob != pytest.approx(fast[1].sum_logprob)
