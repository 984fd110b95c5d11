"""Rankers over the verdict matrix of generated tests: every candidate runs every test.

The tests come from a tests file (``rankkit.programs.tests``): CodeT's release for the demo dump
(bundled, the default), or any model's through ``rankkit tests``. What writing the tests cost
(recorded per problem by ``rankkit tests``) is charged to these rankers, spread over the
problem's samples, on top of the sandbox seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rankkit.errors import InputError, UnknownNameError
from rankkit.paths import data_file
from rankkit.programs.prompt_info import prompt_info
from rankkit.programs.tests import read_tests, writing_cost
from rankkit.rankers.base import RankerCost
from rankkit.rankers.probing import ProbingRanker
from rankkit.rankers.registry import register_ranker
from rankkit.scoring import verdicts

DEFAULT_TESTS = "humaneval_codegen16b_codet_tests.jsonl.gz"  # CodeT's tests for the demo dump


class TestsRanker(ProbingRanker):
    """Base: run each candidate on its problem's generated tests; ``select`` turns the verdict
    matrix (candidates x tests, passed) into scores."""

    __test__ = False  # not a pytest class

    missing = "no generated tests for them"
    remedy = "`rankkit tests` writes tests with any causal LM"

    def __init__(self, tests: str | None = None, per_sample: int = 5, **kwargs):
        super().__init__(**kwargs)
        self.tests_path = str(tests) if tests else str(data_file(DEFAULT_TESTS))
        if not Path(self.tests_path).is_file():
            raise InputError(f"{self.name}: generated tests file not found: {self.tests_path}", param="rankers")
        self.per_sample = per_sample
        self._written = np.zeros(2)  # FLOPs and seconds that writing the scored problems' tests cost

    def identity(self) -> dict:
        """The generated tests' file (the bundled one by default) by content."""
        from rankkit.fingerprint import file_fingerprint

        return {"tests_file": file_fingerprint(self.tests_path)}

    def cases(self, problem):
        tests = read_tests(self.tests_path, self.per_sample)
        if str(problem.task_id) not in tests:
            raise UnknownNameError(f"{self.tests_path} has no generated tests for task {problem.task_id}")
        self._written += writing_cost(self.tests_path).get(str(problem.task_id), (0.0, 0.0))
        return prompt_info(problem.prompt).code_prefix, [t.case for t in tests[str(problem.task_id)]]

    def measured_cost(self) -> RankerCost | None:
        """Sandbox seconds per sample plus the tests' generation (FLOPs, seconds) per sample."""
        sandbox = super().measured_cost()
        if sandbox is None:
            return None
        return RankerCost(self._written[0] / self._samples, sandbox.seconds_per_sample + self._written[1] / self._samples)

    def describe(self) -> str | None:
        """Which tests it ran, and any problem that had none."""
        text = f"tests: {self.tests_path}"
        empty = super().describe()
        return f"{text}; {empty}" if empty else text

    def combine(self, problem, generations, matrix):
        return self.select(matrix.passed)

    def select(self, passed: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


@register_ranker("codet")
class CodeTRanker(TestsRanker):
    """CodeT (Chen et al., 2022): consensus sets of (solutions, generated tests they pass), scored
    |S_x| x |S_y|."""

    name = "codet"
    version = "2"  # 2: tests normalised (one line, comments dropped) before de-duplication

    def select(self, passed):
        return verdicts.codet(passed)


@register_ranker("test-vote")
class TestVoteRanker(TestsRanker):
    """Majority vote over generated tests (CodeRM-style): score = tests passed."""

    __test__ = False

    name = "test-vote"

    def select(self, passed):
        return verdicts.vote(passed)


@register_ranker("b4")
class B4Ranker(TestsRanker):
    """B4's idea (arXiv 2409.08692): candidates and tests are each right or wrong; rank by the
    posterior log-probability that the candidate is right given the verdict matrix
    (``rankkit.scoring.verdicts.b4_posterior``)."""

    name = "b4"

    def __init__(self, prior: float = 0.5, test_prior: float = 0.5, theta_right: float = 0.5,
                 theta_wrong: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        for key, value in (("prior", prior), ("test_prior", test_prior), ("theta_right", theta_right),
                           ("theta_wrong", theta_wrong)):
            if not 0.0 < float(value) < 1.0:
                raise InputError(f"b4: {key} must lie strictly between 0 and 1, got {value}", param="rankers")
        self.prior, self.test_prior = float(prior), float(test_prior)
        self.theta_right, self.theta_wrong = float(theta_right), float(theta_wrong)

    def select(self, passed):
        return verdicts.b4_posterior(passed, self.prior, self.test_prior, self.theta_right, self.theta_wrong, log=True)
