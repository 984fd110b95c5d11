"""Rankers: the interface, the registry, and the built-in rankers."""

from rankkit.rankers.base import Ranker, RankerCost, oriented
from rankkit.rankers.baselines import LengthRanker, OracleRanker, RandomRanker
from rankkit.rankers.nll import NLLRanker, SumLogprobRanker
from rankkit.rankers.registry import ENTRY_POINT_GROUP, available_rankers, get_ranker, register_ranker

__all__ = [
    "ENTRY_POINT_GROUP", "LengthRanker", "NLLRanker", "SumLogprobRanker", "OracleRanker", "RandomRanker", "Ranker", "RankerCost",
    "available_rankers", "get_ranker", "oriented", "register_ranker",
]
