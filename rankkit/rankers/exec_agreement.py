"""MBR-exec-style ranking (Shi et al., 2022): run every candidate on inputs taken from the prompt
and prefer candidates whose outputs agree with many others. Expected outputs are never used."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rankkit.programs.probes import Case, ProbeResult, prompt_examples
from rankkit.rankers.probing import ProbingRanker
from rankkit.programs.prompt_info import adds_code, prompt_info
from rankkit.rankers.registry import register_ranker


def behaviour_key(result: ProbeResult) -> tuple | None:
    """A candidate's outputs on the probe inputs; None when it never produced one (its code did
    not load, or every input raised or ran out of time): broken candidates never agree."""
    if not result.loaded or all(f is None or f.startswith("!") for f in result.fingerprints):
        return None
    return result.signature


@register_ranker("exec-agreement")
class ExecAgreementRanker(ProbingRanker):
    """Score = how many other candidates of the problem give exactly the same outputs on the
    prompt's example inputs (-1 for candidates that produce no output at all or add no code to
    the prompt: an empty body "agrees" with every other empty body by returning None)."""

    name = "exec-agreement"
    version = "2"  # 2: samples adding no code are broken

    def cases(self, problem):
        info, examples = prompt_examples(problem, self.examples)
        return info.code_prefix, [Case("expr", e.call) for e in examples]

    def combine(self, problem, generations, results):
        prefix = prompt_info(problem.prompt).code_prefix
        keys = [behaviour_key(r) if adds_code(prefix, g) else None for r, g in zip(results, generations)]
        counts = Counter(k for k in keys if k is not None)
        return np.array([-1.0 if k is None else counts[k] - 1.0 for k in keys])
