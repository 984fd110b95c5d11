"""Verifier backbones: models of p(correct | features or text), behind one small interface.

- ``boosting``: gradient-boosted trees on the features, Platt-calibrated on out-of-fold
  predictions (folds by problem); ``logistic``: L2 logistic regression on standardised features.
- ``lm-head``: the neural verifier's light head, a logistic regression on the scoring LM's
  frozen final-layer states (from the NLL pass) beside the features.
- ``finetune``: a transformers sequence classifier fine-tuned on LEVER's linearised text with
  ``Trainer`` (datasets.Dataset in, accelerate underneath).

Every backbone predicts with its own code from plain arrays (trees and coefficients exported
from scikit-learn after fitting), so a saved verifier is numbers in safetensors and JSON only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.errors import SpecError

WEIGHTS = "weights.safetensors"


def problem_groups(labels) -> tuple[np.ndarray, np.ndarray]:
    """(all labels in one array, the index of each sample's problem)."""
    y = np.concatenate([np.asarray(l, dtype=np.int64) for l in labels])
    g = np.concatenate([np.full(len(l), i) for i, l in enumerate(labels)])
    return y, g


def base_rate_logit(y: np.ndarray) -> float:
    """The log-odds of the smoothed base rate: the model for a training set of one class."""
    p = (y.sum() + 1.0) / (len(y) + 2.0)
    return float(np.log(p / (1 - p)))


def inner_splits(y: np.ndarray, groups: np.ndarray, n_splits: int = 3):
    """Problem-grouped folds for choosing hyperparameters and calibrating on training data only;
    [] when the training set is too small or a fold would hold one class."""
    from sklearn.model_selection import GroupKFold

    if len(np.unique(groups)) < n_splits:
        return []
    splits = list(GroupKFold(n_splits=n_splits).split(np.zeros(len(y)), y, groups))
    if any(len(np.unique(y[tr])) < 2 for tr, _ in splits):
        return []
    return splits


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


class Backbone:
    """fit(features, labels) on problems; ``logits`` = log-odds of "correct" per sample."""

    name = "backbone"
    uses_hidden = False  # reads the LM's hidden states
    uses_text = False  # reads LEVER's linearised text

    def fit(self, feats: Sequence, labels: Sequence[np.ndarray], seed: int = 0) -> "Backbone":  # pragma: no cover
        raise NotImplementedError

    def logits(self, feats: Sequence) -> list[np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def config(self) -> dict:
        return {}

    def save(self, directory: Path) -> list[str]:  # pragma: no cover
        """Write the weights into ``directory``; the file names written (relative)."""
        raise NotImplementedError

    @classmethod
    def load(cls, directory: Path, config: dict) -> "Backbone":  # pragma: no cover
        raise NotImplementedError


def _save_arrays(directory: Path, arrays: dict[str, np.ndarray]) -> list[str]:
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(directory / WEIGHTS))
    return [WEIGHTS]


def _load_arrays(directory: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(directory / WEIGHTS))


class LogisticBackbone(Backbone):
    """L2 logistic regression on standardised inputs; C chosen by problem-grouped log-loss."""

    name = "logistic"
    C_GRID = (0.01, 0.1, 1.0)

    def __init__(self):
        self.mean = self.scale = self.coef = None
        self.intercept = 0.0

    def inputs(self, feats) -> np.ndarray:
        return np.concatenate([f.matrix for f in feats], axis=0)

    def fit(self, feats, labels, seed: int = 0):
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import log_loss

        X, (y, groups) = self.inputs(feats), problem_groups(labels)
        self.mean = X.mean(0)
        scale = X.std(0)
        self.scale = np.where(scale > 1e-12, scale, 1.0)
        Z = (X - self.mean) / self.scale
        if len(np.unique(y)) < 2:  # one class only: the smoothed base rate for every sample
            self.coef, self.intercept = np.zeros(X.shape[1]), base_rate_logit(y)
            return self
        best_c, splits = self.C_GRID[-1], inner_splits(y, groups)
        if splits:
            losses = []
            for c in self.C_GRID:
                p = np.empty(len(y))
                for tr, te in splits:
                    model = LogisticRegression(C=c, max_iter=2000).fit(Z[tr], y[tr])
                    p[te] = model.predict_proba(Z[te])[:, 1]
                losses.append(log_loss(y, np.clip(p, 1e-7, 1 - 1e-7)))
            best_c = self.C_GRID[int(np.argmin(losses))]
        model = LogisticRegression(C=best_c, max_iter=2000).fit(Z, y)
        self.coef, self.intercept, self.C = model.coef_[0].astype(np.float64), float(model.intercept_[0]), best_c
        self._sklearn = model  # kept in memory only, for the tests' comparison
        return self

    def logits(self, feats):
        return [((self.inputs([f]) - self.mean) / self.scale) @ self.coef + self.intercept for f in feats]

    def importances(self, names: Sequence[str]) -> dict[str, float]:
        """|coefficient| on the standardised scale, per named input."""
        return {n: float(abs(c)) for n, c in zip(names, self.coef)}

    def save(self, directory):
        return _save_arrays(directory, {"mean": self.mean, "scale": self.scale, "coef": self.coef,
                                        "intercept": np.array([self.intercept])})

    @classmethod
    def load(cls, directory, config):
        a, out = _load_arrays(directory), cls()
        out.mean, out.scale, out.coef, out.intercept = a["mean"], a["scale"], a["coef"], float(a["intercept"][0])
        return out


class LMHeadBackbone(LogisticBackbone):
    """The light neural head: logistic regression on [features, the scoring LM's mean
    final-layer state over the generation] (frozen states, no extra forward pass)."""

    name = "lm-head"
    uses_hidden = True

    def inputs(self, feats):
        return np.concatenate([np.concatenate([f.matrix, f.hidden], axis=1) for f in feats], axis=0)


class BoostingBackbone(Backbone):
    """Gradient-boosted trees (log-loss, zero init) with Platt calibration on out-of-fold
    predictions; trees are exported to arrays and evaluated by ``_tree_sum``."""

    name = "boosting"

    def __init__(self, n_estimators: int = 150, max_depth: int = 3, learning_rate: float = 0.05):
        self.n_estimators, self.max_depth, self.learning_rate = n_estimators, max_depth, learning_rate
        self.trees: dict[str, np.ndarray] | None = None
        self.platt = (1.0, 0.0)
        self.constant: float | None = None

    def config(self):
        return {"n_estimators": self.n_estimators, "max_depth": self.max_depth, "learning_rate": self.learning_rate}

    def _model(self, seed):
        from sklearn.ensemble import GradientBoostingClassifier

        return GradientBoostingClassifier(init="zero", n_estimators=self.n_estimators, max_depth=self.max_depth,
                                          learning_rate=self.learning_rate, subsample=0.8, min_samples_leaf=20,
                                          random_state=seed)

    @staticmethod
    def export(model) -> dict[str, np.ndarray]:
        """The fitted trees as padded arrays (tree x node), the learning rate folded into values."""
        trees = [est[0].tree_ for est in model.estimators_]
        width = max(t.node_count for t in trees)
        out = {k: np.full((len(trees), width), fill, dtype=dt) for k, fill, dt in
               (("left", -1, np.int64), ("right", -1, np.int64), ("feature", 0, np.int64),
                ("threshold", 0.0, np.float64), ("value", 0.0, np.float64))}
        for i, t in enumerate(trees):
            n = t.node_count
            out["left"][i, :n], out["right"][i, :n] = t.children_left, t.children_right
            out["feature"][i, :n] = np.maximum(t.feature, 0)
            out["threshold"][i, :n] = t.threshold
            out["value"][i, :n] = t.value[:, 0, 0] * model.learning_rate
        return out

    def _tree_sum(self, X: np.ndarray) -> np.ndarray:
        t = self.trees
        # scikit-learn's trees compare float32 inputs against their thresholds
        X = X.astype(np.float32).astype(np.float64)
        node = np.zeros((t["left"].shape[0], len(X)), dtype=np.int64)
        rows = np.arange(t["left"].shape[0])[:, None]
        for _ in range(self.max_depth + 1):
            left, right = t["left"][rows, node], t["right"][rows, node]
            leaf = left < 0
            go_left = X[np.arange(len(X))[None, :], t["feature"][rows, node]] <= t["threshold"][rows, node]
            node = np.where(leaf, node, np.where(go_left, left, right))
        return t["value"][rows, node].sum(0)

    def fit(self, feats, labels, seed: int = 0):
        from sklearn.linear_model import LogisticRegression

        X = np.concatenate([f.matrix for f in feats], axis=0)
        y, groups = problem_groups(labels)
        self.trees, self.platt, self.constant = None, (1.0, 0.0), None  # a refit forgets the last fit
        if len(np.unique(y)) < 2:
            self.constant = base_rate_logit(y)
            return self
        raw_oof = np.empty(len(y))
        splits = inner_splits(y, groups)
        for tr, te in splits:
            inner = self._model(seed).fit(X[tr], y[tr])
            raw_oof[te] = inner.decision_function(X[te])
        model = self._model(seed).fit(X, y)
        self.trees = self.export(model)
        self._sklearn = model
        if splits:
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(raw_oof[:, None], y)
            self.platt = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        return self

    def raw(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.constant) if self.constant is not None else self._tree_sum(X)

    def logits(self, feats):
        a, b = self.platt
        return [a * self.raw(f.matrix) + b for f in feats]

    def importances(self, names):
        """Impurity importance per feature (sums to 1) of the last fit; {} for a constant model."""
        model = getattr(self, "_sklearn", None)
        if self.constant is not None or model is None:
            return {}
        return dict(zip(names, map(float, model.feature_importances_)))

    def save(self, directory):
        arrays = dict(self.trees or {})
        arrays["platt"] = np.array(self.platt)
        arrays["constant"] = np.array([np.nan if self.constant is None else self.constant])
        return _save_arrays(directory, arrays)

    @classmethod
    def load(cls, directory, config):
        a = _load_arrays(directory)
        out = cls(**config)
        out.platt = tuple(float(v) for v in a.pop("platt"))
        constant = float(a.pop("constant")[0])
        out.constant = None if np.isnan(constant) else constant
        out.trees = a or None
        return out


class FineTuneBackbone(Backbone):
    """A transformers sequence classifier (two labels: wrong, correct) fine-tuned on LEVER's
    linearised text through ``Trainer``; AdamW, lr 5e-5, weight decay 0.1, linear warm-up, up to
    ``per_problem`` distinct programs per training problem."""

    name = "finetune"
    uses_text = True
    DIR = "classifier"

    def __init__(self, model: str = "smollm2-135m", epochs: float = 1.0, per_problem: int = 8, batch_size: int = 8,
                 max_length: int = 512, learning_rate: float = 5e-5, dtype: str | None = None):
        self.model_spec, self.epochs, self.per_problem = model, float(epochs), int(per_problem)
        self.batch_size, self.max_length, self.learning_rate, self.dtype = int(batch_size), int(max_length), learning_rate, dtype
        self.model = self.tokenizer = None
        self.tally = {"flops": 0.0, "seconds": 0.0, "samples": 0}

    def config(self):
        return {"model": self.model_spec, "epochs": self.epochs, "per_problem": self.per_problem,
                "batch_size": self.batch_size, "max_length": self.max_length, "learning_rate": self.learning_rate}

    def _load_base(self):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from rankkit.lm import DTYPES, SMOLLM2_ALIAS, smollm2_gguf_path

        path = smollm2_gguf_path() if self.model_spec == SMOLLM2_ALIAS else Path(self.model_spec)
        extra = {"gguf_file": path.name} if path.suffix == ".gguf" else {}
        source = str(path.parent) if extra else self.model_spec
        model_extra = {}
        if extra:
            try:  # transformers 5 keeps GGUF weights packed (not trainable) unless told to unpack them
                from transformers import GgufConfig

                model_extra["quantization_config"] = GgufConfig(gguf_file=path.name, dequantize=True)
            except ImportError:  # 4.x always unpacks
                pass
        if path.exists() or extra:
            extra["local_files_only"] = True
        # training runs in fp32 on CPU (bf16 where CUDA supports it: Trainer's bf16 flag)
        dtype = getattr(torch, DTYPES[self.dtype]) if self.dtype else torch.float32
        tokenizer = AutoTokenizer.from_pretrained(source, **extra)
        model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=2, dtype=dtype, **extra,
                                                                   **model_extra)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        model.config.pad_token_id = tokenizer.pad_token_id
        return model, tokenizer

    def fit(self, feats, labels, seed: int = 0):
        import inspect
        import tempfile

        import torch
        from datasets import Dataset
        from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

        rng = np.random.default_rng(seed)
        texts, ys = [], []
        for f, l in zip(feats, labels):
            distinct = list(dict.fromkeys(zip(f.texts, np.asarray(l).tolist())))
            order = rng.permutation(len(distinct))[: self.per_problem]
            for i in sorted(order):
                texts.append(distinct[i][0])
                ys.append(int(distinct[i][1]))
        self.model, self.tokenizer = self._load_base()
        data = Dataset.from_dict({"text": texts, "label": ys}).map(
            lambda b: self.tokenizer(b["text"], truncation=True, max_length=self.max_length), batched=True,
            remove_columns=["text"])
        cuda = torch.cuda.is_available()
        # 10% linear warm-up: transformers 5 takes the ratio as a float warmup_steps, 4.x as warmup_ratio
        warmup = ({"warmup_ratio": 0.1} if "warmup_ratio" in inspect.signature(TrainingArguments).parameters
                  else {"warmup_steps": 0.1})
        with tempfile.TemporaryDirectory() as tmp:
            args = TrainingArguments(output_dir=tmp, num_train_epochs=self.epochs, learning_rate=self.learning_rate,
                                     weight_decay=0.1, lr_scheduler_type="linear", **warmup,
                                     per_device_train_batch_size=self.batch_size, seed=seed, data_seed=seed,
                                     save_strategy="no", logging_strategy="no", report_to=[], disable_tqdm=True,
                                     use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(),
                                     dataloader_num_workers=0)
            Trainer(model=self.model, args=args, train_dataset=data,
                    data_collator=DataCollatorWithPadding(self.tokenizer)).train()
        self.model.eval()
        return self

    def logits(self, feats):
        import time

        import torch

        from rankkit.lm import parameter_count

        device = next(self.model.parameters()).device
        out = []
        for f in feats:
            distinct = list(dict.fromkeys(f.texts))
            values = {}
            t0 = time.perf_counter()
            for start in range(0, len(distinct), self.batch_size):
                chunk = distinct[start:start + self.batch_size]
                enc = self.tokenizer(chunk, truncation=True, max_length=self.max_length, padding=True,
                                     return_tensors="pt").to(device)
                with torch.no_grad():
                    z = self.model(**enc).logits.float()
                self.tally["flops"] += 2.0 * parameter_count(self.model) * float(enc["attention_mask"].sum())
                for text, row in zip(chunk, (z[:, 1] - z[:, 0]).double().cpu().numpy()):
                    values[text] = float(row)
            self.tally["seconds"] += time.perf_counter() - t0
            self.tally["samples"] += len(f.texts)
            out.append(np.array([values[t] for t in f.texts]))
        return out

    def save(self, directory):
        target = directory / self.DIR
        self.model.save_pretrained(target, safe_serialization=True)
        self.tokenizer.save_pretrained(target)
        return sorted(str(p.relative_to(directory)) for p in target.rglob("*") if p.is_file())

    @classmethod
    def load(cls, directory, config):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        out = cls(**config)
        target = directory / cls.DIR
        # a local directory of safetensors weights and JSON config: nothing here runs code
        # (no trust_remote_code, no pickle: use_safetensors refuses .bin weights)
        out.tokenizer = AutoTokenizer.from_pretrained(target, local_files_only=True)
        out.model = AutoModelForSequenceClassification.from_pretrained(target, local_files_only=True,
                                                                       use_safetensors=True).eval()
        import torch

        if torch.cuda.is_available():
            out.model.to("cuda")
        return out


BACKBONES: dict[str, type[Backbone]] = {b.name: b for b in (BoostingBackbone, LogisticBackbone, LMHeadBackbone,
                                                             FineTuneBackbone)}


def backbone_class(name: str) -> type[Backbone]:
    try:
        return BACKBONES[name]
    except KeyError:
        raise SpecError(f"unknown verifier backbone {name!r}; choose from {', '.join(BACKBONES)}",
                        param="backbone") from None


