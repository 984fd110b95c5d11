"""The LEVER-style verifier: features, backbones against scikit-learn, leak-freedom, persistence."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from rankkit.dumps import Dump, TaskSamples, load_dump, write_released
from rankkit.evaluation import rank_score_curve, score_dump
from rankkit.paths import data_file
from rankkit.rankers import check_ranker, make_ranker
from rankkit.dumps.view import ProblemView
from rankkit.verifier import Verifier, VerifierLoadError, load_verifier, train_verifier
from rankkit.verifier.backbones import BACKBONES, Backbone, BoostingBackbone, LogisticBackbone
from rankkit.verifier.features import FeatureExtractor, feature_names, linearise
from rankkit.verifier.model import group_logsumexp

PROMPT = 'def double(x):\n    """Twice x.\n    >>> double(2)\n    4\n    >>> double(-1)\n    -2\n    """\n'
GOOD, WRONG, BROKEN, EMPTY = "    return 2 * x\n", "    return x + 2\n", "    return (\n", "    # todo\n"


@pytest.fixture(scope="module")
def demo():
    return load_dump(data_file("humaneval_codegen16b_codet.json.gz"))


def _dump(tasks):
    return Dump({t.task_id: t for t in tasks}, "synthetic")


def _problem(task_id="T/0", gens=(GOOD, WRONG, BROKEN, EMPTY, GOOD), labels=(1, 0, 0, 0, 1)):
    return TaskSamples(task_id, PROMPT, list(gens), np.array(labels, dtype=np.int8))


def test_static_and_exec_features_say_what_each_program_did():
    task = _problem()
    f = FeatureExtractor("exec", lm=None)([ProblemView(task)], [task.generations])[0]
    col = {n: f.matrix[:, i] for i, n in enumerate(feature_names("exec", None))}
    assert col["parses"].tolist() == [1, 1, 0, 1, 1]
    assert col["adds_code"].tolist() == [1, 1, 1, 0, 1]
    assert col["defines_entry_point"].tolist() == [1, 1, 0, 1, 1]
    assert col["outcome_load_error"].tolist() == [0, 0, 1, 0, 0]
    assert col["duplicates"].tolist() == [0.25, 0, 0, 0, 0.25]  # the same program twice
    # the docstring shows double(2) -> 4 and double(-1) -> -2: x + 2 gets the first right only
    assert col["examples_passed"].tolist() == [1.0, 0.5, 0.0, 0.0, 1.0]
    # the two identical correct programs agree with each other (1 of the 4 others); the empty
    # body returns None on both inputs but adds no code, so it agrees with nothing
    assert col["agreement"][0] == pytest.approx(0.25) and col["agreement"][3] < 0
    assert f.groups[0] == f.groups[4] != f.groups[1] and len(set(f.groups[[1, 2, 3]])) == 3


def test_lever_text_shows_returned_values_never_the_expected_ones():
    task = _problem(gens=(WRONG,), labels=(0,))
    f = FeatureExtractor("exec", lm=None)([ProblemView(task)], [task.generations])[0]
    assert f.texts[0] == ("# description\nTwice x.\n>>> double(2)\n4\n>>> double(-1)\n-2\n\n# program\n" + PROMPT + WRONG.rstrip()
                          + "\n\n# execution\n# return: (int)=4\n# return: (int)=1\n")
    broken = FeatureExtractor("exec", lm=None)([ProblemView(_problem(gens=(BROKEN,), labels=(0,)))], [[BROKEN]])[0]
    assert broken.texts[0].endswith("# execution\n# return: ERROR: SyntaxError\n")
    plain = FeatureExtractor("no-exec", lm=None)([ProblemView(task)], [task.generations])[0]
    assert "# execution" in plain.texts[0] and "# return" not in plain.texts[0]
    assert linearise("d", "c", None) == "# description\nd\n\n# program\nc\n\n# execution\n"


def _random_features(seed=0, problems=30, n=20, width=6):
    from rankkit.verifier.features import ProblemFeatures

    rng = np.random.default_rng(seed)
    feats, labels = [], []
    for _ in range(problems):
        X = rng.normal(size=(n, width))
        y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(scale=0.7, size=n) > 0.4).astype(np.int64)
        feats.append(ProblemFeatures(X, None, None, None, np.arange(n), [""] * n))
        labels.append(y)
    return feats, labels


def test_logistic_backbone_predicts_what_scikit_learn_predicts():
    feats, labels = _random_features()
    b = LogisticBackbone().fit(feats, labels)
    X = np.concatenate([f.matrix for f in feats])
    ours = 1 / (1 + np.exp(-np.concatenate(b.logits(feats))))
    theirs = b._sklearn.predict_proba((X - b.mean) / b.scale)[:, 1]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_boosting_backbone_exported_trees_match_scikit_learn():
    feats, labels = _random_features(1)
    b = BoostingBackbone(n_estimators=40).fit(feats, labels)
    X = np.concatenate([f.matrix for f in feats])
    np.testing.assert_allclose(b.raw(X), b._sklearn.decision_function(X), rtol=0, atol=1e-10)
    a, c = b.platt
    assert a > 0  # calibration keeps the trees' order


def test_group_logsumexp_pools_each_group():
    s = np.array([0.0, -1.0, -2.0, np.log(3.0)])
    out = group_logsumexp(s, np.array([7, 7, -1, -2]))
    assert out[0] == out[1] == pytest.approx(np.log(1 + np.exp(-1)))
    assert out[2] == -2.0 and out[3] == pytest.approx(np.log(3.0))


def test_exec_verifier_learns_from_real_samples_and_beats_random(demo):
    dump = demo.head(24)
    scores = score_dump(dump, make_ranker("verifier:mode=exec,lm=none"), show_progress=False)
    random = score_dump(dump, make_ranker("random"), show_progress=False)
    v = rank_score_curve(dump, scores, [100], "v", "expected").estimate.mean[0]
    r = rank_score_curve(dump, random, [100], "r", "expected").estimate.mean[0]
    assert v > r + 0.15, (v, r)
    assert "exec" in scores.description and "cross-fitted" in scores.description
    assert scores.cost.seconds_per_sample > 0 and scores.cost.flops_per_sample == 0


def _flip(dump, task_id):
    tasks = [t.with_labels(1 - t.labels) if t.task_id == task_id else t for t in dump]
    return _dump(tasks)


@pytest.mark.parametrize("spec", ["verifier:mode=exec,lm=none", "verifier:mode=no-exec,lm=none,backbone=logistic"])
def test_flipping_one_problems_labels_leaves_its_scores_bit_identical(demo, spec):
    dump = demo.head(12)
    target = list(dump.tasks)[3]
    before = score_dump(dump, make_ranker(spec), show_progress=False)
    after = score_dump(_flip(dump, target), make_ranker(spec), show_progress=False)
    assert np.array_equal(before[target], after[target])
    changed = [t for t in dump.tasks if t != target and not np.array_equal(before[t], after[t])]
    assert changed  # the flip did reach the other folds' fits: the test can fail


class Memoriser(Backbone):
    """Replays the label it saw for an identical program text (a pure memoriser)."""

    name = "memoriser"

    def fit(self, feats, labels, seed=0):
        self.seen = {t: int(y) for f, l in zip(feats, labels) for t, y in zip(f.texts, l)}
        return self

    def logits(self, feats):
        return [np.array([5.0 if self.seen.get(t) == 1 else (-5.0 if t in self.seen else 0.0) for t in f.texts])
                for f in feats]


def test_a_memorising_backbone_gains_nothing_under_cross_fitting(demo, monkeypatch):
    monkeypatch.setitem(BACKBONES, "memoriser", Memoriser)
    dump = demo.head(10)
    crossed = score_dump(dump, make_ranker("verifier:backbone=memoriser,lm=none"), show_progress=False)
    n, c = dump.counts()
    pass1 = float(np.mean(c / n))
    top = rank_score_curve(dump, crossed, [100], "m", "expected").estimate.mean[0]
    assert top == pytest.approx(pass1)  # nothing it memorised applies to held-out problems
    # the same learner fitted on the problems it scores reads their labels back: the oracle
    v = Verifier(backbone="memoriser", lm=None)
    views = [ProblemView(t) for t in dump]
    v.fit(views, [t.generations for t in dump], [t.labels for t in dump])
    inside = dict(zip(dump.tasks, v.rank_scores(views, [t.generations for t in dump])))
    assert rank_score_curve(dump, inside, [100], "m", "expected").estimate.mean[0] == pytest.approx(float(np.mean(c > 0)))


def _save_trained(demo, tmp_path, **kw):
    path = tmp_path / "train.json.gz"
    write_released(demo.head(8), path)
    out = tmp_path / "verifier"
    train_verifier([path], out, show_progress=False, **kw)
    return path, out


def test_saved_verifier_round_trips_in_a_fresh_process(demo, tmp_path):
    _, out = _save_trained(demo, tmp_path, mode="exec", lm=None)
    held = _dump(list(demo.head(12))[8:])
    held_path = tmp_path / "held.json.gz"
    write_released(held, held_path)
    here = load_verifier(out)
    views = [ProblemView(t) for t in held]
    mine = [s.tolist() for s in here.rank_scores(views, [t.generations for t in held])]
    code = ("import json,sys\nfrom rankkit.dumps import load_dump\nfrom rankkit.dumps.view import ProblemView\n"
            "from rankkit.verifier import load_verifier\n"
            "d = load_dump(sys.argv[2]); v = load_verifier(sys.argv[1]); views = [ProblemView(t) for t in d]\n"
            "print(json.dumps([s.tolist() for s in v.rank_scores(views, [t.generations for t in d])]))\n")
    run = subprocess.run([sys.executable, "-c", code, str(out), str(held_path)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == mine
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mode"] == "exec" and manifest["features"] == list(feature_names("exec", None))
    assert manifest["training"][0]["sha256"] and manifest["training"][0]["problems"] == 8
    assert not any(p.suffix in (".pkl", ".pickle", ".joblib", ".bin") for p in out.rglob("*"))


def test_tampered_foreign_and_mismatched_verifiers_are_refused(demo, tmp_path):
    _, out = _save_trained(demo, tmp_path, mode="no-exec", lm=None, backbone="logistic")
    with pytest.raises(VerifierLoadError, match="mode=no-exec, not exec"):
        load_verifier(out, mode="exec")
    with pytest.raises(VerifierLoadError, match="backbone=logistic, not boosting"):
        make_ranker(f"verifier:{out},backbone=boosting")
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps(dict(manifest, features=manifest["features"][:-1])))
    with pytest.raises(VerifierLoadError, match="other features"):
        load_verifier(out)
    (out / "manifest.json").write_text(json.dumps(manifest))
    load_verifier(out)
    weights = out / "weights.safetensors"
    blob = bytearray(weights.read_bytes())
    blob[-1] ^= 1
    weights.write_bytes(bytes(blob))
    with pytest.raises(VerifierLoadError, match="SHA-256"):
        load_verifier(out)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(VerifierLoadError, match="no manifest.json"):
        load_verifier(foreign)
    (foreign / "manifest.json").write_text(json.dumps({"format": "sklearn-pickle", "files": {"model.pkl": "x"}}))
    with pytest.raises(VerifierLoadError, match="not a rankkit verifier manifest"):
        load_verifier(foreign)


def test_a_saved_verifier_refuses_the_samples_it_was_trained_on_and_says_transfer(demo, tmp_path):
    train_path, out = _save_trained(demo, tmp_path, mode="no-exec", lm=None, backbone="logistic")
    with pytest.raises(Exception, match="trained on these very samples"):
        score_dump(load_dump(train_path), make_ranker(f"verifier:{out}"), show_progress=False)
    other = _dump([t.subset(range(50)) for t in demo.head(8)])  # other samples of the same problems
    ranker = make_ranker(f"verifier:{out}")
    scores = score_dump(other, ranker, show_progress=False)
    assert "transfer: 8 of 8 scored problems' task ids were in its training" in scores.description


def test_loaded_verifier_passes_the_ranker_conformance_check(demo, tmp_path):
    # trained on problems the check does not use (it scores the first three)
    _, out = _save_trained(_dump(list(demo)[5:]), tmp_path, mode="exec", lm=None)
    check_ranker(make_ranker(f"verifier:{out}"))


def test_cross_fitted_verifier_passes_the_ranker_conformance_check():
    check_ranker(make_ranker("verifier:lm=none,backbone=logistic"))


def test_lm_features_and_lm_head_with_a_tiny_model(demo, tiny_model_dir, tmp_path):
    dump = demo.head(6)
    scores = score_dump(dump, make_ranker(f"verifier:lm={tiny_model_dir},backbone=lm-head,combine=lm"),
                        show_progress=False, folds=3)
    assert set(scores) == set(dump.tasks)
    assert scores.cost.flops_per_sample > 0
    assert "lm-head" in scores.description and "LM log-prob" in scores.description
    # the LM statistics are the NLL engine's: mean log-prob = -(NLL ranker's score)
    ex = FeatureExtractor("no-exec", lm=str(tiny_model_dir), cache_dir=tmp_path)
    task = next(iter(dump))
    f = ex([ProblemView(task)], [task.generations])[0]
    nll = score_dump(_dump([task]), make_ranker(f"nll:{tiny_model_dir}"), show_progress=False)[task.task_id]
    finite = np.isfinite(nll)
    np.testing.assert_allclose(f.lm_mean[finite], nll[finite], rtol=1e-9)
    again = FeatureExtractor("no-exec", lm=str(tiny_model_dir), cache_dir=tmp_path)([ProblemView(task)], [task.generations])[0]
    assert np.array_equal(again.matrix, f.matrix)  # read back from the feature cache


@pytest.mark.slow
def test_finetuned_classifier_trains_with_trainer_and_round_trips(demo, tiny_model_dir, tmp_path):
    path = tmp_path / "train.json.gz"
    write_released(_dump([t.subset(range(12)) for t in demo.head(4)]), path)
    out = tmp_path / "ft"
    v = train_verifier([path], out, backbone="finetune", lm=str(tiny_model_dir), mode="exec", epochs=1.0,
                       show_progress=False)
    held = [ProblemView(t.subset(range(12, 20))) for t in demo.head(4)]
    before = v.predict_proba(held, [h.generations for h in held])
    after = load_verifier(out).predict_proba(held, [h.generations for h in held])
    for a, b in zip(before, after):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert (out / "classifier" / "model.safetensors").exists()
    assert json.loads((out / "manifest.json").read_text())["backbone"] == "finetune"
    assert v.cost_tally()["own_flops"] > 0  # the classifier's forward pass is part of the cost


@pytest.mark.slow
def test_neural_backbones_from_the_command_line(demo, tiny_model_dir, tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app

    train, held = tmp_path / "train.json.gz", tmp_path / "held.json.gz"
    write_released(_dump([t.subset(range(10)) for t in demo.head(4)]), train)
    write_released(_dump([t.subset(range(10)) for t in list(demo.head(7))[4:]]), held)
    runner = CliRunner()
    for backbone, mode in (("finetune", "no-exec"), ("lm-head", "exec")):
        out = tmp_path / backbone
        r = runner.invoke(app, ["verifier", "train", str(train), "-o", str(out), "--backbone", backbone, "--mode", mode,
                                "--lm", str(tiny_model_dir), "--quiet"])
        assert r.exit_code == 0, r.output
        table = tmp_path / f"{backbone}.json"
        r = runner.invoke(app, ["rank-score", str(held), "--ranker", f"verifier:{out}", "--k", "1,5", "--quiet",
                                "--no-score-cache", "-o", str(table)])
        assert r.exit_code == 0, r.output
        said = json.loads(table.read_text())["meta"]["rankers"][f"verifier:{out}"]
        inputs = "; inputs: the shown examples for 3, rankkit's own for 0 problems" if mode == "exec" else ""
        assert f"({mode}, {backbone}, NLL features from {tiny_model_dir}{inputs})" in said


def test_mbpp_path_on_reference_solutions_and_real_failing_samples(tmp_path):
    """A small labelled MBPP dump: each problem's reference solution (which passes) beside the
    bundled SmolLM2 samples (labelled by rankkit execute); the exec verifier trains and ranks."""
    from rankkit.tasks import load_mbpp

    mbpp = load_mbpp(split="all")
    smol = load_dump(data_file("mbpp_smollm2-135m.labelled.json.gz")).head(16)
    tasks = []
    for t in smol:
        ref = mbpp[t.task_id].reference_solution
        tasks.append(TaskSamples(t.task_id, t.prompt, [ref] + t.generations, np.concatenate([[1], t.labels])))
    dump = _dump(tasks)
    assert sum(int(t.labels.sum()) for t in dump) >= 16
    scores = score_dump(dump, make_ranker("verifier:mode=exec,lm=none,backbone=logistic"), show_progress=False, folds=4)
    v = rank_score_curve(dump, scores, [1, 6], "v", "expected").estimate.mean
    assert v[1] > v[0]


def test_cli_trains_ranks_and_reports_the_mode(demo, tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app

    train, held = tmp_path / "train.json.gz", tmp_path / "held.json.gz"
    write_released(demo.head(8), train)
    write_released(_dump(list(demo.head(12))[8:]), held)
    runner = CliRunner()
    out = tmp_path / "v"
    r = runner.invoke(app, ["verifier", "train", str(train), "-o", str(out), "--mode", "exec", "--lm", "none",
                            "--backbone", "logistic", "--quiet"])
    assert r.exit_code == 0, r.output
    assert ("verifier (exec, logistic, no LM; inputs: the shown examples for 8, rankkit's own for 0 problems): "
            "trained on 800 samples") in " ".join(r.output.split())
    table = tmp_path / "t.json"
    r = runner.invoke(app, ["rank-score", str(held), "--ranker", f"verifier:{out}", "--ranker",
                            "verifier:mode=no-exec,lm=none", "--k", "1,10", "--quiet", "--no-score-cache",
                            "-o", str(table)])
    assert r.exit_code == 0, r.output
    meta = json.loads(table.read_text())["meta"]["rankers"]
    assert meta[f"verifier:{out}"].startswith("verifier (exec, logistic, no LM; inputs: the shown examples for 4, "
                                              "rankkit's own for 0 problems), loaded from")
    assert "transfer" in meta[f"verifier:{out}"]
    assert meta["verifier:mode=no-exec,lm=none"].startswith("verifier (no-exec, boosting, no LM), cross-fitted")
    scores = tmp_path / "s.jsonl"
    r = runner.invoke(app, ["score", str(held), "--ranker", f"verifier:{out}", "-o", str(scores), "--quiet"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in scores.read_text().splitlines()]
    assert len(rows) == 400 and all(np.isfinite(row[f"verifier:{out}"]) for row in rows)
    r = runner.invoke(app, ["verifier", "train", str(train), "-o", str(tmp_path / "w"), "--mode", "bogus"])
    assert r.exit_code == 2 and "--mode must be one of no-exec, exec" in r.output
    r = runner.invoke(app, ["rank-score", str(held), "--ranker", f"verifier:{tmp_path / 'nowhere'}", "--quiet"])
    assert r.exit_code == 2 and "verifier directory not found" in r.output


def test_training_says_what_it_is_doing_from_inside_features_and_fitting(demo, tmp_path, capsys):
    path = tmp_path / "train.json.gz"
    write_released(demo.head(6), path)
    train_verifier([path], tmp_path / "v", mode="exec", lm=None, show_progress=True)
    err = capsys.readouterr().err
    assert "training verifier (exec, boosting) on 6 problems" in err and "executions on the example inputs" in err
    assert "fitting the boosting backbone on" in err  # no more silent "0/1 fits"
