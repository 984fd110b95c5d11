"""Live ranker scores cached on disk, one append-only JSONL file per (ranker spec, dump).

The file name hashes the spec, the ranker's ``version`` and the dump's fingerprint (task ids,
prompts, texts), so scores are never applied to other samples or reused after a ranker changed. Each line holds one problem's scores as the ranker returned
them, written as problems finish: a killed run resumes with the problems it has (a torn last
line is ignored). Learned and instant rankers are not cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from rankkit.dumps import Dump
from rankkit.paths import cache_dir
from rankkit.rankers.base import RankerCost


def default_score_cache_dir() -> Path:
    return cache_dir() / "scores"


class ScoreCache:
    """Scores of one ranker spec on one dump: ``load()`` what is there, ``append()`` more."""

    def __init__(self, directory: str | Path, spec: str, dump: Dump, version: str = ""):
        self.spec, self.fingerprint = f"{spec}@{version}" if version else spec, dump.fingerprint()
        key = hashlib.sha256(f"{self.spec}\0{self.fingerprint}".encode()).hexdigest()[:20]
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", spec)[:60]
        self.path = Path(directory) / f"{slug}-{key}.jsonl"
        self.cost: RankerCost | None = None

    def load(self) -> dict[str, np.ndarray]:
        """task_id -> scores already stored; ``cost`` becomes the stored cost per sample (the
        sample-weighted mean over the stored problems), or None."""
        out: dict[str, np.ndarray] = {}
        costs: dict[str, tuple[list, int]] = {}
        if not self.path.exists():
            return out
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line torn by a kill; its problem is scored again
                if row.get("spec") != self.spec or row.get("dump") != self.fingerprint:
                    continue
                out[row["task_id"]] = np.array(row["scores"], dtype=np.float64)
                if row.get("cost") is not None:
                    costs[row["task_id"]] = (row["cost"], len(row["scores"]))
                else:
                    costs.pop(row["task_id"], None)
        total = sum(n for _, n in costs.values())
        if total and len(costs) == len(out):
            self.cost = RankerCost(sum(c[0] * n for c, n in costs.values()) / total,
                                   sum(c[1] * n for c, n in costs.values()) / total)
        return out

    def append(self, task_ids, scores, cost: RankerCost | None = None) -> None:
        """Store problems' scores with the ranker's cost per sample at the time (None: unknown)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cost_row = None if cost is None else [cost.flops_per_sample, cost.seconds_per_sample]
        torn = False
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            if torn:
                fh.write("\n")  # end a line torn by a kill, so the next one stays whole
            for task_id, s in zip(task_ids, scores):
                fh.write(json.dumps({"spec": self.spec, "dump": self.fingerprint, "task_id": task_id,
                                     "scores": [float(v) for v in s], "cost": cost_row}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
