"""The ``rankkit tests`` job: unit tests for every problem of a dump, written by a causal LM.

Per problem the model gets the function to test (the prompt's, or the signature most candidates
define with the prompt's instruction) in CodeT's completion style or as a chat request, and
samples ``n`` replies through the batched generation backend; the asserts in them that call the
entry point become the problem's tests (unparsable, duplicate and entry-point-less ones are
dropped and counted). Like ``generate`` it is resumable and shardable (``OUTPUT.parts/``) and
deterministic per (seed, task id); each problem records what its tests cost (FLOPs, seconds),
which rankers built on them are charged. Writes the tests file (``rankkit.programs.tests``)
and ``OUTPUT.meta.json``.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from rankkit.costs import ArchShape, generation_flops
from rankkit.errors import InputError
from rankkit.generation.backend import SamplingSettings, problem_seed
from rankkit.generation.prompts import TESTS_PER_REPLY, extract_code, function_stub, tests_request
from rankkit.jobs.parts import JobParts, shard_groups
from rankkit.programs.inputs import find_signature
from rankkit.programs.tests import completion_tests, parse_tests, write_tests
from rankkit.progress import Progress


def write_model_tests(dump, backend, tokenizer, output: str | Path, *, model: str, style: str = "completion",
                      n: int = 10, temperature: float = 0.8, top_p: float = 0.95, max_new_tokens: int = 128,
                      seed: int = 0, per_reply: int = TESTS_PER_REPLY, shard: tuple[int, int] = (0, 1),
                      resume: bool = False, group: int | None = None, shape: ArchShape | None = None,
                      show_progress: bool = True) -> dict:
    """Write tests for every problem of ``dump`` (a Dump) into OUTPUT.parts/, then merge when
    every problem is there. Returns a summary."""
    if n < 1:
        raise InputError(f"the number of replies per problem must be >= 1, got {n}", param="n")
    tasks = list(dump.tasks.values())
    if not tasks:
        raise InputError(f"{dump.source}: no problems to write tests for")
    inputs, entries = [], []
    for t in tasks:
        if t.prompt is None:
            raise InputError(f"{dump.source}, task {t.task_id}: the dump has no prompt", param="benchmark",
                             example="humaneval|mbpp")
        signature = find_signature(t.prompt, list(t.generations))
        if signature is None:
            entries.append(None)
            inputs.append(None)
            continue
        entries.append(signature.name)
        inputs.append(tests_request(function_stub(t.prompt, signature), signature.name, style, tokenizer))
    settings = SamplingSettings(max_new_tokens, temperature, top_p)
    provenance = {"model": model, "prompt_style": style, "replies_per_problem": n, "temperature": temperature,
                  "top_p": top_p, "max_new_tokens": max_new_tokens, "seed": seed, "tests_per_reply": per_reply,
                  "dump": str(dump.source), "seeds": "per problem: problem_seed(seed, task_id)"}
    group = max(1, 32 // n) if group is None else group
    mine = shard_groups(len(tasks), group, shard)
    job = {**provenance, "group": group, "task_ids": [t.task_id for t in tasks]}
    parts = JobParts(output, job)
    positions = [p for g in mine for p in g]
    if resume and parts.merged_before(_recorded_job(Path(output))):
        return {"written_problems": 0, "skipped_problems": len(positions), "merged": True, "tests": None}
    todo = set(parts.open(positions, resume))
    with Progress(len(todo), "writing tests", unit="problems", enabled=show_progress) as bar:
        for members in mine:
            missing = [p for p in members if p in todo]
            if not missing:
                continue
            asked = [p for p in members if inputs[p] is not None]
            started = time.perf_counter()
            # the whole group runs again (same batch, same numbers); only its missing parts are written
            replies = backend.generate_many(
                [inputs[p][0] for p in asked], n, [SamplingSettings(settings.max_new_tokens, temperature, top_p,
                                                                    stop_sequences=inputs[p][1]) for p in asked],
                [problem_seed(seed, tasks[p].task_id) for p in asked]) if asked else []
            seconds = time.perf_counter() - started
            by_position = dict(zip(asked, replies))
            tokens = sum(s.generated_tokens for r in replies for s in r) or 1
            for position in missing:
                samples = by_position.get(position, [])
                generated = sum(s.generated_tokens for s in samples)
                prompt_tokens = len(backend.encode(inputs[position][0])) if samples and hasattr(backend, "encode") else 0
                flops = sum(generation_flops(shape, prompt_tokens, s.generated_tokens) for s in samples) if shape else None
                parts.write(position, [_record(tasks[position].task_id, entries[position], style, samples, per_reply,
                                               {"flops": flops, "seconds": seconds * generated / tokens,
                                                "generated_tokens": generated, "prompt_tokens": prompt_tokens})])
            bar.advance(len(missing))
    merged = parts.complete(len(tasks))
    summary = {"written_problems": len(todo), "skipped_problems": len(positions) - len(todo), "merged": merged}
    if merged:
        rows = [parts.read(p)[0] for p in range(len(tasks))]
        for p, row in enumerate(rows):
            if row.get("task_id") != tasks[p].task_id:
                raise InputError(f"{parts.path(p)}: does not hold task {tasks[p].task_id}")
        write_tests(rows, output)
        Path(str(output) + ".meta.json").write_text(json.dumps(
            {"provenance": {**provenance, "machine": platform.platform(), "python": platform.python_version(),
                            "job": job}}, indent=1) + "\n", encoding="utf-8")
        parts.remove()
        summary["tests"] = sum(len(r["tests"]) for r in rows)
        summary["no_tests"] = [r["task_id"] for r in rows if not r["tests"]]
    return summary


def _record(task_id, entry_point, style: str, samples, per_reply: int, cost: dict) -> dict:
    """One problem's line of the tests file."""
    if entry_point is None:
        return {"task_id": task_id, "entry_point": None, "tests": [], "samples": [], "cost": cost,
                "dropped": {"no_signature": 1}}
    replies = [s.text for s in samples]
    if style == "completion":
        found = [completion_tests(r, entry_point, per_reply) for r in replies]
    else:
        found = [parse_tests([extract_code(r)], entry_point, per_reply) for r in replies]
    tests, seen = [], set()
    duplicate = sum(f.duplicate for f in found)
    for f in found:
        for t in f.tests:
            if t.source in seen:
                duplicate += 1
                continue
            seen.add(t.source)
            tests.append(t.source)
    return {"task_id": task_id, "entry_point": entry_point, "tests": tests, "samples": replies, "cost": cost,
            "dropped": {"unparsable": sum(f.unparsable for f in found), "duplicate": duplicate,
                        "no_entry_point": sum(f.no_entry_point for f in found)}}


def _recorded_job(output: Path) -> dict | None:
    try:
        return json.loads(Path(str(output) + ".meta.json").read_text(encoding="utf-8"))["provenance"]["job"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
