"""The package's layers (README, "Layers"): no module imports one of a higher layer, at the top
or inside a function, and no two modules import each other, however indirectly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import rankkit

ROOT = Path(rankkit.__file__).resolve().parent

# lowest first; a module may import its own layer's and lower layers' modules (and the order
# within a layer is the order here: e.g. verifier below rankers)
LAYERS = [
    ["rankkit.errors", "rankkit.paths", "rankkit.progress", "rankkit.machine", "rankkit.fingerprint",
     "rankkit.scoring"],
    ["rankkit.tasks", "rankkit.costs", "rankkit.dumps", "rankkit.scores"],
    ["rankkit.execution", "rankkit.programs"],
    ["rankkit.lm", "rankkit.generation"],
    ["rankkit.verifier", "rankkit.rankers"],
    ["rankkit.score_cache", "rankkit.evaluation", "rankkit.jobs"],
    ["rankkit.report", "rankkit.cli", "rankkit"],
]
RANK = {name: (layer, position) for layer, names in enumerate(LAYERS) for position, name in enumerate(names)}


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def unit(module: str) -> str:
    """The layer entry a module belongs to: its longest listed prefix."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in RANK:
            return ".".join(parts[:i])
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to the README")


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """rankkit modules that ``name`` imports anywhere in its file (top level or in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("rankkit") and target != name:
                out.add(target)
    return out


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def test_no_module_imports_a_higher_layer():
    bad = []
    for name, targets in GRAPH.items():
        for target in targets:
            if target == "rankkit" or name == "rankkit":
                continue
            if RANK[unit(target)] > RANK[unit(name)]:
                bad.append(f"{name} imports {target}")
    assert not bad, "\n".join(sorted(bad))


def test_no_import_cycles():
    graph = {n: {t for t in ts if t != "rankkit"} for n, ts in GRAPH.items() if n != "rankkit"}
    # a package's __init__ re-exports its modules: an edge from a module to its own package is
    # an edge to whatever that __init__ imports, which the walk below follows as usual
    index, low, stack, on, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(n for n in modules() if n != "rankkit.__main__"))  # that one runs the CLI
def test_every_module_imports_on_its_own(name):
    r = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
