"""Training a verifier on labelled dumps and saving it (what ``rankkit verifier train`` runs)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.errors import InputError


def train_verifier(dumps: Sequence[str | Path], output: str | Path, *, mode: str = "no-exec",
                   backbone: str = "boosting", lm: str | None = "smollm2-135m", combine: str = "none",
                   lm_norm: str = "mean", problems: int | None = None, epochs: float | None = None,
                   seed: int = 0, workers: int | None = None, cache_dir=None, show_progress: bool = True,
                   inputs: str = "auto"):
    """Fit a ``Verifier`` on every labelled sample of ``dumps`` (each cut to its first
    ``problems``) and save it to ``output``; returns the verifier (its ``manifest`` set)."""
    from rankkit.dumps import open_dump
    from rankkit.paths import cache_dir as default_cache
    from rankkit.dumps.view import ProblemView
    from rankkit.verifier.model import Verifier
    from rankkit.verifier.store import dump_fingerprint, read_manifest

    if not dumps:
        raise InputError("give at least one labelled dump to train on", param="dumps")
    verifier = Verifier(mode=mode, backbone=backbone, lm=lm, combine=combine, lm_norm=lm_norm, seed=seed,
                        cache_dir=cache_dir if cache_dir is not None else default_cache(), workers=workers,
                        backbone_options={"epochs": epochs} if epochs is not None else None, inputs=inputs)
    views, labels, training = [], [], []
    for path in dumps:
        dump = open_dump(path, head=problems)
        dump.counts()  # every sample labelled, or an error naming the first that is not
        training.append(dump_fingerprint(path, dump))
        for task in dump:
            views.append(ProblemView(task, "verifier"))
            labels.append(task.passed().astype(np.int8))
    positives = sum(int(l.sum()) for l in labels)
    if positives == 0 or positives == sum(len(l) for l in labels):
        raise InputError(f"the training dumps hold {positives} passing samples of {sum(len(l) for l in labels)}: "
                         f"a verifier needs both passing and failing samples", param="dumps")
    started = time.perf_counter()
    samples = sum(len(l) for l in labels)
    if show_progress:  # features report their own progress; then the backbone fits
        print(f"training verifier ({mode}, {backbone}) on {len(views)} problems, {samples} samples: "
              f"features first{', executions on the example inputs (or rankkit inputs where none are shown)' if mode == 'exec' else ''}, then the fit",
              file=sys.stderr, flush=True)
    verifier.features.show_progress = show_progress
    verifier.fit(views, [v.generations for v in views], labels)
    verifier.features.show_progress = False
    extra = {"train_seconds": round(time.perf_counter() - started, 2),
             "train_cost": verifier.cost_tally()}
    if mode == "exec":  # which inputs its execution features came from
        extra["exec_inputs"] = dict(verifier.features.inputs_used)
    verifier.save(output, training, extra)
    verifier.manifest = read_manifest(output)
    return verifier
