"""The LEVER-style verifier: p(correct | problem, program[, execution]) and its rerank score.

``Verifier(mode, backbone, lm).fit(problems, generations, labels)`` then ``predict_proba`` (per
problem an array of p(correct)) or ``rank_scores`` (what ranks the samples: log p(correct), or
with ``combine="lm"`` LEVER's log p(correct) + lambda * LM log-prob, and in exec mode
LEVER's aggregation: samples with identical execution results pool their scores by logsumexp).
lambda is fitted on the training problems only, on out-of-fold verifier predictions.
"""

from __future__ import annotations

from typing import Sequence

import sys
from pathlib import Path

import numpy as np

from rankkit.errors import SpecError
from rankkit.scoring.selection import pool_top_expected
from rankkit.verifier.backbones import Backbone, backbone_class, inner_splits, log_sigmoid, problem_groups
from rankkit.verifier.features import FeatureExtractor, check_mode, feature_names
from rankkit.verifier.store import checked_manifest, save_verifier

COMBINE = ("none", "lm")
LM_NORMS = ("mean", "sum")
LAMBDA_GRID = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def group_logsumexp(scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each sample gets the logsumexp of the scores of its group (LEVER's aggregation over
    candidates with identical execution results)."""
    out = np.empty_like(scores)
    for g in np.unique(groups):
        members = groups == g
        out[members] = np.logaddexp.reduce(scores[members])
    return out


class Verifier:
    """A learned verifier (scikit-learn style: ``fit`` then ``predict_proba``).

    mode: ``no-exec`` (nothing runs: the test-free setting) or ``exec`` (candidates run on the
    prompt's example inputs, and on rankkit's own where it shows none: ``inputs`` auto, or
    always: ``synth``, or never: ``prompt``); backbone: ``boosting`` | ``logistic`` | ``lm-head`` | ``finetune``;
    lm: the scoring LM behind the NLL features (None: no LM features); combine: ``none`` or
    ``lm`` (LEVER's combination with the LM log-prob, ``lm_norm`` mean or sum).
    """

    def __init__(self, mode: str = "no-exec", backbone: str = "boosting", lm: str | None = "smollm2-135m",
                 combine: str = "none", lm_norm: str = "mean", seed: int = 0, cache_dir=None,
                 workers: int | None = None, backbone_options: dict | None = None, inputs: str = "auto",
                 examples: str = "auto"):
        self.mode, self.lm = check_mode(mode), (lm or None)
        if combine not in COMBINE:
            raise SpecError(f"combine must be one of {', '.join(COMBINE)}, got {combine!r}", param="combine")
        if lm_norm not in LM_NORMS:
            raise SpecError(f"lm_norm must be mean or sum, got {lm_norm!r}", param="lm_norm")
        cls = backbone_class(backbone)
        if (cls.uses_hidden or combine == "lm") and not self.lm:
            raise SpecError(f"{'backbone ' + backbone if cls.uses_hidden else 'combine=lm'} needs a scoring LM "
                            f"(lm=MODEL), got lm=none", param="lm")
        self.backbone_name, self.combine, self.lm_norm, self.seed = backbone, combine, lm_norm, seed
        options = dict(backbone_options or {})
        if cls.uses_text and "model" not in options:
            options["model"] = self.lm or "smollm2-135m"
        self.backbone: Backbone = cls(**options)
        self.features = FeatureExtractor(mode, self.lm, hidden=cls.uses_hidden, cache_dir=cache_dir, workers=workers,
                                         inputs=inputs, examples=examples)
        self.lam = 0.0
        self.importances: dict[str, float] = {}
        self.trained_tasks: list[str] = []
        self.trained_problems: list[str] = []
        self.fitted = False

    @property
    def feature_names(self) -> tuple[str, ...]:
        return feature_names(self.mode, self.lm)

    def describe(self) -> str:
        text = f"verifier ({self.mode}, {self.backbone_name}"
        text += f", NLL features from {self.lm}" if self.lm else ", no LM"
        used = self.features.inputs_used
        if self.mode == "exec" and used:  # which inputs its executions ran on, so far
            own = "the shown examples and rankkit's own" if self.features.inputs == "synth" else "rankkit's own"
            parts = [f"the shown examples for {used['examples']}", f"{own} for {used['synthesized']}"]
            text += "; inputs: " + ", ".join(parts) + (f", none for {used['none']}" if used["none"] else "") + " problems"
        text += ")"
        if self.combine == "lm":
            norm = "mean per token" if self.lm_norm == "mean" else "summed"
            pooled = ", execution groups pooled" if self.mode == "exec" else ""
            text += f" + {self.lam:g} x LM log-prob ({norm}{pooled})"
        return text

    def fit(self, problems, generations, labels) -> "Verifier":
        """Train on label-free problems (views), their generations and explicit 0/1 labels."""
        problems, generations = list(problems), [list(g) for g in generations]
        labels = [np.asarray(l, dtype=np.int64) for l in labels]
        for p, g, l in zip(problems, generations, labels):
            if len(g) != len(l):
                raise SpecError(f"task {p.task_id}: {len(g)} generations but {len(l)} labels")
        feats = self.features(problems, generations)
        from rankkit.verifier.features import problem_key

        # what it was trained on, saved with it: a saved verifier refuses these very samples and
        # reports how many scored task ids it saw (the transfer setting)
        self.trained_tasks = sorted({str(p.task_id) for p in problems})
        self.trained_problems = sorted({problem_key(p, g) for p, g in zip(problems, generations)})
        if self.features.show_progress:
            print(f"fitting the {self.backbone_name} backbone on {sum(len(l) for l in labels)} samples", file=sys.stderr,
                  flush=True)
        self.backbone.fit(feats, labels, seed=self.seed)
        names = list(self.feature_names)
        if hasattr(self.backbone, "importances"):
            width = len(names) + (feats[0].hidden.shape[1] if self.backbone.uses_hidden and feats else 0)
            names += [f"hidden_{i}" for i in range(width - len(names))]
            self.importances = self.backbone.importances(names)
        if self.combine == "lm":
            self.lam = self._fit_lambda(feats, labels)
        self.fitted = True
        return self

    def _fit_lambda(self, feats, labels) -> float:
        """lambda maximising the training problems' mean rank-score@n, on out-of-fold verifier
        log-probs (problem folds) where the backbone is cheap to refit; the fine-tuned one uses
        its in-sample predictions."""
        if self.backbone.uses_text:
            logp = [log_sigmoid(z) for z in self.backbone.logits(feats)]
        else:
            y, groups = problem_groups(labels)
            splits = inner_splits(y, groups)
            if not splits:
                return 0.0
            logp = [None] * len(feats)
            for tr, te in splits:
                train = sorted(set(groups[tr].tolist()))
                test = sorted(set(groups[te].tolist()))
                inner = type(self.backbone)(**self.backbone.config())
                inner.fit([feats[i] for i in train], [labels[i] for i in train], seed=self.seed)
                for i, z in zip(test, inner.logits([feats[i] for i in test])):
                    logp[i] = log_sigmoid(z)
        best, best_value = 0.0, -1.0
        for lam in LAMBDA_GRID:
            value = np.mean([pool_top_expected(self._combined(lp, f, lam), l) for lp, f, l in zip(logp, feats, labels)])
            if value > best_value + 1e-12:
                best, best_value = lam, value
        return best

    def _combined(self, logp: np.ndarray, f, lam: float) -> np.ndarray:
        lm = f.lm_mean if self.lm_norm == "mean" else f.lm_sum
        score = logp + lam * lm
        return group_logsumexp(score, f.groups) if self.mode == "exec" else score

    def _check_fitted(self):
        if not self.fitted:
            raise SpecError("the verifier is not trained yet: fit it on labelled problems (rankkit verifier train), "
                            "or let rank-score cross-fit it (--ranker verifier)")

    def predict_proba(self, problems, generations) -> list[np.ndarray]:
        """p(correct) of every sample, one array per problem."""
        self._check_fitted()
        feats = self.features(list(problems), [list(g) for g in generations])
        return [1.0 / (1.0 + np.exp(-z)) for z in self.backbone.logits(feats)]

    def rank_scores(self, problems, generations) -> list[np.ndarray]:
        """The scores that rank the samples (higher is better): log p(correct), or LEVER's
        combination with the LM log-prob (and execution-group pooling in exec mode)."""
        self._check_fitted()
        feats = self.features(list(problems), [list(g) for g in generations])
        logp = [log_sigmoid(z) for z in self.backbone.logits(feats)]
        if self.combine == "none":
            return logp
        return [self._combined(lp, f, self.lam) for lp, f in zip(logp, feats)]

    def cost_tally(self) -> dict:
        """What scoring has cost so far: LM FLOPs and seconds, sandbox seconds, the backbone's own
        forward pass (fine-tuned classifier), and the samples they were spent on."""
        t = dict(self.features.tally)
        own = getattr(self.backbone, "tally", None) or {}
        t["own_flops"], t["own_seconds"] = own.get("flops", 0.0), own.get("seconds", 0.0)
        return t

    def save(self, directory, training: Sequence[dict] = (), extra: dict | None = None):
        self._check_fitted()
        return save_verifier(self, directory, training, extra or {})

    @classmethod
    def load(cls, directory, mode: str | None = None, backbone: str | None = None, lm: str | None = "unset",
             cache_dir=None, workers: int | None = None) -> "Verifier":
        """The verifier saved in ``directory`` (hash-checked; ``mode``/``backbone``/``lm``, when
        given, must be what it was trained with)."""
        manifest = checked_manifest(directory, mode, backbone, lm)
        config = manifest.get("backbone_config") or {}
        verifier = cls(mode=manifest["mode"], backbone=manifest["backbone"], lm=manifest.get("lm"),
                       combine=manifest.get("combine", "none"), lm_norm=manifest.get("lm_norm", "mean"),
                       seed=manifest.get("seed", 0), cache_dir=cache_dir, workers=workers, backbone_options=config,
                       inputs=manifest.get("inputs", "prompt"), examples=manifest.get("examples", "auto"))
        verifier.backbone = backbone_class(manifest["backbone"]).load(Path(directory), config)
        verifier.lam = float(manifest.get("lambda", 0.0))
        verifier.importances = dict(manifest.get("importances") or {})
        verifier.trained_tasks = list(manifest.get("trained_tasks") or [])
        verifier.trained_problems = list(manifest.get("trained_problems") or [])
        verifier.fitted = True
        verifier.manifest = manifest
        return verifier
