"""An example rankkit plug-in: the ``prompt-overlap`` ranker.

Heuristic: a correct solution usually works with what the problem statement names (the
function's parameters, the types and helpers the prompt mentions). The score is the number of
distinct identifiers of the prompt that the generation uses, keywords and builtins excluded.
"""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Sequence

import numpy as np

from rankkit.rankers import Ranker, RankerCost

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
COMMON = set(keyword.kwlist) | set(dir(builtins))


def identifiers(text: str) -> set[str]:
    return {w for w in IDENTIFIER.findall(text) if w not in COMMON}


class PromptOverlapRanker(Ranker):
    """Score = how many of the prompt's identifiers the generation uses (higher is better)."""

    name = "prompt-overlap"
    higher_is_better = True
    cacheable = False  # instant: nothing worth keeping on disk
    cost = RankerCost(0.0, 0.0)

    def __init__(self, min_length: int = 2):
        self.min_length = int(min_length)

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        wanted = {w for w in identifiers(problem.prompt or "") if len(w) >= self.min_length}
        return np.array([len(wanted & identifiers(g)) for g in generations], dtype=np.float64)
