"""Live ranker scores cached on disk, one append-only JSONL file per (ranker identity, dump).

The file name hashes the ranker's full identity (``ranker_identity``: class, version, resolved
parameters, fingerprints of the files and model it reads, dtype and device) and the dump's
fingerprint (task ids, prompts, texts), so scores are never applied to other samples, nor reused
after a ranker, its model or its inputs changed. Each line holds one problem's scores as the
ranker returned them, and the cost of scoring them as totals (FLOPs, seconds), written as
problems finish: a killed run resumes with the problems it has (a torn last line is ignored)
and its cost per sample is the same as an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from rankkit.dumps import Dump
from rankkit.fingerprint import digest
from rankkit.paths import cache_dir


def default_score_cache_dir() -> Path:
    return cache_dir() / "scores"


class ScoreCache:
    """Scores of one ranker (by identity) on one dump: ``load()`` what is there, ``append()`` more."""

    def __init__(self, directory: str | Path, identity: dict, dump: Dump, label: str = ""):
        self.identity, self.fingerprint = identity, dump.fingerprint()
        self.key = digest({"ranker": identity, "dump": self.fingerprint})
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", label or str(identity.get("name", "ranker")))[:60]
        self.path = Path(directory) / f"{slug}-{self.key}.jsonl"
        self.totals: dict[str, tuple[float, float]] | None = None  # task_id -> (FLOPs, seconds)
        self.machines: set[str] = set()  # where the stored costs were measured

    def load(self) -> dict[str, np.ndarray]:
        """task_id -> scores already stored; ``totals`` becomes task_id -> the stored cost of
        scoring that problem (FLOPs, seconds), or None when some stored problem has none."""
        out: dict[str, np.ndarray] = {}
        totals: dict[str, tuple[float, float]] = {}
        if not self.path.exists():
            return out
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line torn by a kill; its problem is scored again
                if row.get("key") != self.key:
                    continue
                out[row["task_id"]] = np.array(row["scores"], dtype=np.float64)
                if row.get("cost_total") is not None:
                    totals[row["task_id"]] = tuple(row["cost_total"])
                    if row.get("machine"):
                        self.machines.add(row["machine"])
                else:
                    totals.pop(row["task_id"], None)
        self.totals = totals if len(totals) == len(out) else None
        return out

    def append(self, task_ids, scores, totals=None, machine: str | None = None) -> None:
        """Store problems' scores with what scoring each cost in total ((FLOPs, seconds) per
        problem; None: unknown) and the machine that measured it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = False
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
        totals = list(totals) if totals is not None else [None] * len(task_ids)
        with open(self.path, "a", encoding="utf-8") as fh:
            if torn:
                fh.write("\n")  # end a line torn by a kill, so the next one stays whole
            for task_id, s, total in zip(task_ids, scores, totals):
                fh.write(json.dumps({"key": self.key, "task_id": task_id, "scores": [float(v) for v in s],
                                     "cost_total": None if total is None else [float(total[0]), float(total[1])],
                                     "machine": machine}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
