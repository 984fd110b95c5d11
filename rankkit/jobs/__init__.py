"""Jobs that run for hours (``score-nll``, ``generate``, ``profile``, ``inputs``, ``tests``): per-problem parts written
atomically, resume after a kill, shards by RANK/WORLD_SIZE or ``--shard i/N``, merge, device
choice and progress. They sit beside the rankers, not inside them."""

from rankkit.jobs.parts import JobParts, choose_device, parse_shard
from rankkit.jobs.score_nll import merge_parts, score_dump_nll

__all__ = ["JobParts", "choose_device", "merge_parts", "parse_shard", "score_dump_nll"]
