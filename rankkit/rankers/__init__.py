"""Rankers: the interface, the registry, and the built-in rankers.

Built in: random, length, oracle (baselines); nll, sum-logprob, reviewer, coder-reviewer (LM);
generator-nll (the generator's own log-probs, recorded by `rankkit generate`);
exec-agreement, doctest (execution on inputs); codet, test-vote, b4 (execution on generated tests); self-consistency; ensemble; verifier (learned, LEVER-style). Plug-ins register with
``@register_ranker`` or the ``rankkit.rankers`` entry point; ``check_ranker`` checks one.
"""

from rankkit.rankers.base import FREE, Ranker, RankerCost, oriented
from rankkit.rankers.baselines import LengthRanker, OracleRanker, RandomRanker
from rankkit.rankers.conformance import ConformanceError, check_ranker
from rankkit.rankers.doctests import DoctestRanker
from rankkit.rankers.ensemble import EnsembleRanker
from rankkit.rankers.exec_agreement import ExecAgreementRanker
from rankkit.rankers.generator_nll import GeneratorNLLRanker
from rankkit.rankers.nll import NLLRanker, SumLogprobRanker
from rankkit.rankers.registry import (
    ENTRY_POINT_GROUP,
    available_rankers,
    get_ranker,
    make_ranker,
    parse_ranker_spec,
    register_ranker,
    unregister_ranker,
)
from rankkit.rankers.reviewer import CoderReviewerRanker, ReviewerRanker
from rankkit.rankers.self_consistency import SelfConsistencyRanker
from rankkit.rankers.verdicts import B4Ranker, CodeTRanker, TestVoteRanker, TestsRanker
from rankkit.rankers.verifier import VerifierRanker
from rankkit.dumps.view import ProblemView, view_for

__all__ = [
    "B4Ranker", "ENTRY_POINT_GROUP", "FREE", "TestVoteRanker", "TestsRanker", "ProblemView", "unregister_ranker", "view_for", "CodeTRanker", "CoderReviewerRanker", "ConformanceError", "DoctestRanker", "EnsembleRanker",
    "ExecAgreementRanker", "GeneratorNLLRanker", "LengthRanker", "NLLRanker", "OracleRanker", "RandomRanker", "Ranker", "RankerCost",
    "ReviewerRanker", "SelfConsistencyRanker", "SumLogprobRanker", "VerifierRanker", "available_rankers", "check_ranker", "get_ranker",
    "make_ranker", "oriented", "parse_ranker_spec", "register_ranker",
]
