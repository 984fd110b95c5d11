"""rankkit: rank and verify sampled code generations under a compute budget."""

__version__ = "0.1.0"

from rankkit.dumps import Dump, DumpError, TaskSamples, load_dump, write_jsonl, write_released  # noqa: E402
from rankkit.scoring import pass_at_k, rank_score_at_k  # noqa: E402

__all__ = [
    "Dump", "DumpError", "TaskSamples", "__version__", "load_dump", "pass_at_k", "rank_score_at_k",
    "write_jsonl", "write_released",
]
