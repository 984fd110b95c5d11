"""The conformance check every ranker (built-in or plug-in) must pass.

    from rankkit.rankers import check_ranker
    check_ranker(MyRanker())        # in a test: raises ConformanceError listing every failure

It scores a few real problems of the bundled demo dump plus awkward cases (empty, duplicate and
unparsable generations, a single sample), and checks the interface, the shapes, determinism,
that ``score_many`` agrees with ``score``, that the inputs are left alone and that the unit-test
labels are not read (rankers get label-free views, as in evaluation, unless they declare
``uses_labels``). Learned rankers are fitted on other problems first.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from rankkit.dumps import TaskSamples
from rankkit.rankers.base import Ranker, RankerCost
from rankkit.dumps.view import view_for


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
    out = [t.subset(range(min(samples, len(t)))) for t in dump]
    first = out[0]
    odd = ["", first.generations[0], first.generations[0], "    return (\n", "    pass\n", "\t\u00e9\u4e2d\n" * 3]
    out.append(TaskSamples(first.task_id, first.prompt, odd, np.zeros(len(odd), dtype=np.int8),
                           np.ones(len(odd), dtype=bool), {}))
    out.append(out[1].subset([0]))
    return out


DECOY_FIELD = "seconds"  # how long the unit tests ran: a field that tracks the verdict


def with_decoy(task: TaskSamples) -> TaskSamples:
    """The task with a field that encodes its labels, declared public as a careless dump might:
    a ranker whose scores follow it would leak the verdicts through any such field."""
    labels = np.asarray(task.labels)
    decoy = [float(0.01 + 3.0 * (v == 0)) for v in labels]
    fields = {**{k: list(v) for k, v in task.fields.items()}, DECOY_FIELD: decoy}
    return TaskSamples(task.task_id, task.prompt, list(task.generations), labels.copy(),
                       None if task.finished is None else task.finished.copy(), fields,
                       tuple(dict.fromkeys((*task.public, DECOY_FIELD))))


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
    measure = getattr(ranker, "measured_cost", None)
    if measure is not None and not callable(measure):
        fail("`measured_cost` must be a method returning None or a RankerCost")
    if failures:
        raise ConformanceError(name, failures)

    problems = problems or sample_problems()
    if not ranker.uses_labels:
        problems = [with_decoy(t) for t in problems]
    if ranker.learned:
        train = sample_problems(problems=8)[3:8]
        try:
            views = [view_for(ranker, t) for t in train]
            ranker.fit(views, [v.generations for v in views], [t.labels.copy() for t in train])
        except Exception as e:
            raise ConformanceError(name, [f"fit(...) raised {type(e).__name__}: {e}"]) from e

    seen = {}

    def run(task):
        view = view_for(ranker, task)  # what evaluation hands the ranker: no labels unless uses_labels
        seen["view"] = view
        try:
            return np.asarray(ranker.score(view, view.generations), dtype=np.float64), None
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
        view = seen["view"]
        if ((list(task.generations), task.prompt) != before[::2] or not np.array_equal(task.labels, before[1])
                or (list(view.generations), view.prompt) != before[::2]):
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
                other, error = run(with_decoy(task.with_labels(labels)))
                if error or not np.array_equal(other, scores, equal_nan=True):
                    fail(f"{where}: scores change with the unit-test labels or with a field that encodes them "
                         f"({DECOY_FIELD!r}, declared public), which a ranker must not follow: read only the "
                         f"fields you know (set uses_labels = True if it is an oracle)")
                    break
    try:
        views = [view_for(ranker, t) for t in problems]
        many = ranker.score_many(views, [v.generations for v in views])
        for task, single, batch in zip(problems, first_scores, many):
            if single is not None and not np.array_equal(np.asarray(batch, dtype=np.float64), single, equal_nan=True):
                fail(f"task {task.task_id}: score_many(...) differs from score(...)")
                break
        if len(many) != len(problems):
            fail(f"score_many(...) returned {len(many)} arrays for {len(problems)} problems")
    except Exception as e:
        fail(f"score_many(...) raised {type(e).__name__}: {e}")
    if callable(measure):
        measured = measure()
        if measured is not None and not (isinstance(measured, RankerCost) and all(
                math.isfinite(v) and v >= 0 for v in (measured.flops_per_sample, measured.seconds_per_sample))):
            fail(f"measured_cost() must return None or a RankerCost of finite values >= 0, got {measured!r}")
    if failures:
        raise ConformanceError(name, failures)
    return {"ranker": name, "problems": len(problems), "samples": sum(len(t) for t in problems), "passed": True}
