'''Coder-Reviewer ranking (Zhang et al., 2022): how well does the generated code "explain" the
instruction? The reviewer score is the mean log-probability of the instruction (HumanEval: the
docstring; MBPP: the task text) placed *after* the code:

    <prompt without its docstring><generation>

    # Description of the code above:
    """<instruction>"""

The instruction is the same for every sample of a problem, so mean and summed log-probability
order samples identically; the mean puts it on the scale of the coder score (mean log p of the
generation) for the ensemble α·reviewer + (1−α)·coder (``coder-reviewer``).
'''

from __future__ import annotations

import ast
from typing import Sequence

import numpy as np
from rankkit.errors import SpecError

from rankkit.lm import tokenize_sample
from rankkit.rankers.nll import LMRanker
from rankkit.programs.prompt_info import prompt_info
from rankkit.rankers.registry import register_ranker

CONNECTOR = '\n\n# Description of the code above:\n"""'


def code_without_docstring(prompt: str) -> str:
    """A code prompt with its last function's docstring removed (what the reviewer sees first);
    text prompts (MBPP) contribute no code."""
    info = prompt_info(prompt)
    if not info.code_prefix:
        return ""
    tree = ast.parse(prompt)
    fns = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not fns or not ast.get_docstring(fns[-1], clean=False):
        return prompt
    doc = fns[-1].body[0]
    lines = prompt.splitlines(keepends=True)
    return "".join(lines[: doc.lineno - 1] + lines[doc.end_lineno:])


@register_ranker("reviewer")
class ReviewerRanker(LMRanker):
    """Mean log p(instruction | code) under the LM (higher is better)."""

    name = "reviewer"
    higher_is_better = True

    def reviewer_logprobs(self, problem, generations: Sequence[str]) -> np.ndarray:
        info = prompt_info(problem.prompt)
        head = code_without_docstring(problem.prompt)
        target = info.instruction.strip() + '"""'
        texts = [g.rstrip() + CONNECTOR + target for g in generations]
        scores = self.engine.score(head, texts, keep_token_logprobs=True)
        tok = self.engine.tokenizer
        out = np.full(len(generations), -np.inf)
        for i, (text, s) in enumerate(zip(texts, scores)):
            if s.status != "ok" or s.token_logprobs is None:
                continue
            ids, first_tail = tokenize_sample(tok, head + text[: len(text) - len(target)], target)
            tail = len(ids) - first_tail
            if 0 < tail <= len(s.token_logprobs):
                out[i] = float(np.mean(s.token_logprobs[-tail:]))
        return out

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return self.reviewer_logprobs(problem, generations)


@register_ranker("coder-reviewer")
class CoderReviewerRanker(ReviewerRanker):
    """α·reviewer + (1−α)·coder, both mean token log-probabilities (higher is better)."""

    name = "coder-reviewer"

    def __init__(self, model: str = "smollm2-135m", alpha: float = 0.5, **kwargs):
        super().__init__(model, **kwargs)
        if not 0.0 <= alpha <= 1.0:
            raise SpecError(f"alpha must lie in [0, 1], got {alpha}")
        self.alpha = float(alpha)

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:
        combined = np.zeros(len(generations))
        if self.alpha < 1.0:
            coder = np.array([-s.mean_nll for s in self.engine.score(problem.prompt, generations)])
            combined += (1.0 - self.alpha) * coder
        if self.alpha > 0.0:
            combined += self.alpha * self.reviewer_logprobs(problem, generations)
        return combined
