"""LEVER-style learned verifiers: features and text (``features``), backbones, the ``Verifier``
(fit / predict_proba / rank_scores), training on labelled dumps, and saving without pickle."""

from rankkit.verifier.model import Verifier
from rankkit.verifier.store import VerifierLoadError, read_manifest
from rankkit.verifier.train import train_verifier

load_verifier = Verifier.load  # the verifier saved in a directory, hash-checked

__all__ = ["Verifier", "VerifierLoadError", "load_verifier", "read_manifest", "train_verifier"]
