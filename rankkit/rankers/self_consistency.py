"""Self-consistency: prefer the candidates the model wrote most often.

Candidates are compared by their syntax tree (comments, blank lines and formatting ignored) when
they parse, by their stripped text otherwise. ``by="text"`` compares raw text. Degenerate samples
that add no code to the prompt (empty, comments only) score 0: on the demo dump such a sample is
the most frequent one in 114 of 164 problems. The execution
variant of the same idea (agreement of outputs) is the ``exec-agreement`` ranker.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
from rankkit.errors import SpecError

from rankkit.rankers.base import FREE, Ranker
from rankkit.programs.prompt_info import adds_code, code_key, prompt_info
from rankkit.rankers.registry import register_ranker


def normal_form(code: str, by: str = "ast") -> str:
    lines = "\n".join(line.rstrip() for line in code.strip().splitlines() if line.strip())
    if by == "text":
        return lines
    key = code_key(code)
    return "text:" + lines if key is None else key


@register_ranker("self-consistency")
class SelfConsistencyRanker(Ranker):
    """Score = share of the problem's candidates that are the same program as this one."""

    name = "self-consistency"
    version = "2"  # 2: samples adding no code score 0
    cost = FREE  # comparing syntax trees: microseconds per sample, no model
    cacheable = False

    def __init__(self, by: str = "ast"):
        if by not in ("ast", "text"):
            raise SpecError(f"self-consistency compares by 'ast' or 'text', got {by!r}")
        self.by = by

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        prefix = prompt_info(problem.prompt).code_prefix if problem.prompt else ""
        keys = [normal_form(prefix + g, self.by) if adds_code(prefix, g) else None for g in generations]
        counts = Counter(k for k in keys if k is not None)
        return np.array([0.0 if k is None else counts[k] / len(keys) for k in keys])
