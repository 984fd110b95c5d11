"""The conformance check every ranker (built-in or plug-in) must pass.

    from rankkit.rankers import check_ranker
    check_ranker(MyRanker())        # in a test: raises ConformanceError listing every failure

It scores a few real problems of the bundled demo dump plus awkward cases (empty, duplicate and
unparsable generations, a single sample), and checks the interface, the shapes, determinism,
that ``score_many`` agrees with ``score``, that the inputs are left alone and that the unit-test
labels are not read (unless the ranker declares ``uses_labels``). Learned rankers are fitted
on other problems first.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from rankkit.dumps import TaskSamples
from rankkit.rankers.base import Ranker, RankerCost


class ConformanceError(AssertionError):
    """A ranker broke the contract; ``failures`` lists what."""

    def __init__(self, name: str, failures: list[str]):
        self.failures = failures
        super().__init__(f"ranker {name!r} fails {len(failures)} conformance check(s):\n- " + "\n- ".join(failures))


def sample_problems(problems: int = 3, samples: int = 8) -> list[TaskSamples]:
    """A few labelled demo-dump problems, and one of awkward generations."""
    from rankkit.dumps import load_dump
    from rankkit.paths import data_file

    dump = load_dump(data_file("humaneval_codegen16b_codet.json.gz")).head(problems)
    out = [_subset(t, range(min(samples, len(t)))) for t in dump]
    first = out[0]
    odd = ["", first.generations[0], first.generations[0], "    return (\n", "    pass\n", "\t\u00e9\u4e2d\n" * 3]
    out.append(TaskSamples(first.task_id, first.prompt, odd, np.zeros(len(odd), dtype=np.int8),
                           np.ones(len(odd), dtype=bool), {}))
    out.append(_subset(out[1], [0]))
    return out


def _subset(task: TaskSamples, index) -> TaskSamples:
    index = list(index)
    fields = {k: [v[i] for i in index] for k, v in task.fields.items()}
    finished = None if task.finished is None else task.finished[index]
    return TaskSamples(task.task_id, task.prompt, [task.generations[i] for i in index], task.labels[index],
                       finished, fields)


def _with_labels(task: TaskSamples, labels) -> TaskSamples:
    return TaskSamples(task.task_id, task.prompt, list(task.generations), np.asarray(labels, dtype=np.int8),
                       task.finished, dict(task.fields))


def check_ranker(ranker: Ranker | str, problems: list[TaskSamples] | None = None) -> dict:
    """Run every check; return a summary, or raise ConformanceError naming each failure."""
    if isinstance(ranker, str):
        from rankkit.rankers.registry import make_ranker

        ranker = make_ranker(ranker)
    name = str(getattr(ranker, "name", type(ranker).__name__))
    failures: list[str] = []
    fail = failures.append

    if not isinstance(getattr(ranker, "name", None), str) or not ranker.name:
        fail("`name` must be a non-empty string")
    for flag in ("higher_is_better", "uses_labels", "learned", "cacheable"):
        if not isinstance(getattr(ranker, flag, None), bool):
            fail(f"`{flag}` must be a bool (subclass rankkit.rankers.Ranker for the defaults)")
    for method in ("score", "score_many", "fit"):
        if not callable(getattr(ranker, method, None)):
            fail(f"`{method}` must be callable")
    cost = getattr(ranker, "cost", None)
    if cost is not None and not (isinstance(cost, RankerCost) and all(
            math.isfinite(v) and v >= 0 for v in (cost.flops_per_sample, cost.seconds_per_sample))):
        fail(f"`cost` must be None or a RankerCost of finite values >= 0, got {cost!r}")
    if failures:
        raise ConformanceError(name, failures)

    problems = problems or sample_problems()
    if ranker.learned:
        train = sample_problems(problems=8)[3:8]
        try:
            ranker.fit(train, [t.generations for t in train], [t.labels.copy() for t in train])
        except Exception as e:
            raise ConformanceError(name, [f"fit(...) raised {type(e).__name__}: {e}"]) from e

    def run(task):
        try:
            return np.asarray(ranker.score(task, task.generations), dtype=np.float64), None
        except Exception as e:  # reported, not raised: the check lists every failure
            return None, f"score(...) raised {type(e).__name__}: {e} (task {task.task_id}, {len(task)} samples)"

    first_scores = []
    for task in problems:
        before = (list(task.generations), task.labels.copy(), task.prompt)
        scores, error = run(task)
        if error:
            fail(error)
            first_scores.append(None)
            continue
        first_scores.append(scores)
        n = len(before[0])
        where = f"task {task.task_id} ({n} samples)"
        if (list(task.generations), task.prompt) != before[::2] or not np.array_equal(task.labels, before[1]):
            fail(f"{where}: score(...) modified its inputs")
            continue
        if scores.shape != (n,):
            fail(f"{where}: returned shape {scores.shape}, expected ({n},)")
            continue
        if np.isnan(scores).any():
            fail(f"{where}: returned NaN at sample {int(np.flatnonzero(np.isnan(scores))[0])}")
        again, error = run(copy.deepcopy(task))
        if error or not np.array_equal(again, scores, equal_nan=True):
            fail(f"{where}: scoring twice gave different scores (rankers must be deterministic; seed them)")
        if not ranker.uses_labels:
            for labels in (1 - task.labels.clip(0, 1), np.full(len(task), -1)):
                other, error = run(_with_labels(task, labels))
                if error or not np.array_equal(other, scores, equal_nan=True):
                    fail(f"{where}: scores change with the unit-test labels, which a ranker must not read "
                         f"(set uses_labels = True if it is an oracle)")
                    break
    try:
        many = ranker.score_many(problems, [t.generations for t in problems])
        for task, single, batch in zip(problems, first_scores, many):
            if single is not None and not np.array_equal(np.asarray(batch, dtype=np.float64), single, equal_nan=True):
                fail(f"task {task.task_id}: score_many(...) differs from score(...)")
                break
        if len(many) != len(problems):
            fail(f"score_many(...) returned {len(many)} arrays for {len(problems)} problems")
    except Exception as e:
        fail(f"score_many(...) raised {type(e).__name__}: {e}")
    if failures:
        raise ConformanceError(name, failures)
    return {"ranker": name, "problems": len(problems), "samples": sum(len(t) for t in problems), "passed": True}
