"""Run candidate programs on probe cases in the sandbox and read back what each case did.

A case is an expression (a call of the entry point, optionally with the value it should equal)
or a statement (a generated ``assert``). Per case the probe reports a fingerprint of the
value (a hash of its type and ``repr``, or ``!ExceptionName``) and whether the case held. Used by the
execution-based rankers (exec-agreement, doctest, codet); every candidate runs in its own
sandboxed process like a unit test, and results are cached with the executor's cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from rankkit.errors import InputError, SpecError
from rankkit.execution import Environment, Limits, execute_programs
from rankkit.programs.prompt_info import Example, PromptInfo, prompt_info

MARK = "\x1erankkit-probe"
TIMEOUT_MARK = "!_RkTimeout"  # what the harness reports for a case over its time limit
VALUE_CHARS = 200  # of each returned value's repr, as read back (e.g. by the verifier's text)
# Sent to the program as its data; the program's own prints go to /dev/null so they cannot
# crowd out (or be mistaken for) these lines.
HARNESS = r'''
import os as _rk_os, sys as _rk_sys, hashlib as _rk_hashlib, signal as _rk_signal, time as _rk_time
_rk_out = _rk_os.dup(1)
_rk_null = _rk_os.open(_rk_os.devnull, _rk_os.O_WRONLY)
_rk_os.dup2(_rk_null, 1)
_rk_os.dup2(_rk_null, 2)

def _rk_emit(line):
    _rk_os.write(_rk_out, (%(mark)r + " " + line + "\n").encode("utf-8", "replace"))

class _RkTimeout(BaseException):
    pass

def _rk_alarm(signum, frame):
    raise _RkTimeout()

_rk_signal.signal(_rk_signal.SIGALRM, _rk_alarm)
_rk_ns = {"__name__": "__candidate__"}
try:
    _rk_signal.setitimer(_rk_signal.ITIMER_REAL, %(load_seconds)r)
    exec(compile(%(code)r, "<candidate>", "exec"), _rk_ns)
    _rk_signal.setitimer(_rk_signal.ITIMER_REAL, 0)
    _rk_emit("load ok")
except BaseException as _rk_e:
    _rk_signal.setitimer(_rk_signal.ITIMER_REAL, 0)
    _rk_emit("load !" + type(_rk_e).__name__)
    _rk_os._exit(0)
_rk_budget = _rk_time.monotonic() + %(total_seconds)r
_rk_limits = %(case_seconds)r
for _rk_i, (_rk_kind, _rk_src, _rk_expected) in enumerate(%(cases)r):
    if _rk_time.monotonic() > _rk_budget:
        break
    _rk_ok = 0
    _rk_start = _rk_time.perf_counter()
    try:
        _rk_signal.setitimer(_rk_signal.ITIMER_REAL, _rk_limits[_rk_i])
        if _rk_kind == "stmt":
            exec(_rk_src, dict(_rk_ns))
            _rk_fp, _rk_ok = "ok", 1
        else:
            _rk_value = eval(_rk_src, dict(_rk_ns))
            _rk_repr = repr(_rk_value)
            _rk_fp = _rk_hashlib.sha1((type(_rk_value).__qualname__ + "\x00" + _rk_repr).encode(
                "utf-8", "replace")).hexdigest()[:16]
            _rk_emit("value %%d %%s %%s" %% (_rk_i, type(_rk_value).__name__,
                                           _rk_repr[:%(value_chars)d].encode("utf-8", "replace").hex()))
            if _rk_expected is not None:
                _rk_ok = int(bool(_rk_value == eval(_rk_expected, {})))
        _rk_signal.setitimer(_rk_signal.ITIMER_REAL, 0)
    except BaseException as _rk_e:
        _rk_signal.setitimer(_rk_signal.ITIMER_REAL, 0)
        _rk_fp = "!" + type(_rk_e).__name__
    _rk_emit("case %%d %%s %%d %%.6f" %% (_rk_i, _rk_fp, _rk_ok, _rk_time.perf_counter() - _rk_start))
_rk_emit("done")
_rk_os._exit(0)
'''


@dataclass(frozen=True)
class Case:
    """``kind`` "expr" (a value to fingerprint; ``expected`` optional) or "stmt" (e.g. an assert)."""

    kind: str
    source: str
    expected: str | None = None


@dataclass
class ProbeResult:
    """What one candidate did: whether its code loaded, and per case a fingerprint and a pass bit.

    Cases the candidate never reached (time budget, crash of the process) have fingerprint None.
    ``case_seconds``: how long each case ran (None where it never did).
    """

    loaded: bool
    load_error: str | None
    fingerprints: list[str | None]
    passed: list[bool]
    seconds: float = 0.0  # the candidate's run time in the sandbox (also when served from the cache)
    # per expression case: (type name, repr cut to VALUE_CHARS) of the value, None if it raised
    values: list[tuple[str, str] | None] = field(default_factory=list)
    case_seconds: list[float | None] = field(default_factory=list)

    @property
    def signature(self) -> tuple:
        """The candidate's observable behaviour: its fingerprints, or its load error."""
        return ("load", self.load_error) if not self.loaded else tuple(self.fingerprints)


def probe_program(code: str, cases: Sequence[Case], case_seconds: float | Sequence[float] = 0.5,
                  total_seconds: float = 5.0, load_seconds: float = 2.0) -> str:
    """The program that loads ``code`` and runs each case with its own time limit (one for all,
    or one per case)."""
    limits = [float(case_seconds)] * len(cases) if isinstance(case_seconds, (int, float)) else \
        [float(t) for t in case_seconds]
    if len(limits) != len(cases):
        raise ValueError(f"{len(limits)} time limits for {len(cases)} cases")
    return HARNESS % {"mark": MARK, "code": code, "cases": [(c.kind, c.source, c.expected) for c in cases],
                      "case_seconds": limits, "total_seconds": float(total_seconds),
                      "load_seconds": float(load_seconds), "value_chars": VALUE_CHARS}


def parse_probe(stdout: str, n_cases: int, kind: str = "passed") -> ProbeResult:
    """Read a probe's marked lines back; a program that died early gets None for unreached cases."""
    fingerprints: list[str | None] = [None] * n_cases
    passed = [False] * n_cases
    values: list[tuple[str, str] | None] = [None] * n_cases
    seconds: list[float | None] = [None] * n_cases
    loaded, load_error = False, f"!{kind}"
    for line in stdout.split("\n"):  # not splitlines(): it splits at the marker's \x1e too
        if not line.startswith(MARK + " "):
            continue
        parts = line[len(MARK) + 1:].split(" ")
        if parts[0] == "load" and len(parts) == 2:
            loaded = parts[1] == "ok"
            load_error = None if loaded else parts[1]
        elif parts[0] == "case" and len(parts) == 5 and parts[1].isdigit() and int(parts[1]) < n_cases:
            i = int(parts[1])
            fingerprints[i], passed[i] = parts[2], parts[3] == "1"
            try:
                seconds[i] = float(parts[4])
            except ValueError:
                pass
        elif parts[0] == "value" and len(parts) == 4 and parts[1].isdigit() and int(parts[1]) < n_cases:
            try:
                values[int(parts[1])] = (parts[2], bytes.fromhex(parts[3]).decode("utf-8", "replace"))
            except ValueError:
                pass
    for i, fp in enumerate(fingerprints):  # a value line whose case line never came is not kept
        if fp is None or fp.startswith("!"):
            values[i] = None
    return ProbeResult(loaded, load_error, fingerprints, passed, values=values, case_seconds=seconds)


@dataclass(frozen=True)
class FollowMedian:
    """Per-case time limits that follow the work: a case's limit is ``factor`` x the median time
    the candidates of its problem took on it, at least ``floor`` and at most ``cap`` seconds.

    Every candidate first runs with ``floor``; a candidate that ran out of time on a case whose
    limit comes out larger runs again with the per-case limits. A case on which more than half
    the candidates ran out of time gets ``cap``. The limits depend on the candidates' measured
    times, so a verdict near a limit can differ between machines, as with any time limit.
    """

    factor: float = 4.0
    floor: float = 0.1
    cap: float = 0.5

    def limits(self, results: Sequence[ProbeResult], n_cases: int) -> list[float]:
        """Each case's limit from ``results`` (one problem's candidates, run with ``floor``)."""
        out = []
        for j in range(n_cases):
            times = sorted(float("inf") if r.fingerprints[j] == TIMEOUT_MARK else r.case_seconds[j]
                           for r in results if r.loaded and j < len(r.case_seconds)
                           and (r.fingerprints[j] == TIMEOUT_MARK or r.case_seconds[j] is not None))
            if not times:
                out.append(self.floor)
                continue
            median = times[(len(times) - 1) // 2]
            out.append(self.cap if median == float("inf") else min(self.cap, max(self.floor, self.factor * median)))
        return out


def _case_timed_out(result: dict) -> bool:
    """A probe that ran out of time on a case: a verdict machine load can cause."""
    return f" {TIMEOUT_MARK} " in result["stdout"]


def run_probes(jobs: Sequence[tuple[str, Sequence[Case]]], *, workers: int | None = None,
               env: Environment = Environment(), cache=True, case_seconds: float | FollowMedian = 0.5,
               total_seconds: float = 5.0, show_progress: bool = False,
               problems: Sequence | None = None) -> list[ProbeResult]:
    """Probe each (candidate code, cases) pair in the sandbox, in parallel; identical pairs run
    once; results in input order. ``case_seconds``: every case's time limit, or ``FollowMedian``
    over the candidates of each problem (``problems``: one key per job; default: jobs with the
    same cases). A probe that ran out of time on a case runs once more, on fewer workers, before
    it counts (and is cached)."""
    if problems is not None and len(problems) != len(jobs):
        raise ValueError(f"{len(problems)} problem keys for {len(jobs)} jobs")
    if not isinstance(case_seconds, FollowMedian):
        return _probe(jobs, [case_seconds] * len(jobs), workers, env, cache, total_seconds, show_progress)
    rule = case_seconds
    results = _probe(jobs, [rule.floor] * len(jobs), workers, env, cache, total_seconds, show_progress)
    members_of: dict = {}
    for i, (_, cases) in enumerate(jobs):
        members_of.setdefault(tuple(cases) if problems is None else problems[i], []).append(i)
    again: list[int] = []
    limits: dict[int, list[float]] = {}
    for members in members_of.values():
        per_case = rule.limits([results[i] for i in members], len(jobs[members[0]][1]))
        for i in members:
            if any(fp == TIMEOUT_MARK and per_case[j] > rule.floor for j, fp in enumerate(results[i].fingerprints)):
                again.append(i)
                limits[i] = per_case
    if again:
        rerun = _probe([jobs[i] for i in again], [limits[i] for i in again], workers, env, cache, total_seconds,
                       show_progress)
        for i, result in zip(again, rerun):
            result.seconds += results[i].seconds  # both runs were spent on this candidate
            results[i] = result
    return results


def _probe(jobs, case_seconds, workers, env, cache, total_seconds, show_progress) -> list[ProbeResult]:
    """One sandbox pass: job i with case limits ``case_seconds[i]`` (a number or one per case)."""
    most = max((len(cases) for _, cases in jobs), default=0)
    limits = Limits(timeout=total_seconds + 5.0, max_output=max(8192, (80 + 8 * VALUE_CHARS) * (most + 4)))
    programs = [probe_program(code, cases, limit, total_seconds) for (code, cases), limit in zip(jobs, case_seconds)]
    report = execute_programs(programs, workers=workers, limits=limits, env=env, cache=cache,
                              show_progress=show_progress, load_dependent=_case_timed_out)
    out = []
    for r, (_, cases) in zip(report.results, jobs):
        result = parse_probe(r["stdout"], len(cases), r["kind"])
        result.seconds = float(r.get("seconds") or 0.0)
        out.append(result)
    return out


def prompt_examples(problem, source: str = "auto") -> tuple[PromptInfo, tuple[Example, ...]]:
    """The problem's prompt info and the examples to probe with.

    source "prompt": only the dump's prompt; "benchmark": the official HumanEval/MBPP prompt of
    the task; "auto": the dump's prompt, or the official one when the dump's shows no examples
    (some released dumps strip them, e.g. CodeT's) -- still the problem statement a user has,
    never its hidden tests.
    """
    if source not in ("auto", "prompt", "benchmark"):
        raise SpecError(f"examples source must be auto, prompt or benchmark, got {source!r}")
    if problem.prompt is None:
        raise InputError(f"task {problem.task_id}: the dump has no prompt", param="benchmark", example="humaneval|mbpp")
    info = prompt_info(problem.prompt)
    if source == "prompt" or (source == "auto" and info.examples):
        return info, info.examples
    official = official_prompt(problem.task_id)
    if official is None:
        if source == "benchmark":
            raise InputError(f"task {problem.task_id} is not a HumanEval or MBPP task id")
        return info, info.examples
    return info, prompt_info(official).examples


def official_prompt(task_id) -> str | None:
    """The benchmark's own prompt for a HumanEval/MBPP task id, else None."""
    from rankkit.tasks import load_humaneval, load_mbpp

    text = str(task_id)
    if text.startswith("HumanEval/"):
        problem = load_humaneval().get(text)
        return problem.prompt if problem else None
    if text.startswith("MBPP/"):
        problem = load_mbpp(split="all").get(text)
        return problem.prompt if problem else None
    return None
