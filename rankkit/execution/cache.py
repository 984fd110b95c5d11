"""A result cache on disk (SQLite), keyed by a hash of everything that decides a verdict.

The key covers the program text, the limits and the environment (interpreter, its version,
site-packages, isolation), so changing any of them re-runs the program. Writes are committed
in small batches, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

from rankkit.paths import cache_dir


def default_cache_path() -> Path:
    return cache_dir() / "execution.sqlite"


def cache_key(program: str, context: dict) -> str:
    """sha256 of the program and its execution context (limits, environment)."""
    h = hashlib.sha256(json.dumps(context, sort_keys=True).encode())
    h.update(b"\0")
    h.update(program.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class ResultCache:
    """key -> result dict; thread-safe; commits every ``commit_every`` puts or seconds."""

    def __init__(self, path: str | Path, commit_every: int = 256, commit_seconds: float = 2.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, result TEXT NOT NULL)")
        self._lock = threading.Lock()
        self._pending = 0
        self._last_commit = time.monotonic()
        self.commit_every, self.commit_seconds = commit_every, commit_seconds

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self._db.execute(f"SELECT key, result FROM results WHERE key IN ({marks})", chunk):
                    found[key] = json.loads(value)
        return found

    def put(self, key: str, result: dict) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?)", (key, json.dumps(result)))
            self._pending += 1
            if self._pending >= self.commit_every or time.monotonic() - self._last_commit > self.commit_seconds:
                self._commit()

    def _commit(self) -> None:
        self._db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        with self._lock:
            self._commit()
            self._db.close()
