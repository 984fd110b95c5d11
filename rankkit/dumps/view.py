"""What a ranker sees of a problem: its prompt, texts and generator fields, never the unit tests' verdicts.

Evaluation hands every ranker a ``ProblemView`` (only a ranker that declares ``uses_labels``,
the oracle, gets the labelled ``TaskSamples``); learned rankers get labels solely as the
``labels`` argument of ``fit``. Reading labels from a view raises ``LabelAccessError`` naming
the ranker, so a leak is a loud bug instead of a silently inflated score.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Mapping

import numpy as np

from rankkit.errors import LabelAccessError

# Per-sample fields a generator produces, which say nothing of the unit tests: the only fields a
# ranker sees, besides those a dump declares public (``public_fields`` in DUMP.meta.json). Every
# other field may derive from the tests (a verdict, its detail, how long the tests ran, whether
# they were cached), so it is withheld: an allowlist, not a list of known verdict fields.
GENERATOR_FIELDS = frozenset({
    "generated_tokens", "sum_logprob", "mean_logprob", "logprob_tokens", "token_logprobs", "logprobs",
    "cumulative_logprob", "stop", "stop_reason", "finish_reason", "reply", "num_tokens", "seed", "temperature",
    "top_p", "top_k", "model", "generator",
})


class ProblemView:
    """A label-free, read-only view of one problem's samples for the ranker named ``ranker``."""

    __slots__ = ("task_id", "prompt", "generations", "finished", "fields", "ranker", "__dict__")

    def __init__(self, task, ranker: str = "ranker"):
        self.task_id: str = task.task_id
        self.prompt: str | None = task.prompt
        self.generations: list[str] = list(task.generations)
        finished = None if task.finished is None else np.array(task.finished, dtype=bool)
        if finished is not None:
            finished.setflags(write=False)
        self.finished: np.ndarray | None = finished
        public = GENERATOR_FIELDS.union(getattr(task, "public", ()))
        self.fields: dict[str, list] = {k: list(v) for k, v in task.fields.items() if k in public}
        self.ranker = ranker

    def __len__(self) -> int:
        return len(self.generations)

    @cached_property
    def metadata(self) -> Mapping[str, Any]:
        """The benchmark's public facts about the task (benchmark, entry point, stop sequences,
        instruction) when its id is a HumanEval/MBPP one; never its tests or reference solution."""
        from rankkit.tasks import public_metadata

        return public_metadata(self.task_id)

    def _refuse(self, what: str):
        raise LabelAccessError(
            f"ranker {self.ranker!r} read the unit-test labels ({what}) of task {self.task_id}: rankers see "
            f"problems without labels; only a ranker that declares uses_labels = True (an oracle) gets them, "
            f"and a learned ranker gets them as the labels argument of fit(...)")

    @property
    def labels(self):
        self._refuse("labels")

    @property
    def is_labelled(self):
        self._refuse("is_labelled")

    def passed(self):
        self._refuse("passed()")

    def __repr__(self) -> str:
        return f"ProblemView({self.task_id!r}, {len(self)} samples, for ranker {self.ranker!r})"


def view_for(ranker, task):
    """What ``ranker`` may see of ``task``: the task itself for an oracle, else a label-free view."""
    if getattr(ranker, "uses_labels", False):
        return task
    if isinstance(task, ProblemView):
        return task
    return ProblemView(task, str(getattr(ranker, "name", type(ranker).__name__)))
