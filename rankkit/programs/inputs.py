"""Call inputs for any problem with an entry point, without expected outputs (issue 17).

The signature comes from the prompt (a code prompt's last ``def``) or, when the prompt has none,
from the one most candidates define — never from a reference solution. Seeds are the calls the
prompt shows (and any given in a tests file); values typed by the annotations (``int``, ``str``,
``List[...]``, ``Dict``, ``Optional``, ``Union``, nested), by defaults, or by the constants the
candidates compare against, fill in. Seeds then grow by type-aware mutation (EvalPlus-style:
small and boundary values, empty containers, lengths, sign flips, element edits) into up to N
distinct calls, deterministically from a seed. Every call is literal Python source.
"""

from __future__ import annotations

import ast
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from rankkit.programs.prompt_info import is_literal, parse_code, prompt_info

ATOMS = ("int", "float", "str", "bool", "none")
MAX_LEN = 8  # elements of a generated container
MAX_DEPTH = 3


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str | None = None  # source text of the annotation
    default: str | None = None  # source text of a literal default


@dataclass(frozen=True)
class Signature:
    """The entry point's name and positional parameters, and where they were read (``source``:
    "prompt", "candidates" or "examples")."""

    name: str
    params: tuple[Param, ...]
    source: str


@dataclass(frozen=True)
class Input:
    """One call of the entry point (literal source) and how it was made: "example" (shown by the
    prompt), "tests" (a tests file), "typed" (drawn from the signature) or "mutation"."""

    call: str
    provenance: str


# --- signatures --------------------------------------------------------------------------------

def _params(fn: ast.FunctionDef, source: str) -> tuple[Param, ...]:
    args = fn.args.posonlyargs + fn.args.args
    defaults = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
    out = []
    for a, d in zip(args, defaults):
        if a.arg in ("self", "cls"):
            continue
        ann = ast.get_source_segment(source, a.annotation) if a.annotation is not None else None
        default = ast.get_source_segment(source, d) if d is not None and is_literal(d) else None
        out.append(Param(a.arg, ann, default))
    return tuple(out)


def _functions(code: str, name: str) -> list[tuple[ast.FunctionDef, str]]:
    tree = parse_code(code)
    if tree is None:
        return []
    return [(n, code) for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]


def _voted_name(prefix: str, candidates: Sequence[str]) -> str | None:
    """The name most candidates give the last function they define at the top level."""
    votes = Counter()
    for code in candidates:
        tree = parse_code(prefix + code)
        defs = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] if tree else []
        if defs:
            votes[defs[-1]] += 1
    return votes.most_common(1)[0][0] if votes else None


def find_signature(prompt: str, candidates: Sequence[str] = (), entry_point: str | None = None) -> Signature | None:
    """The prompt's signature of the entry point; else the one most candidates define (arity,
    names, annotations); else one read off the prompt's example calls (arity only). A prompt
    that names no function (plain text) takes the name most candidates give their last
    top-level function."""
    info = prompt_info(prompt)
    name = entry_point or info.entry_point or _voted_name(info.code_prefix, candidates)
    if name is None:
        return None
    if info.code_prefix:
        found = _functions(info.code_prefix, name)
        if found:
            return Signature(name, _params(*found[-1]), "prompt")
    votes = Counter()
    for code in candidates:
        found = _functions(info.code_prefix + code, name)
        if found:
            votes[_params(*found[-1])] += 1
    if votes:
        return Signature(name, votes.most_common(1)[0][0], "candidates")
    arity = Counter(len(_call_args(e.call)[0]) for e in info.examples if _call_args(e.call) is not None)
    if arity:
        n = arity.most_common(1)[0][0]
        return Signature(name, tuple(Param(f"arg{i}") for i in range(n)), "examples")
    return None


# --- values ------------------------------------------------------------------------------------

def _call_args(call: str) -> tuple[list[Any], dict[str, Any]] | None:
    """The literal positional and keyword arguments of a call's source, or None."""
    try:
        node = ast.parse(call, mode="eval").body
        if not isinstance(node, ast.Call):
            return None
        return ([ast.literal_eval(a) for a in node.args], {k.arg: ast.literal_eval(k.value) for k in node.keywords})
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def type_spec(annotation: str | None) -> tuple:
    """An annotation's source as a nested spec: ("int",), ("list", elem), ("tuple", [elems] or
    elem + "..."), ("dict", k, v), ("set", elem), ("union", [specs]), ("any",)."""
    if not annotation:
        return ("any",)
    try:
        node = ast.parse(annotation, mode="eval").body
    except (SyntaxError, ValueError):
        return ("any",)
    return _spec(node)


def _name(node) -> str:
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    if isinstance(node, ast.Constant) and node.value is None:
        return "none"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.lower()
    return ""


def _spec(node) -> tuple:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", [_spec(node.left), _spec(node.right)])
    if isinstance(node, ast.Subscript):
        outer = _name(node.value)
        inner = node.slice
        items = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
        if outer in ("list", "sequence", "iterable", "collection", "deque"):
            return ("list", _spec(items[0]))
        if outer == "set" or outer == "frozenset":
            return ("set", _spec(items[0]))
        if outer in ("dict", "mapping"):
            return ("dict", _spec(items[0]), _spec(items[1]) if len(items) > 1 else ("any",))
        if outer == "tuple":
            if len(items) == 2 and isinstance(items[1], ast.Constant) and items[1].value is Ellipsis:
                return ("tuple", _spec(items[0]), "...")
            return ("tuple", [_spec(i) for i in items])
        if outer == "optional":
            return ("union", [_spec(items[0]), ("none",)])
        if outer == "union":
            return ("union", [_spec(i) for i in items])
        return ("any",)
    name = _name(node)
    aliases = {"integer": "int", "number": "float", "string": "str", "nonetype": "none"}
    name = aliases.get(name, name)
    if name in ATOMS:
        return (name,)
    if name in ("list", "tuple", "set", "dict"):
        return {"list": ("list", ("int",)), "tuple": ("tuple", ("int",), "..."), "set": ("set", ("int",)),
                "dict": ("dict", ("str",), ("int",))}[name]
    return ("any",)


def spec_of(value: Any, depth: int = 0) -> tuple:
    """The spec of a literal value (e.g. a default or an example argument)."""
    if isinstance(value, bool):
        return ("bool",)
    if isinstance(value, int):
        return ("int",)
    if isinstance(value, float):
        return ("float",)
    if isinstance(value, str):
        return ("str",)
    if value is None:
        return ("none",)
    if depth >= MAX_DEPTH:
        return ("any",)
    if isinstance(value, (list, set, frozenset)):
        elem = spec_of(next(iter(value)), depth + 1) if value else ("int",)
        return ("set" if isinstance(value, (set, frozenset)) else "list", elem)
    if isinstance(value, tuple):
        return ("tuple", [spec_of(v, depth + 1) for v in value]) if value else ("tuple", ("int",), "...")
    if isinstance(value, dict):
        if not value:
            return ("dict", ("str",), ("int",))
        k, v = next(iter(value.items()))
        return ("dict", spec_of(k, depth + 1), spec_of(v, depth + 1))
    return ("any",)


class Drawer:
    """Draws values of a spec from a seeded generator, preferring small and boundary values and
    the constants the candidates compare against."""

    def __init__(self, rng: np.random.Generator, constants: Sequence[Any] = ()):
        self.rng = rng
        self.ints = [c for c in constants if isinstance(c, int) and not isinstance(c, bool) and abs(c) < 10 ** 6]
        self.strs = [c for c in constants if isinstance(c, str) and len(c) <= 20]
        self.floats = [c for c in constants if isinstance(c, float) and math.isfinite(c)]

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def draw(self, spec: tuple, depth: int = 0) -> Any:
        kind = spec[0]
        r = self.rng
        if kind == "any":
            return self.draw(self.pick([("int",), ("str",), ("list", ("int",))]), depth)
        if kind == "int":
            pool = [0, 1, 2, 3, -1, 5, 10, 7, 100, int(r.integers(-20, 21)), int(r.integers(0, 1000))] + self.ints
            return int(self.pick(pool))
        if kind == "float":
            pool = [0.0, 1.0, -1.0, 0.5, 2.5, 3.14, round(float(r.normal(0, 10)), 3), 100.0] + self.floats
            return float(self.pick(pool))
        if kind == "bool":
            return bool(r.integers(2))
        if kind == "none":
            return None
        if kind == "str":
            letters = "abcdefghijklmnopqrstuvwxyz"
            n = int(r.integers(0, 9))
            pool = ["", "a", "abc", "hello world", "Hello", "aba", "".join(self.pick(list(letters)) for _ in range(n)),
                    "123", "a b c"] + self.strs
            return str(self.pick(pool))
        if depth >= MAX_DEPTH:
            return [] if kind == "list" else self.draw(("int",), depth)
        n = int(r.integers(0, MAX_LEN + 1))
        if kind == "list":
            return [self.draw(spec[1], depth + 1) for _ in range(n)]
        if kind == "set":
            return {v for v in (self.draw(spec[1], depth + 1) for _ in range(n)) if _hashable(v)}
        if kind == "tuple":
            if len(spec) == 3:
                return tuple(self.draw(spec[1], depth + 1) for _ in range(n))
            return tuple(self.draw(s, depth + 1) for s in spec[1])
        if kind == "dict":
            out = {}
            for _ in range(n):
                k = self.draw(spec[1], depth + 1)
                if _hashable(k):
                    out[k] = self.draw(spec[2], depth + 1)
            return out
        if kind == "union":
            return self.draw(self.pick(spec[1]), depth)
        return 0


def _hashable(v) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _element_specs(spec: tuple | None, kind: str):
    """The specs of a container's parts, when its spec is known (else None: read off the value)."""
    if not spec or spec[0] != kind:
        return None
    return spec[1:] if kind == "dict" else spec[1]


def mutate(value: Any, drawer: Drawer, depth: int = 0, spec: tuple | None = None) -> Any:
    """One type-preserving edit of a value: a neighbour, a sign flip, a boundary value, an empty
    or shorter or longer container, one element changed. ``spec`` (when known) types what an
    empty container may gain."""
    r = drawer.rng
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return int(drawer.pick([value + 1, value - 1, -value, 0, value * 2, value + int(r.integers(-10, 11))]))
    if isinstance(value, float):
        return float(drawer.pick([value + 1.0, value - 0.5, -value, 0.0, value * 2, round(value / 3, 4)]))
    if isinstance(value, str):
        i = int(r.integers(0, len(value) + 1))
        letter = drawer.pick(list("abcxyzA !0"))
        edits = ["", value[::-1], value + letter, value[:i] + letter + value[i:], value.upper(), value * 2]
        if value:
            edits += [value[:i] + value[i + 1:], value[1:], value[:-1]]
        return drawer.pick(edits)
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, tuple):  # often a record of fixed shape: one element changes, the length stays
        if not value:
            return value
        parts = spec[1] if spec and spec[0] == "tuple" and len(spec) == 2 else None
        items = list(value)
        j = int(r.integers(len(items)))
        items[j] = mutate(items[j], drawer, depth + 1, parts[j] if parts and j < len(parts) else None)
        return tuple(items)
    if isinstance(value, list):
        elem = _element_specs(spec, "list") or (spec_of(value[0]) if value else None)
        items = list(value)
        edits = ["empty", "append", "duplicate", "reverse", "element"] if items else ["append"]
        if len(items) > 1:
            edits += ["drop", "sort"]
        edit = drawer.pick(edits)
        if edit == "empty":
            items = []
        elif edit == "append":
            if items:
                items.append(mutate(items[-1], drawer, depth + 1, elem))
            elif elem is not None:
                items.append(drawer.draw(elem, depth + 1))
        elif edit == "duplicate":
            items.insert(int(r.integers(len(items))), items[int(r.integers(len(items)))])
        elif edit == "reverse":
            items.reverse()
        elif edit == "drop":
            items.pop(int(r.integers(len(items))))
        elif edit == "sort":
            try:
                items.sort()
            except TypeError:
                items.reverse()
        else:
            j = int(r.integers(len(items)))
            items[j] = mutate(items[j], drawer, depth + 1, elem)
        return items
    if isinstance(value, (set, frozenset)):
        elem = _element_specs(spec, "set")
        items = list(value)
        if items and r.integers(2):
            items.pop(int(r.integers(len(items))))
        elif items or elem is not None:
            extra = mutate(items[0], drawer, depth + 1, elem) if items else drawer.draw(elem, depth + 1)
            if _hashable(extra):
                items.append(extra)
        return set(items)
    if isinstance(value, dict):
        parts = _element_specs(spec, "dict")
        key_spec, value_spec = parts if parts else (None, None)
        items = list(value.items())
        if items and r.integers(2):
            items.pop(int(r.integers(len(items))))
        elif items:
            k, v = items[int(r.integers(len(items)))]
            new_key = mutate(k, drawer, depth + 1, key_spec)
            if _hashable(new_key):
                items.append((new_key, v))
            j = int(r.integers(len(items)))
            items[j] = (items[j][0], mutate(items[j][1], drawer, depth + 1, value_spec))
        elif key_spec is not None:
            new_key = drawer.draw(key_spec, depth + 1)
            if _hashable(new_key):
                items.append((new_key, drawer.draw(value_spec, depth + 1)))
        return dict(items)
    return value


def literal_source(value: Any) -> str | None:
    """``repr`` of a value made of literals, checked to read back as the same value (None: not
    expressible, e.g. inf or nan, which ``literal_eval`` does not read)."""
    text = repr(value)
    try:
        back = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return text if back == value else None


def compared_constants(codes: Sequence[str], limit: int = 40) -> dict[str | None, list[Any]]:
    """Literal constants the candidates' code compares against (the values an untyped parameter
    is likely tested with), most frequent first: under None all of them, under a name those of
    comparisons that name it. Each candidate is parsed once (and the parse is shared)."""
    counts: dict[str | None, Counter] = {None: Counter()}
    for code in codes:
        tree = parse_code(code)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            found = [(type(s.value).__name__, s.value) for s in sides
                     if isinstance(s, ast.Constant) and isinstance(s.value, (int, float, str))]
            names = {s.id for s in sides if isinstance(s, ast.Name)}
            for key in (None, *names):
                counts.setdefault(key, Counter()).update(found)
    return {key: [v for (_, v), _ in c.most_common(limit)] for key, c in counts.items()}


# --- putting it together -----------------------------------------------------------------------

def _call_source(name: str, args: Sequence[Any]) -> str | None:
    parts = []
    for a in args:
        text = literal_source(a)
        if text is None:
            return None
        parts.append(text)
    return f"{name}({', '.join(parts)})"


def _positional(sig: Signature, args: list, kwargs: dict) -> list | None:
    """Keyword arguments of an example moved to their positions in the signature."""
    names = [p.name for p in sig.params]
    out = list(args)
    for name in names[len(args):]:
        if name in kwargs:
            out.append(kwargs.pop(name))
        else:
            break
    return out if not kwargs else None


# What an untyped parameter's name usually holds (checked after annotations, defaults, values
# the prompt assigns to it and the seeds' values, before the candidates' constants).
NAME_SPECS = [
    (("grid", "matrix", "board", "mat"), ("list", ("list", ("int",)))),
    (("words", "strings", "names", "strs", "lst_str"), ("list", ("str",))),
    (("arr", "array", "lst", "list", "nums", "numbers", "values", "xs", "l", "li", "seq", "items", "data",
      "list1", "list2", "arr1", "arr2", "test_list", "test_tup", "tup", "nums1", "nums2"), ("list", ("int",))),
    (("dict", "d", "dct", "mapping", "dict1"), ("dict", ("str",), ("int",))),
    (("s", "string", "text", "txt", "word", "str", "sentence", "str1", "str2", "s1", "s2", "a_str", "c", "ch",
      "char", "message", "name", "string1", "string2", "date", "brackets", "expression"), ("str",)),
    (("x", "y", "z", "n", "k", "m", "a", "b", "num", "number", "capacity", "base", "p", "q", "i", "j", "limit",
      "start", "end", "low", "high", "size", "length", "count", "w", "h"), ("int",)),
    (("f", "r", "radius", "val", "value", "threshold", "num_float"), ("float",)),
]


def name_spec(name: str) -> tuple:
    low = name.lower()
    for names, spec in NAME_SPECS:
        if low in names:
            return spec
    for names, spec in NAME_SPECS:  # plurals and suffixes: "scores", "my_list", "sentence2"
        if any(low.rstrip("0123456789").endswith(n) for n in names if len(n) > 2):
            return spec
    return ("any",)


def assigned_values(text: str, names: Sequence[str]) -> dict[str, list[Any]]:
    """Literal values the prompt text assigns to each parameter name (``arr = [1, 2]``,
    ``grid : [[0, 1]]``): how a docstring often shows an example it gives no call for."""
    import re

    out: dict[str, list[Any]] = {}
    for name in names:
        for m in re.finditer(r"\b%s\s*[=:]\s*" % re.escape(name), text):
            rest = text[m.end():]
            for end in range(min(len(rest), 400), 0, -1):  # the longest literal that parses
                chunk = rest[:end].rstrip(" ,.;\n")
                if not chunk or chunk[0] not in "[({'\"-0123456789TFN":
                    break
                try:
                    value = ast.literal_eval(chunk)
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    continue
                out.setdefault(name, []).append(value)
                break
    return out


def param_specs(sig: Signature, seeds: Sequence[list], constants: Sequence[Any],
                assigned: dict[str, list[Any]] | None = None,
                compared: dict[str, list[Any]] | None = None) -> list[tuple]:
    """One spec per parameter: its annotation; else its default's type; else the type of the
    values the prompt assigns to it or the seeds pass there; else of the constants the candidates
    compare it with; else what its name usually holds; else the most common constant's type;
    else int."""
    specs = []
    for i, p in enumerate(sig.params):
        spec = type_spec(p.annotation)
        if spec == ("any",) and p.default is not None:
            spec = spec_of(ast.literal_eval(p.default))
        if spec == ("any",):
            seen = [s[i] for s in seeds if i < len(s)] + list((assigned or {}).get(p.name, []))
            if seen:
                spec = spec_of(seen[0])
        if spec == ("any",) and (compared or {}).get(p.name):
            spec = spec_of(compared[p.name][0])
        if spec == ("any",):
            spec = name_spec(p.name)
        if spec == ("any",) and constants:
            spec = spec_of(constants[0])
        specs.append(spec if spec != ("any",) else ("int",))
    return specs


def synthesize_inputs(prompt: str, candidates: Sequence[str] = (), *, entry_point: str | None = None,
                      tests: Sequence[str] = (), n: int = 30, seed: int = 0) -> tuple[Signature | None, list[Input]]:
    """Up to ``n`` distinct calls of the entry point: the prompt's example calls and ``tests``
    (call sources) first, then values drawn from the signature's types, then mutations of all of
    those; the same arguments give the same calls. (None, []) when no signature can be found."""
    info = prompt_info(prompt)
    sig = find_signature(prompt, candidates, entry_point)
    if sig is None or not sig.params and not info.examples:
        return sig, ([Input(f"{sig.name}()", "typed")] if sig is not None else [])
    rng = np.random.default_rng(seed)
    arity = len(sig.params)
    seeds: list[tuple[list, str]] = []
    for source, calls in (("example", [e.call for e in info.examples]), ("tests", list(tests))):
        for call in calls:
            parsed = _call_args(call)
            if parsed is None:
                continue
            args = _positional(sig, *parsed)
            if args is not None and len(args) == arity:
                seeds.append((args, source))
    found = compared_constants([info.code_prefix + c for c in candidates])
    constants = found[None]
    assigned = assigned_values(info.instruction, [p.name for p in sig.params])
    if assigned and all(p.name in assigned or p.default is not None for p in sig.params):
        # a docstring's "x = ..., y = ..." example; parameters it leaves out keep their defaults
        for k in range(max(len(v) for v in assigned.values())):
            seeds.append(([assigned[p.name][min(k, len(assigned[p.name]) - 1)] if p.name in assigned
                           else ast.literal_eval(p.default) for p in sig.params], "example"))
    compared = {p.name: found.get(p.name, []) for p in sig.params}
    specs = param_specs(sig, [a for a, _ in seeds], constants, assigned, compared)
    drawer = Drawer(rng, constants)
    out: list[Input] = []
    seen: set[str] = set()
    pool: list[list] = []

    def add(args: list, provenance: str) -> None:
        call = _call_source(sig.name, args)
        if call is not None and call not in seen and len(call) <= 2000:
            seen.add(call)
            out.append(Input(call, provenance))
            pool.append(args)

    for args, source in seeds:
        add(list(args), source)
    defaults = [ast.literal_eval(p.default) if p.default is not None else None for p in sig.params]
    if all(p.default is not None for p in sig.params) and sig.params:
        add(defaults, "typed")
    for j, p in enumerate(sig.params):  # the values the candidates test each parameter against
        for value in compared.get(p.name, [])[:3]:
            if spec_of(value) == specs[j] or specs[j][0] == "union":
                args = [drawer.draw(s) for s in specs]
                args[j] = value
                add(args, "typed")
    for _ in range(max(3, n // 4)):
        if len(out) >= n:
            break
        add([drawer.draw(s) for s in specs], "typed")
    attempts = 0
    while len(out) < n and pool and attempts < 40 * n:
        attempts += 1
        base = list(pool[int(rng.integers(len(pool)))])
        if not base:
            break
        j = int(rng.integers(len(base)))
        base[j] = mutate(base[j], drawer, spec=specs[j] if specs[j][0] != "union" else None)
        add(base, "mutation")
    return sig, out[:n]


def well_formed(inputs: Sequence[Input], raised: np.ndarray, threshold: float = 0.9) -> list[bool]:
    """Which inputs to keep: ``raised`` is candidates x inputs (True where that candidate raised or
    timed out on that input). Only candidates that run without raising on some input say anything
    about the inputs; an input on which at least ``threshold`` of those raise is ill-formed. Uses
    the candidates only, never labels; with no such candidate every input is kept."""
    raised = np.asarray(raised, dtype=bool).reshape(-1, len(inputs))
    informative = raised[~raised.all(axis=1)] if raised.size else raised
    if informative.shape[0] == 0:
        return [True] * len(inputs)
    return [bool(informative[:, j].mean() < threshold) for j in range(len(inputs))]


def candidate_raises(prompt: str, candidates: Sequence[str], inputs: Sequence[Input], *, max_candidates: int = 20,
                     workers: int | None = None, cache=True) -> np.ndarray:
    """candidates x inputs: True where a candidate (up to ``max_candidates`` distinct ones that
    load) raised or timed out on an input, run in the sandbox like every probe."""
    from rankkit.programs.probes import Case, run_probes

    prefix = prompt_info(prompt).code_prefix
    distinct = list(dict.fromkeys(c for c in candidates if c.strip()))[:max_candidates]
    if not distinct or not inputs:
        return np.zeros((0, len(inputs)), dtype=bool)
    cases = [Case("expr", i.call) for i in inputs]
    results = run_probes([(prefix + c, cases) for c in distinct], workers=workers, cache=cache)
    rows = [[fp is None or fp.startswith("!") for fp in r.fingerprints] for r in results if r.loaded]
    return np.array(rows, dtype=bool).reshape(len(rows), len(inputs))


def well_formed_inputs(prompt: str, candidates: Sequence[str], inputs: Sequence[Input], threshold: float = 0.9,
                       **kw) -> tuple[list[Input], list[Input]]:
    """(kept, dropped): an input on which at least ``threshold`` of the loading candidates raise
    is ill-formed (it breaks the problem's contract, not the candidates); no candidates: all kept."""
    keep = well_formed(inputs, candidate_raises(prompt, candidates, inputs, **kw), threshold)
    return [i for i, k in zip(inputs, keep) if k], [i for i, k in zip(inputs, keep) if not k]


def calls_from_tests(tests: Sequence[str], entry_point: str) -> list[str]:
    """The entry-point calls inside test statements (``assert f(x) == y``, ``assert f(x)``, or a
    bare call): seeds for synthesis; expected values are not kept."""
    out = []
    for test in tests:
        try:
            tree = ast.parse(test.strip())
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point
                    and _call_args(ast.unparse(node)) is not None):
                out.append(ast.unparse(node))
                break
    return list(dict.fromkeys(out))


def read_inputs(path) -> dict[str, list[Input]]:
    """task_id -> inputs, from a file ``rankkit inputs`` wrote (JSONL: task_id, call, provenance)."""
    import json
    from pathlib import Path

    from rankkit.errors import InputError

    out: dict[str, list[Input]] = {}
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InputError(f"{path}: cannot read the inputs file ({e.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.setdefault(str(row["task_id"]), []).append(Input(str(row["call"]), str(row.get("provenance", "given"))))
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"{path}, line {number}: not an inputs row ({e})") from None
    return out
