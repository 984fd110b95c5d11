"""MBR-exec-style ranking (Shi et al., 2022): run every candidate on inputs taken from the prompt
and prefer candidates whose outputs agree with many others. Expected outputs are never used."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rankkit.rankers.probing import Case, ProbeResult, ProbingRanker, prompt_examples
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
    prompt's example inputs (-1 for candidates that produce no output at all)."""

    name = "exec-agreement"

    def cases(self, problem):
        info, examples = prompt_examples(problem, self.examples)
        return info.code_prefix, [Case("expr", e.call) for e in examples]

    def combine(self, problem, results):
        keys = [behaviour_key(r) for r in results]
        counts = Counter(k for k in keys if k is not None)
        return np.array([-1.0 if k is None else counts[k] - 1.0 for k in keys])
