"""The ranker registry, ranker specs, the conformance check, the example plug-in package
(installed for real), the live-score cache, and `rank-score` / `report` with live rankers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.dumps import load_dump
from rankkit.evaluation import score_dump
from rankkit.paths import data_file
from rankkit.rankers import (
    ConformanceError,
    Ranker,
    check_ranker,
    make_ranker,
    parse_ranker_spec,
)
from rankkit.rankers.base import ranker_identity
from rankkit.score_cache import ScoreCache

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "rankkit-example-plugin"
DEMO = str(data_file("humaneval_codegen16b_codet.json.gz"))
CALLS = {"n": 0}


class CountingRanker(Ranker):
    """Cacheable and deterministic; counts the problems it really scores."""

    name = "test-counting"

    def __init__(self, offset: float = 0.0, scale: int = 1):
        self.offset, self.scale = offset, scale

    def score(self, problem, generations):
        CALLS["n"] += 1
        return np.array([self.scale * len(g) + self.offset for g in generations], dtype=float)


@pytest.fixture(autouse=True)
def _counting_ranker(registered):
    """``test-counting`` is registered for each test of this module (and gone after it)."""
    registered("test-counting", CountingRanker)


# --- specs ------------------------------------------------------------------------------------

def test_specs_parse_positional_and_keyword_arguments():
    assert parse_ranker_spec("length") == ("length", {})
    assert parse_ranker_spec("nll:codellama/CodeLlama-7b-hf") == ("nll", {"model": "codellama/CodeLlama-7b-hf"})
    assert parse_ranker_spec("nll:m,dtype=fp32,max_batch_tokens=64") == (
        "nll", {"model": "m", "dtype": "fp32", "max_batch_tokens": 64})
    assert parse_ranker_spec("ensemble:nll+codet,step=0.5") == ("ensemble", {"components": "nll+codet", "step": 0.5})
    assert parse_ranker_spec("test-counting:offset=2,scale=3")[1] == {"offset": 2, "scale": 3}
    r = make_ranker("test-counting:1.5", seed=7)  # seed is not a parameter: ignored
    assert r.offset == 1.5
    for bad in ("nll:", ":x", "length:a,b", "nll:m,model=n"):
        with pytest.raises(ValueError):
            parse_ranker_spec(bad)
    with pytest.raises(ValueError, match="length:wrong=1.*takes no arguments"):
        make_ranker("length:wrong=1")
    with pytest.raises(KeyError, match="unknown ranker 'nope'"):
        make_ranker("nope")


# --- conformance ------------------------------------------------------------------------------

class _Bad(Ranker):
    name = "bad"

    def __init__(self, fault):
        self.fault, self.calls = fault, 0

    def score(self, problem, generations):
        self.calls += 1
        n = len(generations)
        if self.fault == "shape":
            return np.zeros(n + 1)
        if self.fault == "nan":
            return np.full(n, np.nan)
        if self.fault == "labels":
            return problem.labels.astype(float)
        if self.fault == "random":
            return np.random.default_rng(self.calls).random(n)
        if self.fault == "mutate":
            generations.append("x")
            return np.zeros(n)
        if self.fault == "raise":
            raise RuntimeError("boom")
        return np.zeros(n)


@pytest.mark.parametrize("fault,message", [
    ("shape", "returned shape"), ("nan", "NaN"), ("labels", "unit-test labels"), ("random", "deterministic"),
    ("mutate", "modified its inputs"), ("raise", "RuntimeError: boom"),
])
def test_conformance_catches_broken_rankers(fault, message):
    with pytest.raises(ConformanceError, match=message):
        check_ranker(_Bad(fault))
    check_ranker(_Bad("none"))


def test_conformance_checks_the_interface():
    class NoName(_Bad):
        name = ""
        higher_is_better = "yes"

    with pytest.raises(ConformanceError) as e:
        check_ranker(NoName("none"))
    assert len(e.value.failures) == 2


# --- the example plug-in, installed for real --------------------------------------------------

@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    """`pip install` the example package (offline, no build isolation) into a fresh directory."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(EXAMPLE)], check=True, capture_output=True, timeout=300)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")]))
    return env


def run(env, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", *args], env=env, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_installed_plugin_is_found_and_used_by_the_cli(plugin_site, tmp_path):
    listed = run(plugin_site, "rankkit", "rankers")
    assert listed.returncode == 0 and "prompt-overlap" in listed.stdout.split()
    assert "prompt-overlap" not in run(dict(os.environ), "rankkit", "rankers").stdout.split()
    out = tmp_path / "t.json"
    r = run(plugin_site, "rankkit", "rank-score", DEMO, "--problems", "6", "--ranker", "prompt-overlap:min_length=3",
            "--ranker", "random", "--k", "1,10", "-o", str(out), "--no-score-cache")
    assert r.returncode == 0, r.stderr
    names = {row["name"] for row in json.loads(out.read_text())["rows"]}
    assert names == {"pass@k", "prompt-overlap:min_length=3", "random"}


def test_plugin_own_test_suite_passes(plugin_site):
    r = run(plugin_site, "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests"), cwd=str(EXAMPLE))
    assert r.returncode == 0, r.stdout + r.stderr


# --- live scores cached on disk ---------------------------------------------------------------

def test_score_cache_resumes_and_never_mixes_dumps(tmp_path):
    dump = load_dump(DEMO).head(5)
    CALLS["n"] = 0
    first = score_dump(dump, make_ranker("test-counting"), show_progress=False, cache_dir=tmp_path, spec="test-counting",
                       batch_problems=2)
    assert CALLS["n"] == 5
    again = score_dump(dump, make_ranker("test-counting"), show_progress=False, cache_dir=tmp_path, spec="test-counting")
    assert CALLS["n"] == 5 and all(np.array_equal(first[t], again[t]) for t in first)
    # a torn last line (kill -9 mid-write): that problem is scored again, nothing else
    cache = ScoreCache(tmp_path, ranker_identity(make_ranker("test-counting")), dump, "test-counting")
    text = cache.path.read_text()
    cache.path.write_text(text[: len(text) - 20])
    score_dump(dump, make_ranker("test-counting"), show_progress=False, cache_dir=tmp_path, spec="test-counting")
    assert CALLS["n"] == 6
    assert len(ScoreCache(tmp_path, ranker_identity(make_ranker("test-counting")), dump, "test-counting").load()) == 5
    # another spec or other samples: scored afresh
    score_dump(dump, make_ranker("test-counting:1"), show_progress=False, cache_dir=tmp_path, spec="test-counting:1")
    score_dump(load_dump(DEMO).head(6), make_ranker("test-counting"), show_progress=False, cache_dir=tmp_path,
               spec="test-counting")
    assert CALLS["n"] == 6 + 5 + 6
    changed = make_ranker("test-counting")
    changed.version = "2"  # the ranker's scores changed: its old cache entries are not reused
    score_dump(dump, changed, show_progress=False, cache_dir=tmp_path, spec="test-counting")
    assert CALLS["n"] == 6 + 5 + 6 + 5


def test_rank_score_and_report_with_live_rankers(tmp_path):
    runner = CliRunner()
    CALLS["n"] = 0
    args = ["rank-score", DEMO, "--problems", "8", "--ranker", "test-counting", "--ranker", "self-consistency",
            "--ranker", "codet", "--k", "1,5,100", "--score-cache", str(tmp_path / "cache"), "-o", str(tmp_path / "a.csv")]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert CALLS["n"] == 8
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and CALLS["n"] == 8  # served from the cache
    r = runner.invoke(app, ["report", DEMO, "--problems", "8", "--ranker", "length", "--ranker", "codet",
                            "--ranker", "ensemble:length+codet,step=0.5", "--folds", "4", "--generator", "codellama-7b",
                            "--k", "1,5,100", "--out-dir", str(tmp_path / "rep"), "--name", "humaneval",
                            "--reference", "humaneval::CodeLlama-13B greedy=36.0", "--reference", "mbpp::other=50",
                            "--score-cache", str(tmp_path / "cache"), "--bootstrap", "50"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "rep" / "humaneval.md").read_text()
    assert "rank-score_time" in md and "ensemble:length+codet,step=0.5" in md and "CodeLlama-13B greedy = 36.0%" in md
    assert "other" not in md
    rows = json.loads((tmp_path / "rep" / "humaneval.json").read_text())["rows"]
    assert {r["metric"] for r in rows} == {"pass@k", "rank-score@k", "pass_time", "rank-score_time"}
    assert (tmp_path / "rep" / "humaneval.png").stat().st_size > 10_000


def test_budgeted_report_needs_a_cost_for_rankers_without_one(tmp_path):
    args = ["rank-score", DEMO, "--problems", "3", "--ranker", "test-counting", "--budget", "time",
            "--generator", "codellama-7b", "--no-score-cache"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and "no cost per sample" in r.output and "test-counting=VALUE" in r.output
    assert CountingRanker.cost is None  # a Ranker's default cost is unknown, never a silent zero
    r = CliRunner().invoke(app, args + ["--ranker-cost", "test-counting=0.01"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, args[:6] + ["--no-score-cache"])
    assert r.exit_code == 0, r.output  # no budget: no cost needed
