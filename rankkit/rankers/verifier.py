"""The learned verifier as a ranker: ``verifier`` (trained inside the evaluation, cross-fitted by
problem) or ``verifier:DIR`` (a saved one, e.g. from ``rankkit verifier train``)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.errors import InputError
from rankkit.rankers.base import Ranker
from rankkit.rankers.registry import register_ranker

DEFAULT_LM = "smollm2-135m"


@register_ranker("verifier")
class VerifierRanker(Ranker):
    """LEVER-style learned verifier: p(correct | problem, program[, execution results on the
    prompt's example inputs, or rankkit's own]); ``verifier`` cross-fits by problem, ``verifier:DIR`` loads one.

    Options: mode (no-exec | exec), backbone (boosting | logistic | lm-head | finetune), lm
    (scoring LM for the NLL features, or none), combine (none | lm: LEVER's + lambda x LM
    log-prob), lm_norm (mean | sum), epochs (finetune); exec mode: inputs (auto: the shown
    examples, rankkit's own where none are shown | prompt | synth: both), examples (auto |
    prompt | benchmark: where shown examples come from).
    """

    name = "verifier"
    version = "1"
    # its costly parts (the LM pass, the executions) have their own caches; scoring it afresh keeps
    # its description (which scored task ids it trained on) true for the dump at hand
    cacheable = False

    def __init__(self, path: str | None = None, mode: str | None = None, backbone: str | None = None,
                 lm: str | None = "default", combine: str | None = None, lm_norm: str | None = None,
                 epochs: float | None = None, workers: int | None = None, seed: int = 0, inputs: str = "auto",
                 examples: str = "auto"):
        from rankkit.paths import cache_dir
        from rankkit.verifier import Verifier

        self.path = None if path in (None, "") else str(path)
        if self.path is not None:
            if combine is not None or lm_norm is not None or epochs is not None or (inputs, examples) != ("auto", "auto"):
                raise InputError("a saved verifier keeps the combine, lm_norm, epochs and inputs it was trained with: "
                                 "give only mode, backbone or lm to check them", param="rankers")
            self.verifier = Verifier.load(self.path, mode=mode, backbone=backbone,
                                          lm=("unset" if lm == "default" else lm), cache_dir=cache_dir(),
                                          workers=workers)
            self.learned = False
        else:
            options = {"epochs": epochs} if epochs is not None else {}
            self.verifier = Verifier(mode=mode or "no-exec", backbone=backbone or "boosting",
                                     lm=DEFAULT_LM if lm == "default" else lm, combine=combine or "none",
                                     lm_norm=lm_norm or "mean", seed=seed, cache_dir=cache_dir(), workers=workers,
                                     backbone_options=options, inputs=inputs, examples=examples)
            self.learned = True
        self.seen_tasks: set[str] = set()  # scored problems whose task ids the saved verifier trained on
        self.scored_tasks: set[str] = set()

    def describe(self) -> str:
        """What made the numbers: mode, backbone, LM, combination; for a saved verifier what it
        was trained on (the transfer setting when applied to other samples)."""
        text = self.verifier.describe()
        if self.path is None:
            return text + ", cross-fitted by problem"
        trained = self.verifier.manifest.get("training") or []
        sources = ", ".join(sorted({str(t.get("generator") or Path(str(t.get("path"))).name) for t in trained})) \
            or "unknown dumps"
        text += f", loaded from {self.path} (trained on {sources}; transfer"
        if self.scored_tasks:
            text += f": {len(self.seen_tasks)} of {len(self.scored_tasks)} scored problems' task ids were in its training"
        return text + ")"

    def fit(self, problems, generations, labels):
        self.verifier.fit(problems, generations, labels)
        return self

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return self.score_many([problem], [generations])[0]

    def score_many(self, problems, generations):
        if self.path is not None:
            from rankkit.verifier.features import problem_key

            trained_keys, trained_tasks = set(self.verifier.trained_problems), set(self.verifier.trained_tasks)
            for p, g in zip(problems, generations):
                if problem_key(p, g) in trained_keys:
                    raise InputError(f"task {p.task_id}: the verifier in {self.path} was trained on these very "
                                     f"samples and labels; rank them with --ranker verifier (cross-fitted) instead")
                self.scored_tasks.add(str(p.task_id))
                if str(p.task_id) in trained_tasks:
                    self.seen_tasks.add(str(p.task_id))
        return self.verifier.rank_scores(problems, generations)

    def measured_totals(self) -> tuple[float, float, int] | None:
        """The scoring LM's pass and the classifier's own (FLOPs and seconds), plus sandbox seconds
        in exec mode, over the samples scored so far."""
        t = self.verifier.cost_tally()
        if not t["samples"]:
            return None
        return (t["lm_flops"] + t["own_flops"], t["lm_seconds"] + t["sandbox_seconds"] + t["own_seconds"],
                t["samples"])
