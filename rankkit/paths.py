"""Where rankkit's files live: bundled data (``$RANKKIT_DATA``, the checkout's ``data/``, or the
install) and caches (``$XDG_CACHE_HOME/rankkit``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    """The first existing of: $RANKKIT_DATA, <repo>/data, <sys.prefix>/share/rankkit/data."""
    candidates = []
    if os.environ.get("RANKKIT_DATA"):
        candidates.append(Path(os.environ["RANKKIT_DATA"]))
    candidates.append(Path(__file__).resolve().parents[1] / "data")
    candidates.append(Path(sys.prefix) / "share" / "rankkit" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError(f"rankkit's data directory not found; looked in {', '.join(map(str, candidates))}")


def data_file(name: str) -> Path:
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"bundled data file {name!r} not found in {path.parent}")
    return path


def cache_dir() -> Path:
    """rankkit's cache directory: $XDG_CACHE_HOME/rankkit, else ~/.cache/rankkit (not created)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rankkit"
