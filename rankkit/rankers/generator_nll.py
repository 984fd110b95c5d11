"""The generator's own NLL, free: ``rankkit generate`` records each sample's summed log-prob
under the unmodified model distribution, so ranking by the generator's mean NLL needs no
second forward pass (it equals ``nll`` with the generator as scorer, up to re-tokenisation)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rankkit.errors import InputError
from rankkit.rankers.base import FREE, Ranker
from rankkit.rankers.registry import register_ranker


@register_ranker("generator-nll")
class GeneratorNLLRanker(Ranker):
    """Mean NLL of each sample under the model that generated it, read from the dump (lower is
    better; samples with no scored token rank last). Needs a dump made by ``rankkit generate``."""

    name = "generator-nll"
    higher_is_better = False
    cost = FREE  # computed while generating: no extra work
    cacheable = False

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        fields = problem.fields
        if "sum_logprob" not in fields or "logprob_tokens" not in fields:
            raise InputError(f"task {problem.task_id}: the dump has no generator log-probs (sum_logprob, "
                             f"logprob_tokens per sample); it was not made by `rankkit generate`")
        out = np.empty(len(generations))
        for i, (lp, n) in enumerate(zip(fields["sum_logprob"], fields["logprob_tokens"])):
            if lp is None or n is None:
                raise InputError(f"task {problem.task_id}, sample {i}: no generator log-prob")
            out[i] = -float(lp) / n if n else np.inf
        return out
