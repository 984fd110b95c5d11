"""The data model of sample dumps: every problem's samples in dump order, with optional labels,
``finished`` flags and other per-sample fields; errors that name the file, task and sample."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rankkit.errors import InputError

UNKNOWN, FAIL, PASS = -1, 0, 1
GENERATION_KEYS = ("generation", "completion", "solution")


class DumpError(InputError):
    """Bad input in a dump, located by file, task and sample where known."""

    def __init__(self, path, message: str, task_id=None, sample_index=None, line=None):
        self.path, self.task_id, self.sample_index, self.line = str(path), task_id, sample_index, line
        where = [self.path]
        if line is not None:
            where.append(f"line {line}")
        if task_id is not None:
            where.append(f"task {task_id}")
        if sample_index is not None:
            where.append(f"sample {sample_index}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class TaskSamples:
    """All samples of one problem, in dump order (index i is sample i)."""

    task_id: str
    prompt: str | None
    generations: list[str]
    labels: np.ndarray  # int8 per sample: 1 passed, 0 failed, -1 unknown
    finished: np.ndarray | None = None  # bool per sample, None when the dump does not say
    fields: dict[str, list] = field(default_factory=dict)  # other per-sample fields (None = absent)
    public: tuple[str, ...] = ()  # fields beyond a generator's own that the dump declares label-free

    def __post_init__(self):
        n = len(self.generations)
        self.labels = np.asarray(self.labels, dtype=np.int8)
        if self.labels.shape != (n,):
            raise ValueError(f"task {self.task_id}: {n} generations but labels of shape {self.labels.shape}")
        if self.finished is not None:
            self.finished = np.asarray(self.finished, dtype=bool)
            if self.finished.shape != (n,):
                raise ValueError(f"task {self.task_id}: finished flags do not match {n} generations")
        for name, values in self.fields.items():
            if len(values) != n:
                raise ValueError(f"task {self.task_id}: field {name!r} has {len(values)} values for {n} samples")

    def __len__(self) -> int:
        return len(self.generations)

    @property
    def is_labelled(self) -> bool:
        return bool(np.all(self.labels != UNKNOWN))

    def subset(self, index) -> "TaskSamples":
        """The samples at ``index`` (positions, in the order given), with all their fields."""
        index = [int(i) for i in index]
        return TaskSamples(self.task_id, self.prompt, [self.generations[i] for i in index], self.labels[index],
                           None if self.finished is None else self.finished[index],
                           {k: [v[i] for i in index] for k, v in self.fields.items()}, self.public)

    def with_labels(self, labels) -> "TaskSamples":
        """The same samples under other labels (a copy; this task is left alone)."""
        return TaskSamples(self.task_id, self.prompt, list(self.generations), np.asarray(labels, dtype=np.int8),
                           None if self.finished is None else self.finished.copy(),
                           {k: list(v) for k, v in self.fields.items()}, self.public)

    def passed(self) -> np.ndarray:
        """Labels as a bool array; raises if any sample is unlabelled."""
        missing = np.flatnonzero(self.labels == UNKNOWN)
        if missing.size:
            raise InputError(f"task {self.task_id}: sample {int(missing[0])} has no label "
                             f"({missing.size} unlabelled); run `rankkit execute` first")
        return self.labels == PASS


@dataclass
class Dump:
    """Problems in dump order, each with its samples; ``metadata`` records provenance."""

    tasks: dict[str, TaskSamples]
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[TaskSamples]:
        return iter(self.tasks.values())

    def __getitem__(self, task_id: str) -> TaskSamples:
        return self.tasks[task_id]

    @property
    def n_samples(self) -> int:
        return sum(len(t) for t in self.tasks.values())

    def head(self, problems: int) -> "Dump":
        """The first ``problems`` problems (all their samples), e.g. for a quick run."""
        if problems < 1:
            raise ValueError("the number of problems must be >= 1")
        keep = dict(list(self.tasks.items())[:problems])
        return Dump(keep, self.source, {**self.metadata, "head": problems})

    def fingerprint(self) -> str:
        """Identifies the samples (task ids, prompts, texts; not the labels), so that stored
        scores or partial results are never applied to another dump."""
        h = hashlib.sha256()
        for task in self:
            h.update(f"{task.task_id}\0{len(task)}\0{task.prompt}\0".encode("utf-8", "surrogatepass"))
            for g in task.generations:
                h.update(g.encode("utf-8", "surrogatepass") + b"\0")
        return h.hexdigest()[:32]

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(n, c): samples and passing samples per problem, in dump order."""
        n = np.array([len(t) for t in self], dtype=np.int64)
        c = np.array([int(t.passed().sum()) for t in self], dtype=np.int64)
        return n, c


def provenance_path(path: str | Path) -> Path:
    """``DUMP.meta.json``: how a dump was made (model, settings, seeds), kept beside it."""
    path = Path(path)
    return path.with_name(path.name + ".meta.json")


def attach_problems(dump: "Dump", problems) -> None:
    """Check ``dump``'s task ids against a benchmark's problems (task_id -> Problem, or a lookup
    raising KeyError) and fill in the prompts it lacks; an unknown id is a DumpError."""
    _attach_problems(dump.source, dump.tasks, problems)


def _attach_problems(path, tasks: dict[str, TaskSamples], problems) -> None:
    lookup = problems if callable(problems) else problems.__getitem__
    for task_id, task in tasks.items():
        try:
            problem = lookup(task_id)
        except KeyError:
            raise DumpError(path, "unknown task_id for this benchmark", task_id) from None
        if task.prompt is None:
            task.prompt = problem.prompt
