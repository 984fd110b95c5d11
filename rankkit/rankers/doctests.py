"""Doctest ranking: the fraction of the prompt's own input/output examples a candidate satisfies.

This is information a user has without hidden tests (the examples written in the problem
statement). On MBPP the prompt lists the very asserts used for evaluation, so there this ranker
is close to the oracle; on HumanEval the docstring examples are a subset of the tests' spirit only.
"""

from __future__ import annotations

from rankkit.programs.probes import Case, prompt_examples
from rankkit.rankers.probing import ProbingRanker
from rankkit.rankers.registry import register_ranker


@register_ranker("doctest")
class DoctestRanker(ProbingRanker):
    """Score = fraction of the prompt's examples (with a shown output) that the candidate passes."""

    name = "doctest"
    missing = "no examples with outputs in their prompts"
    remedy = "exec-agreement makes its own inputs; codet, test-vote and b4 run tests that `rankkit tests` writes"

    def cases(self, problem):
        info, examples = prompt_examples(problem, self.examples)
        return info.code_prefix, [Case("expr", e.call, e.expected) for e in examples if e.expected is not None]

    def combine(self, problem, generations, matrix):
        return matrix.passed.mean(axis=1)
