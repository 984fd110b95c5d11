"""What every benchmark problem offers: a prompt, stop sequences and the program its tests run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One benchmark problem. ``test_program(generation)`` is what an executor runs."""

    task_id: str
    prompt: str
    tests: str
    stop_sequences: tuple[str, ...]
    entry_point: str | None = None
    reference_solution: str | None = None
    metadata: dict = field(default_factory=dict, compare=False, hash=False)

    def test_program(self, generation: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def truncate(self, generation: str) -> tuple[str, bool]:
        """Cut ``generation`` at the first stop sequence: (text before it, whether one was found)."""
        return truncate_at_stops(generation, self.stop_sequences)


def truncate_at_stops(text: str, stops) -> tuple[str, bool]:
    """Text before the earliest of ``stops``, and whether any occurred."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text, False) if cut < 0 else (text[:cut], True)
