"""User errors are found before any work is done, and each is one line that names only flags the
command has (issue 16, "What a new user hit")."""

from __future__ import annotations

import time

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.paths import data_file
from rankkit.rankers import Ranker

DEMO = str(data_file("humaneval_codegen16b_codet.json.gz"))
CALLS = {"n": 0}


class Counting(Ranker):
    name = "test-check-counting"

    def score(self, problem, generations):
        CALLS["n"] += 1
        return np.zeros(len(generations))


def run(args):
    r = CliRunner().invoke(app, args)
    return r.exit_code, r.output


def one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), output
    assert "Traceback" not in output
    return lines[0]


@pytest.fixture
def counting(registered):
    CALLS["n"] = 0
    registered("test-check-counting", Counting)


def test_a_missing_generator_cost_is_found_before_any_scoring(counting, tmp_path):
    code, out = run(["report", DEMO, "--problems", "3", "--ranker", "test-check-counting", "--generator",
                     "codegen-16b", "--out-dir", str(tmp_path), "--no-score-cache"])
    assert code == 2 and CALLS["n"] == 0
    assert "no cost entry for model 'codegen-16b'" in one_line_error(out) and "--cost-table" in out


@pytest.mark.parametrize("flag,path,words", [("-o", "out.xlsx", "must end in .csv or .json"),
                                             ("--plot", "out.pdfx", "cannot draw a plot of type '.pdfx'")])
def test_bad_output_paths_are_refused_before_anything_runs(counting, tmp_path, flag, path, words):
    code, out = run(["rank-score", DEMO, "--problems", "3", "--ranker", "test-check-counting", "--no-score-cache",
                     flag, str(tmp_path / path)])
    assert code == 2 and CALLS["n"] == 0
    assert words in one_line_error(out)


def test_a_bad_score_file_suffix_is_refused_before_scoring(counting, tmp_path):
    code, out = run(["score", DEMO, "--problems", "2", "--ranker", "test-check-counting", "-o", str(tmp_path / "s.xlsx")])
    assert code == 2 and CALLS["n"] == 0 and ".parquet, .jsonl or .csv" in one_line_error(out)


@pytest.mark.parametrize("spec,words", [
    ("coder-reviewer:smollm2-135m,alpha=abc", "alpha of ranker 'coder-reviewer' must be a number, got 'abc'"),
    ("codet:tests=nope.jsonl", "generated tests file not found: nope.jsonl"),
    ("exec-agreement:workers=two", "workers"),
])
def test_bad_ranker_arguments_are_one_line(spec, words, counting):
    code, out = run(["rank-score", DEMO, "--problems", "2", "--ranker", "test-check-counting", "--ranker", spec,
                     "--no-score-cache"])
    assert code == 2 and CALLS["n"] == 0  # every spec is checked before any ranker runs
    assert words in one_line_error(out)


def test_a_malformed_yaml_cost_table_is_one_line(tmp_path):
    bad = tmp_path / "costs.yaml"
    bad.write_text("models:\n  m: {flops_per_sample: 1\n  n: [\n")
    code, out = run(["rank-score", DEMO, "--problems", "2", "--budget", "flops", "--generator", "m",
                     "--cost-table", str(bad)])
    assert code == 2 and "invalid YAML at line" in one_line_error(out)


def test_an_unknown_hub_model_offline_fails_at_once_and_names_no_missing_flag():
    started = time.monotonic()
    code, out = run(["rank-score", DEMO, "--problems", "2", "--ranker", "nll:nobody/no-such-model-here",
                     "--no-score-cache"])
    assert time.monotonic() - started < 20
    line = one_line_error(out)
    assert code == 2 and "not in the local Hugging Face cache" in line
    assert "--model" not in line  # rank-score has no --model flag


def test_messages_name_only_flags_the_command_has():
    from rankkit.cli.app import cli_message, command_flags
    from rankkit.cli.evaluate import rank_score
    from rankkit.errors import InputError

    flags = command_flags(rank_score.__wrapped__)
    assert "--ranker" in flags and "--no-score-cache" in flags and "--model" not in flags
    assert cli_message(InputError("x", param="model"), flags) == "x"
    assert cli_message(InputError("x", param="rankers"), flags) == "x (give --ranker)"


def test_plan_checks_every_option_before_any_ranker_runs(counting, tmp_path):
    from rankkit.cli import app as _app  # noqa: F401  (the plan command is registered on it)

    args = ["plan", "--budget", "flops", "--at", "1e13", "--quiet",
            "--option", f"a={DEMO},generator=codellama-7b,select=test-check-counting",
            "--option", f"b={DEMO},generator=no-such-model,select=test-check-counting"]
    code, out = run(args)
    assert code == 2 and CALLS["n"] == 0 and "no cost entry for model 'no-such-model'" in one_line_error(out)
    code, out = run(args[:-2] + ["--option", f"b={DEMO},generator=codellama-7b,select=nope-ranker"])
    assert code == 2 and CALLS["n"] == 0 and "unknown ranker 'nope-ranker'" in one_line_error(out)
    code, out = run(args[:-2] + ["--plot", str(tmp_path / "p.pdfx")])
    assert code == 2 and CALLS["n"] == 0 and "cannot draw a plot" in one_line_error(out)


def test_the_misleading_float32_advice_is_dropped():
    import logging

    from rankkit.lm.loading import _DropDtypeAdvice

    advice = logging.LogRecord("transformers", logging.WARNING, __file__, 1,
                               "... cast its input and its output. Pass `dtype=torch.float32` to avoid it -- ...", (), None)
    other = logging.LogRecord("transformers", logging.WARNING, __file__, 1, "something else", (), None)
    assert not _DropDtypeAdvice().filter(advice) and _DropDtypeAdvice().filter(other)


def test_shard_prefix_only_when_sharded():
    from rankkit.cli.jobs import _shard_prefix

    assert _shard_prefix((0, 1)) == "" and _shard_prefix((1, 4)) == "shard 1/4: "
