"""rankkit: rank and verify sampled code generations under a compute budget.

The names most users need are here; everything else lives in its module::

    import rankkit
    dump = rankkit.load_dump("samples.json")
    report = rankkit.evaluate(dump, rankkit.resolve_series(dump, ["nll", "codet"]), ks=[1, 10, 100])
"""

__version__ = "0.1.0"

from rankkit.dumps import Dump, DumpError, TaskSamples, load_dump, open_dump, write_jsonl, write_released  # noqa: E402
from rankkit.errors import RankkitError  # noqa: E402
from rankkit.scoring import pass_at_k, rank_score_at_k  # noqa: E402

# Imported on first use: they pull in the rankers, the sandbox and (for LM rankers) torch.
_LAZY = {
    "evaluate": "rankkit.evaluation", "Report": "rankkit.evaluation", "resolve_series": "rankkit.evaluation",
    "score_dump": "rankkit.evaluation", "Budget": "rankkit.evaluation", "Scores": "rankkit.evaluation",
    "Ranker": "rankkit.rankers", "RankerCost": "rankkit.rankers", "register_ranker": "rankkit.rankers",
    "make_ranker": "rankkit.rankers", "get_ranker": "rankkit.rankers", "available_rankers": "rankkit.rankers",
    "check_ranker": "rankkit.rankers", "ProblemView": "rankkit.rankers",
    "write_report": "rankkit.report", "write_table": "rankkit.report",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rankkit' has no attribute {name!r}")


__all__ = [
    "Dump", "DumpError", "RankkitError", "TaskSamples", "__version__", "load_dump", "open_dump", "pass_at_k",
    "rank_score_at_k",
    "write_jsonl", "write_released", *_LAZY,
]
