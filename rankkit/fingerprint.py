"""Fingerprints of what a ranker reads from outside (files, model directories, hub models), so
that cached scores are reused only when those inputs are the ones that made them."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".npz")
_HASHED: dict[tuple, str] = {}


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (remembered per path, size and mtime within a process)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHED:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _HASHED[key] = digest.hexdigest()
    return _HASHED[key]


def file_fingerprint(path: str | Path) -> dict[str, Any]:
    """{path, sha256} of a small input file (tests, score and config files)."""
    path = Path(path)
    return {"path": str(path.resolve()), "sha256": file_sha256(path)}


def _weights_fingerprint(path: Path) -> dict[str, Any]:
    st = path.stat()  # weights run to gigabytes: size and modification time stand for the bytes
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def directory_fingerprint(path: str | Path) -> dict[str, Any]:
    """A model or data directory: every config/tokenizer file hashed, every weight file's size and
    modification time."""
    path = Path(path)
    files = {}
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = str(f.relative_to(path))
        if rel.startswith(".") or "/." in rel:
            continue
        files[rel] = (_weights_fingerprint(f) if f.suffix in WEIGHT_SUFFIXES
                      else {"sha256": file_sha256(f)})
    return {"path": str(path.resolve()), "files": files}


def hub_revision(model_id: str) -> str | None:
    """The commit of a Hugging Face model in the local hub cache (refs/main), or None."""
    try:
        from huggingface_hub.constants import HF_HUB_CACHE
    except ImportError:
        return None
    ref = Path(HF_HUB_CACHE) / ("models--" + model_id.replace("/", "--")) / "refs" / "main"
    try:
        return ref.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def path_fingerprint(value: str | Path) -> dict[str, Any] | None:
    """A file's or directory's fingerprint when ``value`` names one that exists, else None."""
    try:
        path = Path(os.path.expanduser(str(value)))
        if path.is_file():
            return (_weights_fingerprint(path) if path.suffix in WEIGHT_SUFFIXES else file_fingerprint(path))
        if path.is_dir():
            return directory_fingerprint(path)
    except (OSError, ValueError):
        return None
    return None


def digest(obj: Any) -> str:
    """A short stable hash of a JSON-able description."""
    text = json.dumps(obj, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
