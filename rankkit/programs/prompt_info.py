"""What a ranker may learn from the prompt alone: the function to write, its instruction, and the
input/output examples the prompt shows (HumanEval docstrings, MBPP's listed asserts).

Nothing here looks at hidden tests: everything comes from the prompt text that the generator saw.
Two prompt shapes are recognised: code prompts (HumanEval: a signature and a docstring; the
program is prompt + generation) and MBPP-style text prompts ("here is your task: ... Your code
should pass these tests: assert ..."; the program is the generation alone).
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

MBPP_TASK = re.compile(r"here is your task:\s*(?P<text>.*?)\s*Your code should pass these tests:\s*(?P<tests>.*?)\s*\[BEGIN\]\s*$",
                       re.S)
# Between a call and its expected value in docstring examples: f(x) ➞ y, f(x) == y, f(x) => y, ...
SEPARATOR = re.compile(r"^\s*(?:➞|==>|=>|->|==|=|should (?:return|be)|returns?|gives?|is)\s*:?\s*", re.I)
FOR_ASSIGNMENT = re.compile(r"For\s+(?P<assign>\w+\s*=.*?)\s*,?\s+the output should be\s+(?P<out>.+)$", re.I)


@dataclass(frozen=True)
class Example:
    """One example from the prompt: a call of the entry point and, when shown, its expected value
    (both Python source; ``expected`` None when the prompt gives no output)."""

    call: str
    expected: str | None = None


@dataclass(frozen=True)
class PromptInfo:
    entry_point: str | None
    instruction: str
    examples: tuple[Example, ...]
    code_prefix: str  # what goes before the generation in a runnable program ("" for text prompts)


def _is_code(prompt: str) -> bool:
    try:
        ast.parse(prompt)
    except (SyntaxError, ValueError):
        return False
    return True


def _last_function(tree: ast.Module) -> ast.FunctionDef | None:
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return defs[-1] if defs else None


def is_literal(node: ast.AST) -> bool:
    """Whether ``ast.literal_eval`` reads the node (a literal, however nested)."""
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _literal_source(text: str) -> str | None:
    """The longest prefix of ``text`` that is a Python literal (trailing '.' or ',' dropped)."""
    text = text.strip()
    for end in range(len(text), 0, -1):
        candidate = text[:end].rstrip().rstrip(".,;")
        if not candidate:
            break
        try:
            node = ast.parse(candidate, mode="eval").body
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if is_literal(node):
            return candidate
    return None


def _balanced_call(text: str, start: int) -> int | None:
    """End index (exclusive) of the parenthesised argument list opening at ``text[start]``."""
    depth, quote = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == "\\":
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _literal_call(source: str, name: str) -> bool:
    try:
        node = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
            and all(is_literal(a) for a in node.args) and all(is_literal(k.value) for k in node.keywords))


def docstring_examples(doc: str, name: str, params: list[str]) -> list[Example]:
    """Examples in a docstring: doctest blocks, ``f(x) ➞ y``-style lines, and "For x = v the
    output should be y" sentences."""
    lines = doc.splitlines()
    examples: list[Example] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith(">>>"):
            call = line[3:].strip()
            out = []
            j = i + 1
            while j < len(lines) and lines[j].strip() and not lines[j].strip().startswith(">>>"):
                out.append(lines[j].strip())
                j += 1
            if _literal_call(call, name):
                expected = _literal_source(" ".join(out)) if out else "None"
                examples.append(Example(call, expected))
            i = j
            continue
        for m in re.finditer(r"\b%s\s*\(" % re.escape(name), line):
            end = _balanced_call(line, m.end() - 1)
            if end is None or not _literal_call(line[m.start():end], name):
                continue
            rest = line[end:]
            sep = SEPARATOR.match(rest)
            expected = _literal_source(rest[sep.end():]) if sep and sep.end() > 0 else None
            examples.append(Example(line[m.start():end], expected))
        m = FOR_ASSIGNMENT.search(line)
        if m and params:
            call = _call_from_assignments(m.group("assign"), name, params)
            if call:
                examples.append(Example(call, _literal_source(m.group("out"))))
        i += 1
    return _unique(examples)


def _call_from_assignments(text: str, name: str, params: list[str]) -> str | None:
    """'lst = [1, 2], k = 3' -> 'name(lst=[1, 2], k=3)' when every parameter gets a literal."""
    values = {}
    for part in re.split(r",\s*(?=\w+\s*=)", text):
        key, _, value = part.partition("=")
        literal = _literal_source(value)
        if literal is None:
            return None
        values[key.strip()] = literal
    if set(values) != set(params):
        return None
    return "%s(%s)" % (name, ", ".join(values[p] for p in params))


def _unique(examples: list[Example]) -> list[Example]:
    seen, out = set(), []
    for e in examples:
        if e.call not in seen:
            seen.add(e.call)
            out.append(e)
    return out


def assert_examples(tests: str) -> tuple[str | None, list[Example]]:
    """(entry point, examples) from MBPP-style asserts: ``assert f(x) == y`` and ``assert f(x)``."""
    name, examples = None, []
    for line in tests.splitlines():
        try:
            node = ast.parse(line.strip())
        except (SyntaxError, ValueError):
            continue
        if len(node.body) != 1 or not isinstance(node.body[0], ast.Assert):
            continue
        test = node.body[0].test
        call, expected = test, "True"
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            call, expected = test.left, ast.get_source_segment(line.strip(), test.comparators[0])
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            name = name or call.func.id
            if call.func.id == name:
                examples.append(Example(ast.get_source_segment(line.strip(), call), expected))
    return name, _unique(examples)


@lru_cache(maxsize=4096)
def prompt_info(prompt: str) -> PromptInfo:
    """Entry point, instruction, examples and program prefix of a HumanEval- or MBPP-style prompt."""
    last = prompt.rfind("here is your task:")
    m = MBPP_TASK.search(prompt, last) if last >= 0 else None
    if m is not None and not _is_code(prompt):
        name, examples = assert_examples(m.group("tests"))
        return PromptInfo(name, m.group("text").strip(), tuple(examples), "")
    if _is_code(prompt):
        fn = _last_function(ast.parse(prompt))
        if fn is not None:
            doc = ast.get_docstring(fn, clean=True) or ""
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
            return PromptInfo(fn.name, doc, tuple(docstring_examples(doc, fn.name, params)), prompt)
        return PromptInfo(None, prompt.strip(), (), prompt)
    return PromptInfo(None, prompt.strip(), (), "")


@lru_cache(maxsize=4096)
def parse_code(code: str) -> ast.Module | None:
    """The code's syntax tree, None if it does not parse; memoised (rankers and input synthesis
    read the same prompts and samples repeatedly), so callers must not change the tree."""
    with warnings.catch_warnings():  # a candidate's SyntaxWarnings are not the user's
        warnings.simplefilter("ignore")
        try:
            return ast.parse(code)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None


@lru_cache(maxsize=1024)
def code_key(code: str) -> str | None:
    """The code's syntax tree as text (comments and formatting ignored), None if it does not
    parse."""
    tree = parse_code(code)
    return None if tree is None else ast.dump(tree)


def adds_code(prefix: str, generation: str) -> bool:
    """Whether the generation adds any code to the prompt's (comments and blank lines do not
    count): a degenerate sample, e.g. a banner of '#', adds nothing and defines no behaviour."""
    if not generation.strip():
        return False
    before, after = code_key(prefix), code_key(prefix + generation)
    return after is None or after != before
