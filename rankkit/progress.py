"""The one progress display for anything slow: done/total, rate, time left, on stderr.

On a terminal it is a live rich bar; elsewhere (a log file, a notebook's captured stderr, CI) a
plain status line every ``every`` seconds (and one at the end of a job that printed any), so a
long job is never silent and a short one prints nothing.
``enabled=False`` keeps it quiet.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """``with Progress(total, "scoring", unit="problems") as bar: ... bar.advance(1, rate_text)``.

    ``advance(n, note)``: n more items done; ``note`` (e.g. "812 tok/s") is shown beside the
    bar. The rate and time left are over items since the start.
    """

    def __init__(self, total: int, description: str, unit: str = "items", enabled: bool = True,
                 every: float = 15.0, stream=None):
        self.total, self.description, self.unit = int(total), description, unit
        self.enabled, self.every = enabled and total > 0, every
        self.stream = stream or sys.stderr
        self.done, self.note = 0, ""
        self._bar = self._task = self._ticker = None
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._printed = False

    def __enter__(self) -> "Progress":
        if not self.enabled:
            return self
        self._started = time.monotonic()
        from rich.console import Console

        console = Console(file=self.stream)
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn(self.unit), TextColumn("{task.fields[note]}"), TimeRemainingColumn(),
                            console=console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total, note="")
        else:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._line()

    def _line(self) -> None:
        self._printed = True
        print(self.status(), file=self.stream, flush=True)

    def status(self) -> str:
        """'ranking with codet: 12/40 problems, 0.8 problems/s, 35s left [note]'."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        left = f", {_duration((self.total - self.done) / rate)} left" if 0 < self.done < self.total else ""
        note = f", {self.note}" if self.note else ""
        return (f"{self.description}: {self.done}/{self.total} {self.unit}, {rate:.3g} {self.unit}/s"
                f"{left}{note}, {_duration(elapsed)} elapsed")

    def advance(self, n: int = 1, note: str | None = None) -> None:
        self.done += n
        if note is not None:
            self.note = note
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=n, note=self.note)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._bar is not None:
            self._bar.stop()
        if self._ticker is not None:
            self._ticker.join()
            if self._printed and exc[0] is None:
                self._line()


def progress(items: Iterable[T], total: int | None = None, description: str = "",
             enabled: bool = True, unit: str = "items") -> Iterator[T]:
    """Iterate ``items`` while showing a ``Progress`` over them."""
    items = list(items) if total is None else items
    with Progress(len(items) if total is None else total, description, unit, enabled) as bar:
        for item in items:
            yield item
            bar.advance(1)
