"""The NLL engine against a plain unbatched forward pass, on tiny random Llamas and real SmolLM2."""

import json
import math

import numpy as np
import pytest

from rankkit.dumps import Dump, TaskSamples
from rankkit.lm import NLLEngine, tokenize_sample
from rankkit.lm.reference import plain_scores


PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
GENERATIONS = [
    "    return a + b\n",
    "    return a+b",
    "    return a + b\n",  # duplicate
    "",  # empty: nothing to score
    "r",  # one character
    " x",
    "\n\n    result = a\n    result += b\n    return result\n" * 3,
    "    return sum([a, b])  # ünïcödé ✓\n",
]


def _assert_same(fast, plain, atol):
    assert len(fast) == len(plain)
    for f, p in zip(fast, plain):
        assert f.status == p.status
        assert f.num_tokens == p.num_tokens
        if p.status == "ok":
            assert abs(f.mean_nll - p.mean_nll) < atol, (f, p)
            assert abs(f.sum_logprob - p.sum_logprob) < atol * max(1, p.num_tokens)
        else:
            assert math.isinf(f.mean_nll)


@pytest.mark.parametrize("max_batch_tokens", [1, 7, 64, 100000])
def test_engine_equals_plain_forward_fp32(tiny, max_batch_tokens):
    model, tokenizer = tiny
    engine = NLLEngine(model, tokenizer, max_batch_tokens=max_batch_tokens, head_chunk=5)
    fast = engine.score(PROMPT, GENERATIONS)
    _assert_same(fast, plain_scores(model, tokenizer, PROMPT, GENERATIONS), 1e-4)
    assert engine.stats["distinct"] == len(GENERATIONS) - 1
    assert fast[3].status == "empty" and fast[0].mean_nll == fast[2].mean_nll


def test_full_model_path_equals_fast_head(tiny):
    model, tokenizer = tiny
    engine = NLLEngine(model, tokenizer)
    engine.fast_head = False
    _assert_same(engine.score(PROMPT, GENERATIONS), plain_scores(model, tokenizer, PROMPT, GENERATIONS), 1e-4)


def test_straddling_token_is_scored():
    class Tok:
        """Characters as tokens, except that 'ab' is one token (it straddles the boundary)."""

        def __call__(self, text, return_offsets_mapping, add_special_tokens):
            ids, offsets, i = [1], [(0, 0)], 0  # BOS
            while i < len(text):
                if text.startswith("ab", i):
                    ids.append(2), offsets.append((i, i + 2))
                    i += 2
                else:
                    ids.append(3 + ord(text[i]) % 50), offsets.append((i, i + 1))
                    i += 1
            return {"input_ids": ids, "offset_mapping": offsets}

    ids, first = tokenize_sample(Tok(), "xxa", "bc")
    assert ids[first] == 2  # the 'ab' token holds a generation character: scored
    ids, first = tokenize_sample(Tok(), "xx", "")
    assert first == len(ids)  # nothing to score


def test_too_long_gets_a_status_not_a_crash(tiny):
    model, tokenizer = tiny
    engine = NLLEngine(model, tokenizer)
    scores = engine.score(PROMPT, ["    return a + b\n", "x = 1\n" * 200])
    assert scores[0].status == "ok" and scores[1].status == "too_long" and math.isinf(scores[1].mean_nll)


def test_different_prompt_tokenizations_share_a_shorter_prefix(tiny):
    """A generation that merges with the prompt's last characters changes the prompt's tokens."""
    model, tokenizer = tiny
    prompt = "x = 'abc"
    gens = ["def'\n", "'\n", "\n", "abc'"]
    engine = NLLEngine(model, tokenizer, max_batch_tokens=16)
    _assert_same(engine.score(prompt, gens), plain_scores(model, tokenizer, prompt, gens), 1e-4)


@pytest.mark.slow
def test_smollm2_real_generations_fp32():
    from rankkit.paths import data_file
    from rankkit.dumps import load_dump
    from rankkit.lm import load_model

    model, tokenizer = load_model("smollm2-135m", dtype="fp32", device="cpu")
    demo = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    task = demo["HumanEval/2"]
    gens = task.generations[:6] + [task.generations[0], ""]
    engine = NLLEngine(model, tokenizer, max_batch_tokens=300)
    fast = engine.score(task.prompt, gens)
    _assert_same(fast, plain_scores(model, tokenizer, task.prompt, gens), 1e-4)
    assert engine.stats["prefix_tokens"] > 30  # the prompt ran once for all samples


def test_score_job_writes_resumes_and_merges(tmp_path, tiny):
    from rankkit.jobs import score_dump_nll
    from rankkit.jobs.parts import JobParts
    from rankkit.scores import read_scores

    model, tokenizer = tiny
    engine = NLLEngine(model, tokenizer)
    tasks = {f"T/{i}": TaskSamples(f"T/{i}", PROMPT, GENERATIONS[: 3 + i], np.zeros(3 + i, dtype=np.int8))
             for i in range(4)}
    dump = Dump(tasks, "mem")
    out = tmp_path / "scores.parquet"
    first = score_dump_nll(dump, "tiny", out, shard=(0, 2), engine=engine, show_progress=False)
    assert first["scored_problems"] == 2 and not first["merged"] and not out.exists()
    with pytest.raises(FileExistsError):
        score_dump_nll(dump, "tiny", out, shard=(0, 2), engine=engine, show_progress=False)
    # a killed shard: one finished part, one temporary file left behind
    (JobParts(out, {}).dir / ".task-000003.tmp").write_text("partial garbage")
    score_dump_nll(dump, "tiny", out, shard=(1, 2), engine=engine, show_progress=False, resume=True)
    assert out.exists() and not JobParts(out, {}).dir.exists()  # merged: no parts folder left behind
    again = score_dump_nll(dump, "tiny", out, engine=engine, show_progress=False, resume=True)
    assert again["scored_problems"] == 0 and again["merged"]  # nothing left to do
    from rankkit.jobs.score_nll import already_scored

    assert already_scored(dump, "tiny", out)  # what the CLI asks before it loads a model to resume
    with pytest.raises(ValueError, match="another job"):
        already_scored(dump, "other-model", out)
    table = read_scores(out, dump)
    assert set(table.columns) == {"mean_nll", "sum_logprob"}
    assert table.higher_is_better == {"mean_nll": False, "sum_logprob": True}
    plain = plain_scores(model, tokenizer, PROMPT, GENERATIONS[:6])
    got = table.columns["mean_nll"]["T/3"]
    for g, p in zip(got, plain):
        assert (math.isinf(g) and math.isinf(p.mean_nll)) or abs(g - p.mean_nll) < 1e-4


def test_parts_of_another_job_are_refused(tmp_path, tiny):
    from rankkit.jobs import score_dump_nll

    model, tokenizer = tiny
    engine = NLLEngine(model, tokenizer)
    make = lambda gens: Dump({"T/0": TaskSamples("T/0", PROMPT, gens, np.zeros(len(gens), dtype=np.int8))}, "mem")
    out = tmp_path / "s.jsonl"
    score_dump_nll(make(["    return a\n"]), "tiny", out, engine=engine, show_progress=False)
    with pytest.raises(ValueError, match="another job"):
        score_dump_nll(make(["    return b\n"]), "tiny", out, engine=engine, show_progress=False, resume=True)
    again = score_dump_nll(make(["    return a\n"]), "tiny", out, engine=engine, show_progress=False, resume=True)
    assert again["scored_problems"] == 0 and again["merged"]


@pytest.mark.slow
def test_score_nll_command_end_to_end(tmp_path):
    """The CLI with the packaged SmolLM2 on two real problems, then rank-score on its output."""
    from typer.testing import CliRunner

    from rankkit.cli import app
    from rankkit.paths import data_file

    out = tmp_path / "nll.jsonl"
    demo = str(data_file("humaneval_codegen16b_codet.json.gz"))
    r = CliRunner().invoke(app, ["score-nll", demo, "--problems", "1", "-o", str(out), "--dtype", "bf16",
                                 "--max-batch-tokens", "4096"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 100 and all(r_["status"] == "ok" for r_ in rows)
    r = CliRunner().invoke(app, ["rank-score", demo, "--problems", "1", "--scores", str(out), "--ranker", "mean_nll",
                                 "--k", "1,10", "--bootstrap", "20"])
    assert r.exit_code == 0 and "mean_nll" in r.output, r.output


@pytest.mark.slow
def test_kill_9_then_resume_loses_and_repeats_nothing(tmp_path, tiny):
    """`rankkit score-nll` on a model directory, killed mid-job, then finished with --resume."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import pandas as pd

    from rankkit.dumps import write_released

    model, tokenizer = tiny
    model_dir = tmp_path / "tiny-llama"
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    rng = np.random.default_rng(0)
    tasks = {}
    for t in range(40):
        gens = [f"    return {'a + b' if rng.random() < 0.5 else 'a - b'}  # {j}\n" * int(rng.integers(1, 4))
                for j in range(30)]
        tasks[f"T/{t}"] = TaskSamples(f"T/{t}", PROMPT + f"# task {t}\n", gens, np.zeros(30, dtype=np.int8))
    dump_path = tmp_path / "d.json"
    write_released(Dump(tasks, "mem"), dump_path)
    out = tmp_path / "s.parquet"
    cmd = [sys.executable, "-m", "rankkit", "score-nll", str(dump_path), "--model", str(model_dir), "--dtype", "fp32",
           "--device", "cpu", "-o", str(out), "--max-batch-tokens", "64"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parts = tmp_path / "s.parquet.parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("task-*.jsonl"))) < 3:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(parts.glob("task-*.jsonl")))
    assert 3 <= finished < 40 and not out.exists()
    again = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    import re

    already = int(re.search(r"\((\d+) already done\)", again.stdout).group(1))
    assert finished <= already < 40
    table = pd.read_parquet(out)
    assert len(table) == 40 * 30
    assert list(zip(table.task_id, table.sample_index)) == [(f"T/{t}", j) for t in range(40) for j in range(30)]
    engine = NLLEngine(model, tokenizer)
    for t in (0, 39):
        expected = [s.mean_nll for s in engine.score(tasks[f"T/{t}"].prompt, tasks[f"T/{t}"].generations)]
        np.testing.assert_allclose(table.mean_nll[table.task_id == f"T/{t}"], expected, atol=1e-4)


@pytest.mark.parametrize("max_batch_tokens", [7, 100000])
def test_padded_batches_equal_plain_forward(tiny, max_batch_tokens):
    model, tokenizer = tiny
    engine = NLLEngine(model, tokenizer, max_batch_tokens=max_batch_tokens, packed=False)
    _assert_same(engine.score(PROMPT, GENERATIONS), plain_scores(model, tokenizer, PROMPT, GENERATIONS), 1e-4)


@pytest.mark.slow
def test_torchrun_two_processes_shard_and_merge_like_one(tmp_path, tiny_model_dir):
    """`torchrun --nproc_per_node 2 -m rankkit score-nll` (what `accelerate launch` runs on GPUs):
    each process takes its shard from RANK/WORLD_SIZE; the merged file equals a one-process run."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from rankkit.dumps import write_released

    tasks = {}
    for t in range(6):
        gens = [f"    return a {'+-'[j % 2]} b  # {j}\n" for j in range(7)]
        tasks[f"T/{t}"] = TaskSamples(f"T/{t}", f'def add(a, b):\n    """Task {t}."""\n', gens, np.zeros(7, dtype=np.int8))
    dump_path = tmp_path / "d.json"
    write_released(Dump(tasks, "mem"), dump_path)
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not installed")
    common = ["score-nll", str(dump_path), "--model", str(tiny_model_dir), "--dtype", "fp32", "--device", "cpu"]
    two = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", "-m", "rankkit", *common,
                          "-o", str(tmp_path / "two.jsonl")], capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "shard 0/2" in two.stderr + two.stdout and "shard 1/2" in two.stderr + two.stdout
    one = subprocess.run([sys.executable, "-m", "rankkit", *common, "-o", str(tmp_path / "one.jsonl")],
                         capture_output=True, text=True, timeout=300)
    assert one.returncode == 0, one.stderr[-3000:]
    rows = lambda name: sorted((r["task_id"], r["sample_index"], round(r["mean_nll"], 5))
                               for r in map(json.loads, (tmp_path / name).read_text().splitlines()))
    assert rows("two.jsonl") == rows("one.jsonl") and len(rows("one.jsonl")) == 42


def test_score_job_records_its_measured_cost_for_budgeted_reports(tmp_path, tiny):
    from rankkit.evaluation import Budget, evaluate, resolve_series
    from rankkit.jobs import score_dump_nll
    from rankkit.scores import read_scores

    model, tokenizer = tiny
    tasks = {f"T/{i}": TaskSamples(f"T/{i}", PROMPT, GENERATIONS[:4], np.array([1, 0, 0, 1], dtype=np.int8))
             for i in range(2)}
    dump = Dump(tasks, "mem")
    out = tmp_path / "s.parquet"
    score_dump_nll(dump, "tiny", out, engine=NLLEngine(model, tokenizer), show_progress=False)
    table = read_scores(out, dump)
    cost = table.costs["mean_nll"]
    params = sum(p.numel() for p in model.parameters())
    assert cost.seconds_per_sample > 0 and cost.flops_per_sample >= 2 * params  # at least one token each
    report = evaluate(dump, resolve_series(dump, ["mean_nll"], scores=table), [1, 2], budget=Budget("flops", "codellama-7b"),
                      n_boot=10)
    assert report.ranker_costs["mean_nll"] == cost.flops_per_sample
