"""The built-in test-free rankers: prompt parsing, execution-based rankers, self-consistency,
the LM reviewer, and the cross-fitted ensemble; each also on the bundled demo dump."""

import json

import numpy as np
import pytest

from rankkit.dumps import TaskSamples, load_dump
from rankkit.errors import InputError
from rankkit.evaluation import cross_fit_scores, rank_score_curve, score_dump
from rankkit.paths import data_file
from rankkit.rankers import (
    CodeTRanker,
    DoctestRanker,
    EnsembleRanker,
    ExecAgreementRanker,
    SelfConsistencyRanker,
    check_ranker,
    make_ranker,
)
from rankkit.programs.tests import parse_tests
from rankkit.rankers.ensemble import simplex_grid
from rankkit.scoring.selection import rank01
from rankkit.programs.prompt_info import Example, prompt_info
from rankkit.tasks import load_humaneval, load_mbpp

SQUARE_PROMPT = 'def square(x):\n    """Square a number.\n    >>> square(2)\n    4\n    >>> square(-3)\n    9\n    """\n'
SQUARES = [
    "    return x * x\n",        # right
    "    return x ** 2\n",       # right, other text, same behaviour
    "    return abs(x) * abs(x)\n",  # right
    "    return x + x\n",        # square(2) right, square(-3) wrong
    "    return (\n",            # syntax error
    "    # TODO\n",               # adds no code: the empty body returns None
]


def task(prompt, generations, task_id="T/0", labels=None):
    labels = np.zeros(len(generations), dtype=np.int8) if labels is None else np.asarray(labels, dtype=np.int8)
    return TaskSamples(task_id, prompt, list(generations), labels, np.ones(len(generations), dtype=bool))


@pytest.fixture(scope="module")
def demo():
    return load_dump(data_file("humaneval_codegen16b_codet.json.gz")).head(24)


def k_n_score(dump, scores):
    """rank-score@n: the quality of the single sample each ranker picks, ties in expectation."""
    n = min(len(t) for t in dump)
    return float(rank_score_curve(dump, scores, [n], "r", ties="expected", n_boot=10).estimate.mean[0])


# --- what the prompt shows --------------------------------------------------------------------

def test_prompt_info_finds_every_humaneval_entry_point_and_most_examples():
    problems = load_humaneval()
    infos = {t: prompt_info(p.prompt) for t, p in problems.items()}
    assert all(infos[t].entry_point == p.entry_point for t, p in problems.items())
    with_examples = sum(bool(i.examples) for i in infos.values())
    assert with_examples >= 135, with_examples
    assert prompt_info(problems["HumanEval/12"].prompt).examples[0] == Example("longest([])", "None")
    assert prompt_info(problems["HumanEval/84"].prompt).examples[0] == Example("solve(1000)", '"1"')  # "For N = ..."
    assert prompt_info(problems["HumanEval/150"].prompt).examples[0] == Example("x_or_y(7, 34, 12)", "34")
    assert infos["HumanEval/0"].code_prefix == problems["HumanEval/0"].prompt


def test_prompt_info_reads_mbpp_asserts_of_the_last_task_only():
    for p in load_mbpp().values():
        info = prompt_info(p.prompt)
        assert info.code_prefix == "" and info.instruction == p.metadata["text"].strip()
        assert len(info.examples) == len(set(p.metadata["test_list"])), p.task_id  # repeated asserts once
    info = prompt_info(load_mbpp()["MBPP/11"].prompt)
    assert info.entry_point == "remove_Occ" and info.examples[0].expected == '"heo"'


# --- execution-based rankers ------------------------------------------------------------------

def test_exec_agreement_counts_agreeing_candidates_and_ignores_expected_outputs():
    # per input: the three squares agree with each other on both inputs and with x + x on square(2)
    scores = ExecAgreementRanker(cache=False).score(task(SQUARE_PROMPT, SQUARES), SQUARES)
    assert scores.tolist() == [2.5, 2.5, 2.5, 1.5, -1, -1]
    exact = ExecAgreementRanker(cache=False, agree="all").score(task(SQUARE_PROMPT, SQUARES), SQUARES)
    assert exact.tolist() == [2, 2, 2, 0, -1, -1]  # MBR-exec: identical on every input
    lying = SQUARE_PROMPT.replace("    4\n", "    5\n").replace("    9\n", "    -1\n")
    for agree in ("cases", "all"):
        again = ExecAgreementRanker(cache=False, agree=agree).score(task(lying, SQUARES), SQUARES)
        assert again.tolist() == ExecAgreementRanker(cache=False, agree=agree).score(
            task(SQUARE_PROMPT, SQUARES), SQUARES).tolist()
    with pytest.raises(InputError, match="agree must be cases or all"):
        ExecAgreementRanker(agree="some")


def test_exec_agreement_per_input_counts_returned_values_not_shared_exceptions():
    prompt = 'def half(x):\n    """Half of an even number.\n    >>> half(4)\n    2\n    >>> half(3)\n    1\n    """\n'
    gens = ["    return x // 2\n",                                        # returns on both
            "    assert x % 2 == 0\n    return x // 2\n",               # raises on half(3)
            "    if x % 2:\n        raise ValueError\n    return x // 2\n",  # raises on half(3), another class
            "    assert x % 2 == 0\n    return x >> 1\n"]               # same behaviour as the second
    scores = ExecAgreementRanker(cache=False).score(task(prompt, gens), gens)
    # half(4): all four return 2 (3 others each); half(3): only the first returns; no exception counts
    assert scores.tolist() == [1.5, 1.5, 1.5, 1.5]
    exact = ExecAgreementRanker(cache=False, agree="all").score(task(prompt, gens), gens)
    assert exact.tolist() == [0, 1, 0, 1]  # all-or-nothing, the same exception counts as agreeing


def test_doctest_is_the_fraction_of_shown_examples_passed():
    scores = DoctestRanker(cache=False).score(task(SQUARE_PROMPT, SQUARES), SQUARES)
    assert scores.tolist() == [1.0, 1.0, 1.0, 0.5, 0.0, 0.0]


def test_probes_survive_hostile_candidates():
    gens = ["    import os\n    os._exit(0)\n", "    while True:\n        pass\n", "    print('x' * 10**6)\n    return x * x\n",
            "    raise SystemExit(0)\n", "    return x * x\n"]
    r = DoctestRanker(cache=False, case_seconds=0.2, total_seconds=1.0)
    assert r.score(task(SQUARE_PROMPT, gens), gens).tolist() == [0.0, 0.0, 1.0, 0.0, 1.0]


def test_codet_scores_consensus_sets(tmp_path):
    tests = ["assert square(2) == 4", "assert square(-3) == 9", "assert square(1) == 2"]
    path = tmp_path / "tests.jsonl"
    path.write_text(json.dumps({"task_id": "T/0", "tests": tests}) + "\n")
    scores = CodeTRanker(tests=str(path), cache=False).score(task(SQUARE_PROMPT, SQUARES), SQUARES)
    # {square(2), square(-3)} passed by 3 solutions -> 3 x 2; x + x passes square(2) and the wrong
    # generated test square(1) == 2 -> 1 x 2; the syntax error passes nothing -> 0
    assert scores.tolist() == [6, 6, 6, 2, 0, 0]
    with pytest.raises(KeyError, match="T/9"):
        CodeTRanker(tests=str(path), cache=False).score(task(SQUARE_PROMPT, SQUARES, "T/9"), SQUARES)


def test_codet_test_extraction_from_raw_completions():
    raw = "\n    f(1) == 2, 'one'\nassert \n    f(2) == 3\nassert g(1) == 0\nassert f(3) ==\nassert f(4) == 5\n"
    parsed = parse_tests(["assert " + raw], "f")
    assert [t.source for t in parsed.tests] == ["assert f(1) == 2, 'one'", "assert f(2) == 3", "assert f(4) == 5"]
    assert (parsed.unparsable, parsed.no_entry_point) == (1, 1)
    assert [t.source for t in parse_tests(["assert " + raw], "f", per_text=1).tests] == ["assert f(1) == 2, 'one'"]


@pytest.mark.slow
def test_execution_rankers_beat_random_on_the_demo_dump(demo):
    random_pick = k_n_score(demo, score_dump(demo, make_ranker("random"), show_progress=False))
    for spec in ("exec-agreement", "doctest", "codet"):
        ranker = make_ranker(spec)
        scores = score_dump(demo, ranker, show_progress=False)
        picked = k_n_score(demo, scores)
        assert picked > random_pick + 0.1, (spec, picked, random_pick)
        assert scores.cost.seconds_per_sample > 0 and scores.cost.flops_per_sample == 0  # measured while scoring


# --- self-consistency -------------------------------------------------------------------------

def test_self_consistency_ignores_formatting_unless_asked():
    gens = ["    return x * x\n", "    return x*x  # square\n\n", "    return x ** 2\n", "    # no code\n", "\n"]
    t = task(SQUARE_PROMPT, gens)
    assert SelfConsistencyRanker().score(t, gens).tolist() == pytest.approx([2 / 5, 2 / 5, 1 / 5, 0, 0])
    assert SelfConsistencyRanker(by="text").score(t, gens).tolist() == pytest.approx([1 / 5] * 3 + [0, 0])


# --- ensemble ---------------------------------------------------------------------------------

def test_rank01_and_simplex():
    assert rank01(np.array([3.0, 1.0, 3.0, -np.inf])).tolist() == pytest.approx([5 / 6, 1 / 3, 5 / 6, 0])
    grid = simplex_grid(3, 0.25)
    assert np.allclose(grid.sum(1), 1) and len(grid) == 15


def test_ensemble_fits_weights_and_cross_fits(demo):
    ens = EnsembleRanker("length+self-consistency", step=0.5)
    tasks = list(demo)
    ens.fit(tasks, [t.generations for t in tasks], [t.labels for t in tasks])
    assert ens.weights is not None and ens.weights.sum() == pytest.approx(1)
    # leak-freedom of cross-fitting itself: tests/test_evaluate.py (a recording and a memorising learner)
    scores = cross_fit_scores(demo, EnsembleRanker("length+self-consistency", step=0.5), folds=4, show_progress=False)
    assert set(scores) == set(demo.tasks) and scores.cost is not None
    with pytest.raises(ValueError, match="oracle"):
        EnsembleRanker("length+oracle")


# --- LM rankers: the reviewer against a plain forward pass ------------------------------------

def test_reviewer_equals_plain_forward_of_instruction_after_code(tiny, tiny_model_dir):
    from rankkit.lm.reference import plain_scores
    from rankkit.rankers.reviewer import CONNECTOR, code_without_docstring

    model, tokenizer = tiny
    gens = ["    return x * x\n", "    return x+x", "", "    return x * x\n"]
    t = task(SQUARE_PROMPT, gens)
    spec = f"reviewer:{tiny_model_dir},dtype=fp32,device=cpu"
    got = make_ranker(spec).score(t, gens)
    head = code_without_docstring(SQUARE_PROMPT)
    assert head == "def square(x):\n"
    target = prompt_info(SQUARE_PROMPT).instruction + '"""'
    for g, value in zip(gens, got):
        ref = plain_scores(model, tokenizer, head + g.rstrip() + CONNECTOR, [target])[0]
        assert value == pytest.approx(-ref.mean_nll, abs=1e-4)
    coder = -make_ranker(f"nll:{tiny_model_dir},dtype=fp32,device=cpu").score(t, gens)
    mix = make_ranker(f"coder-reviewer:{tiny_model_dir},alpha=0.25,dtype=fp32,device=cpu").score(t, gens)
    assert mix == pytest.approx(0.25 * got + 0.75 * coder, abs=1e-6)


def test_lm_rankers_conform_and_measure_their_cost(tiny_model_dir):
    for name in ("nll", "reviewer"):
        ranker = make_ranker(f"{name}:{tiny_model_dir},dtype=fp32,device=cpu")
        assert ranker.cost is None  # not in the cost table: measured while scoring
        check_ranker(ranker)
        measured = ranker.measured_cost()
        assert measured.flops_per_sample > 0 and measured.seconds_per_sample > 0


def test_nll_can_discard_unfinished_generations(tiny_model_dir):
    t = task(SQUARE_PROMPT, SQUARES[:3])
    t.finished = np.array([True, False, True])
    scores = make_ranker(f"nll:{tiny_model_dir},dtype=fp32,device=cpu,discard_unfinished=true").score(t, t.generations)
    assert np.isposinf(scores[1]) and np.isfinite(scores[[0, 2]]).all()


@pytest.mark.parametrize("spec", ["random", "length", "oracle", "self-consistency", "exec-agreement", "doctest", "codet",
                                  "ensemble:length+self-consistency+exec-agreement,step=0.5"])
def test_built_in_rankers_pass_the_conformance_check(spec):
    check_ranker(make_ranker(spec))


def test_lm_rankers_share_one_loaded_model(tiny_model_dir):
    nll = make_ranker(f"nll:{tiny_model_dir},dtype=fp32,device=cpu")
    reviewer = make_ranker(f"reviewer:{tiny_model_dir},dtype=fp32,device=cpu")
    assert nll.engine is reviewer.engine and nll.engine.model is reviewer.engine.model


@pytest.mark.parametrize("spec", ["exec-agreement", "doctest", "codet", "nll"])
def test_rankers_needing_the_prompt_say_so(spec, tiny_model_dir):
    ranker = make_ranker(f"nll:{tiny_model_dir},dtype=fp32,device=cpu" if spec == "nll" else spec)
    t = task(None, SQUARES[:2], task_id="HumanEval/0")
    with pytest.raises((ValueError, KeyError), match="HumanEval/0"):
        ranker.score(t, t.generations)
