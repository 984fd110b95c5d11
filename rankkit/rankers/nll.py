"""The paper's ranker: averaged NLL of each generation under a causal LM (``nll``), and the
summed log-probability (``sum-logprob``); both share one loaded model per process. The long
job that scores a whole dump into a file is ``rankkit.jobs.score_nll``.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Sequence

import numpy as np

from rankkit.errors import InputError
from rankkit.rankers.base import Ranker
from rankkit.lm import NLLEngine, load_model, parameter_count
from rankkit.rankers.registry import register_ranker


@lru_cache(maxsize=2)
def shared_engine(model: str, dtype: str | None = None, device: str | None = None, attn: str | None = None,
                  max_batch_tokens: int = 8192) -> NLLEngine:
    """One loaded model per process, shared by every ranker that asks for the same one."""
    m, tok = load_model(model, dtype=dtype, device=device, attn=attn)
    return NLLEngine(m, tok, max_batch_tokens=max_batch_tokens)


class LMRanker(Ranker):
    """Base of rankers that score with a causal LM: one shared model per process, and a cost per
    sample measured while scoring (FLOPs = 2 x parameters x forward tokens; seconds = wall-clock
    on this machine); budgeted reports use a cost table's scoring entry for ``model`` instead.

    ``discard_unfinished``: samples the dump marks unfinished (no stop sequence: cut at the
    token limit) get the worst score, as the paper does for NLL ranking.
    """

    def __init__(self, model: str = "smollm2-135m", dtype: str | None = None, device: str | None = None,
                 attn: str | None = None, max_batch_tokens: int = 8192, discard_unfinished: bool = False):
        self.model = model
        self.discard_unfinished = bool(discard_unfinished)
        self._engine_args = (model, dtype, device, attn, max_batch_tokens)
        self.cost = None  # measured while scoring; a cost table's scoring entry for the model wins in reports
        self._tally = [0, 0.0, 0]  # forward tokens, seconds, samples: the measured cost

    @property
    def engine(self) -> NLLEngine:
        return shared_engine(*self._engine_args)

    def identity(self) -> dict:
        """The model's weights and the dtype and device it runs in decide the scores."""
        from rankkit.lm import model_fingerprint, resolved_settings

        _, dtype, device, _, _ = self._engine_args
        return {"model": model_fingerprint(self.model), **resolved_settings(dtype, device)}

    def measured_totals(self) -> tuple[float, float, int] | None:
        """FLOPs (2 x parameters x forward tokens), seconds and samples scored so far."""
        tokens, seconds, samples = self._tally
        if not samples:
            return None
        return 2.0 * parameter_count(self.engine.model) * tokens, seconds, samples

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:  # pragma: no cover - abstract
        """Scores in the ranker's own orientation, before discarding unfinished samples."""
        raise NotImplementedError

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        if problem.prompt is None:
            raise InputError(f"task {problem.task_id} has no prompt: give the dump's benchmark to fill it in",
                             param="benchmark", example="humaneval|mbpp")
        engine = self.engine
        before, started = engine.stats["forward_tokens"], time.perf_counter()
        scores = np.asarray(self.lm_score(problem, generations), dtype=np.float64)
        tally = self._tally
        tally[0] += engine.stats["forward_tokens"] - before
        tally[1] += time.perf_counter() - started
        tally[2] += len(generations)
        if self.discard_unfinished:
            finished = getattr(problem, "finished", None)
            if finished is None:
                raise InputError(f"task {problem.task_id}: discard_unfinished needs 'finished' flags in the dump")
            scores = np.where(finished, scores, np.inf if not self.higher_is_better else -np.inf)
        return scores


@register_ranker("nll")
class NLLRanker(LMRanker):
    """Mean negative log-likelihood of the generation given the prompt (lower is better)."""

    name = "nll"
    higher_is_better = False

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return np.array([s.mean_nll for s in self.engine.score(problem.prompt, generations)])


@register_ranker("sum-logprob")
class SumLogprobRanker(LMRanker):
    """Summed log-probability of the generation given the prompt (higher is better)."""

    name = "sum-logprob"
    higher_is_better = True

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:
        scores = self.engine.score(problem.prompt, generations)
        return np.array([s.sum_logprob if s.status == "ok" else -np.inf for s in scores])
