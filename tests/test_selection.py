"""Selection over the pass matrix: the primitive, the selectors (against brute force), generated
tests (parsing, files, the job) and the rankers built on them."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from rankkit.dumps import Dump, TaskSamples, load_dump, write_released
from rankkit.programs.matrix import NOT_RUN, OK, RAISED, TIMEOUT, pass_matrices
from rankkit.programs.probes import TIMEOUT_MARK, Case, FollowMedian, ProbeResult
from rankkit.programs.tests import completion_tests, parse_test, parse_tests, read_tests, writing_cost
from rankkit.scoring import verdicts

# --- selectors against brute force ----------------------------------------------------------


def b4_brute_force(passed, prior, test_prior, theta_right, theta_wrong):
    """P(candidate right | matrix) by enumerating every (candidates right, tests right) hypothesis
    of the generative model: a right candidate passes exactly the right tests; a wrong one passes
    a right test with theta_right and a wrong test with theta_wrong."""
    n, m = passed.shape
    hypotheses = np.array(list(itertools.product([0, 1], repeat=n + m)), dtype=float).reshape(-1, n + m)
    x, y = hypotheses[:, :n], hypotheses[:, n:]
    p_pass = x[:, :, None] * y[:, None, :] + (1 - x[:, :, None]) * (y * theta_right + (1 - y) * theta_wrong)[:, None, :]
    likelihood = np.where(passed[None], p_pass, 1 - p_pass).reshape(len(hypotheses), -1).prod(axis=1)
    weight = likelihood * np.where(x, prior, 1 - prior).prod(axis=1) * np.where(y, test_prior, 1 - test_prior).prod(axis=1)
    return (weight[:, None] * x).sum(axis=0) / weight.sum()


def test_b4_posterior_equals_enumerating_every_hypothesis_on_all_4x3_matrices():
    rng = np.random.default_rng(0)
    matrices = [np.array([[(code >> (3 * i + j)) & 1 for j in range(3)] for i in range(4)], dtype=bool)
                for code in range(2 ** 12)]
    for matrix in matrices:
        params = tuple(rng.uniform(0.05, 0.95, 4))
        assert np.allclose(verdicts.b4_posterior(matrix, *params), b4_brute_force(matrix, *params), rtol=1e-9, atol=1e-14)
    # the defaults, on a matrix where two candidates agree on two tests
    matrix = np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 0, 0]], dtype=bool)
    post = verdicts.b4_posterior(matrix)
    assert np.allclose(post, b4_brute_force(matrix, 0.5, 0.5, 0.5, 0.1))
    assert post[0] == post[1] > post[2] > post[3]
    assert np.allclose(verdicts.b4_posterior(matrix, log=True), np.log(post))


def test_b4_on_other_shapes_and_large_matrices():
    rng = np.random.default_rng(1)
    for n, m in [(1, 0), (3, 0), (1, 4), (5, 2), (2, 5)]:
        matrix = rng.random((n, m)) < 0.5
        assert np.allclose(verdicts.b4_posterior(matrix), b4_brute_force(matrix, 0.5, 0.5, 0.5, 0.1))
    big = rng.random((100, 100)) < 0.3
    big[:20] = big[0]  # a consensus set of 20
    scores = verdicts.b4_posterior(big, log=True)
    assert np.all(np.isfinite(scores)) and set(np.argsort(-scores)[:20]) == set(range(20))
    with pytest.raises(ValueError, match="theta_wrong"):
        verdicts.b4_posterior(big, theta_wrong=1.0)


def test_codet_and_vote_equal_their_definitions_on_random_matrices():
    rng = np.random.default_rng(2)
    for _ in range(50):
        matrix = rng.random((rng.integers(1, 9), rng.integers(0, 6))) < 0.5
        matrix[rng.integers(0, len(matrix))] = matrix[0]
        expected_codet = [sum(1 for other in matrix if (other == row).all()) * row.sum() for row in matrix]
        assert verdicts.codet(matrix).tolist() == expected_codet
        assert verdicts.vote(matrix).tolist() == [row.sum() for row in matrix]


# --- the pass matrix -------------------------------------------------------------------------

PREFIX = "def f(x):\n"


def test_pass_matrix_outcomes_fingerprints_and_verdicts():
    cases = [Case("expr", "f(1)", "2"), Case("expr", "f(0)"), Case("stmt", "assert f(3) == 6")]
    candidates = [
        "    return 2 * x\n",
        "    return 1 / x + 1\n",            # f(1) == 2, f(0) raises, the assert on f(3) fails
        "    while x: pass\n    return 0\n",  # f(1) times out
        "    return 2 * x\n",                # a duplicate: runs once
        "    return (\n",                    # does not load
        "    class I(int): pass\n    return I(2 * x)\n",  # the same repr as the first, another type
    ]
    [m] = pass_matrices([("T/0", PREFIX, candidates, cases)], workers=2, cache=False, case_seconds=0.5)
    assert m.shape == (6, 3) and m.distinct == 5
    assert m.outcome[0].tolist() == [OK, OK, OK] and m.passed[0].tolist() == [True, False, True]
    assert m.outcome[1].tolist() == [OK, RAISED, RAISED] and m.error[1].tolist() == ["", "ZeroDivisionError",
                                                                                  "AssertionError"]
    assert m.passed[1].tolist() == [True, False, False]
    assert m.outcome[2, 0] == TIMEOUT and not m.passed[2, 0]
    assert (m.outcome[3] == m.outcome[0]).all() and (m.fingerprint[3] == m.fingerprint[0]).all() and m.seconds[3] == 0
    assert not m.loaded[4] and (m.outcome[4] == NOT_RUN).all() and m.behaviour(4) is None
    assert m.fingerprint[5, 1] != m.fingerprint[0, 1] and m.passed[5].tolist() == [True, False, True]
    assert m.behaviour(0) == m.behaviour(3) != m.behaviour(5)
    [again] = pass_matrices([("T/0", PREFIX, candidates, cases)], workers=1, cache=False, case_seconds=0.5)
    for field in ("outcome", "error", "fingerprint", "held"):  # deterministic
        assert (getattr(again, field) == getattr(m, field)).all()
    [empty] = pass_matrices([("T/1", PREFIX, candidates[:2], [])], cache=False)
    assert empty.shape == (2, 0) and empty.distinct == 0


def test_follow_median_limits_from_the_candidates_times():
    rule = FollowMedian(factor=4, floor=0.1, cap=0.5)

    def r(*cases):  # each case: seconds it took, "T" ran out of time, None never ran
        fps = [TIMEOUT_MARK if c == "T" else None if c is None else "x" for c in cases]
        return ProbeResult(True, None, fps, [False] * len(cases),
                           case_seconds=[None if c in ("T", None) else c for c in cases])

    results = [r(0.001, 0.05, "T", 0.2), r(0.002, 0.06, "T", "T"), r(0.003, "T", "T", None), r(0.5, 0.07, 0.01, "T")]
    # case 0: median 0.002 -> floor; case 1: median 0.06 -> 0.24; case 2: 3 of 4 out of time -> cap;
    # case 3: median of {0.2, T, T} is censored -> cap
    assert rule.limits(results, 4) == [0.1, pytest.approx(0.24), 0.5, 0.5]
    assert rule.limits([r(0.2), r(0.3), r(0.25)], 1) == [0.5]  # 4 x 0.25 over the cap
    assert rule.limits([ProbeResult(False, "!SyntaxError", [None], [False])], 1) == [0.1]  # nothing ran


def test_pass_matrix_with_limits_that_follow_the_candidates():
    """Fast candidates set a short limit (a slow one runs out of it); where most candidates are
    slow the limit grows to the cap and the slow ones finish; a loop costs the floor, not the cap."""
    fast = ["    return x + %d - %d\n" % (i, i) for i in range(4)]
    slow = "    import time\n    time.sleep(0.25)\n    return x\n"
    loop = "    while True: pass\n"
    cases = [Case("expr", "f(1)", "1"), Case("expr", "f(2)", "2")]
    problems = [("T/0", PREFIX, fast + [slow, loop], cases), ("T/1", PREFIX, [slow, slow + "#2\n", slow + "#3\n", fast[0]], cases)]
    fixed = pass_matrices(problems, workers=2, cache=False, case_seconds=0.5)
    auto = pass_matrices(problems, workers=2, cache=False, case_seconds=FollowMedian(cap=0.5))
    assert fixed[0].passed[4].all() and (fixed[0].outcome[5] == TIMEOUT).all()
    assert (auto[0].outcome[4] == TIMEOUT).all() and (auto[0].outcome[5] == TIMEOUT).all()
    assert auto[0].passed[:4].all() and fixed[0].passed[:4].all()
    assert auto[1].passed.all() and fixed[1].passed.all()  # slow is the norm there: the cap applies


def test_pass_matrix_is_cached_like_execution_results(tmp_path):
    cases = [Case("expr", "f(2)", "4")]
    cache = tmp_path / "cache.sqlite"
    first = pass_matrices([("T/0", PREFIX, ["    return x * x\n"], cases)], cache=cache)[0]
    second = pass_matrices([("T/0", PREFIX, ["    return x * x\n"], cases)], cache=cache)[0]
    assert second.passed.tolist() == first.passed.tolist() == [[True]]
    assert second.seconds[0] == first.seconds[0]  # the recorded run, not a new one


# --- generated tests -------------------------------------------------------------------------


def test_parsing_generated_tests_keeps_pairs_and_counts_what_it_drops():
    text = ("1, 2) == 3\nassert add(0, 0) == 0  # zero\nassert add(1,\n   2) == 3\nassert mul(1, 2) == 2\n"
            "assert add(x) = \nassert abs(add(0.1, 0.2) - 0.3) < 1e-9\n\ndef later(): pass\n")
    parsed = completion_tests(text, "add", per_text=None)
    assert [(t.call, t.expected) for t in parsed.tests] == [("add(1, 2)", "3"), ("add(0, 0)", "0"), (None, None)]
    assert (parsed.duplicate, parsed.no_entry_point, parsed.unparsable) == (1, 1, 1)
    assert parsed.tests[2].case.kind == "stmt" and parsed.tests[0].case == Case("expr", "add(1, 2)", "3")
    assert parse_test("assert [1] == add(1)", "add").expected == "[1]"
    assert parse_test("assert add(1) == other(2)", "add").call is None  # not a literal: the assert runs
    assert parse_test("assert not add(1)", "add").call is None and parse_test("x = add(1)", "add") is None
    assert len(parse_tests(["assert add(1) == 1\nassert add(2) == 2"], "add", per_text=1).tests) == 1


def test_tests_files_in_both_formats_and_their_errors(tmp_path):
    ours = tmp_path / "ours.jsonl"
    ours.write_text(json.dumps({"task_id": "T/0", "entry_point": "f", "tests": ["assert f(1) == 2"],
                                "cost": {"flops": 10.0, "seconds": 0.5}}) + "\n")
    codet = tmp_path / "codet.jsonl"
    codet.write_text(json.dumps({"task_id": "T/0", "prompt": "def f(x):\n    pass\n\nassert", "samples":
                                 [" f(1) == 2\nassert f(2) == 4", " f(1)  ==  2"]}) + "\n")
    assert [t.source for t in read_tests(str(ours))["T/0"]] == ["assert f(1) == 2"]
    assert [t.source for t in read_tests(str(codet))["T/0"]] == ["assert f(1) == 2", "assert f(2) == 4"]
    assert writing_cost(str(ours)) == {"T/0": (10.0, 0.5)} and writing_cost(str(codet)) == {}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"task_id": "T/0", "entry_point": "f", "tests": ["print(1)"]}) + "\n")
    with pytest.raises(Exception, match=r"bad.jsonl, line 1: not a tests record .*print\(1\)"):
        read_tests(str(bad))
    twice = tmp_path / "twice.jsonl"
    twice.write_text((json.dumps({"task_id": "T/0", "tests": []}) + "\n") * 2)
    with pytest.raises(Exception, match="twice.jsonl, line 2: task T/0 appears twice"):
        read_tests(str(twice))


# --- rankers on generated tests -----------------------------------------------------------------

SQUARE = 'def square(x: int) -> int:\n    """The square of x."""\n'
SQUARES = ["    return x * x\n", "    return x ** 2\n", "    return abs(x) * abs(x)\n", "    return x + x\n",
           "    return x * x +\n", "    return 0\n"]
SQUARE_TESTS = ["assert square(2) == 4", "assert square(-3) == 9", "assert square(1) == 2", "assert square(0) == 0"]


def square_dump(tmp_path, tests=SQUARE_TESTS, cost=None):
    labels = np.array([1, 1, 1, 0, 0, 0], dtype=np.int8)
    write_released(Dump({"T/0": TaskSamples("T/0", SQUARE, SQUARES, labels)}, "x"), tmp_path / "d.json")
    row = {"task_id": "T/0", "entry_point": "square", "tests": tests}
    if cost:
        row["cost"] = cost
    (tmp_path / "tests.jsonl").write_text(json.dumps(row) + "\n")
    return load_dump(tmp_path / "d.json"), str(tmp_path / "tests.jsonl")


def test_selectors_rank_by_the_verdict_matrix_and_charge_the_tests_cost(tmp_path):
    from rankkit.evaluation import score_dump
    from rankkit.rankers import make_ranker

    dump, tests = square_dump(tmp_path, cost={"flops": 6e9, "seconds": 3.0})
    # passed: right ones {2, -3, 0}; x + x {2, 1, 0}; the syntax error nothing; return 0 {0}
    expected = {"codet": [9, 9, 9, 3, 0, 1], "test-vote": [3, 3, 3, 3, 0, 1]}
    for spec, want in expected.items():
        ranker = make_ranker(f"{spec}:tests={tests},cache=false")
        assert score_dump(dump, ranker, show_progress=False)["T/0"].tolist() == want
        cost = ranker.measured_cost()
        assert cost.flops_per_sample == pytest.approx(1e9) and cost.seconds_per_sample > 0.5
        assert f"tests: {tests}" in ranker.describe()
    b4 = score_dump(dump, make_ranker(f"b4:tests={tests},cache=false"), show_progress=False)["T/0"]
    assert b4[0] == b4[1] == b4[2] > max(b4[3:])
    matrix = np.array([[1, 1, 0, 1]] * 3 + [[1, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 1]], dtype=bool)
    assert np.allclose(b4, verdicts.b4_posterior(matrix, log=True))


def test_selectors_pass_the_conformance_check_and_warn_when_a_problem_has_no_tests(tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app
    from rankkit.rankers import check_ranker, make_ranker

    for spec in ("codet", "test-vote", "b4"):
        check_ranker(make_ranker(spec))
    dump, tests = square_dump(tmp_path, tests=[])
    r = CliRunner().invoke(app, ["rank-score", str(tmp_path / "d.json"), "--no-check-task-ids", "--ranker",
                                 f"b4:tests={tests}", "--k", "1", "--bootstrap", "10", "--no-score-cache", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "has nothing to run for task T/0" in r.output and "nothing to run for 1 of 1 problems (no generated tests" in r.output
    r = CliRunner().invoke(app, ["rank-score", str(tmp_path / "d.json"), "--no-check-task-ids", "--ranker",
                                 "b4:tests=nope.jsonl,prior=2"])
    assert r.exit_code != 0 and "nope.jsonl" in r.output


def test_exec_verifier_features_run_rankkits_own_inputs_where_the_prompt_shows_none():
    from rankkit.dumps.view import view_for
    from rankkit.verifier.features import EXEC_FEATURES, FeatureExtractor, feature_names

    gens = ["    return x * x\n", "    return x ** 2\n", "    return x + x\n", "    return (\n"]
    problem = view_for(None, TaskSamples("T/0", SQUARE, gens, np.array([1, 1, 0, 0], dtype=np.int8)))
    extractor = FeatureExtractor("exec", None, workers=2)
    [features] = extractor([problem], [gens])
    column = dict(zip(feature_names("exec", None), features.matrix.T))
    assert extractor.inputs_used == {"synthesized": 1}
    assert column["agreement"].tolist() == pytest.approx([1 / 3, 1 / 3, 0.0, -1 / 3])  # x*x and x**2 agree
    assert column["has_examples"].tolist() == [0.0] * 4 and len(EXEC_FEATURES) == 9
    assert features.groups[0] == features.groups[1] != features.groups[2]
    assert sum(line.startswith("# return:") for line in features.texts[0].splitlines()) >= 10  # LEVER's text
