"""Time limits that follow the work: a problem's limit is a factor of its reference solution's own
runtime on this machine, with a floor (EvalPlus's idea: it times each test input, rankkit the
whole test program). References are timed once per machine — CPU model, interpreter, isolation,
sandbox version — and kept, so the limits are re-measured when any of those changes.

Reproducibility: an ``auto`` limit depends on the machine that measured it. The limits used are
written into the results' metadata; a verdict can differ from the fixed limit's only for a program
that runs longer than its problem's limit (the test lists every such change on the demo dump).
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rankkit.errors import InputError
from rankkit.execution.pool import Environment, Limits
from rankkit.execution.runner import SANDBOX_VERSION, execute_programs
from rankkit.machine import cpu_model
from rankkit.paths import cache_dir


@dataclass(frozen=True)
class AutoTimeout:
    """limit = max(floor, factor x the reference's median runtime over ``repeats`` runs)."""

    factor: float = 4.0
    floor: float = 1.0
    repeats: int = 3

    def __post_init__(self):
        if not (self.factor > 0 and self.floor > 0 and self.repeats >= 1):
            raise InputError(f"auto timeout: factor and floor must be > 0 and repeats >= 1, got {self}",
                             param="timeout")

    def describe(self) -> str:
        return (f"auto: max({self.floor:g} s, {self.factor:g} x the reference solution's median runtime over "
                f"{self.repeats} runs on this machine)")


def default_path() -> Path:
    return cache_dir() / "reference_seconds.json"


def machine_key(env: Environment) -> str:
    """What a reference's runtime depends on besides the program: the CPU, the interpreter, the
    isolation and the sandbox's own code."""
    return f"{cpu_model()} | {os.path.realpath(env.python)} | {env.isolation} | sandbox {SANDBOX_VERSION}"


def _digest(program: str) -> str:
    return hashlib.sha256(program.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def reference_seconds(problems: Sequence, *, env: Environment = Environment(), limits: Limits = Limits(),
                      workers: int | None = None, repeats: int = 3, path: str | Path | None = None,
                      show_progress: bool = False) -> dict[str, float | None]:
    """task_id -> the median seconds its reference solution's test program takes here (None when
    the reference does not pass here, or the problem has none). Measured once per machine key
    and kept in ``path`` (default ``~/.cache/rankkit/reference_seconds.json``)."""
    path = Path(path) if path is not None else default_path()
    store = json.loads(path.read_text()) if path.exists() else {}
    key = machine_key(env)
    known = store.setdefault(key, {})
    out: dict[str, float | None] = {}
    todo = []
    for p in problems:
        if not p.reference_solution:
            out[p.task_id] = None
            continue
        program = p.test_program(p.reference_solution)
        entry = known.get(p.task_id)
        if entry is not None and entry["program"] == _digest(program) and entry["repeats"] >= repeats:
            out[p.task_id] = entry["seconds"]
        else:
            todo.append((p.task_id, program))
    if todo:
        programs = [program for _, program in todo for _ in range(repeats)]
        report = execute_programs(programs, workers=workers, limits=limits, env=env, cache=False, dedup=False,
                                  show_progress=show_progress)
        for j, (task_id, program) in enumerate(todo):
            runs = report.results[j * repeats:(j + 1) * repeats]
            seconds = statistics.median(r["seconds"] for r in runs) if all(r["kind"] == "passed" for r in runs) else None
            known[task_id] = {"program": _digest(program), "seconds": seconds, "repeats": repeats}
            out[task_id] = seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(store, indent=1, sort_keys=True))
        tmp.replace(path)
    return out


def problem_timeouts(problems: Sequence, policy: AutoTimeout, fixed: float, **kwargs) -> dict[str, float]:
    """task_id -> the limit under ``policy``; a problem whose reference cannot be timed keeps the
    ``fixed`` limit."""
    seconds = reference_seconds(problems, repeats=policy.repeats, **kwargs)
    return {t: fixed if s is None else max(policy.floor, policy.factor * s) for t, s in seconds.items()}
