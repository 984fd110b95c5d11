"""The ways rankkit could print a wrong number silently (issue 16), one test each: score files
that a live ranker shadowed, cache identity, cross-fitting state, label-correlated fields,
load-dependent verdicts, cost sources and averages, order-dependent ties."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.dumps import Dump, TaskSamples, load_dump, write_released
from rankkit.evaluation import Budget, RankerFailure, cross_fit_scores, evaluate, resolve_series, score_dump
from rankkit.evaluation.live import Scores
from rankkit.paths import data_file
from rankkit.rankers import FREE, Ranker, RankerCost, check_ranker, make_ranker
from rankkit.rankers.base import clone, ranker_identity
from rankkit.rankers.conformance import ConformanceError
from rankkit.dumps.view import ProblemView
from rankkit.scores import write_scores

DEMO = str(data_file("humaneval_codegen16b_codet.json.gz"))


def synthetic(problems=6, samples=5, seed=0):
    rng = np.random.default_rng(seed)
    tasks = {}
    for i in range(problems):
        labels = (rng.random(samples) < 0.4).astype(np.int8)
        gens = [f"    return {i * 100 + j}\n" + " " * int(rng.integers(0, 3)) for j in range(samples)]
        tasks[f"T/{i}"] = TaskSamples(f"T/{i}", f"def f{i}():\n", gens, labels)
    return Dump(tasks, "synthetic")


# --- a score-file column always wins over a live ranker of the same name ----------------------

def test_score_file_column_wins_over_the_live_ranker_of_that_name(tmp_path):
    dump = load_dump(DEMO).head(6)
    # a "length" column that is the live length ranker's opposite, and a "random" column
    reversed_length = {t.task_id: -np.array([len(g) for g in t.generations], dtype=float) for t in dump}
    path = tmp_path / "s.jsonl"
    write_scores(path, dump, {"length": reversed_length}, {"length": True})
    series = resolve_series(dump, ["length", "random"], scores=path, show_progress=False)
    assert series["length"].origin == f"file {path}" and series["random"].origin == "live"
    for t in dump:
        np.testing.assert_array_equal(series["length"][t.task_id], reversed_length[t.task_id])
    # the other way round: with no such column the live ranker runs
    live = resolve_series(dump, ["length"], scores=None, show_progress=False)["length"]
    assert live.origin == "live" and not np.array_equal(live[dump.tasks.__iter__().__next__()],
                                                        reversed_length[next(iter(dump.tasks))])
    # and the CLI says where each series came from
    r = CliRunner().invoke(app, ["rank-score", DEMO, "--problems", "6", "--scores", str(path), "--ranker", "length",
                                 "--ranker", "random", "--k", "1,5", "--bootstrap", "20", "--no-score-cache"])
    assert r.exit_code == 0, r.output
    assert f"length: scores from file {path}" in r.output and "random: scores from live" in r.output


# --- the score cache is keyed on the ranker's full identity -----------------------------------

class ModelEcho(Ranker):
    """Scores that depend on the model it is given: what a second model must never reuse."""

    name = "test-model-echo"
    calls = 0

    def __init__(self, model: str = "default-model"):
        self.model = model

    def score(self, problem, generations):
        ModelEcho.calls += 1
        salt = sum(map(ord, self.model))
        return np.array([(len(g) * salt) % 97 for g in generations], dtype=float)


class FileReader(Ranker):
    """Scores read from a file it is given (as codet reads its tests)."""

    name = "test-file-reader"

    def __init__(self, path: str = ""):
        self.path = path

    def score(self, problem, generations):
        offset = float(open(self.path).read())
        return np.arange(len(generations), dtype=float) * offset


def test_an_ensemble_component_with_another_model_never_shares_cached_scores(tmp_path, registered):
    registered("test-model-echo", ModelEcho)
    dump = synthetic()
    ensemble = make_ranker("ensemble:test-model-echo+length,model=model-M,step=0.5")
    score_dump(dump, ensemble, show_progress=False, cache_dir=tmp_path, folds=3)
    component = ensemble.components()["test-model-echo"]
    plain = score_dump(dump, make_ranker("test-model-echo"), show_progress=False, cache_dir=tmp_path)
    expected = ModelEcho().score(None, dump["T/0"].generations)
    np.testing.assert_array_equal(plain["T/0"], expected)  # not model M's scores
    assert ranker_identity(component)["params"]["model"] == "model-M"
    assert ranker_identity(component) != ranker_identity(make_ranker("test-model-echo"))
    assert len(list(tmp_path.glob("test-model-echo-*.jsonl"))) == 2


def test_a_changed_input_file_is_scored_afresh(tmp_path, registered):
    registered("test-file-reader", FileReader)
    dump = synthetic(problems=3)
    source = tmp_path / "offset.txt"
    source.write_text("1")
    spec = f"test-file-reader:{source}"
    first = score_dump(dump, make_ranker(spec), show_progress=False, cache_dir=tmp_path / "cache", spec=spec)
    source.write_text("2")
    second = score_dump(dump, make_ranker(spec), show_progress=False, cache_dir=tmp_path / "cache", spec=spec)
    np.testing.assert_array_equal(second["T/0"], 2 * first["T/0"])
    assert "live (" not in second.origin  # nothing came from the cache


def test_lm_ranker_identity_covers_weights_dtype_and_device(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    ranker = make_ranker(f"nll:{copy}")
    identity = ranker_identity(ranker)
    assert identity["dtype"] in ("bfloat16", "float32") and identity["device"] in ("cpu", "cuda")
    assert "config.json" in identity["model"]["files"]
    assert ranker_identity(make_ranker(f"nll:{copy},dtype=fp32"))["dtype"] == "float32"
    weights = next(p for p in copy.iterdir() if p.suffix == ".safetensors")
    weights.write_bytes(weights.read_bytes() + b"\0")  # other weights, same path
    assert ranker_identity(make_ranker(f"nll:{copy}")) != identity
    codet = ranker_identity(make_ranker("codet"))
    assert len(codet["tests_file"]["sha256"]) == 64


# --- cross-fitting: a fresh clone per fold, one array per problem, nested components ----------

class Accumulator(Ranker):
    """Leaky across fits: each fit adds to what earlier fits taught it."""

    name = "test-accumulator"
    learned = True
    cost = FREE

    def __init__(self):
        self.memory = {}

    def fit(self, problems, generations, labels):
        self.memory.update({p.task_id: np.asarray(l, dtype=float) for p, l in zip(problems, labels)})
        return self

    def score(self, problem, generations):
        return self.memory.get(problem.task_id, np.zeros(len(generations)))


def test_a_learner_that_accumulates_across_fits_learns_nothing_of_the_scored_problems():
    dump = synthetic(problems=10)
    scores = cross_fit_scores(dump, Accumulator(), folds=5, show_progress=False)
    for task in dump:  # one shared instance would have replayed these labels from earlier folds
        assert not np.any(scores[task.task_id]), task.task_id


def test_clone_makes_the_same_unfitted_ranker():
    ranker = make_ranker("ensemble:length+random,step=0.5")
    ranker.weights = np.array([1.0, 0.0])
    fresh = clone(ranker)
    assert fresh is not ranker and fresh.weights is None and fresh.step == 0.5
    assert fresh.component_names == ["length", "random"]


class ExtraArrays(Ranker):
    name = "test-extra-arrays"
    learned = True
    cost = FREE

    def score(self, problem, generations):
        return np.zeros(len(generations))

    def score_many(self, problems, generations):
        return [np.zeros(len(g)) for g in generations] + [np.zeros(3)]


def test_score_many_must_return_one_array_per_problem():
    with pytest.raises(RankerFailure, match="returned 3 score arrays for 2 problems"):
        cross_fit_scores(synthetic(problems=4), ExtraArrays(), folds=2, show_progress=False)


FITS: list[set] = []


class LoggedLearner(Ranker):
    """A learned component that logs every fit and checks it never scores what it fitted on."""

    name = "test-logged-learner"
    learned = True
    cost = FREE

    def __init__(self):
        self.fitted = set()

    def fit(self, problems, generations, labels):
        self.fitted = {p.task_id for p in problems}
        FITS.append(set(self.fitted))
        return self

    def score(self, problem, generations):
        assert problem.task_id not in self.fitted
        return np.array([len(g) for g in generations], dtype=float)


def test_a_learned_ensemble_component_is_cross_fitted_inside_each_outer_fold(registered):
    registered("test-logged-learner", LoggedLearner)
    dump = synthetic(problems=9)
    FITS.clear()
    scores = score_dump(dump, make_ranker("ensemble:test-logged-learner+length,step=0.5"), show_progress=False,
                        folds=3)
    assert set(scores) == set(dump.tasks)
    outer_folds = [{f"T/{i}" for i in range(9) if i % 3 == f} for f in range(3)]
    # no component fit ever saw a problem of the outer fold its scores were used to rank
    assert FITS and all(sum(bool(fit & fold) for fold in outer_folds) <= 2 for fit in FITS)
    assert len(FITS) == 3 * (3 + 1)  # per outer fold: 3 inner fits and the fit on its training problems


# --- rankers see an allowlist of fields --------------------------------------------------------

def test_views_show_generator_fields_and_hide_everything_else():
    task = TaskSamples("T/0", "p", ["a", "b"], [1, 0], None,
                       {"seconds": [0.01, 3.0], "cached": [False, True], "sum_logprob": [-1.0, -2.0],
                        "attempts": [1, 2], "exit_code": [0, 1]})
    assert set(ProblemView(task, "r").fields) == {"sum_logprob"}
    declared = TaskSamples("T/0", "p", ["a", "b"], [1, 0], None, {"difficulty": [1, 1]}, ("difficulty",))
    assert set(ProblemView(declared, "r").fields) == {"difficulty"}


def test_results_files_of_rankkit_itself_hide_their_timings(tmp_path):
    rows = [{"task_id": "T/0", "sample_index": i, "completion": f"    return {i}\n", "passed": i == 0,
             "seconds": 0.01 if i == 0 else 3.0, "kind": "passed" if i == 0 else "timeout"} for i in range(3)]
    path = tmp_path / "x_results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    view = ProblemView(load_dump(path)["T/0"], "r")
    assert "seconds" not in view.fields and "kind" not in view.fields


class FollowsAnyField(Ranker):
    """Uses every numeric field it is handed: harmless only while no field encodes the labels."""

    name = "test-follows-fields"
    cost = FREE

    def score(self, problem, generations):
        total = np.zeros(len(generations))
        for values in problem.fields.values():
            if all(isinstance(v, (int, float)) for v in values):
                total += np.asarray(values, dtype=float)
        return total


def test_conformance_catches_a_ranker_that_follows_a_label_correlated_field():
    with pytest.raises(ConformanceError, match="a field that encodes them"):
        check_ranker(FollowsAnyField())


# --- execution verdicts that machine load can cause -------------------------------------------

def test_a_timeout_runs_again_and_only_a_repeated_one_is_final(tmp_path):
    from rankkit.execution import Environment, Limits, execute_programs

    marker = tmp_path / "ran-once"
    flaky = (f"import os, time\nif not os.path.exists({str(marker)!r}):\n"
             f"    open({str(marker)!r}, 'w').close()\n    time.sleep(5)\n")
    always = "import time\ntime.sleep(5)\n# always\n"
    cache = tmp_path / "cache.sqlite"
    kw = dict(workers=2, limits=Limits(timeout=0.5), env=Environment(isolation="basic"), cache=cache,
              show_progress=False)
    first = execute_programs([flaky, always], **kw)
    assert [r["kind"] for r in first.results] == ["passed", "timeout"]
    assert [r.get("attempts") for r in first.results] == [2, 2] and first.retried == 2
    again = execute_programs([flaky, always], **kw)
    assert [(r["kind"], r["cached"]) for r in again.results] == [("passed", True), ("timeout", True)]


def test_a_probe_that_ran_out_of_time_on_a_case_is_run_again_before_it_counts(tmp_path, monkeypatch):
    import rankkit.programs.probes as probes

    cases = [probes.Case("expr", "f(1)", "1")]
    jobs = [("def f(x):\n    while True: pass\n", cases), ("def f(x):\n    return x\n", cases)]
    real, reports = probes.execute_programs, []
    monkeypatch.setattr(probes, "execute_programs", lambda programs, **kw: reports.append(real(programs, **kw)) or reports[-1])
    looped, fine = probes.run_probes(jobs, workers=2, cache=tmp_path / "c.sqlite", case_seconds=0.2)
    assert looped.fingerprints == ["!_RkTimeout"] and fine.passed == [True]
    assert [r.get("attempts", 1) for r in reports[0].results] == [2, 1] and reports[0].retried == 1


def tamper_results(monkeypatch, change):
    """Every result a zygote sends back passes through ``change(program, result)`` (None: the
    worker died under that program)."""
    from rankkit.execution.pool import Zygote

    real_send, real_receive, running = Zygote.send, Zygote.receive, {}

    def send(self, data):
        job = json.loads(data)
        running[job["id"]] = job["program"]
        return real_send(self, data)

    def receive(self):
        result = real_receive(self)
        if result is None or "id" not in result:  # a dead worker, or its ready message
            return result
        return change(running[result["id"]], result)

    monkeypatch.setattr(Zygote, "send", send)
    monkeypatch.setattr(Zygote, "receive", receive)


def test_a_dead_worker_is_run_again_before_it_counts(tmp_path, monkeypatch):
    from rankkit.execution import Environment, Limits, execute_programs

    seen = []

    def dies_once(program, result):
        if "# victim" in program and not seen:
            seen.append(program)
            return None  # the worker died under this job
        return result

    tamper_results(monkeypatch, dies_once)
    report = execute_programs(["x = 1  # victim\n", "assert False\n"], workers=1, limits=Limits(timeout=2),
                              env=Environment(isolation="basic"), cache=tmp_path / "c.sqlite", show_progress=False)
    assert [r["kind"] for r in report.results] == ["passed", "assertion"]
    assert report.results[0]["attempts"] == 2


def test_a_sandbox_error_fails_execute_and_names_the_sample(tmp_path, monkeypatch):
    def broken(program, result):
        if "return 22222" in program:
            return dict(result, kind="error", detail="the sandbox failed to start the program")
        return result

    tamper_results(monkeypatch, broken)
    tasks = {"HumanEval/0": TaskSamples("HumanEval/0", None, ["    return 1\n", "    return 22222\n"],
                                        np.full(2, -1, dtype=np.int8))}
    write_released(Dump(tasks, "x"), tmp_path / "d.json")
    r = CliRunner().invoke(app, ["execute", str(tmp_path / "d.json"), "--benchmark", "humaneval", "--quiet",
                                 "--no-cache", "--isolation", "basic", "-o", str(tmp_path / "out.json")])
    assert r.exit_code == 2
    assert "task HumanEval/0 sample 1" in r.output
    labelled = load_dump(tmp_path / "out.json")
    assert list(labelled["HumanEval/0"].labels) == [0, -1]  # unlabelled, not a silent failure
    meta = json.loads((tmp_path / "d_results.jsonl.meta.json").read_text())
    assert meta["environment"]["process_limit"]


# --- costs: where each comes from, and a resumed run's equals an uninterrupted one's ----------

class Metered(Ranker):
    """Measures a cost that differs from problem to problem (its generations' lengths)."""

    name = "test-metered"

    def __init__(self):
        self.tally = [0.0, 0.0, 0]

    def score(self, problem, generations):
        size = sum(len(g) for g in generations)
        self.tally[0] += 1e6 * size
        self.tally[1] += 1e-3 * size
        self.tally[2] += len(generations)
        return np.array([len(g) for g in generations], dtype=float)

    def measured_totals(self):
        return None if not self.tally[2] else tuple(self.tally)

    def measured_cost(self):
        t = self.measured_totals()
        return None if t is None else RankerCost(t[0] / t[2], t[1] / t[2])


def test_a_resumed_runs_cost_equals_an_uninterrupted_runs(tmp_path):
    dump = load_dump(DEMO).head(7)  # problems of different sizes
    whole = score_dump(dump, Metered(), show_progress=False, batch_problems=3)
    cache = tmp_path / "cache"
    score_dump(dump, Metered(), show_progress=False, cache_dir=cache, batch_problems=3)
    path = next(cache.glob("*.jsonl"))
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:4]) + "\n")  # killed in the second batch of three
    resumed = score_dump(dump, Metered(), show_progress=False, cache_dir=cache, batch_problems=2)
    assert resumed.origin.startswith("live (3 of 7 problems from the score cache")  # the torn batch again
    assert resumed.cost.flops_per_sample == pytest.approx(whole.cost.flops_per_sample, rel=1e-12)
    assert resumed.cost.seconds_per_sample == pytest.approx(whole.cost.seconds_per_sample, rel=1e-12)
    assert whole.cost_source.startswith("measured on ")


def test_a_cost_tables_scoring_entry_prices_an_lm_series_and_every_cost_has_a_source():
    from rankkit.costs import ModelCost

    dump = synthetic(problems=4)
    nll = Scores({t.task_id: -np.arange(len(t), dtype=float) for t in dump}, name="nll",
                 cost=RankerCost(5.0, 0.5), cost_source="measured on Some CPU (CPU)", model="my-lm")
    table = {"my-lm": ModelCost("my-lm", 100.0, 1.0, 7.0, 0.7, source="costs.json")}
    report = evaluate(dump, {"nll": nll}, [1, 2], budget=Budget("flops", "codellama-7b", table), n_boot=10)
    assert report.ranker_costs["nll"] == 7.0  # the table's scoring entry, not the measured 5
    costs = report.meta["costs"]
    assert costs["rankers"]["nll"]["source"].startswith("cost table: costs.json")
    assert costs["generator"]["source"] == "Hassid et al. 2024, Table 1"
    timed = evaluate(dump, {"nll": nll}, [1, 2], budget=Budget("time", "codellama-7b"), n_boot=10)
    assert timed.ranker_costs["nll"] == 0.5 and "measured on Some CPU" in timed.meta["costs"]["rankers"]["nll"]["source"]
    assert any("mixes machines" in note for note in timed.meta["notes"])  # paper A100 seconds + CPU seconds


def test_markdown_and_json_reports_carry_cost_sources(tmp_path):
    from rankkit.report import report_markdown, write_table

    dump = synthetic(problems=4)
    report = evaluate(dump, {"length": resolve_series(dump, ["length"], show_progress=False)["length"]}, [1, 2],
                      budget=Budget("time", "codellama-7b", ranker_costs={"length": 0.25}), n_boot=10)
    md = report_markdown(report, "t")
    assert "| length | 0.25 | given: length=0.25 |" in md and "Scores: `length` from live" in md
    write_table(report, tmp_path / "r.json")
    meta = json.loads((tmp_path / "r.json").read_text())["meta"]
    assert meta["costs"]["rankers"]["length"]["source"] == "given: length=0.25"


# --- ties: the default is exact and order-free ------------------------------------------------

def test_shuffling_a_dumps_samples_leaves_the_default_rank_score_unchanged():
    dump = load_dump(DEMO).head(12)
    rng = np.random.default_rng(3)
    shuffled = Dump({t.task_id: t.subset(rng.permutation(len(t))) for t in dump}, "shuffled")
    ks = [1, 2, 5, 10]

    def scores(d):  # a ranker that ties many samples: whether the code has a "for" loop
        return {t.task_id: np.array([float("for " in g) for g in t.generations]) for t in d}

    a = evaluate(dump, {"loop": scores(dump)}, ks, n_boot=10, baseline=None)
    b = evaluate(shuffled, {"loop": scores(shuffled)}, ks, n_boot=10, baseline=None)
    np.testing.assert_allclose(a.k_curves[1].estimate.mean, b.k_curves[1].estimate.mean, rtol=0, atol=1e-12)
    stable_a = evaluate(dump, {"loop": scores(dump)}, ks, ties="stable", n_boot=10, baseline=None)
    stable_b = evaluate(shuffled, {"loop": scores(shuffled)}, ks, ties="stable", n_boot=10, baseline=None)
    assert not np.allclose(stable_a.k_curves[1].estimate.mean, stable_b.k_curves[1].estimate.mean)


def test_auto_baseline_counts_generator_nll_as_an_nll_series():
    dump = synthetic(problems=4)
    series = {"generator-nll": {t.task_id: np.arange(len(t), dtype=float) for t in dump},
              "length": {t.task_id: np.ones(len(t)) for t in dump}}
    assert evaluate(dump, series, [1, 2], n_boot=10).baseline == "generator-nll"


def test_a_jail_without_a_process_limit_says_so_once_and_records_it(monkeypatch, capsys):
    from rankkit.execution import Environment, Limits, execute_programs, pool

    no_cgroup = pool.SANDBOX_SOURCE.replace("def _make_cgroup(nproc):\n", "def _make_cgroup(nproc):\n    return None\n", 1)
    assert no_cgroup != pool.SANDBOX_SOURCE
    monkeypatch.setattr(pool, "SANDBOX_SOURCE", no_cgroup)
    monkeypatch.setattr(pool, "_warned", set())
    kw = dict(workers=1, limits=Limits(timeout=2), env=Environment(isolation="namespaces"), cache=False,
              show_progress=False)
    first = execute_programs(["x = 1\n"], **kw)
    second = execute_programs(["y = 2\n"], **kw)
    assert first.environment["process_limit"].startswith("none")
    assert second.environment["process_limit"] == first.environment["process_limit"]
    assert capsys.readouterr().err.count("without a process limit") == 1
