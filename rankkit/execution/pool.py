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
from collections import deque
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

    def command(self, isolation: str, limits: "Limits", user_namespace: bool = False) -> list[str]:
        flags = ["-s"] if self.site_packages else ["-S", "-s"]
        fixed = {k: getattr(limits, k) for k in ("memory_mb", "file_mb", "disk_mb", "nproc")}
        config = json.dumps({"isolation": isolation, "limits": fixed, "user_namespace": user_namespace})
        return [self.python, *flags, "-c", SANDBOX_SOURCE, config]


_warned: set[str] = set()


def warn_once(message: str) -> None:
    """Print a warning on stderr, once per process."""
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr, flush=True)


def encode(job: dict) -> bytes:
    return json.dumps(job).encode()


def _pipe_capacity(fd: int) -> int:
    """Bytes a write into this pipe can hold without a reader (0 where that is unknown): jobs sent
    ahead must fit, or a worker writing a large result and the parent writing a job would wait on
    each other."""
    try:
        import fcntl

        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (ImportError, AttributeError, OSError):
        return 0


class SandboxError(RankkitError, RuntimeError):
    """The sandbox itself failed (not the program): bad interpreter, broken worker."""


def program_seed(program: str) -> int:
    """The seed of ``random`` in the program's process: fixed by its text, so a program that draws
    random numbers gets the same verdict on every run."""
    return int.from_bytes(hashlib.sha256(program.encode("utf-8", "surrogatepass")).digest()[:8], "big")


class Zygote:
    """One warm worker process; runs one job at a time, and may be sent the next one while it
    runs (``send`` / ``receive``) so that it never waits for the parent between jobs."""

    def __init__(self, env: Environment, isolation: str, limits: Limits, user_namespace: bool = False):
        self.env = env
        self.user_namespace = user_namespace
        if shutil.which(env.python) is None and not os.path.exists(env.python):
            raise SandboxError(f"interpreter not found: {env.python}")
        self.stderr = tempfile.TemporaryFile()
        clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        try:
            self.proc = subprocess.Popen(env.command(isolation, limits, user_namespace), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.stderr, env=clean_env, cwd=tempfile.gettempdir(),
                                         start_new_session=True)
        except OSError as e:
            raise SandboxError(f"cannot start {env.python}: {e}") from None
        self.info = self.receive()
        if self.info is None or not self.info.get("ready"):
            detail = (self.info or {}).get("error") or self._stderr_tail()
            self.close()
            raise SandboxError(f"{env.python} failed to start the sandbox ({isolation}): {detail}")
        self.ahead_bytes = _pipe_capacity(self.proc.stdin.fileno()) // 2

    def _stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:].decode("utf-8", "replace").strip() or "no message"

    def receive(self) -> dict | None:
        """The next result, or None if the worker died."""
        header = self.proc.stdout.read(4)
        if len(header) < 4:
            return None
        (size,) = struct.unpack(">I", header)
        data = self.proc.stdout.read(size)
        return json.loads(data) if len(data) == size else None

    def send(self, data: bytes) -> bool:
        """Queue one encoded job (``encode``); False if the worker is gone."""
        try:
            self.proc.stdin.write(struct.pack(">I", len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def run(self, job: dict) -> dict | None:
        """The job's result, or None if the worker died (then it must be replaced)."""
        return self.receive() if self.send(encode(job)) else None

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
        z = Zygote(self.env, self.isolation, self.limits, self.user_namespace)
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
                z = Zygote(self.env, "namespaces", self.limits, self.user_namespace)
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
        z = Zygote(self.env, "basic", self.limits)
        self._all.append(z)
        return "basic", z

    def _job(self, job_id: int, program: str, isolation: str | None = None, timeout: float | None = None) -> dict:
        job = {"id": job_id, "program": program, "isolation": isolation or self.isolation,
               "seed": program_seed(program), **asdict(self.limits)}
        if timeout is not None:
            job["timeout"] = timeout
        return job

    def _replace(self, zygote: Zygote) -> Zygote:
        zygote.close()
        with self._lock:
            if zygote in self._all:
                self._all.remove(zygote)
        return self._spawn()

    def _drive(self, todo: deque, take: threading.Lock, programs: Sequence[str], limit, done: queue.SimpleQueue) -> None:
        """One worker's share of a run: take programs from ``todo`` until none is left, keeping the
        next one queued in the zygote while it runs the current one; results go to ``done``."""
        try:
            zygote = self._idle.get_nowait()
        except queue.Empty:
            zygote = self._spawn()
        sent: deque[tuple[int, int]] = deque()  # (index, bytes) sent and not answered, in order
        try:
            while True:
                while len(sent) < 2:
                    with take:
                        if not todo:
                            break
                        i = todo[0]
                        data = encode(self._job(i, programs[i], timeout=limit(i)))
                        if sent and sent[0][1] + len(data) > zygote.ahead_bytes:
                            break  # too big to queue behind the running job: wait for its result
                        todo.popleft()
                    sent.append((i, len(data)))
                    if not zygote.send(data):
                        break
                if not sent:
                    break
                i, _ = sent.popleft()
                result = zygote.receive()
                if result is None or result.pop("retire", False):
                    with take:  # what was queued behind it never ran: back to the front
                        todo.extendleft(j for j, _ in reversed(sent))
                    sent.clear()
                    gone, zygote = zygote, None
                    zygote = self._replace(gone)
                if result is None:
                    result = {"id": i, "kind": "violation", "detail": "the program killed its sandbox worker",
                              "stdout": "", "stderr": "", "seconds": 0.0, "worker_died": True}
                done.put((i, result))
        except BaseException as e:
            done.put((None, e))
        finally:
            if zygote is not None:
                self._idle.put(zygote)

    def run(self, programs: Sequence[str], on_result: Callable[[int, dict], None] | None = None,
            parallel: int | None = None, timeouts: Sequence[float] | None = None) -> list[dict]:
        """Run every program, ``parallel`` at a time (default: all workers); ``on_result(i,
        result)`` is called as each finishes, in this thread. ``timeouts``: a wall-clock limit
        per program instead of the pool's."""
        results: list[dict | None] = [None] * len(programs)
        limit = (lambda i: None) if timeouts is None else (lambda i: float(timeouts[i]))
        todo, take, done = deque(range(len(programs))), threading.Lock(), queue.SimpleQueue()
        n_threads = min(len(programs), max(1, min(parallel or self.workers, self.workers)))
        threads = [threading.Thread(target=self._drive, args=(todo, take, programs, limit, done), daemon=True)
                   for _ in range(n_threads)]
        for t in threads:
            t.start()
        try:
            for _ in range(len(programs)):
                i, result = done.get()
                if i is None:
                    raise result
                results[i] = result
                if on_result is not None:
                    on_result(i, result)
        finally:
            with take:
                todo.clear()  # on an error here, the workers stop after the job they are running
            for t in threads:
                t.join()
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

