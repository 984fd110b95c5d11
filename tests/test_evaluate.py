"""The evaluation core: ``evaluate`` (the same JSON as the CLI), paired differences against a
brute-force paired bootstrap, ``rankkit score``, label-free views, leak-free cross-fitting,
declared / measured / missing costs, one error handler, benchmark recognition, progress."""

import io
import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit import evaluate
from rankkit.cli import app
from rankkit.dumps import Dump, TaskSamples, load_dump
from rankkit.errors import CostError, LabelAccessError, RankkitError
from rankkit.evaluation import (
    Budget,
    RankerFailure,
    cross_fit_scores,
    open_dump,
    paired_difference,
    pass_curve,
    rank_score_curve,
    resolve_series,
    score_dump,
)
from rankkit.paths import data_file
from rankkit.progress import Progress
from rankkit.rankers import FREE, ProblemView, Ranker, RankerCost, make_ranker
from rankkit.report import write_table
from rankkit.scores import read_scores
from rankkit.scoring import bootstrap_ci

DEMO = str(data_file("humaneval_codegen16b_codet.json.gz"))
runner = CliRunner()


def synthetic_dump(problems=12, samples=10, seed=0, prefix="T"):
    rng = np.random.default_rng(seed)
    tasks = {}
    for i in range(problems):
        labels = (rng.random(samples) < rng.uniform(0.1, 0.6)).astype(np.int8)
        gens = [f"    return {j} + {int(rng.integers(0, 1000))}\n" for j in range(samples)]
        tasks[f"{prefix}/{i}"] = TaskSamples(f"{prefix}/{i}", f"def f{i}():\n", gens, labels)
    return Dump(tasks, "synthetic")


# --- evaluate is what the CLI runs ------------------------------------------------------------

def test_python_evaluate_and_cli_write_the_same_json(tmp_path):
    cli_out, py_out = tmp_path / "cli.json", tmp_path / "py.json"
    args = ["rank-score", DEMO, "--problems", "6", "--ranker", "length", "--ranker", "self-consistency",
            "--ranker", "random", "--ranker", "oracle", "--k", "1,2,5,10", "--bootstrap", "200", "--no-score-cache",
            "-o", str(cli_out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    dump = open_dump(DEMO, head=6)
    series = resolve_series(dump, ["length", "self-consistency", "random", "oracle"], show_progress=False)
    write_table(evaluate(dump, series, [1, 2, 5, 10], n_boot=200), py_out, panels=["k"])
    cli, py = json.loads(cli_out.read_text()), json.loads(py_out.read_text())
    assert cli == py
    assert {d["name"] for d in cli["differences"]} == {"length", "self-consistency", "oracle"}  # vs random
    assert cli["meta"]["baseline"] == "random"


def test_budgeted_evaluate_matches_the_cli_too(tmp_path):
    cli_out, py_out = tmp_path / "cli.json", tmp_path / "py.json"
    r = runner.invoke(app, ["rank-score", DEMO, "--problems", "5", "--ranker", "length", "--ranker", "random",
                            "--budget", "flops", "--generator", "codellama-13b", "--ranker-cost", "length=1e12",
                            "--k", "1,3,10", "--bootstrap", "100", "--no-score-cache", "-o", str(cli_out)])
    assert r.exit_code == 0, r.output
    dump = open_dump(DEMO, head=5)
    report = evaluate(dump, resolve_series(dump, ["length", "random"], show_progress=False), [1, 3, 10],
                      budget=Budget("flops", "codellama-13b", ranker_costs={"length": 1e12}), n_boot=100)
    write_table(report, py_out, panels=["budget"])
    assert json.loads(cli_out.read_text()) == json.loads(py_out.read_text())
    assert report.ranker_costs == {"length": 1e12, "random": 0.0}


# --- paired differences -----------------------------------------------------------------------

def brute_force_paired(a, b, n_boot, seed):
    """Replicate by replicate: draw problems with replacement, mean(a) - mean(b) on the SAME draw."""
    p = len(a)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(p, np.full(p, 1.0 / p), size=n_boot)
    reps = []
    for row in counts:
        drawn = [i for i in range(p) for _ in range(row[i])]
        reps.append(np.mean([a[i] for i in drawn]) - np.mean([b[i] for i in drawn]))
    return np.quantile(reps, [0.025, 0.975])


def test_paired_difference_equals_a_brute_force_paired_bootstrap():
    dump = synthetic_dump(problems=7, samples=6, seed=3)
    rng = np.random.default_rng(1)
    good = {t.task_id: t.labels + 0.3 * rng.random(len(t)) for t in dump}  # mostly the labels
    noise = {t.task_id: rng.random(len(t)) for t in dump}
    ca = rank_score_curve(dump, good, [1, 3], "good", n_boot=500, seed=5)
    cb = rank_score_curve(dump, noise, [1, 3], "noise", n_boot=500, seed=5)
    d = paired_difference(ca, cb, n_boot=500, seed=5)
    for j in range(2):
        low, high = brute_force_paired(ca.per_problem[:, j], cb.per_problem[:, j], 500, 5)
        assert d.estimate.low[j] == pytest.approx(low, abs=1e-12) and d.estimate.high[j] == pytest.approx(high, abs=1e-12)
        assert d.estimate.mean[j] == pytest.approx(ca.estimate.mean[j] - cb.estimate.mean[j])
    # an unpaired interval (independent draws for the two curves) is wider on correlated curves
    a, b = ca.per_problem[:, 1], ca.per_problem[:, 1] * 0.9
    paired = bootstrap_ci(a - b, n_boot=2000, seed=0)
    ra = np.random.default_rng(0).multinomial(7, np.full(7, 1 / 7), size=2000) @ a / 7
    rb = np.random.default_rng(1).multinomial(7, np.full(7, 1 / 7), size=2000) @ b / 7
    unpaired = np.quantile(ra - rb, [0.025, 0.975])
    assert paired.high[0] - paired.low[0] < 0.5 * (unpaired[1] - unpaired[0])


def test_paired_interval_converges_to_the_exact_bootstrap_distribution():
    """With 4 problems every resample can be enumerated (4^4 draws): the exact paired bootstrap."""
    for a, b, significant in ((np.array([1.0, 0.0, 0.5, 1.0]), np.array([0.0, 0.0, 0.5, 0.25]), False),
                              (np.array([1.0, 0.5, 0.5, 1.0]), np.array([0.0, 0.0, 0.5, 0.25]), True)):
        diffs = [np.mean(a[list(idx)] - b[list(idx)]) for idx in itertools.product(range(4), repeat=4)]
        d = paired_difference(_curve(a), _curve(b), n_boot=40000, seed=2)
        assert d.estimate.low[0] == pytest.approx(np.quantile(diffs, 0.025), abs=0.07)
        assert d.estimate.high[0] == pytest.approx(np.quantile(diffs, 0.975), abs=0.07)
        # P(difference <= 0) under the exact bootstrap: (2/4)^4 = 6.25% (not significant), (1/4)^4 (significant)
        assert bool(d.significant[0]) is significant
        assert bool(np.mean(np.array(diffs) <= 0) < 0.025) is significant


def _curve(values):
    from rankkit.evaluation import Curve

    v = np.asarray(values, dtype=float)[:, None]
    return Curve("c", "rank-score@k", np.array([1]), "k", v, bootstrap_ci(v, n_boot=10))


def test_baseline_is_nll_when_present_and_differences_are_marked(tmp_path):
    dump = synthetic_dump(problems=30, samples=8, seed=2)
    oracle_like = {t.task_id: t.labels.astype(float) for t in dump}
    nll = {t.task_id: -np.arange(len(t), dtype=float) for t in dump}
    report = evaluate(dump, {"mean_nll": nll, "oracle-ish": oracle_like}, [1, 4], n_boot=300)
    assert report.baseline == "mean_nll"
    (d,) = report.differences
    assert d.name == "oracle-ish" and d.significant[1]  # the labels beat dump order at k = 4
    assert not d.significant[0]  # at k = 1 every ranker is pass@1: difference exactly 0
    r = runner.invoke(app, ["rank-score", DEMO, "--problems", "4", "--ranker", "length", "--ranker", "oracle",
                            "--k", "1,10", "--no-score-cache", "--bootstrap", "100"])
    assert r.exit_code == 0 and "minus random" in r.output and "*" in r.output, r.output


# --- rankkit score ----------------------------------------------------------------------------

def test_score_command_writes_scores_that_rank_score_reads_back(tmp_path):
    out = tmp_path / "s.parquet"
    r = runner.invoke(app, ["score", DEMO, "--problems", "5", "--ranker", "length", "--ranker", "doctest",
                            "-o", str(out), "--score-cache", str(tmp_path / "cache")])
    assert r.exit_code == 0, r.output
    dump = open_dump(DEMO, head=5)
    table = read_scores(out, dump)
    assert table.higher_is_better == {"length": True, "doctest": True}
    assert table.costs["length"] == FREE and table.costs["doctest"].seconds_per_sample > 0
    live = resolve_series(dump, ["length", "doctest"], cache_dir=tmp_path / "cache", show_progress=False)
    from_file = resolve_series(dump, ["length", "doctest"], scores=table)
    for name in live:
        assert all(np.array_equal(live[name][t], from_file[name][t]) for t in live[name])
        assert from_file[name].cost == live[name].cost
    a = evaluate(dump, live, [1, 5], budget=Budget("time", "codellama-7b"), n_boot=50)
    b = evaluate(dump, from_file, [1, 5], budget=Budget("time", "codellama-7b"), n_boot=50)
    for ca, cb in zip(a.budget_curves, b.budget_curves):
        np.testing.assert_array_equal(ca.estimate.mean, cb.estimate.mean)
    r = runner.invoke(app, ["score", DEMO, "--ranker", "not-a-ranker", "-o", str(out)])
    assert r.exit_code == 2 and "not a registered ranker" in r.output


# --- rankers cannot see the labels ------------------------------------------------------------

class Peeking(Ranker):
    name = "peeking"
    cost = FREE

    def score(self, problem, generations):
        return problem.labels.astype(float)


def test_rankers_get_label_free_views_and_reading_labels_names_the_ranker():
    dump = synthetic_dump(problems=3)
    with pytest.raises(RankerFailure, match="peeking") as info:
        score_dump(dump, Peeking(), show_progress=False)
    assert isinstance(info.value.__cause__, LabelAccessError) and "peeking" in str(info.value.__cause__)
    seen = []

    class Looker(Ranker):
        name = "looker"

        def score(self, problem, generations):
            seen.append(problem)
            return np.zeros(len(generations))

    score_dump(dump, Looker(), show_progress=False)
    assert all(isinstance(p, ProblemView) for p in seen)
    for p in seen:  # every way to the labels is closed
        for read in (lambda: p.labels, lambda: p.passed(), lambda: p.is_labelled):
            with pytest.raises(LabelAccessError):
                read()
    assert seen[0].task_id == "T/0" and seen[0].prompt == "def f0():\n" and len(seen[0]) == 10
    oracle = score_dump(dump, make_ranker("oracle"), show_progress=False)  # uses_labels: the real task
    assert np.array_equal(oracle["T/1"], dump["T/1"].labels)


def test_views_hide_verdict_fields_and_carry_public_benchmark_metadata():
    task = TaskSamples("HumanEval/0", "p", ["a", "b"], [1, 0], None,
                       {"result": ["passed", "failed"], "temperature": [0.8, 0.8]})
    view = ProblemView(task, "r")
    assert view.fields == {"temperature": [0.8, 0.8]}
    assert view.metadata["entry_point"] == "has_close_elements" and "tests" not in view.metadata
    with pytest.raises(LabelAccessError, match="'r'"):
        view.passed()


# --- cross-fitting is leak-free ---------------------------------------------------------------

CHECKED: list[str] = []  # every task id any Recording instance scored (folds get fresh clones)


class Recording(Ranker):
    """A learned ranker that records which task ids each fit saw, and checks every scored one."""

    name = "recording"
    learned = True
    cost = FREE

    def __init__(self):
        self.fitted_on, self.checked = set(), CHECKED

    def fit(self, problems, generations, labels):
        assert all(isinstance(p, ProblemView) for p in problems)
        assert [len(l) for l in labels] == [len(g) for g in generations]
        self.fitted_on = {p.task_id for p in problems}
        return self

    def score(self, problem, generations):
        assert problem.task_id not in self.fitted_on, f"{problem.task_id} was in its own fit"
        self.checked.append(problem.task_id)
        return np.zeros(len(generations))


class Memoriser(Ranker):
    """Deliberately leaky: remembers its training labels by task id and replays them."""

    name = "memoriser"
    learned = True
    cost = FREE

    def __init__(self):
        self.memory = {}

    def fit(self, problems, generations, labels):
        self.memory = {p.task_id: np.asarray(l, dtype=float) for p, l in zip(problems, labels)}
        return self

    def score(self, problem, generations):
        return self.memory.get(problem.task_id, np.zeros(len(generations)))


def test_cross_fitting_never_scores_a_problem_with_a_fit_that_saw_it():
    dump = synthetic_dump(problems=11)
    CHECKED.clear()
    ranker = Recording()
    cross_fit_scores(dump, ranker, folds=4, show_progress=False)
    assert sorted(ranker.checked) == sorted(dump.tasks)  # every problem scored exactly once


def test_a_memorising_learner_gains_nothing_under_score_dump():
    dump = synthetic_dump(problems=40, samples=12, seed=7)
    n = 12
    leaky_in_sample = Memoriser().fit([ProblemView(t) for t in dump], None, [t.labels for t in dump])
    in_sample = {t.task_id: leaky_in_sample.score(ProblemView(t), t.generations) for t in dump}
    cross_fitted = score_dump(dump, Memoriser(), show_progress=False, folds=5)
    at_n = lambda s: rank_score_curve(dump, s, [n], "x", ties="expected", n_boot=10).estimate.mean[0]
    pass_1 = pass_curve(dump, [1], n_boot=10).estimate.mean[0]  # chance: a random pick
    oracle = at_n({t.task_id: t.labels.astype(float) for t in dump})
    assert at_n(in_sample) == pytest.approx(oracle)  # fitted on the scored problems: the oracle
    assert at_n(cross_fitted) == pytest.approx(pass_1)  # cross-fitted: all ties, exactly chance
    assert oracle > pass_1 + 0.2


# --- costs: declared, measured, or an error ---------------------------------------------------

class Unpriced(Ranker):
    name = "unpriced"

    def score(self, problem, generations):
        return np.zeros(len(generations))


class Measuring(Unpriced):
    name = "measuring"

    def __init__(self):
        self.samples = 0

    def score(self, problem, generations):
        self.samples += len(generations)
        return np.zeros(len(generations))

    def measured_cost(self):
        return RankerCost(10.0, 0.5) if self.samples else None


def test_unknown_cost_fails_only_under_a_budget_and_measured_costs_come_back(tmp_path):
    assert Ranker.cost is None
    dump = synthetic_dump(problems=4)
    scores = score_dump(dump, Unpriced(), show_progress=False)
    assert scores.cost is None
    evaluate(dump, {"unpriced": scores}, [1, 2], n_boot=10)  # no budget: fine
    with pytest.raises(CostError, match="'unpriced' has no cost") as info:
        evaluate(dump, {"unpriced": scores}, [1, 2], budget=Budget("time", "codellama-7b"), n_boot=10)
    assert info.value.param == "ranker_costs" and info.value.example == "unpriced=VALUE"
    measured = score_dump(dump, Measuring(), show_progress=False, cache_dir=tmp_path)
    assert measured.cost == RankerCost(10.0, 0.5)
    again = score_dump(dump, Measuring(), show_progress=False, cache_dir=tmp_path)  # all from the cache
    assert again.cost == RankerCost(10.0, 0.5)
    report = evaluate(dump, {"m": again}, [1, 2], budget=Budget("time", "codellama-7b"), n_boot=10)
    assert report.ranker_costs == {"m": 0.5, "random": 0.0}


def test_ensemble_cost_is_its_components_and_objective_is_rank_score_at_n():
    from rankkit.scoring.selection import pool_top_expected

    ens = make_ranker("ensemble:length+self-consistency,step=0.5")
    assert set(ens.components()) == {"length", "self-consistency"} and ens.cost == FREE
    labels = np.array([0, 1, 1, 0.0])
    assert pool_top_expected(np.array([1.0, 3, 3, 2]), labels) == 1.0
    assert pool_top_expected(np.array([3.0, 3, 1, 2]), labels) == 0.5


# --- one kind of user error, one handler ------------------------------------------------------

def test_user_errors_are_one_line_and_ranker_bugs_keep_their_traceback(registered):
    class Buggy(Ranker):
        name = "test-buggy"

        def score(self, problem, generations):
            return {}["missing"]

    registered("test-buggy", Buggy)
    r = runner.invoke(app, ["rank-score", DEMO, "--problems", "2", "--ranker", "test-buggy", "--no-score-cache"])
    assert r.exit_code == 1 and isinstance(r.exception, RankerFailure)
    assert "test-buggy" in str(r.exception) and isinstance(r.exception.__cause__, KeyError)
    r = runner.invoke(app, ["rank-score", DEMO, "--problems", "2", "--ranker", "length", "--budget", "time"])
    assert r.exit_code == 2 and "error:" in r.output and "Traceback" not in r.output
    assert "--generator MODEL" in r.output


def test_registry_calls_classes_with_a_load_method_and_reports_constructor_bugs_as_bugs(registered):
    class WithLoad(Ranker):
        name = "test-with-load"

        def __init__(self, scale: int = 1):
            self.scale = scale

        @classmethod
        def load(cls, path):  # a verifier-style loader: not an entry point
            return cls()

        def score(self, problem, generations):
            return np.zeros(len(generations))

    class BrokenInit(Ranker):
        name = "test-broken-init"

        def __init__(self, scale: int = 1):
            len(scale)  # TypeError: a bug, not a bad spec

    registered("test-with-load", WithLoad)
    registered("test-broken-init", BrokenInit)
    assert make_ranker("test-with-load:3").scale == 3
    with pytest.raises(TypeError, match="has no len"):
        make_ranker("test-broken-init")
    with pytest.raises(RankkitError, match="no parameter size"):
        make_ranker("test-with-load:size=2")


# --- benchmarks recognised from the ids; progress ---------------------------------------------

def test_unknown_humaneval_ids_are_refused_unless_checking_is_off(tmp_path, write_json):
    from conftest import released_obj

    path = write_json("d.json", released_obj([("HumanEval/0", "def f():\n", [(100.0, "    return 1\n")]),
                                              ("HumanEval/9999", "def g():\n", [(0.0, "    return 2\n")])]))
    r = runner.invoke(app, ["rank-score", str(path), "--ranker", "length", "--k", "1"])
    assert r.exit_code == 2 and "HumanEval/9999" in r.output and "unknown task_id" in r.output
    r = runner.invoke(app, ["rank-score", str(path), "--ranker", "length", "--k", "1", "--no-check-task-ids"])
    assert r.exit_code == 0, r.output
    assert open_dump(DEMO, head=1).metadata["benchmark"] == "humaneval"


def test_progress_prints_plain_lines_when_not_on_a_terminal():
    import time

    out = io.StringIO()
    with Progress(3, "ranking with x", unit="problems", every=0.05, stream=out) as bar:
        for _ in range(3):
            time.sleep(0.08)
            bar.advance(1)
    lines = out.getvalue().splitlines()
    assert lines and lines[-1].startswith("ranking with x: 3/3 problems") and "problems/s" in lines[-1]
    quiet = io.StringIO()
    with Progress(3, "x", enabled=False, stream=quiet, every=0.01) as bar:
        time.sleep(0.05)
        bar.advance(3)
    assert quiet.getvalue() == ""


def test_rank_score_and_report_share_one_tie_default(tmp_path):
    args = ["--problems", "6", "--ranker", "self-consistency", "--k", "1,5,20", "--no-score-cache", "--bootstrap", "50"]
    r = runner.invoke(app, ["rank-score", DEMO, *args, "-o", str(tmp_path / "a.json")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["report", DEMO, *args, "--generator", "codellama-7b", "--out-dir", str(tmp_path / "rep"),
                            "--name", "he"])
    assert r.exit_code == 0, r.output
    pick = lambda rows: [x["mean"] for x in rows if x["name"] == "self-consistency" and x["metric"] == "rank-score@k"]
    a = pick(json.loads((tmp_path / "a.json").read_text())["rows"])
    b = pick(json.loads((tmp_path / "rep" / "he.json").read_text())["rows"])
    assert a == b and len(a) == 3


def test_a_greedy_dump_gives_a_reference_marker_and_plain_labels_work_too(tmp_path, write_json):
    from conftest import released_obj

    greedy = write_json("greedy.json", released_obj([("HumanEval/0", "p", [(100.0, "    return 1\n")]),
                                                      ("HumanEval/1", "p", [(0.0, "    return 2\n")])]))
    r = runner.invoke(app, ["report", DEMO, "--problems", "3", "--ranker", "length", "--generator", "codellama-7b",
                            "--k", "1,10", "--bootstrap", "20", "--no-score-cache", "--out-dir", str(tmp_path / "rep"),
                            "--name", "he", "--reference", f"SmolLM2 greedy={greedy}", "--reference", "other=12.5"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "rep" / "he.md").read_text()
    assert "SmolLM2 greedy = 50.0%" in md and "other = 12.5%" in md
