"""MBPP (Austin et al., 2021), from the copy bundled in ``data/mbpp.jsonl`` (CC-BY-4.0).

Prompts are 3-shot in the Austin et al. format that Code Llama's evaluation uses, with tasks
2, 3 and 4 as shots. The test program is generation + setup code + the asserts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from rankkit.errors import InputError
from rankkit.paths import data_file
from rankkit.tasks.base import Problem

SPLITS = {
    "prompt": range(1, 11),
    "test": range(11, 511),
    "validation": range(511, 601),
    "train": range(601, 975),
}
FEW_SHOT_IDS = (2, 3, 4)
STOP_SEQUENCES = ("[DONE]",)
INSTRUCTION = "You are an expert Python programmer, and here is your task: {text} Your code should pass these tests:\n\n{tests}\n"


@dataclass(frozen=True)
class MBPPProblem(Problem):
    def test_program(self, generation: str) -> str:
        setup = self.metadata.get("test_setup_code", "")
        return f"{generation}\n{setup}\n{self.tests}\n"


def _normalise_code(code: str) -> str:
    return code.replace("\r\n", "\n").rstrip()


def task_block(row: dict, solution: str | None) -> str:
    """One task in the few-shot format; the solution and [DONE] only for shots."""
    block = INSTRUCTION.format(text=row["text"], tests="\n".join(row["test_list"])) + "[BEGIN]\n"
    if solution is not None:
        block += f"{solution}\n[DONE]\n"
    return block


@lru_cache(maxsize=1)
def _rows() -> dict[int, dict]:
    path = data_file("mbpp.jsonl")
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {int(r["task_id"]): r for r in rows}


def canonical_task_id(task_id) -> str:
    """'MBPP/11' for 11, '11' or 'MBPP/11'."""
    text = str(task_id)
    return text if text.startswith("MBPP/") else f"MBPP/{int(text)}"


@lru_cache(maxsize=4)
def load_mbpp(split: str = "test", shots: int = 3, include_challenge_tests: bool = False) -> dict[str, MBPPProblem]:
    """Problems of one split keyed by task_id ("MBPP/11" ...), with ``shots``-shot prompts."""
    if split not in SPLITS and split != "all":
        raise InputError(f"unknown MBPP split {split!r}; choose from {', '.join(SPLITS)} or all", param="split")
    rows = _rows()
    prefix = "".join(task_block(rows[i], _normalise_code(rows[i]["code"])) for i in FEW_SHOT_IDS[:shots])
    ids = range(1, 975) if split == "all" else SPLITS[split]
    problems = {}
    for i in ids:
        r = rows[i]
        tests = list(r["test_list"]) + (list(r["challenge_test_list"]) if include_challenge_tests else [])
        tid = canonical_task_id(i)
        problems[tid] = MBPPProblem(
            task_id=tid,
            prompt=prefix + task_block(r, None),
            tests="\n".join(tests),
            stop_sequences=STOP_SEQUENCES,
            entry_point=None,
            reference_solution=_normalise_code(r["code"]),
            metadata={"text": r["text"], "test_setup_code": r["test_setup_code"], "test_list": r["test_list"]},
        )
    return problems
