"""CodeT (Chen et al., 2022): dual execution agreement with model-generated tests.

The same model that wrote the solutions also wrote test cases (``assert f(x) == y``; the demo
dump's are bundled in ``data/humaneval_codegen16b_codet_tests.jsonl.gz``). Every solution runs
against every generated test; solutions that pass exactly the same tests form a consensus set,
scored |solutions in the set| x |tests they pass|. A solution's score is its set's score.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
from rankkit.errors import InputError, UnknownNameError

from rankkit.paths import data_file
from rankkit.programs.probes import Case
from rankkit.rankers.probing import ProbingRanker
from rankkit.programs.prompt_info import prompt_info
from rankkit.rankers.registry import register_ranker

DEFAULT_TESTS = "humaneval_codegen16b_codet_tests.jsonl.gz"


def extract_tests(completion: str, entry_point: str | None, per_sample: int = 5) -> list[str]:
    """The first ``per_sample`` well-formed asserts (calling the entry point) of a completion of
    a prompt that ended in ``assert ``; each on one line."""
    tests = []
    for chunk in re.split(r"\nassert\b", completion):
        text = "assert " + re.sub(r"\s*\n\s*", " ", chunk).strip()
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
            continue
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if entry_point is not None and entry_point not in calls:
            continue
        tests.append(text)
        if len(tests) == per_sample:
            break
    return tests


@lru_cache(maxsize=4)
def load_generated_tests(path: str, per_sample: int = 5) -> dict[str, list[str]]:
    """task_id -> distinct generated asserts (in order of first appearance) from a JSONL(.gz) file
    of ``{task_id, prompt, samples: [completion, ...]}`` lines, or of ``{task_id, tests: [...]}``."""
    opener = gzip.open if path.endswith(".gz") else open
    out: dict[str, list[str]] = {}
    with opener(path, "rt", encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                task_id = str(row["task_id"])
                if "tests" in row:
                    tests = [str(t) for t in row["tests"]]
                else:
                    entry = prompt_info(row["prompt"].rsplit("assert", 1)[0]).entry_point if row.get("prompt") else None
                    tests = [t for s in row["samples"] for t in extract_tests(s, entry, per_sample)]
            except (ValueError, KeyError, TypeError) as e:
                raise InputError(f"{path}, line {line_no}: not a generated-tests record ({e})") from None
            out[task_id] = list(dict.fromkeys(tests))
    return out


@register_ranker("codet")
class CodeTRanker(ProbingRanker):
    """Consensus sets of (solutions, generated tests they pass), scored |S_x| x |S_y|."""

    name = "codet"

    def __init__(self, tests: str | None = None, per_sample: int = 5, **kwargs):
        super().__init__(**kwargs)
        self.tests_path = str(tests) if tests else str(data_file(DEFAULT_TESTS))
        if not Path(self.tests_path).exists():
            raise InputError(f"generated tests file not found: {self.tests_path}", param="rankers")
        self.per_sample = per_sample

    def identity(self) -> dict:
        """The generated tests' file (the bundled one by default) by content."""
        from rankkit.fingerprint import file_fingerprint

        return {"tests_file": file_fingerprint(self.tests_path)}

    def cases(self, problem):
        tests = load_generated_tests(self.tests_path, self.per_sample)
        if str(problem.task_id) not in tests:
            raise UnknownNameError(f"{self.tests_path} has no generated tests for task {problem.task_id}")
        info = prompt_info(problem.prompt)
        return info.code_prefix, [Case("stmt", t) for t in tests[str(problem.task_id)]]

    def combine(self, problem, generations, results):
        groups = defaultdict(list)
        for i, r in enumerate(results):
            groups[frozenset(j for j, ok in enumerate(r.passed) if ok)].append(i)
        scores = np.zeros(len(results))
        for passed, members in groups.items():
            scores[members] = len(members) * len(passed)
        return scores
