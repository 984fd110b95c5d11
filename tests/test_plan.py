"""rankkit plan: closed-form answers on synthetic dumps, paired intervals, honest gaps, the CLI."""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest

from rankkit.costs import ModelCost
from rankkit.dumps import Dump, TaskSamples, write_released
from rankkit.errors import CostError, InputError
from rankkit.evaluation.plan import Option, parse_option, plan
from rankkit.scoring import bootstrap_ci

COSTS = {"small": ModelCost("small", 1.0, 0.1), "large": ModelCost("large", 4.0, 0.4)}


def _dump(rows, prefix="T"):
    """rows: per problem a list of 0/1 labels."""
    tasks = [TaskSamples(f"{prefix}/{i}", f"def f{i}():\n", [f"    return {j}\n" for j in range(len(r))],
                         np.array(r, dtype=np.int8)) for i, r in enumerate(rows)]
    return Dump({t.task_id: t for t in tasks}, "synthetic")


SMALL = _dump([[1, 1] + [0] * 8] * 4)  # every problem: 2 of 10 samples pass
LARGE = _dump([[1, 1], [1, 1], [1, 1], [0, 0]])  # pass@1 = pass@2 = 0.75


def small_pass(k):
    return 1 - comb(8, k) / comb(10, k)


def test_crossovers_at_exact_budgets_and_the_budget_to_a_target():
    p = plan([Option("small", SMALL, "small"), Option("large", LARGE, "large")], "flops", [0.5, 3, 4.5, 5, 12],
             cost_table=COSTS, target=0.75, n_boot=200)
    # below 4 only the small model is measured; one large sample (4 FLOPs, 0.75) beats 4 small
    # ones (pass@4 = 2/3) until the fifth small sample (pass@5 = 7/9 > 3/4) arrives at 5
    assert [(c["budget"], c["from"], c["to"]) for c in p.crossovers] == [
        (4.0, "small", "large"), (5.0, "large", "small")]
    assert p.crossovers[0]["why"] == "the scores cross"
    # 11 FLOPs buy 11 small samples (10 held): only the large one is still measured, until 12;
    # options running out of samples are limits, not crossovers
    assert [(m["budget"], m["option"], m["samples"], m["measured"]) for m in p.limits] == [
        (11.0, "small", 10, ["large"]), (12.0, "large", 2, [])]
    at = p.at(4.5)
    assert at.best == "large" and at.options["large"].k == 1 and at.options["small"].k == 4
    assert at.options["large"].score == pytest.approx(0.75)
    assert at.options["small"].score == pytest.approx(small_pass(4))
    assert at.options["small"].difference == pytest.approx(small_pass(4) - 0.75)
    assert p.at(3).best == "small" and not p.at(3).options["large"].measured
    assert p.at(5).best == "small" and p.at(5).options["small"].score == pytest.approx(small_pass(5))
    assert p.reaches == {"small": 5.0, "large": 4.0}
    assert plan([Option("small", SMALL, "small")], "flops", [10.5], cost_table=COSTS, n_boot=50).at(10.5).options[
        "small"].score == pytest.approx(1.0)  # 10.5 FLOPs buy the 10 samples the dump holds
    # nothing is extrapolated: 12 FLOPs buy 12 small samples (10 held) and 3 large ones (2 held)
    none = p.at(12)
    assert none.best is None and not any(o.measured for o in none.options.values())
    assert "its dump holds 10" in none.options["small"].note
    assert p.at(0.5).options["small"].note.startswith("not measured here: buys no sample")


def test_time_budgets_use_the_seconds_column():
    p = plan([Option("small", SMALL, "small"), Option("large", LARGE, "large")], "time", [0.45], cost_table=COSTS,
             n_boot=100)
    assert p.at(0.45).options["small"].k == 4 and p.at(0.45).options["large"].k == 1


def test_options_that_cannot_be_told_apart_from_the_best():
    a = _dump([[1], [0], [1], [0], [1], [1], [0], [0]])
    b = _dump([[0], [1], [1], [0], [1], [1], [0], [0]])  # a with problems 0 and 1 swapped: same mean
    worse = _dump([[0]] * 8)
    p = plan([Option("a", a, "small", "greedy"), Option("b", b, "small", "greedy"),
              Option("worse", worse, "small", "greedy")], "flops", [1.0], cost_table=COSTS, n_boot=2000)
    r = p.at(1.0)
    assert r.best == "a" and r.options["b"].difference == 0.0
    assert r.options["b"].indistinguishable and r.options["b"].difference_low < 0 < r.options["b"].difference_high
    assert not r.options["worse"].indistinguishable and r.options["worse"].difference_high < 0


def test_paired_intervals_match_a_brute_force_paired_bootstrap():
    rng = np.random.default_rng(3)
    rows_a = [list(rng.integers(0, 2, 6)) for _ in range(30)]
    rows_b = [[min(1, x + int(rng.random() < 0.2)) for x in r] for r in rows_a]  # correlated with a
    a, b = _dump(rows_a), _dump(rows_b)
    n_boot, seed = 500, 11
    p = plan([Option("a", a, "small"), Option("b", b, "small")], "flops", [3.0], cost_table=COSTS,
             n_boot=n_boot, seed=seed)
    r = p.at(3.0)
    assert r.best == "b"

    def pass3(rows):
        return np.array([1 - comb(len(x) - sum(x), 3) / comb(len(x), 3) for x in rows])

    diff = pass3(rows_a) - pass3(rows_b)
    # the same multinomial resamples, one replicate at a time, by plain indexing
    counts = np.random.default_rng(seed).multinomial(len(diff), np.full(len(diff), 1 / len(diff)), size=n_boot)
    reps = [diff[np.repeat(np.arange(len(diff)), c)].mean() for c in counts]
    low, high = np.quantile(reps, [0.025, 0.975])
    assert r.options["a"].difference_low == pytest.approx(low, abs=1e-12)
    assert r.options["a"].difference_high == pytest.approx(high, abs=1e-12)
    # pairing matters: the unpaired interval (independent resamples for each option) is wider
    ea, eb = bootstrap_ci(pass3(rows_a), n_boot=n_boot, seed=1), bootstrap_ci(pass3(rows_b), n_boot=n_boot, seed=2)
    assert (high - low) < 0.8 * ((ea.high[0] - ea.low[0]) + (eb.high[0] - eb.low[0])) / 2 * np.sqrt(2)


def test_options_must_cover_the_same_problems():
    short = Dump({k: v for k, v in list(LARGE.tasks.items())[:3]}, "short")
    with pytest.raises(InputError, match=r"short lacks 1: T/3"):
        plan([Option("small", SMALL, "small"), Option("short", short, "large")], "flops", [4], cost_table=COSTS)
    p = plan([Option("small", SMALL, "small"), Option("short", short, "large")], "flops", [4], cost_table=COSTS,
             common_problems=True, n_boot=100)
    assert p.meta["problems"] == 3 and "restricted to the 3 problems every option has (of 4)" == p.meta["restriction"]


def test_costs_must_be_known_and_rankers_pay_for_themselves():
    with pytest.raises(CostError, match="no cost entry"):
        plan([Option("small", SMALL)], "flops", [1], cost_table=COSTS)
    # the length ranker is free: k is what the generator's cost buys
    free = plan([Option("len", SMALL, "small", "length")], "flops", [4], cost_table=COSTS, n_boot=50)
    assert free.at(4).options["len"].k == 4
    paid = plan([Option("len", SMALL, "small", "length", ranker_cost=1.0)], "flops", [4], cost_table=COSTS, n_boot=50)
    assert paid.at(4).options["len"].k == 2  # each sample costs 1 to generate + 1 to rank
    with pytest.raises(InputError, match="one-sample dump"):
        plan([Option("g", SMALL, "small", "greedy")], "flops", [4], cost_table=COSTS)


def test_option_specs_parse_with_ranker_specs_holding_commas():
    o = parse_option("v=d.json,generator=smollm2-135m,select=verifier:mode=exec,lm=none")
    assert (o.name, o.dump, o.generator, o.select) == ("v", "d.json", "smollm2-135m", "verifier:mode=exec,lm=none")
    assert parse_option("t=d.json").select == "tests"
    with pytest.raises(Exception, match="unknown key"):
        parse_option("t=d.json,colour=red")


def test_cli_plan_writes_json_markdown_and_plot_from_one_object(tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app

    write_released(SMALL, tmp_path / "small.json")
    write_released(LARGE, tmp_path / "large.json")
    (tmp_path / "costs.json").write_text(json.dumps({"models": {
        "small": {"flops_per_sample": 1.0, "seconds_per_sample": 0.1},
        "large": {"flops_per_sample": 4.0, "seconds_per_sample": 0.4}}}))
    args = ["plan", "--option", f"small={tmp_path / 'small.json'},generator=small",
            "--option", f"large={tmp_path / 'large.json'},generator=large", "--budget", "flops", "--at", "3,4.5,12",
            "--cost-table", str(tmp_path / "costs.json"), "--target", "0.75", "--quiet", "--bootstrap", "200"]
    runner = CliRunner()
    r = runner.invoke(app, args + ["-o", str(tmp_path / "plan.json"), "--plot", str(tmp_path / "plan.png")])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "plan.json").read_text())
    rows = {b["budget"]: b for b in data["budgets"]}
    assert rows[4.5]["best"] == "large"
    for key in ("score", "low", "high", "k"):
        assert key in rows[4.5]["options"]["small"]
    assert 0 <= rows[4.5]["options"]["small"]["low"] <= rows[4.5]["options"]["small"]["score"] <= 1
    assert rows[12]["best"] is None
    assert (tmp_path / "plan.png").stat().st_size > 1000
    assert "at 5 FLOPs: best changes from large to small (the scores cross)" in r.output
    r = runner.invoke(app, args + ["-o", str(tmp_path / "plan.md")])
    assert r.exit_code == 0 and "## Budget 4.5 FLOPs per problem" in (tmp_path / "plan.md").read_text()
    # the Python function gives the same object
    py = plan([f"small={tmp_path / 'small.json'},generator=small", f"large={tmp_path / 'large.json'},generator=large"],
              "flops", [3, 4.5, 12], cost_table={k: v for k, v in COSTS.items()}, target=0.75, n_boot=200)
    assert py.to_dict()["budgets"] == data["budgets"]
    r = runner.invoke(app, ["plan", "--option", f"small={tmp_path / 'small.json'}", "--at", "3"])
    assert r.exit_code == 2 and "no cost entry for its generator" in r.output


def test_equal_means_go_to_the_first_listed_option():
    # at k = 1 every ranker's rank-score is pass@1: the means differ by rounding only
    p = plan([Option("tests", SMALL, "small"), Option("len", SMALL, "small", "length")], "flops", [1.0],
             cost_table=COSTS, n_boot=100)
    assert p.at(1.0).best == "tests" and p.at(1.0).options["len"].indistinguishable
    p = plan([Option("len", SMALL, "small", "length"), Option("tests", SMALL, "small")], "flops", [1.0],
             cost_table=COSTS, n_boot=100)
    assert p.at(1.0).best == "len"
