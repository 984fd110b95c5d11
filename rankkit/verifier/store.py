"""A saved verifier: a directory with ``manifest.json`` and weights that load without running code.

The manifest names the rankkit version, mode, backbone, feature list, scoring LM, the fitted
lambda, the training dumps' fingerprints and the problems trained on, and the SHA-256 of every
weight file. Loading checks all of it: a changed or missing file, another format, other
features or another mode is refused with a clear error. Weights are safetensors (numbers) and
JSON; a fine-tuned classifier is a transformers directory of safetensors weights, loaded with
``use_safetensors`` and without remote code. No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Sequence

from rankkit.errors import InputError

FORMAT = "rankkit-verifier"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class VerifierLoadError(InputError):
    """A verifier directory that is not one, was changed, or does not fit what was asked."""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def dump_fingerprint(path, dump) -> dict:
    """What identifies a training dump: its file's SHA-256, size in problems/samples/positives,
    and the generator its provenance names."""
    counts = [int(t.passed().sum()) for t in dump]
    provenance = dump.metadata.get("provenance") or {}
    return {"path": str(path), "sha256": file_sha256(Path(path)), "problems": len(dump),
            "samples": sum(len(t) for t in dump), "positives": sum(counts),
            "generator": provenance.get("generator") or dump.metadata.get("generator")}


def save_verifier(verifier, directory, training: Sequence[dict], extra: dict) -> Path:
    from rankkit import __version__
    from rankkit.verifier.features import FEATURES_VERSION

    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()) and not (directory / MANIFEST).exists():
        raise InputError(f"{directory} exists and is not a verifier directory: choose a new one", param="output")
    directory.mkdir(parents=True, exist_ok=True)
    files = verifier.backbone.save(directory)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "rankkit_version": __version__,
        "features_version": FEATURES_VERSION, "mode": verifier.mode, "backbone": verifier.backbone_name,
        "backbone_config": verifier.backbone.config(), "features": list(verifier.feature_names),
        "lm": verifier.lm, "combine": verifier.combine, "lm_norm": verifier.lm_norm, "lambda": verifier.lam,
        "seed": verifier.seed, "inputs": verifier.features.inputs, "examples": verifier.features.examples,
        "description": verifier.describe(),
        "importances": dict(sorted(verifier.importances.items(), key=lambda kv: -kv[1])[:40]),
        "training": list(training), "trained_tasks": list(verifier.trained_tasks),
        "trained_problems": list(verifier.trained_problems),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **extra,
        "files": {name: file_sha256(directory / name) for name in files},
    }
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    tmp.replace(directory / MANIFEST)
    return directory


def read_manifest(directory) -> dict:
    directory = Path(directory)
    path = directory / MANIFEST
    if not directory.is_dir():
        raise VerifierLoadError(f"verifier directory not found: {directory}")
    if not path.exists():
        raise VerifierLoadError(f"{directory} is not a rankkit verifier: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise VerifierLoadError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise VerifierLoadError(f"{path}: not a rankkit verifier manifest (format is "
                                f"{manifest.get('format') if isinstance(manifest, dict) else None!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise VerifierLoadError(f"{path}: verifier format {manifest.get('format_version')} is not the one this "
                                f"rankkit reads ({FORMAT_VERSION})")
    return manifest


def checked_manifest(directory, mode: str | None = None, backbone: str | None = None, lm: str | None = "unset") -> dict:
    """The manifest of the verifier saved in ``directory``, after checking every weight file's
    SHA-256 and that ``mode``/``backbone``/``lm`` (when given) and the features are what it was
    trained with; ``Verifier.load`` builds the verifier from it."""
    from rankkit.verifier.features import FEATURES_VERSION, feature_names

    directory = Path(directory)
    manifest = read_manifest(directory)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise VerifierLoadError(f"{directory / MANIFEST}: lists no weight files")
    for name, digest in files.items():
        path = directory / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise VerifierLoadError(f"{directory / MANIFEST}: file {name!r} lies outside the verifier directory")
        if not path.is_file():
            raise VerifierLoadError(f"{directory}: weight file {name} is missing")
        if file_sha256(path) != digest:
            raise VerifierLoadError(f"{path}: its SHA-256 differs from the manifest's: the verifier was changed "
                                    f"after it was saved; refusing to load it")
    wanted = {"mode": mode, "backbone": backbone}
    for key, value in wanted.items():
        if value is not None and manifest.get(key) != value:
            raise VerifierLoadError(f"{directory} holds a verifier with {key}={manifest.get(key)}, not {value}: "
                                    f"train one with {key}={value} or drop the option")
    if lm != "unset" and (lm or None) != manifest.get("lm"):
        raise VerifierLoadError(f"{directory} was trained with scoring LM {manifest.get('lm')!r}, not {lm!r}")
    expected = list(feature_names(manifest.get("mode", "?"), manifest.get("lm")))
    if manifest.get("features_version") != FEATURES_VERSION or manifest.get("features") != expected:
        raise VerifierLoadError(
            f"{directory} was trained on other features (version {manifest.get('features_version')}: "
            f"{', '.join(manifest.get('features') or [])}) than this rankkit computes for mode "
            f"{manifest.get('mode')} (version {FEATURES_VERSION}: {', '.join(expected)}): retrain it")
    return manifest
