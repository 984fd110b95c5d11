"""The skeleton every long job shares: which problems this process owns, one file per finished
problem in ``OUTPUT.parts/`` (written atomically, so a kill loses at most the problem in
flight), a job identity that refuses to mix two jobs' parts, and the check before merging."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from rankkit.errors import InputError


class PartsExistError(InputError, FileExistsError):
    """The output's parts folder holds results and resuming was not asked for."""


def parse_shard(text: str | None) -> tuple[int, int]:
    """'i/N' -> (i, N); None -> from accelerate/torchrun's RANK and WORLD_SIZE, else (0, 1)."""
    if text is None:
        return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise InputError(f"shard takes i/N (e.g. 0/4), got {text!r}", param="shard") from None
    if not (n >= 1 and 0 <= i < n):
        raise InputError(f"shard {text}: need 0 <= i < N", param="shard")
    return i, n


def choose_device(device: str | None) -> str | None:
    """The device asked for; else, in a torchrun/accelerate process with CUDA, cuda:LOCAL_RANK;
    else None (the loader's own default)."""
    if device is not None or "LOCAL_RANK" not in os.environ:
        return device
    import torch

    return f"cuda:{os.environ['LOCAL_RANK']}" if torch.cuda.is_available() else None


def shard_groups(count: int, group: int, shard: tuple[int, int]) -> list[list[int]]:
    """This shard's groups of dump positions: fixed groups of ``group`` consecutive problems (so
    a problem is computed in the same batch however a job is split), every N-th from the i-th."""
    if group < 1:
        raise InputError(f"group must be >= 1, got {group}", param="group")
    groups = [list(range(g, min(g + group, count))) for g in range(0, count, group)]
    return groups[shard[0]::shard[1]]


class JobParts:
    """``OUTPUT.parts/``: one ``task-NNNNNN.jsonl`` per finished problem (by dump position) and a
    ``job.json`` naming the job, so a resumed or sharded run adds to the right job only."""

    def __init__(self, output: str | Path, job: dict):
        self.output = Path(output)
        self.dir = self.output.with_name(self.output.name + ".parts")
        self.job = job

    def path(self, position: int) -> Path:
        return self.dir / f"task-{position:06d}.jsonl"

    def done(self) -> set[int]:
        if not self.dir.is_dir():
            return set()
        return {int(p.stem.split("-")[1]) for p in self.dir.glob("task-*.jsonl")}

    def open(self, positions: Iterable[int], resume: bool) -> list[int]:
        """Claim the job's folder; return the positions of ``positions`` still to do."""
        positions = list(positions)
        done = self.done()
        if done and not resume and any(p in done for p in positions):
            raise PartsExistError(f"{self.dir} already holds results: resume the job, or remove the folder",
                                  param="resume", example="True")
        self.dir.mkdir(parents=True, exist_ok=True)
        job_file = self.dir / "job.json"
        if job_file.exists():
            previous = json.loads(job_file.read_text(encoding="utf-8"))
            if previous != self.job:
                raise InputError(f"{self.dir} belongs to another job ({previous}); remove it or choose another "
                                 f"output", param="output")
        else:
            job_file.write_text(json.dumps(self.job) + "\n", encoding="utf-8")
        return [p for p in positions if p not in done]

    def write(self, position: int, records: Iterable[dict]) -> None:
        """One problem's records, atomically (a temporary file fsync'ed, then renamed)."""
        tmp = self.dir / f".task-{position:06d}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path(position))

    def read(self, position: int) -> list[dict]:
        return [json.loads(line) for line in self.path(position).read_text(encoding="utf-8").splitlines()]

    def read_task(self, position: int, task_id: str, samples: int | None = None) -> list[dict]:
        """One problem's records, checked before merging: all of ``task_id``, sample indices
        0..n-1 each once (n = ``samples`` when the dump fixes it, else at least one)."""
        rows = self.read(position)
        n = len(rows) if samples is None else samples
        if not rows or [r["sample_index"] for r in rows] != list(range(n)) or any(r["task_id"] != task_id for r in rows):
            raise InputError(f"{self.path(position)}: does not hold samples 0..{max(n - 1, 0)} of {task_id}")
        return rows

    def complete(self, problems: int) -> bool:
        return len(self.done()) == problems

    def merged_before(self, recorded_job: dict | None) -> bool:
        """On resume: True when OUTPUT was already merged by this very job (``recorded_job``: the
        job the output says made it) and no parts are pending, so there is nothing to do; an
        OUTPUT that another job made is refused, never silently overwritten."""
        if not self.output.exists() or self.dir.exists():
            return False
        if recorded_job != self.job:
            raise InputError(f"{self.output} belongs to another job ({recorded_job}); remove it or choose another "
                             f"output", param="output")
        return True

    def remove(self) -> None:
        """After the merge: the parts are in OUTPUT (whose metadata names the job), so the folder goes."""
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)
