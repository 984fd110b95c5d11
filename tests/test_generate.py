"""rankkit generate / profile and the generator-nll ranker, on tiny random Llamas (real SmolLM2
tokenizer) against plain references, and once end to end with the packaged SmolLM2."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from rankkit.cli import app
from rankkit.dumps import load_dump
from rankkit.generation import SamplingSettings, TransformersBackend, build_input, extract_code
from rankkit.generation.backend import problem_seed
from rankkit.jobs.generate import generate_dump
from rankkit.lm.reference import plain_scores
from rankkit.tasks import Problem

runner = CliRunner()


@pytest.fixture(scope="module")
def long_tiny(tmp_path_factory):
    """A random 2-layer Llama with SmolLM2's tokenizer and a 2k context (benchmark prompts fit)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from rankkit.lm import smollm2_gguf_path

    path = smollm2_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    torch.manual_seed(1)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id)
    model = LlamaForCausalLM(config).eval()
    directory = tmp_path_factory.mktemp("tiny-long")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return model, tokenizer, directory


def plain_greedy(model, tokenizer, prompt, steps):
    """The reference: a full forward pass over prompt + tokens so far, argmax, no cache."""
    import torch

    ids = list(tokenizer(prompt)["input_ids"])
    out = []
    for _ in range(steps):
        with torch.no_grad():
            logits = model(torch.tensor([ids + out])).logits[0, -1]
        out.append(int(logits.argmax()))
    return out


def problem(task_id, prompt, stops=()):
    return Problem(task_id, prompt, "", tuple(stops))


PROMPTS = ["def add(a, b):\n", "import math\n\n\ndef area(radius):\n    \"\"\"Area of a circle.\"\"\"\n"]


def test_cached_batched_greedy_equals_a_plain_loop_even_with_prompts_padded_together(long_tiny):
    model, tokenizer, _ = long_tiny
    backend = TransformersBackend(model, tokenizer)
    settings = SamplingSettings(12, greedy=True, ignore_eos=True)
    together = backend.generate_many(PROMPTS, 2, [settings, settings], [0, 1])
    for prompt, samples in zip(PROMPTS, together):
        ref = plain_greedy(model, tokenizer, prompt, 12)
        assert samples[0].token_ids == ref and samples[1].token_ids == ref
        assert samples[0].generated_tokens == 12 and not samples[0].finished
    assert backend.stats["prompt_tokens"] == sum(len(tokenizer(p)["input_ids"]) for p in PROMPTS)  # once each


def test_recorded_logprob_equals_score_nll_and_generator_nll_ranker_reads_it(long_tiny, tmp_path):
    from rankkit.rankers import make_ranker
    from rankkit.dumps.view import ProblemView

    model, tokenizer, directory = long_tiny
    backend = TransformersBackend(model, tokenizer)
    samples = backend.generate(PROMPTS[1], 24, SamplingSettings(20, temperature=1.0, top_p=1.0), seed=3)
    same = [s for s in samples
            if list(tokenizer(PROMPTS[1] + s.text)["input_ids"]) == list(tokenizer(PROMPTS[1])["input_ids"]) + s.token_ids]
    assert len(same) >= 3
    plain = plain_scores(model, tokenizer, PROMPTS[1], [s.text for s in same])
    for s, p in zip(same, plain):
        assert s.logprob_tokens == p.num_tokens
        assert s.sum_logprob == pytest.approx(p.sum_logprob, abs=1e-4)
    out = tmp_path / "d.json"
    generate_dump([problem("T/0", PROMPTS[1])], backend, tokenizer, out, benchmark="humaneval", model="tiny", n=6,
                  temperature=1.0, top_p=1.0, max_new_tokens=20, seed=0, show_progress=False)
    task = load_dump(out)["T/0"]
    gen_nll = make_ranker("generator-nll").score(ProblemView(task), task.generations)
    nll = make_ranker(f"nll:{directory},dtype=fp32,device=cpu").score(task, task.generations)
    again = backend.generate(PROMPTS[1], 6, SamplingSettings(20, temperature=1.0, top_p=1.0), problem_seed(0, "T/0"))
    assert [s.text for s in again] == task.generations  # the job's samples, with their token ids
    checked = 0
    for i, s in enumerate(again):
        if list(tokenizer(PROMPTS[1] + s.text)["input_ids"]) == list(tokenizer(PROMPTS[1])["input_ids"]) + s.token_ids:
            assert gen_nll[i] == pytest.approx(nll[i], abs=1e-4)
            checked += 1
    assert checked >= 1


def test_stop_sequences_apply_to_each_sample_and_cut_the_text(long_tiny):
    model, tokenizer, _ = long_tiny
    backend = TransformersBackend(model, tokenizer)
    free = backend.generate(PROMPTS[0], 8, SamplingSettings(24, temperature=1.5, top_p=1.0, ignore_eos=True), seed=5)
    # a stop string that some samples produce: a piece of one sample's text
    stop = next(s.text[3:5] for s in free if len(s.text) > 6 and s.text[3:5].strip())
    cut = backend.generate(PROMPTS[0], 8, SamplingSettings(24, temperature=1.5, top_p=1.0, ignore_eos=True,
                                                           stop_sequences=(stop,)), seed=5)
    for f, c in zip(free, cut):
        if stop in f.text:
            assert c.finished and c.stop == stop and c.text == f.text[: f.text.index(stop)]
            assert c.logprob_tokens <= c.generated_tokens <= f.generated_tokens
        else:
            assert c.text == f.text and not c.finished and c.stop is None


def test_sampling_is_seeded_and_tiny_top_p_is_greedy(long_tiny):
    model, tokenizer, _ = long_tiny
    backend = TransformersBackend(model, tokenizer)
    s = SamplingSettings(10, temperature=0.8, top_p=0.95, ignore_eos=True)
    a, b, c = (backend.generate(PROMPTS[0], 4, s, seed) for seed in (7, 7, 8))
    assert [x.token_ids for x in a] == [x.token_ids for x in b] != [x.token_ids for x in c]
    nucleus = backend.generate(PROMPTS[0], 2, SamplingSettings(10, temperature=1.0, top_p=1e-9, ignore_eos=True), 1)
    greedy = backend.generate(PROMPTS[0], 1, SamplingSettings(10, greedy=True, ignore_eos=True), 1)
    assert nucleus[0].token_ids == nucleus[1].token_ids == greedy[0].token_ids
    assert problem_seed(0, "T/1") == problem_seed(0, "T/1") != problem_seed(0, "T/2")


def test_one_piece_sharded_and_resumed_runs_give_the_same_dump(long_tiny, tmp_path):
    model, tokenizer, _ = long_tiny
    problems = [problem(f"T/{i}", PROMPTS[i % 2] + f"# {i}\n") for i in range(5)]
    kw = dict(benchmark="humaneval", model="tiny", n=3, max_new_tokens=10, seed=11, group=2, show_progress=False)
    whole = tmp_path / "whole.json"
    generate_dump(problems, TransformersBackend(model, tokenizer), tokenizer, whole, **kw)
    sharded = tmp_path / "sharded.json"
    first = generate_dump(problems, TransformersBackend(model, tokenizer), tokenizer, sharded, shard=(0, 2), **kw)
    assert not first["merged"] and not sharded.exists()
    generate_dump(problems, TransformersBackend(model, tokenizer), tokenizer, sharded, shard=(1, 2), **kw)
    assert not (tmp_path / "sharded.json.parts").exists()  # merged: the parts folder is gone
    resumed = tmp_path / "resumed.json"
    generate_dump(problems, TransformersBackend(model, tokenizer), tokenizer, resumed, shard=(0, 2), **kw)
    (tmp_path / "resumed.json.parts" / "task-000001.jsonl").unlink()  # a problem lost in a kill
    again = generate_dump(problems, TransformersBackend(model, tokenizer), tokenizer, resumed, resume=True, **kw)
    assert again["generated_problems"] == 3 and again["merged"]  # the lost one and shard 1's two
    done = generate_dump(problems, TransformersBackend(model, tokenizer), tokenizer, resumed, resume=True, **kw)
    assert done["generated_problems"] == 0 and done["merged"]  # merged before: nothing to do
    texts = [json.loads(p.read_text()) for p in (whole, sharded, resumed)]
    assert texts[0] == texts[1] == texts[2]
    dump = load_dump(whole)
    assert [len(t) for t in dump] == [3] * 5 and dump.metadata["provenance"]["seed"] == 11
    assert set(dump["T/0"].fields) >= {"generated_tokens", "sum_logprob", "logprob_tokens"}


def test_chat_style_takes_the_code_block_and_runs_as_a_whole_function():
    assert extract_code("Sure!\n```python\ndef f(x):\n    return x\n```\nDone") == "def f(x):\n    return x\n"
    assert extract_code("```\ndef f():\n    pass") == "def f():\n    pass\n"
    assert extract_code("def g():\n    return 1\n") == "def g():\n    return 1\n"
    from rankkit.execution import execute_dump
    from rankkit.dumps import Dump, TaskSamples
    from rankkit.tasks import load_humaneval, load_mbpp

    he, mb = load_humaneval()["HumanEval/2"], load_mbpp()["MBPP/11"]
    whole_he = "def truncate_number(number: float) -> float:\n    return number % 1.0\n"
    whole_mb = mb.reference_solution
    for bench, task, text in (("humaneval", he, whole_he), ("mbpp", mb, whole_mb)):
        dump = Dump({task.task_id: TaskSamples(task.task_id, task.prompt, [text], np.array([-1], dtype=np.int8))}, "m")
        assert execute_dump(dump, bench, cache=False, show_progress=False).labelled[task.task_id].labels[0] == 1


def test_chat_prompt_uses_the_template_and_benchmark_text(long_tiny):
    _, tokenizer, _ = long_tiny
    from rankkit.tasks import load_mbpp

    mb = load_mbpp()["MBPP/11"]
    text, stops = build_input(mb, "chat", tokenizer, "mbpp")
    assert mb.metadata["text"].strip() in text and mb.metadata["test_list"][0] in text and "<|im_start|>" in text
    assert "[BEGIN]" not in text and stops
    assert build_input(mb, "completion", tokenizer, "mbpp") == (mb.prompt, mb.stop_sequences)


@pytest.mark.parametrize("args,match", [
    (["--benchmark", "apps"], "--benchmark must be one of"),
    (["--benchmark", "mbpp", "--split", "nope"], "unknown MBPP split"),
    (["--benchmark", "humaneval", "--split", "train"], "HumanEval has one split"),
    (["--benchmark", "humaneval", "--n", "0"], "--n must be >= 1"),
    (["--benchmark", "humaneval", "--model", "/no/such/model"], "model directory not found"),
    (["--benchmark", "humaneval", "--model", "/no/such/model.gguf"], "model file not found"),
    (["--benchmark", "humaneval", "--prompt-style", "poem"], "--prompt-style must be one of"),
    (["--benchmark", "humaneval", "--stop", "", "--model", "{tiny}"], "a stop sequence must be a non-empty string"),
    (["--benchmark", "humaneval", "--top-p", "0", "--model", "{tiny}"], "top_p must lie in (0, 1], got 0.0 (give --top-p)"),
])
def test_generate_bad_input_is_a_clear_error(args, match, tmp_path, long_tiny):
    args = [a.replace("{tiny}", str(long_tiny[2])) for a in args]
    r = runner.invoke(app, ["generate", *args, "-o", str(tmp_path / "d.json"), "--problems", "1", "--dtype", "fp32"])
    assert r.exit_code == 2 and match in " ".join(r.output.split()) and "Traceback" not in r.output, r.output


@pytest.mark.slow
def test_kill_9_then_resume_loses_and_repeats_nothing(long_tiny, tmp_path):
    _, _, directory = long_tiny
    cmd = [sys.executable, "-m", "rankkit", "generate", "--model", str(directory), "--benchmark", "mbpp",
           "--prompt-style", "chat", "--n", "2", "--problems", "6", "--max-new-tokens", "48", "--group", "1",
           "--dtype", "fp32", "--device", "cpu", "--quiet"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    whole = tmp_path / "whole.json"
    subprocess.run(cmd + ["-o", str(whole)], check=True, capture_output=True, env=env, timeout=600)
    killed = tmp_path / "killed.json"
    proc = subprocess.Popen(cmd + ["-o", str(killed)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "killed.json.parts"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(parts.glob("task-*.jsonl"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not killed.exists()
    done = len(list(parts.glob("task-*.jsonl")))
    assert 2 <= done < 6
    r = subprocess.run(cmd + ["-o", str(killed), "--resume"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert f"({done} already done)" in r.stdout
    assert json.loads(killed.read_text()) == json.loads(whole.read_text())


def test_profile_writes_a_cost_table_that_cost_table_reads(long_tiny, tmp_path):
    from rankkit.costs import load_cost_table
    from rankkit.jobs.profile import profile_model, write_profile
    from rankkit.lm import NLLEngine

    model, tokenizer, _ = long_tiny
    problems = [problem("T/0", PROMPTS[0]), problem("T/1", PROMPTS[1])]
    result = profile_model("tiny", model, tokenizer, TransformersBackend(model, tokenizer), NLLEngine(model, tokenizer),
                           problems, benchmark="humaneval", batch_sizes=(1, 4), max_new_tokens=16)
    out = tmp_path / "costs.json"
    write_profile(result, out)
    entry = load_cost_table(out)["tiny"]
    assert entry.seconds_per_sample > 0 and entry.score_seconds_per_sample > 0
    details = json.loads(out.read_text())["profile"]["tiny"]
    dense = sum(p.numel() for n, p in model.named_parameters() if "embed" not in n)
    tokens = details["prompt_tokens_mean"] + details["generated_tokens"]
    for flops in (entry.flops_per_sample, entry.score_flops_per_sample):  # 2 x params x tokens, plus head/attention
        assert 2 * dense * tokens < flops < 2 * dense * tokens + 2 * 64 * 49152 * tokens + 4 * 2 * 64 * tokens ** 2
    assert details["best_batch"] in (1, 4) and details["generated_tokens"] >= 1 and details["hardware"]["cpu_count"]


@pytest.mark.slow
def test_smollm2_generate_execute_rank_end_to_end(tmp_path):
    """The packaged SmolLM2: chat-style greedy on two HumanEval problems, labelled, ranked."""
    out = tmp_path / "he.json"
    r = runner.invoke(app, ["generate", "--benchmark", "humaneval", "--prompt-style", "chat", "--greedy",
                            "--problems", "2", "--max-new-tokens", "96", "-o", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    dump = load_dump(out)
    assert len(dump) == 2 and all("def " in t.generations[0] for t in dump)
    r = runner.invoke(app, ["execute", str(out), "--benchmark", "humaneval", "--no-cache", "--quiet"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["rank-score", str(tmp_path / "he.labelled.json"), "--ranker", "generator-nll",
                            "--k", "1", "--no-score-cache"])
    assert r.exit_code == 0, r.output


# --- rankkit tests: unit tests written by a model ------------------------------------------------

class ScriptedBackend:
    """Replies fixed in advance (what a model would say), to check what the tests job makes of them."""

    def __init__(self, replies):
        self.replies, self.stats, self.asked = replies, {"generated_tokens": 0}, []

    def encode(self, prompt):
        return prompt.split()

    def generate_many(self, prompts, n, settings, seeds):
        from rankkit.generation import GeneratedSample

        self.asked.extend(prompts)
        return [[GeneratedSample(self.replies[i % len(self.replies)], True, 7, -1.0, 7) for i in range(n)]
                for _ in prompts]


def make_tests_dump(tmp_path):
    from rankkit.dumps import Dump, TaskSamples, write_released

    typed = 'def add(a: int, b: int) -> int:\n    """Add two numbers."""\n'
    text = "Write a function that returns the larger of two numbers."  # no signature in the prompt
    tasks = {"T/0": TaskSamples("T/0", typed, ["    return a + b\n"], np.array([1], dtype=np.int8)),
             "T/1": TaskSamples("T/1", text, ["def bigger(x, y):\n    return max(x, y)\n"] * 2,
                                np.array([1, 1], dtype=np.int8)),
             "T/2": TaskSamples("T/2", "Say hello.", ["print('hello')\n"], np.array([1], dtype=np.int8))}
    write_released(Dump(tasks, "x"), tmp_path / "d.json")
    return load_dump(tmp_path / "d.json")


def test_tests_job_parses_replies_records_costs_and_says_what_it_dropped(tmp_path):
    from rankkit.costs import ArchShape
    from rankkit.jobs.tests import write_model_tests
    from rankkit.programs.tests import read_tests, writing_cost

    dump = make_tests_dump(tmp_path)
    backend = ScriptedBackend(["1, 2) == 3\nassert add(2, 2) == 4\nassert sub(1) == 0\nassert add(1,",
                               "0, 0) == 0\nassert add(2, 2) == 4"])
    shape = ArchShape(64, 2, 128, 1000, 4, 2, 16)
    out = tmp_path / "tests.jsonl"
    summary = write_model_tests(dump, backend, None, out, model="scripted", n=2, shape=shape, show_progress=False)
    assert summary["merged"] and summary["no_tests"] == ["T/2"]  # no function to test
    assert backend.asked[0].endswith("# check the correctness of add\nassert add(")
    assert "def bigger(x, y):" in backend.asked[1] and "larger of two numbers" in backend.asked[1]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["tests"] == ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert add(0, 0) == 0"]
    assert rows[0]["dropped"] == {"unparsable": 1, "duplicate": 1, "no_entry_point": 1}
    # a text prompt: the function the candidates define, asked for in CodeT's style too
    assert rows[1]["tests"] == ["assert bigger(1, 2) == 3", "assert bigger(0, 0) == 0"]
    assert rows[1]["dropped"] == {"unparsable": 1, "duplicate": 0, "no_entry_point": 3}
    assert rows[2]["entry_point"] is None and rows[2]["tests"] == []
    assert rows[0]["cost"]["flops"] > 0 and rows[0]["cost"]["generated_tokens"] == 14
    assert [t.call for t in read_tests(str(out))["T/0"]] == ["add(1, 2)", "add(2, 2)", "add(0, 0)"]
    assert set(writing_cost(str(out))) == {"T/0", "T/1", "T/2"}
    meta = json.loads((tmp_path / "tests.jsonl.meta.json").read_text())["provenance"]
    assert meta["model"] == "scripted" and meta["replies_per_problem"] == 2 and meta["prompt_style"] == "completion"


def test_tests_job_in_one_piece_sharded_or_resumed_writes_the_same_file(long_tiny, tmp_path):
    from rankkit.jobs.tests import write_model_tests

    model, tokenizer, _ = long_tiny
    dump = make_tests_dump(tmp_path)
    kw = dict(model="tiny", n=2, max_new_tokens=12, seed=3, group=1, show_progress=False)
    whole = tmp_path / "whole.jsonl"
    write_model_tests(dump, TransformersBackend(model, tokenizer), tokenizer, whole, **kw)
    split = tmp_path / "split.jsonl"
    first = write_model_tests(dump, TransformersBackend(model, tokenizer), tokenizer, split, shard=(0, 2), **kw)
    assert not first["merged"] and not split.exists()
    (tmp_path / "split.jsonl.parts" / "task-000000.jsonl").unlink()  # lost in a kill
    again = write_model_tests(dump, TransformersBackend(model, tokenizer), tokenizer, split, resume=True, **kw)
    assert again["written_problems"] == 2 and again["merged"]  # the lost one and shard 1's

    def strip(path):  # the seconds differ from run to run; everything else is the same
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        for r in rows:
            r["cost"].pop("seconds")
        return rows

    assert strip(whole) == strip(split) and len(strip(whole)) == 3


@pytest.mark.parametrize("args, match", [
    (["-o", "{tmp}/t.json"], "the tests file is JSONL"),
    (["-o", "{tmp}/t.jsonl", "--n", "0"], "--n must be >= 1"),
    (["-o", "{tmp}/t.jsonl", "--prompt-style", "poem"], "--prompt-style must be one of"),
    (["-o", "{tmp}/t.jsonl", "--top-p", "0"], "top_p must lie in (0, 1]"),
    (["-o", "{tmp}/t.jsonl", "--per-reply", "0"], "--per-reply must be >= 1"),
    (["-o", "{tmp}/t.jsonl", "--model", "/no/such/model"], "model directory not found"),
])
def test_tests_command_bad_input_is_a_clear_error(args, match, tmp_path, long_tiny):
    make_tests_dump(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)).replace("{tiny}", str(long_tiny[2])) for a in args]
    r = runner.invoke(app, ["tests", str(tmp_path / "d.json"), "--no-check-task-ids", "--dtype", "fp32", *args])
    assert r.exit_code == 2 and match in " ".join(r.output.split()) and "Traceback" not in r.output, r.output


@pytest.mark.slow
def test_smollm2_writes_tests_that_codet_b4_and_test_vote_run(tmp_path):
    from rankkit.dumps import open_dump
    from rankkit.evaluation import score_dump
    from rankkit.paths import data_file
    from rankkit.rankers import make_ranker

    out = tmp_path / "tests.jsonl"
    r = runner.invoke(app, ["tests", str(data_file("humaneval_codegen16b_codet.json.gz")), "--problems", "2",
                            "--n", "4", "--max-new-tokens", "64", "-o", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["task_id"] for row in rows] == ["HumanEval/0", "HumanEval/1"]
    assert sum(len(row["tests"]) for row in rows) >= 2 and all(row["cost"]["flops"] > 0 for row in rows)
    dump = open_dump(data_file("humaneval_codegen16b_codet.json.gz"), head=2)
    for spec in ("codet", "test-vote", "b4"):
        ranker = make_ranker(f"{spec}:tests={out}")
        scores = score_dump(dump, ranker, show_progress=False)
        assert all(np.all(np.isfinite(scores[t])) for t in ("HumanEval/0", "HumanEval/1"))
        assert ranker.measured_cost().flops_per_sample > 0  # the tests' writing is charged


def test_tests_job_in_chat_style_reads_the_asserts_of_the_code_block(long_tiny, tmp_path):
    from rankkit.jobs.tests import write_model_tests

    _, tokenizer, _ = long_tiny
    dump = make_tests_dump(tmp_path)
    backend = ScriptedBackend(["Sure:\n```python\nfrom x import add\nassert add(1, 2) == 3\nassert add(2, 3) == 5\n"
                               "```\nassert add(9, 9) == 18"])
    out = tmp_path / "chat.jsonl"
    write_model_tests(dump, backend, tokenizer, out, model="scripted", style="chat", n=1, show_progress=False)
    assert "unit tests for the Python function below" in backend.asked[0] and "def add(a: int, b: int)" in backend.asked[0]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["tests"] == ["assert add(1, 2) == 3", "assert add(2, 3) == 5"]  # the block only


def test_continuous_batching_gives_the_tokens_of_static_batches_and_of_a_plain_loop(long_tiny):
    """Greedy and seeded sampling alike, with samples finishing at different steps (EOS, stops,
    the limit) and slots refilled from the queue (2 slots for 6 samples): the same tokens as
    fixed batches, and as a plain fp32 loop (full forward, no cache) drawing from each sample's
    own stream. Sampling runs on a copy whose next-token distributions are peaked (logits x 8,
    top-p 0.7): a random model's are nearly flat over 49k tokens, where rounding in a padded
    batch alone moves a draw across a token boundary."""
    import copy

    import torch

    from rankkit.generation.backend import sample_seed

    tiny, tokenizer, _ = long_tiny
    peaked = copy.deepcopy(tiny)
    peaked.lm_head.weight.data.mul_(8)
    greedy = SamplingSettings(10, greedy=True, ignore_eos=True)
    sampled = SamplingSettings(10, temperature=0.8, top_p=0.7, stop_sequences=("\n",))
    for model, settings in ((tiny, greedy), (peaked, sampled)):
        widest = max(len(tokenizer(p)["input_ids"]) for p in PROMPTS) + settings.max_new_tokens
        runs = [TransformersBackend(model, tokenizer, schedule=sch, max_batch_tokens=tokens).generate_many(
                    PROMPTS, 3, [settings] * 2, [5, 6])
                for sch, tokens in (("static", 16384), ("continuous", 16384), ("continuous", 2 * widest))]
        tokens = [[[s.token_ids for s in p] for p in run] for run in runs]
        assert tokens[0] == tokens[1] == tokens[2]
        backend = TransformersBackend(model, tokenizer)
        for j, prompt in enumerate(PROMPTS):
            for i in range(3):
                ids, out = list(tokenizer(prompt)["input_ids"]), []
                stream = torch.Generator().manual_seed(sample_seed([5, 6][j], i))
                for _ in range(settings.max_new_tokens):
                    with torch.no_grad():
                        logits = model(torch.tensor([ids + out])).logits[:, -1].float()
                    token = int(backend._pick(logits, settings, [stream])[0][0])
                    if token in backend.eos_ids and not settings.ignore_eos:
                        break
                    out.append(token)
                    if settings.stop_sequences and "\n" in tokenizer.decode(out):
                        break
                assert runs[2][j][i].token_ids == out, (j, i)
        lengths = {len(s.token_ids) for p in runs[2] for s in p}
        assert settings.greedy or len(lengths) > 1  # samples ended at different steps
    with pytest.raises(ValueError, match="schedule must be one of continuous, static"):
        TransformersBackend(model, tokenizer, schedule="dynamic")


def test_top_p_draws_equal_a_full_sort_whether_or_not_the_nucleus_fits_the_sorted_head(long_tiny):
    """Rows whose nucleus lies within the sorted head and rows too flat for it (whole sort):
    the same tokens as sorting the whole vocabulary, for many draws."""
    import torch

    from rankkit.generation.backend import NUCLEUS_HEAD

    model, tokenizer, _ = long_tiny
    backend = TransformersBackend(model, tokenizer)
    torch.manual_seed(3)
    vocab = 5000
    logits = torch.randn(64, vocab) * torch.tensor([0.5, 3.0, 8.0, 20.0]).repeat(16)[:, None]  # flat to peaked
    settings = SamplingSettings(8, temperature=0.8, top_p=0.95)
    probs = torch.softmax(logits / 0.8, dim=-1)
    fits = probs.topk(NUCLEUS_HEAD, dim=-1).values.sum(dim=-1) >= 0.95
    assert fits.any() and (~fits).any()
    for seed in range(5):
        streams = [torch.Generator().manual_seed(seed * 100 + r) for r in range(len(logits))]
        chosen, _ = backend._pick(logits, settings, streams)
        sorted_p, order = probs.sort(dim=-1, descending=True)  # the reference: the whole vocabulary sorted
        before = sorted_p.cumsum(dim=-1) - sorted_p
        cdf = torch.where(before < 0.95, sorted_p, torch.zeros_like(sorted_p)).cumsum(dim=-1)
        u = torch.cat([torch.rand((1, 1), generator=torch.Generator().manual_seed(seed * 100 + r))
                       for r in range(len(logits))])
        expected = order.gather(1, torch.searchsorted(cdf, u * cdf[:, -1:]).clamp(max=vocab - 1))[:, 0]
        assert chosen.tolist() == expected.tolist()
