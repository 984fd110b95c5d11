"""Unit tests that a model wrote: parse them from its text, and read and write tests files.

A generated test is an ``assert`` that calls the problem's entry point. Where it has the form
``assert f(x) == y`` (either way round) with a literal ``y`` it is also a (call, expected) pair:
the pass matrix then records the call's output as well as whether the test held. Others
(``assert f(x)``, tolerances, ``is``) run as the assert itself.

Tests files are JSONL, one line per problem: ``{task_id, tests: [assert, ...]}`` (rankkit's
``tests`` job adds its samples, counts of what was dropped and its cost), or CodeT's release
format ``{task_id, prompt, samples: [completion after "assert ", ...]}``. ``FILE.meta.json``
holds the job's provenance.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rankkit.errors import InputError
from rankkit.programs.probes import Case
from rankkit.programs.prompt_info import is_literal, parse_code, prompt_info


@dataclass(frozen=True)
class Test:
    """An assert (``source``, on one line) and, when it is a pair, its call and expected literal."""

    __test__ = False  # not a pytest class
    source: str
    call: str | None = None
    expected: str | None = None

    @property
    def case(self) -> Case:
        """The probe case that runs it: the pair (output recorded), else the assert."""
        return Case("expr", self.call, self.expected) if self.call else Case("stmt", self.source)


def _calls(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(node))


def _direct_call(node: ast.AST, name: str | None) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and (name is None or node.func.id == name))


def parse_test(text: str, entry_point: str | None) -> Test | None:
    """The test in one assert's text (its lines joined), None if it does not parse as one assert
    that calls the entry point (any function when ``entry_point`` is None)."""
    text = text.strip()
    if not text.startswith("assert"):
        text = "assert " + text
    tree = parse_code(text) or parse_code(re.sub(r"\s*\n\s*", " ", text))
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return None
    source = ast.unparse(tree.body[0])  # one line, comments and layout dropped
    test = tree.body[0].test
    if entry_point is not None and not _calls(test, entry_point):
        return None
    if entry_point is None and not any(isinstance(n, ast.Call) for n in ast.walk(test)):
        return None

    def pair(call, expected):
        if _direct_call(call, entry_point) and is_literal(expected):
            return Test(source, ast.unparse(call), ast.unparse(expected))
        return None

    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        left, right = test.left, test.comparators[0]
        return pair(left, right) or pair(right, left) or Test(source)
    return Test(source)  # ``assert f(x)``, ``is``, tolerances: the assert itself is the test


@dataclass
class Parsed:
    """Tests read from model text, and how many asserts were dropped, by reason."""

    tests: list[Test]
    unparsable: int = 0
    no_entry_point: int = 0
    duplicate: int = 0


def parse_tests(texts, entry_point: str | None, per_text: int | None = None) -> Parsed:
    """Distinct tests from model outputs, in order: each text is split at lines starting with
    ``assert`` (anything else is skipped); at most ``per_text`` kept from one text (CodeT keeps 5)."""
    out = Parsed([])
    seen: set[str] = set()
    for text in texts:
        kept = 0
        for chunk in re.split(r"\n[ \t]*(?=assert\b)", "\n" + text):
            chunk = _cut(chunk)
            if not chunk.startswith("assert"):
                continue
            test = parse_test(chunk, entry_point)
            if test is None:
                if entry_point is not None and parse_test(chunk, None) is not None:
                    out.no_entry_point += 1
                else:
                    out.unparsable += 1
                continue
            if test.source in seen:
                out.duplicate += 1
                continue
            seen.add(test.source)
            out.tests.append(test)
            kept += 1
            if per_text is not None and kept == per_text:
                break
    return out


def _cut(chunk: str) -> str:
    """An assert chunk without what follows it (comments, blank-line-separated code)."""
    lines = []
    for line in chunk.strip("\n").split("\n"):
        if lines and (not line.strip() or not line[:1].isspace() and not line.lstrip().startswith(("assert", ")", "]", "}"))):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def completion_tests(completion: str, entry_point: str, per_text: int | None = 5) -> Parsed:
    """Tests in a completion of a prompt that ended in ``assert {entry_point}(``."""
    return parse_tests([f"assert {entry_point}(" + completion], entry_point, per_text)


def _version(path: str) -> tuple[int, int]:
    """What tells a changed file apart (so a file rewritten in the same process is read again)."""
    try:
        st = Path(path).stat()
    except OSError as e:
        raise InputError(f"cannot read tests file {path}: {e}") from None
    return st.st_mtime_ns, st.st_size


def read_tests(path: str, per_sample: int = 5) -> dict[str, list[Test]]:
    """task_id -> distinct tests, from a tests file (see the module's docstring); ``per_sample``:
    asserts kept per completion of CodeT's format."""
    return _read_tests(str(path), per_sample, _version(str(path)))


@lru_cache(maxsize=8)
def _read_tests(path: str, per_sample: int, version) -> dict[str, list[Test]]:
    opener = gzip.open if path.endswith(".gz") else open
    out: dict[str, list[Test]] = {}
    try:
        fh = opener(path, "rt", encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read tests file {path}: {e}") from None
    with fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                task_id = str(row["task_id"])
                if "tests" in row:
                    entry = row.get("entry_point")
                    tests = []
                    for t in row["tests"]:
                        test = parse_test(str(t), entry)
                        if test is None:
                            raise ValueError(f"test {t!r} is not an assert" + (f" calling {entry}" if entry else ""))
                        tests.append(test)
                else:  # CodeT's release: completions of a prompt that ended in "assert "
                    entry = prompt_info(row["prompt"].rsplit("assert", 1)[0]).entry_point if row.get("prompt") else None
                    tests = parse_tests(["assert " + s for s in row["samples"]], entry, per_sample).tests
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise InputError(f"{path}, line {line_no}: not a tests record ({e})") from None
            if task_id in out:
                raise InputError(f"{path}, line {line_no}: task {task_id} appears twice")
            out[task_id] = list({t.source: t for t in tests}.values())
    return out


def writing_cost(path: str) -> dict[str, tuple[float, float]]:
    """task_id -> (FLOPs, seconds) that writing its tests cost, from a tests file written by
    ``rankkit tests`` (empty for other files: their cost is unknown)."""
    return _writing_cost(str(path), _version(str(path)))


@lru_cache(maxsize=8)
def _writing_cost(path: str, version) -> dict[str, tuple[float, float]]:
    out = {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                cost = row.get("cost")
                if isinstance(cost, dict):
                    out[str(row["task_id"])] = (float(cost.get("flops") or 0.0), float(cost.get("seconds") or 0.0))
    return out


def write_tests(rows, path: str | Path) -> None:
    """Write tests rows (dicts with task_id and tests) as JSONL, atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(tmp, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)
