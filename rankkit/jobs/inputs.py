"""The ``rankkit inputs`` job: call inputs for every problem of a dump, without expected outputs
(``rankkit.programs.inputs``), filtered by the dump's own candidates, written as JSONL with a
``.meta.json`` that says how they were made."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rankkit.dumps import Dump
from rankkit.errors import InputError
from rankkit.progress import Progress
from rankkit.programs.inputs import calls_from_tests, synthesize_inputs, well_formed_inputs


def make_inputs(dump: Dump, output: str | Path, *, n: int = 30, seed: int = 0, tests: dict[str, list[str]] | None = None,
                tests_source: str | None = None, threshold: float = 0.9, keep_ill_formed: bool = False,
                max_candidates: int = 20, workers: int | None = None, show_progress: bool = True) -> dict:
    """Synthesize up to ``n`` inputs per problem (seeded by the prompt's examples and ``tests``:
    task_id -> test statements), drop those on which nearly every candidate raises (unless
    ``keep_ill_formed``), and write OUTPUT (+ OUTPUT.meta.json). Returns the summary."""
    if n < 1:
        raise InputError(f"the number of inputs per problem must be >= 1, got {n}", param="n")
    if not 0 < threshold <= 1:
        raise InputError(f"threshold must lie in (0, 1], got {threshold}", param="threshold")
    output = Path(output)
    rows, per_problem, sources, provenance = [], {}, Counter(), Counter()
    no_signature, dropped_total = [], 0
    with Progress(len(dump), "synthesizing inputs", unit="problems", enabled=show_progress) as bar:
        for task in dump:
            if task.prompt is None:
                raise InputError(f"task {task.task_id} has no prompt: give the dump's benchmark to fill it in",
                                 param="benchmark", example="humaneval|mbpp")
            candidates = list(task.generations)  # their code only: labels are never read
            sig, inputs = synthesize_inputs(task.prompt, candidates, n=n, seed=seed)
            if sig is not None and tests and task.task_id in tests:
                seeds = calls_from_tests(tests[task.task_id], sig.name)
                sig, inputs = synthesize_inputs(task.prompt, candidates, n=n, seed=seed, tests=seeds)
            if sig is None:
                no_signature.append(task.task_id)
                per_problem[task.task_id] = 0
                bar.advance(1)
                continue
            sources[sig.source] += 1
            dropped = []
            if not keep_ill_formed:
                inputs, dropped = well_formed_inputs(task.prompt, candidates, inputs, threshold,
                                                     max_candidates=max_candidates, workers=workers)
            dropped_total += len(dropped)
            per_problem[task.task_id] = len(inputs)
            for i, item in enumerate(inputs):
                provenance[item.provenance] += 1
                rows.append({"task_id": task.task_id, "index": i, "call": item.call, "provenance": item.provenance,
                             "signature": sig.source})
            bar.advance(1)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(output)
    counts = list(per_problem.values())
    summary = {
        "dump": dump.source, "dump_fingerprint": dump.fingerprint(), "problems": len(dump), "inputs": len(rows),
        "per_problem": {"min": min(counts, default=0), "max": max(counts, default=0),
                        "at_least_10": sum(c >= 10 for c in counts)},
        "dropped_ill_formed": dropped_total, "no_signature": no_signature, "signature_sources": dict(sources),
        "provenance": dict(provenance),
        "settings": {"n": n, "seed": seed, "threshold": threshold, "keep_ill_formed": keep_ill_formed,
                     "max_candidates": max_candidates, "tests": tests_source},
    }
    output.with_name(output.name + ".meta.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary
