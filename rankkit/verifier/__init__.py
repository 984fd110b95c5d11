"""LEVER-style learned verifiers: features and text (``features``), backbones, the ``Verifier``
(fit / predict_proba / rank_scores), training on labelled dumps, and saving without pickle."""

from rankkit.verifier.model import Verifier
from rankkit.verifier.store import VerifierLoadError, load_verifier, read_manifest
from rankkit.verifier.train import train_verifier

__all__ = ["Verifier", "VerifierLoadError", "load_verifier", "read_manifest", "train_verifier"]
