"""The parent side of execution: a pool of zygote workers, one program per job, run in parallel."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from rankkit.errors import InputError, RankkitError

SANDBOX_SOURCE = Path(__file__).with_name("sandbox.py").read_text(encoding="utf-8")
ISOLATIONS = ("auto", "namespaces", "basic")


@dataclass(frozen=True)
class Limits:
    """Per-program limits: seconds of wall-clock (CPU time gets a little more), memory, disk."""

    timeout: float = 3.0
    memory_mb: int = 2048
    file_mb: int = 16  # largest file the program may write
    disk_mb: int = 64  # its whole working directory (namespaces isolation)
    nproc: int = 64  # processes and threads
    max_output: int = 8192  # bytes of stdout and of stderr kept

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not value or value < 0:
                raise InputError(f"limit {name} must be > 0, got {value!r}")


@dataclass(frozen=True)
class Environment:
    """Where programs run: which interpreter, whether it sees site-packages, how isolated."""

    python: str = sys.executable
    site_packages: bool = False
    isolation: str = "auto"
    user_namespace: bool | None = None  # None: only when not root

    def command(self, isolation: str, nproc: int, user_namespace: bool = False) -> list[str]:
        flags = ["-s"] if self.site_packages else ["-S", "-s"]
        config = json.dumps({"isolation": isolation, "nproc": nproc, "user_namespace": user_namespace})
        return [self.python, *flags, "-c", SANDBOX_SOURCE, config]


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """Print a warning on stderr, once per process."""
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr, flush=True)


class SandboxError(RankkitError, RuntimeError):
    """The sandbox itself failed (not the program): bad interpreter, broken worker."""


def program_seed(program: str) -> int:
    """The seed of ``random`` in the program's process: fixed by its text, so a program that draws
    random numbers gets the same verdict on every run."""
    return int.from_bytes(hashlib.sha256(program.encode("utf-8", "surrogatepass")).digest()[:8], "big")


class Zygote:
    """One warm worker process; runs one job at a time."""

    def __init__(self, env: Environment, isolation: str, nproc: int, user_namespace: bool = False):
        self.env = env
        self.user_namespace = user_namespace
        if shutil.which(env.python) is None and not os.path.exists(env.python):
            raise SandboxError(f"interpreter not found: {env.python}")
        self.stderr = tempfile.TemporaryFile()
        clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        try:
            self.proc = subprocess.Popen(env.command(isolation, nproc, user_namespace), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.stderr, env=clean_env, cwd=tempfile.gettempdir(),
                                         start_new_session=True)
        except OSError as e:
            raise SandboxError(f"cannot start {env.python}: {e}") from None
        self.info = self._receive()
        if self.info is None or not self.info.get("ready"):
            detail = (self.info or {}).get("error") or self._stderr_tail()
            self.close()
            raise SandboxError(f"{env.python} failed to start the sandbox ({isolation}): {detail}")

    def _stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:].decode("utf-8", "replace").strip() or "no message"

    def _receive(self):
        header = self.proc.stdout.read(4)
        if len(header) < 4:
            return None
        (size,) = struct.unpack(">I", header)
        data = self.proc.stdout.read(size)
        return json.loads(data) if len(data) == size else None

    def run(self, job: dict) -> dict | None:
        """The job's result, or None if the worker died (then it must be replaced)."""
        data = json.dumps(job).encode()
        try:
            self.proc.stdin.write(struct.pack(">I", len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self._receive()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


class SandboxPool:
    """``workers`` zygotes; ``run`` executes programs in parallel, results in input order."""

    def __init__(self, workers: int | None = None, limits: Limits = Limits(), env: Environment = Environment()):
        if env.isolation not in ISOLATIONS:
            raise InputError(f"isolation must be one of {ISOLATIONS}, got {env.isolation!r}")
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.limits = limits
        self.env = env
        self._idle: queue.Queue[Zygote] = queue.Queue()
        self._all: list[Zygote] = []
        self._lock = threading.Lock()
        self.fallback_reason: str | None = None
        self.isolation, first = self._first_worker()
        self.info = dict(first.info)
        self.process_limit = self.info.get("process_limit") or "unknown"
        if self.process_limit.startswith("none"):
            warn_once(f"rankkit: warning: programs run without a process limit: {self.process_limit}; a fork "
                      f"bomb is stopped only by the timeout (recorded in the results' metadata)")
        self._idle.put(first)

    def _spawn(self) -> Zygote:
        z = Zygote(self.env, self.isolation, self.limits.nproc, self.user_namespace)
        with self._lock:
            self._all.append(z)
        return z

    def _first_worker(self) -> tuple[str, Zygote]:
        """The strongest isolation that works here ("auto"), checked by a probe job: namespaces
        as root, else namespaces inside an unprivileged user namespace, else basic."""
        wanted = self.env.isolation
        self.user_namespace = self.env.user_namespace if self.env.user_namespace is not None else os.geteuid() != 0
        if wanted in ("auto", "namespaces"):
            failure = None
            try:
                z = Zygote(self.env, "namespaces", self.limits.nproc, self.user_namespace)
            except SandboxError as e:
                failure = str(e)
            else:
                probe = z.run(self._job(-1, "import os\nassert os.getppid() == 1\n", "namespaces"))
                if probe and probe.get("kind") == "passed":
                    self._all.append(z)
                    return "namespaces", z
                z.close()
                failure = f"the probe job gave {probe}"
            if wanted == "namespaces":
                raise SandboxError(f"namespaces isolation is not available here: {failure}")
            self.fallback_reason = failure
        self.user_namespace = False
        z = Zygote(self.env, "basic", self.limits.nproc)
        self._all.append(z)
        return "basic", z

    def _job(self, job_id: int, program: str, isolation: str | None = None, timeout: float | None = None) -> dict:
        job = {"id": job_id, "program": program, "isolation": isolation or self.isolation,
               "seed": program_seed(program), **asdict(self.limits)}
        if timeout is not None:
            job["timeout"] = timeout
        return job

    def _run_one(self, job_id: int, program: str, timeout: float | None = None) -> dict:
        try:
            zygote = self._idle.get_nowait()
        except queue.Empty:
            zygote = self._spawn()
        result = zygote.run(self._job(job_id, program, timeout=timeout))
        if result is None:
            zygote.close()
            with self._lock:
                self._all.remove(zygote)
            self._idle.put(self._spawn())
            return {"id": job_id, "kind": "violation", "detail": "the program killed its sandbox worker",
                    "stdout": "", "stderr": "", "seconds": 0.0, "worker_died": True}
        self._idle.put(zygote)
        return result

    def run(self, programs: Sequence[str], on_result: Callable[[int, dict], None] | None = None,
            parallel: int | None = None, timeouts: Sequence[float] | None = None) -> list[dict]:
        """Run every program, ``parallel`` at a time (default: all workers); ``on_result(i,
        result)`` is called as each finishes. ``timeouts``: a wall-clock limit per program
        instead of the pool's."""
        results: list[dict | None] = [None] * len(programs)
        limit = (lambda i: None) if timeouts is None else (lambda i: float(timeouts[i]))
        with ThreadPoolExecutor(max(1, min(parallel or self.workers, self.workers))) as pool:
            futures = {pool.submit(self._run_one, i, p, limit(i)): i for i, p in enumerate(programs)}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                if on_result is not None:
                    on_result(i, results[i])
        return results  # type: ignore[return-value]

    def close(self) -> None:
        with self._lock:
            zygotes, self._all = self._all, []
        for z in zygotes:
            z.close()

    def __enter__(self) -> "SandboxPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

