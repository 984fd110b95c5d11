"""Live ranker scores cached on disk, one append-only JSONL file per (ranker identity, dump).

The file name hashes the ranker's full identity (``ranker_identity``: class, version, resolved
parameters, fingerprints of the files and model it reads, dtype and device) and the dump's
fingerprint (task ids, prompts, texts), so scores are never applied to other samples, nor reused
after a ranker, its model or its inputs changed. Each line holds one problem's scores as the
ranker returned them, written a batch at a time with the batch's measured cost (FLOPs,
seconds): a killed run resumes with the whole batches it has (a torn batch is scored again)
and its cost per sample is the same as an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import re
import uuid
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
        self.totals: list[tuple[float, float, int] | None] = []  # per stored batch: FLOPs, seconds, samples
        self.machines: set[str] = set()  # where the stored costs were measured

    def load(self) -> dict[str, np.ndarray]:
        """task_id -> scores already stored. Problems are stored in batches with the batch's
        measured cost; a batch cut short by a kill is dropped whole (its problems are scored
        again), so ``totals`` — (FLOPs, seconds, samples) per stored batch, or None where a batch
        had no cost — adds up exactly what the stored scores cost."""
        rows: dict[str, list[dict]] = {}
        if not self.path.exists():
            self.totals = []
            return {}
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line torn by a kill
                if row.get("key") == self.key:
                    rows.setdefault(row.get("batch", ""), []).append(row)
        out: dict[str, np.ndarray] = {}
        self.totals = []
        for batch in rows.values():
            if len(batch) != batch[0].get("batch_problems", len(batch)):
                continue  # cut short: scored again
            for row in batch:
                out[row["task_id"]] = np.array(row["scores"], dtype=np.float64)
            total = batch[0].get("cost_total")
            self.totals.append(None if total is None else (float(total[0]), float(total[1]),
                                                           sum(len(r["scores"]) for r in batch)))
            if total is not None and batch[0].get("machine"):
                self.machines.add(batch[0]["machine"])
        return out

    def append(self, task_ids, scores, total=None, machine: str | None = None) -> None:
        """Store one batch of problems' scores with what scoring the batch cost in total
        ((FLOPs, seconds); None: unknown) and the machine that measured it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        torn = False
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
        batch = uuid.uuid4().hex[:16]
        cost = None if total is None else [float(total[0]), float(total[1])]
        with open(self.path, "a", encoding="utf-8") as fh:
            if torn:
                fh.write("\n")  # end a line torn by a kill, so the next one stays whole
            for task_id, s in zip(task_ids, scores):
                fh.write(json.dumps({"key": self.key, "task_id": task_id, "scores": [float(v) for v in s],
                                     "batch": batch, "batch_problems": len(task_ids), "cost_total": cost,
                                     "machine": machine}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
