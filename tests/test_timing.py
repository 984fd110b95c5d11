"""Time limits that follow the work (rankkit.execution.timing): per-program limits in the pool and
the cache key, reference runtimes measured once per machine, and `execute --timeout auto`."""

import json

import numpy as np
import pytest

from rankkit.dumps import Dump, TaskSamples
from rankkit.execution import AutoTimeout, Limits, execute_dump, execute_programs, problem_timeouts, reference_seconds
from rankkit.execution import timing
from rankkit.tasks import load_humaneval

SLEEP = "import time\ntime.sleep({})\n"


def test_each_program_gets_its_own_limit_and_the_limit_keys_the_cache(tmp_path):
    cache = tmp_path / "c.sqlite"
    programs = [SLEEP.format(0.6), SLEEP.format(0.6) + "x = 1\n"]
    report = execute_programs(programs, workers=2, cache=cache, timeouts=[0.3, 2.0], show_progress=False)
    assert [r["kind"] for r in report.results] == ["timeout", "passed"]
    assert report.results[0]["detail"] == "timed out after 0.3s"
    again = execute_programs(programs, workers=2, cache=cache, timeouts=[2.0, 2.0], show_progress=False)
    assert [r["kind"] for r in again.results] == ["passed", "passed"]  # another limit: not the cached verdict
    assert again.cached == 1
    with pytest.raises(ValueError, match="1 timeouts for 2 programs"):
        execute_programs(programs, timeouts=[1.0], cache=False, show_progress=False)


def test_reference_runtimes_are_measured_once_per_machine(tmp_path, monkeypatch):
    problems = list(load_humaneval().values())[:3]
    path = tmp_path / "ref.json"
    first = reference_seconds(problems, path=path, workers=2, repeats=2)
    assert set(first) == {p.task_id for p in problems} and all(0 < s < 1 for s in first.values())
    stored = json.loads(path.read_text())
    assert len(stored) == 1 and next(iter(stored)).startswith(timing.cpu_model())

    def no_runs(*args, **kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(timing, "execute_programs", no_runs)
    assert reference_seconds(problems, path=path, repeats=2) == first  # kept
    monkeypatch.setattr(timing, "cpu_model", lambda: "another CPU")
    with pytest.raises(AssertionError, match="measured again"):  # a new machine measures afresh
        reference_seconds(problems, path=path, repeats=2)


def test_limits_follow_the_reference_with_a_floor(tmp_path):
    he = load_humaneval()
    slow = he["HumanEval/0"]
    slow = type(slow)(slow.task_id, slow.prompt, slow.tests, slow.stop_sequences, slow.entry_point,
                      "    import time\n    if not hasattr(time, 'slept'):\n        time.slept = time.sleep(0.4)\n"
                      + slow.reference_solution)  # sleeps once, on the first of the tests' calls
    broken = he["HumanEval/1"]
    broken = type(broken)(broken.task_id, broken.prompt, broken.tests, broken.stop_sequences, broken.entry_point,
                          "    return None\n")
    limits = problem_timeouts([slow, broken, he["HumanEval/2"]], AutoTimeout(factor=4.0, floor=1.0, repeats=1), 3.0,
                              path=tmp_path / "ref.json", workers=2)
    assert 1.6 <= limits["HumanEval/0"] < 3.0  # 4 x ~0.4 s
    assert limits["HumanEval/1"] == 3.0  # the reference fails here: the fixed limit
    assert limits["HumanEval/2"] == 1.0  # a fast reference: the floor
    with pytest.raises(ValueError, match="factor and floor must be > 0"):
        AutoTimeout(factor=0)


def test_execute_auto_limits_change_only_slow_verdicts_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(timing, "default_path", lambda: tmp_path / "ref.json")
    p = load_humaneval()["HumanEval/0"]
    once = "    import time\n    if not hasattr(time, 'slept'):\n        time.slept = time.sleep(1.6)\n"
    gens = [p.reference_solution, once + p.reference_solution, "    return None\n"]
    dump = Dump({p.task_id: TaskSamples(p.task_id, p.prompt, gens, np.full(3, -1, dtype=np.int8))}, "mem")
    fixed = execute_dump(dump, "humaneval", workers=2, cache=False, show_progress=False)
    assert fixed.labelled[p.task_id].labels.tolist() == [1, 1, 0] and fixed.timing["mode"] == "fixed"
    auto = execute_dump(dump, "humaneval", workers=2, cache=False, show_progress=False, results=tmp_path / "r.jsonl",
                        auto_timeout=AutoTimeout(floor=1.0))
    assert auto.labelled[p.task_id].labels.tolist() == [1, 0, 0]  # 1.6 s is over this problem's 1 s limit
    assert [r["kind"] for r in auto.report.results] == ["passed", "timeout", "assertion"]
    meta = json.loads((tmp_path / "r.jsonl.meta.json").read_text())
    assert meta["timeout"]["mode"] == "auto" and meta["timeout"]["per_problem"] == {p.task_id: 1.0}


def test_cli_timeout_takes_seconds_or_auto(tmp_path):
    from typer.testing import CliRunner

    from rankkit.cli import app

    r = CliRunner().invoke(app, ["execute", str(tmp_path / "x.json"), "--benchmark", "humaneval", "--timeout", "soon"])
    assert r.exit_code == 2 and "--timeout takes seconds or auto, got 'soon'" in r.output
