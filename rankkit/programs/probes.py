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
for _rk_i, (_rk_kind, _rk_src, _rk_expected) in enumerate(%(cases)r):
    if _rk_time.monotonic() > _rk_budget:
        break
    _rk_ok = 0
    try:
        _rk_signal.setitimer(_rk_signal.ITIMER_REAL, %(case_seconds)r)
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
    _rk_emit("case %%d %%s %%d" %% (_rk_i, _rk_fp, _rk_ok))
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
    """

    loaded: bool
    load_error: str | None
    fingerprints: list[str | None]
    passed: list[bool]
    seconds: float = 0.0  # the candidate's run time in the sandbox (also when served from the cache)
    # per expression case: (type name, repr cut to VALUE_CHARS) of the value, None if it raised
    values: list[tuple[str, str] | None] = field(default_factory=list)

    @property
    def signature(self) -> tuple:
        """The candidate's observable behaviour: its fingerprints, or its load error."""
        return ("load", self.load_error) if not self.loaded else tuple(self.fingerprints)


def probe_program(code: str, cases: Sequence[Case], case_seconds: float = 0.5, total_seconds: float = 5.0,
                  load_seconds: float = 2.0) -> str:
    """The program that loads ``code`` and runs each case with its own time limit."""
    return HARNESS % {"mark": MARK, "code": code, "cases": [(c.kind, c.source, c.expected) for c in cases],
                      "case_seconds": float(case_seconds), "total_seconds": float(total_seconds),
                      "load_seconds": float(load_seconds), "value_chars": VALUE_CHARS}


def parse_probe(stdout: str, n_cases: int, kind: str = "passed") -> ProbeResult:
    """Read a probe's marked lines back; a program that died early gets None for unreached cases."""
    fingerprints: list[str | None] = [None] * n_cases
    passed = [False] * n_cases
    values: list[tuple[str, str] | None] = [None] * n_cases
    loaded, load_error = False, f"!{kind}"
    for line in stdout.split("\n"):  # not splitlines(): it splits at the marker's \x1e too
        if not line.startswith(MARK + " "):
            continue
        parts = line[len(MARK) + 1:].split(" ")
        if parts[0] == "load" and len(parts) == 2:
            loaded = parts[1] == "ok"
            load_error = None if loaded else parts[1]
        elif parts[0] == "case" and len(parts) == 4 and parts[1].isdigit() and int(parts[1]) < n_cases:
            i = int(parts[1])
            fingerprints[i], passed[i] = parts[2], parts[3] == "1"
        elif parts[0] == "value" and len(parts) == 4 and parts[1].isdigit() and int(parts[1]) < n_cases:
            try:
                values[int(parts[1])] = (parts[2], bytes.fromhex(parts[3]).decode("utf-8", "replace"))
            except ValueError:
                pass
    for i, fp in enumerate(fingerprints):  # a value line whose case line never came is not kept
        if fp is None or fp.startswith("!"):
            values[i] = None
    return ProbeResult(loaded, load_error, fingerprints, passed, values=values)


def run_probes(jobs: Sequence[tuple[str, Sequence[Case]]], *, workers: int | None = None,
               env: Environment = Environment(), cache=True, case_seconds: float = 0.5,
               total_seconds: float = 5.0, show_progress: bool = False) -> list[ProbeResult]:
    """Probe each (candidate code, cases) pair in the sandbox, in parallel; identical pairs run
    once; results in input order."""
    most = max((len(cases) for _, cases in jobs), default=0)
    limits = Limits(timeout=total_seconds + 5.0, max_output=max(8192, (64 + 8 * VALUE_CHARS) * (most + 4)))
    programs = [probe_program(code, cases, case_seconds, total_seconds) for code, cases in jobs]
    report = execute_programs(programs, workers=workers, limits=limits, env=env, cache=cache,
                              show_progress=show_progress)
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
