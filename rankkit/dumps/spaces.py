"""The SentencePiece leading-space artefact of the released Code Llama dumps, and its repair."""

from __future__ import annotations

from typing import Mapping

from rankkit.dumps.model import TaskSamples



def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def prompt_body_indent(prompt: str) -> int | None:
    """Columns at which a generation continuing ``prompt`` should start, or None if unknown.

    The last non-blank prompt line's indentation, one level (4) deeper if it opens a block.
    None when the prompt does not end at a line start (the generation then continues a line).
    """
    if not prompt.endswith("\n"):
        return None
    for line in reversed(prompt.splitlines()):
        if line.strip():
            base = _indent(line)
            return base + 4 if line.rstrip().endswith(":") else base
    return 0


def repair_leading_space(prompt: str | None, generation: str) -> tuple[str, bool]:
    """Restore the space that Code Llama's SentencePiece decoding drops from the first token.

    Applies only when the generation's first line is exactly one column short of the prompt's
    body indentation (e.g. 3 spaces under a 4-space body), which Python would reject as an
    inconsistent dedent anyway. Returns (generation, repaired?).
    """
    if not prompt or not generation:
        return generation, False
    return _repair(prompt_body_indent(prompt), generation)


def _repair(expected: int | None, generation: str) -> tuple[str, bool]:
    if not expected:
        return generation, False
    short = expected - 1
    # Exactly `short` spaces, then the first line's text (not more indentation, not a blank line).
    if generation.startswith(" " * short) and generation[short:short + 1] not in ("", " ", "\t", "\n", "\r"):
        return " " + generation, True
    return generation, False


def repair_task_spaces(task: "TaskSamples") -> list[int]:
    """Apply ``repair_leading_space`` to every generation of a task in place; the repaired indices."""
    if not task.prompt:
        return []
    expected = prompt_body_indent(task.prompt)
    if not expected:
        return []
    fixed = []
    for i, g in enumerate(task.generations):
        new, changed = _repair(expected, g)
        if changed:
            task.generations[i] = new
            fixed.append(i)
    return fixed


def _repair_all(tasks: Mapping[str, TaskSamples]) -> dict[str, list[int]]:
    repaired = {}
    for task in tasks.values():
        fixed = repair_task_spaces(task)
        if fixed:
            repaired[task.task_id] = fixed
    return repaired
