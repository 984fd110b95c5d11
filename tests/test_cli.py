import json

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.dumps import load_dump
from rankkit.evaluation import ranked_labels
from rankkit.scores import write_scores
from rankkit.scoring import pass_at_k, rank_score_at_k

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_rank_score_builtin_rankers_table_json_and_plot(tmp_path, small_dump_path):
    out, fig = tmp_path / "t.json", tmp_path / "f.png"
    r = run("rank-score", small_dump_path, "--ranker", "length", "--ranker", "oracle", "--k", "1,2,3",
            "-o", out, "--plot", fig, "--reference", "big greedy=40")
    assert r.exit_code == 0, r.output
    assert "length" in r.output and "oracle" in r.output
    rows = json.loads(out.read_text())["rows"]
    by = {(row["name"], row["x"]): row["mean"] for row in rows}
    # length: T/0 shortest is sample 0 (pass), T/1 shortest is 'pass' (fail)
    assert by[("length", 3)] == pytest.approx((1 + 0) / 2)
    assert by[("oracle", 1)] == pytest.approx(by[("pass@k", 1)])
    assert by[("pass@k", 3)] == pytest.approx(1.0)
    assert fig.stat().st_size > 1000


def test_rank_score_from_score_file_nll_is_lower_is_better(tmp_path, small_dump_path):
    dump = load_dump(small_dump_path)
    nll = {"T/0": np.array([0.1, 0.5, 0.9]), "T/1": np.array([0.3, 0.2, 0.1])}
    scores = tmp_path / "s.parquet"
    write_scores(scores, dump, {"mean_nll": nll}, {"mean_nll": False})
    out = tmp_path / "t.csv"
    r = run("rank-score", small_dump_path, "--scores", scores, "--all-k", "-o", out, "--bootstrap", "50")
    assert r.exit_code == 0, r.output
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    got = {int(r["x"]): float(r["mean"]) for r in rows if r["name"] == "mean_nll"}
    expected = np.mean([rank_score_at_k([1, 0, 1], [1, 2, 3]), rank_score_at_k([1, 0, 0], [1, 2, 3])], axis=0)
    np.testing.assert_allclose([got[1], got[2], got[3]], expected)


def test_budget_time_needs_costs_and_uses_them(tmp_path, small_dump_path):
    dump = load_dump(small_dump_path)
    scores = tmp_path / "s.jsonl"
    write_scores(scores, dump, {"v": {t.task_id: np.arange(len(t), dtype=float) for t in dump}})
    r = run("rank-score", small_dump_path, "--scores", scores, "--budget", "time")
    assert r.exit_code == 2 and "--generator" in r.output
    r = run("rank-score", small_dump_path, "--scores", scores, "--budget", "time", "--generator", "codellama-7b")
    assert r.exit_code == 2 and "--ranker-cost v=VALUE" in r.output
    out = tmp_path / "b.json"
    r = run("rank-score", small_dump_path, "--scores", scores, "--budget", "time", "--generator", "codellama-7b",
            "--ranker-cost", "v=0.395", "--budgets", "0.5,0.79,1.58,2.37", "-o", out)
    assert r.exit_code == 0, r.output
    rows = json.loads(out.read_text())["rows"]
    ranked = ranked_labels(dump, {t.task_id: np.arange(len(t), dtype=float) for t in dump})
    v = [row["mean"] for row in rows if row["name"] == "v"]
    assert v[0] is None  # 0.5 s buys no generated-and-scored sample (0.79 s each)
    for j, k in enumerate([1, 2, 3], start=1):
        assert v[j] == pytest.approx(np.mean([rank_score_at_k(r_, k) for r_ in ranked]))
    passing = [row["mean"] for row in rows if row["name"].startswith("pass")]
    n, c = dump.counts()
    assert passing[1] == pytest.approx(pass_at_k(n, c, 2).mean())  # generation alone: 0.79 s buys 2


def test_pass_at_k_several_models_under_time_budget(tmp_path, small_dump_path):
    out = tmp_path / "p.json"
    r = run("pass-at-k", small_dump_path, small_dump_path, "--generator", "codellama-7b", "--generator",
            "codellama-13b", "--budget", "time", "-o", out)
    assert r.exit_code == 0, r.output
    rows = json.loads(out.read_text())["rows"]
    n, c = load_dump(small_dump_path).counts()
    at = {round(row["x"], 6): row["mean"] for row in rows if row["name"] == "codellama-7b"}
    assert at[round(2 * 0.395, 6)] == pytest.approx(pass_at_k(n, c, 2).mean())
    thirteen = {round(row["x"], 6): row["mean"] for row in rows if row["name"] == "codellama-13b"}
    assert thirteen[round(2 * 0.395, 6)] == pytest.approx(pass_at_k(n, c, 1).mean())  # 0.79 s buys one 13B sample


@pytest.mark.parametrize("args,match", [
    (["--ranker", "nope"], "unknown ranker 'nope'"),
    (["--k", "0,1"], "--k values must lie in 1..3"),
    (["--k", "a"], "comma-separated"),
    (["--budget", "money"], "--budget must be one of"),
    (["--ties", "coin"], "--ties"),
    (["--discard-unfinished"], "needs 'finished' flags"),
    (["--reference", "x"], "LABEL=PERCENT"),
])
def test_clear_errors(small_dump_path, args, match):
    r = run("rank-score", small_dump_path, *args)
    assert r.exit_code == 2
    assert match in " ".join(r.output.split())


def test_bad_dump_error_names_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"A": {"samples": [{"pass_at_1": 100}]}}')
    r = run("rank-score", bad)
    assert r.exit_code == 2 and "bad.json" in r.output and "task A" in r.output and "sample 0" in r.output


def test_rankers_command_and_version():
    r = run("rankers")
    assert r.exit_code == 0 and {"random", "length", "oracle"} <= set(r.output.split())
    assert run("--version").output.startswith("rankkit ")
