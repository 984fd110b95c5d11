"""Call inputs made by rankkit itself (issue 17): signatures, typed values, mutation, the
candidates' filter, the ``rankkit inputs`` command, and coverage of every HumanEval/MBPP signature."""

from __future__ import annotations

import ast
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.dumps import Dump, TaskSamples, write_released
from rankkit.programs.inputs import (
    Drawer,
    Input,
    calls_from_tests,
    find_signature,
    mutate,
    read_inputs,
    synthesize_inputs,
    type_spec,
    well_formed,
)

TYPED = '''from typing import Dict, List, Optional, Tuple


def f(xs: List[Tuple[int, str]], opts: Optional[Dict[str, List[float]]], flag: bool, n: int | None = 3) -> int:
    """Count things."""
'''
MBPP_STYLE = ("You are an expert Python programmer, and here is your task: Write a function to count words. "
              "Your code should pass these tests:\n\n")


def conforms(value, spec) -> bool:
    kind = spec[0]
    if kind == "any":
        return True
    if kind == "union":
        return any(conforms(value, s) for s in spec[1])
    if kind == "none":
        return value is None
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, float)
    if kind == "str":
        return isinstance(value, str)
    if kind in ("list", "set"):
        return isinstance(value, list if kind == "list" else set) and all(conforms(v, spec[1]) for v in value)
    if kind == "tuple":
        if len(spec) == 3:
            return isinstance(value, tuple) and all(conforms(v, spec[1]) for v in value)
        return isinstance(value, tuple) and len(value) == len(spec[1]) and all(map(conforms, value, spec[1]))
    if kind == "dict":
        return isinstance(value, dict) and all(conforms(k, spec[1]) and conforms(v, spec[2]) for k, v in value.items())
    raise AssertionError(spec)


def test_annotations_become_nested_specs():
    assert type_spec("List[Tuple[int, str]]") == ("list", ("tuple", [("int",), ("str",)]))
    assert type_spec("Optional[Dict[str, List[float]]]") == (
        "union", [("dict", ("str",), ("list", ("float",))), ("none",)])
    assert type_spec("int | None") == ("union", [("int",), ("none",)])
    assert type_spec("Tuple[int, ...]") == ("tuple", ("int",), "...")
    assert type_spec("set[str]") == ("set", ("str",)) and type_spec("typing.List[int]") == ("list", ("int",))
    assert type_spec(None) == ("any",) and type_spec("MyClass") == ("any",)


@pytest.mark.parametrize("annotation", ["int", "float", "str", "bool", "None", "List[int]", "Tuple[int, str]",
                                        "Dict[str, List[int]]", "Set[int]", "Optional[List[str]]",
                                        "Union[int, str]", "List[List[Tuple[str, float]]]"])
def test_drawn_and_mutated_values_keep_their_type(annotation):
    spec = type_spec(annotation)
    drawer = Drawer(np.random.default_rng(1))
    for _ in range(50):
        value = drawer.draw(spec)
        assert conforms(value, spec), (annotation, value)
        if spec[0] != "union":
            assert conforms(mutate(value, drawer, spec=spec), spec), value


def test_typed_prompt_gives_distinct_literal_calls_deterministically():
    sig, inputs = synthesize_inputs(TYPED, n=25, seed=3)
    assert sig.source == "prompt" and [p.name for p in sig.params] == ["xs", "opts", "flag", "n"]
    calls = [i.call for i in inputs]
    assert len(calls) == 25 == len(set(calls))
    specs = [type_spec(p.annotation) for p in sig.params]
    for call in calls:
        node = ast.parse(call, mode="eval").body
        args = [ast.literal_eval(a) for a in node.args]
        assert node.func.id == "f" and len(args) == 4
        assert all(conforms(a, s) for a, s in zip(args, specs)), call
    assert synthesize_inputs(TYPED, n=25, seed=3)[1] == inputs  # same seed, same inputs
    assert synthesize_inputs(TYPED, n=25, seed=4)[1] != inputs


def test_prompt_examples_come_first_and_seed_untyped_parameters():
    prompt = MBPP_STYLE + "assert count_words('a b', 2) == 1\nassert count_words('x y z', 1) == 3\n[BEGIN]\n"
    sig, inputs = synthesize_inputs(prompt, n=12)
    assert sig.source == "examples" and len(sig.params) == 2
    assert [i.call for i in inputs[:2]] == ["count_words('a b', 2)", "count_words('x y z', 1)"]
    assert [i.provenance for i in inputs[:2]] == ["example", "example"]
    for i in inputs:  # the examples' types carry over: (str, int)
        a, b = ast.literal_eval(i.call[len("count_words"):])
        assert isinstance(a, str) and isinstance(b, int) and not isinstance(b, bool)


def test_without_a_signature_in_the_prompt_the_candidates_majority_is_used():
    prompt = MBPP_STYLE + "[BEGIN]\n"
    candidates = ["def count_words(text, limit=2):\n    return len(text.split()) > limit\n"] * 3 + [
        "def count_words(a):\n    return 0\n"]
    sig = find_signature(prompt, candidates, entry_point="count_words")
    assert sig.source == "candidates" and [p.name for p in sig.params] == ["text", "limit"]
    assert sig.params[1].default == "2"
    _, inputs = synthesize_inputs(prompt, candidates, entry_point="count_words", n=10)
    assert inputs and all(isinstance(ast.literal_eval(i.call[len("count_words"):])[0], str) for i in inputs)
    assert find_signature(prompt, [], entry_point="count_words") is None  # nothing to read one from


def test_untyped_parameters_use_defaults_names_prompt_assignments_and_candidate_constants():
    prompt = 'def g(grid, word, k=5, mode=None):\n    """grid = [[1, 2], [3, 4]] and word = "hi" give 3."""\n'
    sig, inputs = synthesize_inputs(prompt, n=20, seed=0)
    first = ast.literal_eval(inputs[0].call[1:])
    assert inputs[0].provenance == "example" and first[:2] == ([[1, 2], [3, 4]], "hi")
    for i in inputs:
        grid, word, k, _ = ast.literal_eval(i.call[1:])
        assert isinstance(grid, list) and isinstance(word, str) and isinstance(k, int)
    code = 'def h(x):\n    """Say it."""\n'
    _, seeded = synthesize_inputs(code, ["    if x == 'magic':\n        return 1\n    return 0\n"] * 3, n=30, seed=0)
    assert any("'magic'" in i.call for i in seeded)


def test_calls_are_read_from_test_statements_and_seed_the_inputs():
    tests = ["assert count_words('q r', 7) == 0", "assert count_words('q r', 7) == 0", "assert other(1) == 2",
             "not python ("]
    assert calls_from_tests(tests, "count_words") == ["count_words('q r', 7)"]
    prompt = MBPP_STYLE + "assert count_words('a b', 2) == 1\n[BEGIN]\n"
    _, inputs = synthesize_inputs(prompt, tests=["count_words('q r', 7)"], n=5)
    assert inputs[1] == Input("count_words('q r', 7)", "tests")


def test_inputs_on_which_nearly_every_working_candidate_raises_are_dropped():
    inputs = [Input(f"f({i})", "typed") for i in range(3)]
    raised = np.array([[False, True, False],   # works on some inputs: informative
                       [False, True, True],
                       [True, True, True]])     # raises on everything: says nothing about the inputs
    assert well_formed(inputs, raised, threshold=0.9) == [True, False, True]
    assert well_formed(inputs, np.ones((4, 3), dtype=bool)) == [True, True, True]
    assert well_formed(inputs, np.zeros((0, 3), dtype=bool)) == [True, True, True]


def _small_dump(path):
    prompt = 'def add(a: int, b: int) -> int:\n    """Add."""\n'
    gens = ["    return a + b\n", "    return a - b\n", "    return 1 // (a - a)\n"]
    tasks = {"T/0": TaskSamples("T/0", prompt, gens, np.array([1, 0, 0], dtype=np.int8))}
    write_released(Dump(tasks, "x"), path)


def test_inputs_command_writes_rows_and_provenance(tmp_path):
    _small_dump(tmp_path / "d.json")
    tests = tmp_path / "tests.jsonl"
    tests.write_text(json.dumps({"task_id": "T/0", "tests": ["assert add(40, 2) == 42"]}) + "\n")
    r = CliRunner().invoke(app, ["inputs", str(tmp_path / "d.json"), "--no-check-task-ids", "--n", "12", "--quiet",
                                 "--tests", str(tests), "-o", str(tmp_path / "in.jsonl")])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in (tmp_path / "in.jsonl").read_text().splitlines()]
    assert 1 <= len(rows) <= 12 and rows[0]["call"] == "add(40, 2)" and rows[0]["provenance"] == "tests"
    assert [r["index"] for r in rows] == list(range(len(rows)))
    meta = json.loads((tmp_path / "in.jsonl.meta.json").read_text())
    assert meta["signature_sources"] == {"prompt": 1} and meta["settings"]["n"] == 12
    assert meta["inputs"] == len(rows) and meta["dropped_ill_formed"] + len(rows) <= 12
    assert list(read_inputs(tmp_path / "in.jsonl")) == ["T/0"]
    bad = CliRunner().invoke(app, ["inputs", str(tmp_path / "d.json"), "--no-check-task-ids", "-o",
                                   str(tmp_path / "in.csv")])
    assert bad.exit_code == 2 and "ending in .jsonl" in bad.output


@pytest.mark.slow
@pytest.mark.parametrize("benchmark", ["humaneval", "mbpp"])
def test_inputs_for_every_benchmark_signature(benchmark):
    """Every HumanEval/MBPP problem: >= 10 distinct well-formed inputs (the bundled dumps'
    candidates judge them), and how often the reference solution runs on them without raising."""
    from rankkit.dumps import load_dump
    from rankkit.paths import data_file
    from rankkit.programs.inputs import well_formed_inputs
    from rankkit.programs.probes import Case, run_probes
    from rankkit.programs.prompt_info import prompt_info
    from rankkit.tasks import load_humaneval, load_mbpp

    problems = load_humaneval() if benchmark == "humaneval" else load_mbpp("test")
    dump = load_dump(data_file("humaneval_codegen16b_codet.json.gz" if benchmark == "humaneval"
                               else "mbpp_smollm2-135m.labelled.json.gz"))
    jobs, kept = [], []
    for tid, p in problems.items():
        candidates = list(dump[tid].generations) if tid in dump.tasks else []
        _, inputs = synthesize_inputs(p.prompt, candidates, n=30, seed=0)
        good, _ = well_formed_inputs(p.prompt, candidates, inputs, max_candidates=8, workers=2)
        kept.append(len(good))
        jobs.append((prompt_info(p.prompt).code_prefix + p.reference_solution, [Case("expr", i.call) for i in good]))
    ran = run_probes(jobs, workers=2, case_seconds=1.0, total_seconds=20.0)
    ok = sum(sum(f is not None and not f.startswith("!") for f in r.fingerprints) for r in ran)
    share_ten, share_ok = float(np.mean(np.array(kept) >= 10)), ok / sum(kept)
    print(f"{benchmark}: {share_ten:.3f} of problems have >= 10 well-formed inputs; the reference runs on "
          f"{share_ok:.3f} of them")
    assert share_ten >= 0.9
    # HumanEval's candidates (CodeGen-16B) judge inputs well; MBPP's bundled ones (SmolLM2-135M, 5 a
    # problem, mostly wrong) barely can, so fewer ill-formed inputs are caught there (bench/RESULTS.md)
    assert share_ok >= (0.9 if benchmark == "humaneval" else 0.75)


def test_an_execution_ranker_with_nothing_to_run_says_so(tmp_path):
    typed = 'def double(x: int) -> int:\n    """Return twice x."""\n'
    gens = ["    return 2 * x\n", "    return x + x\n", "    return x\n"]
    text = "Return twice the number you are given."  # no signature anywhere: nothing to make inputs from
    tasks = {f"T/{i}": TaskSamples(f"T/{i}", typed if i == 0 else text, gens, np.array([1, 1, 0], dtype=np.int8))
             for i in range(3)}
    write_released(Dump(tasks, "x"), tmp_path / "d.json")

    def run(spec):
        r = CliRunner().invoke(app, ["rank-score", str(tmp_path / "d.json"), "--no-check-task-ids", "--ranker", spec,
                                     "--k", "1,2", "--bootstrap", "10", "--no-score-cache", "--quiet"])
        assert r.exit_code == 0, r.output
        return r.output

    out = run("exec-agreement")  # by default rankkit's own inputs where the prompt shows none
    assert "nothing to run for 2 of 3 problems" in out and "rankkit's own" in out and "for 1 of 3 problems" in out
    assert out.count("has nothing to run for task") == 1  # the warning comes once
    out = run("exec-agreement:prompt")  # the shown examples only: nothing anywhere
    assert "nothing to run for 3 of 3 problems" in out and "exec-agreement:prompt: inputs: the shown examples" in out
    out = run("doctest")
    assert "nothing to run for 3 of 3 problems" in out and out.count("has nothing to run for task") == 1
    assert "exec-agreement makes its own inputs" in out  # doctest needs shown outputs: it points elsewhere


def test_exec_agreement_on_rankkits_own_inputs_or_an_inputs_file(tmp_path):
    from rankkit.dumps import load_dump
    from rankkit.evaluation import score_dump
    from rankkit.rankers import check_ranker, make_ranker

    prompt = 'def double(x: int) -> int:\n    """Return twice x."""\n'
    gens = ["    return 2 * x\n", "    return x + x\n", "    return x\n", "    return 'no'\n"]
    tasks = {f"T/{i}": TaskSamples(f"T/{i}", prompt, gens, np.array([1, 1, 0, 0], dtype=np.int8)) for i in range(2)}
    write_released(Dump(tasks, "x"), tmp_path / "d.json")
    dump = load_dump(tmp_path / "d.json")
    plain = score_dump(dump, make_ranker("exec-agreement:prompt"), show_progress=False)
    assert np.all(plain["T/0"] == plain["T/0"][0])  # nothing to run: all tie
    by_default = score_dump(dump, make_ranker("exec-agreement:agree=all"), show_progress=False)
    assert list(by_default["T/0"]) == [1.0, 1.0, 0.0, 0.0]  # no examples shown: rankkit's own inputs
    ranker = make_ranker("exec-agreement:synth,n_inputs=12")
    own = score_dump(dump, ranker, show_progress=False)["T/0"]
    # per input: the two right ones agree on every input, and `return x` joins them where x == 0 only
    assert own[0] == own[1] and 1.0 < own[0] < 1.5 and own[2] == pytest.approx(2 * (own[0] - 1)) and own[3] == 0.0
    assert "inputs: rankkit's own" in ranker.describe() and "nothing to run" not in ranker.describe()
    r = CliRunner().invoke(app, ["inputs", str(tmp_path / "d.json"), "--no-check-task-ids", "--n", "8", "--quiet",
                                 "-o", str(tmp_path / "in.jsonl")])
    assert r.exit_code == 0, r.output
    from_file = make_ranker(f"exec-agreement:{tmp_path / 'in.jsonl'}")
    from_file_scores = score_dump(dump, from_file, show_progress=False)["T/1"]
    assert from_file_scores[0] == from_file_scores[1] > from_file_scores[2] > from_file_scores[3] == 0.0
    assert "the inputs file" in from_file.describe()
    check_ranker(make_ranker("exec-agreement:synth,n_inputs=6"))
    with pytest.raises(ValueError, match="prompt, synth or an inputs file"):
        make_ranker("exec-agreement:nope.jsonl")
