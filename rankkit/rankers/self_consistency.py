"""Self-consistency: prefer the candidates the model wrote most often.

Candidates are compared by their syntax tree (comments, blank lines and formatting ignored) when
they parse, by their stripped text otherwise. ``by="text"`` compares raw text. The execution
variant of the same idea (agreement of outputs) is the ``exec-agreement`` ranker.
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Sequence

import numpy as np

from rankkit.rankers.base import Ranker
from rankkit.rankers.prompt_info import prompt_info
from rankkit.rankers.registry import register_ranker


def normal_form(code: str, by: str = "ast") -> str:
    lines = "\n".join(line.rstrip() for line in code.strip().splitlines() if line.strip())
    if by == "text":
        return lines
    try:
        return ast.dump(ast.parse(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return "text:" + lines


@register_ranker("self-consistency")
class SelfConsistencyRanker(Ranker):
    """Score = share of the problem's candidates that are the same program as this one."""

    name = "self-consistency"
    cacheable = False

    def __init__(self, by: str = "ast"):
        if by not in ("ast", "text"):
            raise ValueError(f"self-consistency compares by 'ast' or 'text', got {by!r}")
        self.by = by

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        prefix = prompt_info(problem.prompt).code_prefix if problem.prompt else ""
        keys = [normal_form(prefix + g, self.by) for g in generations]
        counts = Counter(keys)
        return np.array([counts[k] / len(keys) for k in keys]) if keys else np.zeros(0)
