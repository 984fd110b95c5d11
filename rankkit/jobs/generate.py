"""The ``rankkit generate`` job: N samples per benchmark problem into a released-format dump.

Each problem's samples land atomically in ``OUTPUT.parts/`` as it finishes (``JobParts``), so a
killed run resumes and loses or repeats nothing; shards (``--shard i/N`` or torchrun/accelerate
ranks) take every N-th problem. Seeds derive from (seed, task id), so one piece, a resumed run
or shards give the same dump on the same machine. When every problem is there the parts are
merged into OUTPUT (the released format every rankkit command reads) and ``OUTPUT.meta.json``
records the model, the settings and the seeds.
"""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.dumps import UNKNOWN, Dump, TaskSamples, write_released
from rankkit.errors import InputError
from rankkit.generation.backend import GenerationBackend, SamplingSettings, problem_seed
from rankkit.generation.prompts import build_input, extract_code
from rankkit.jobs.parts import JobParts, shard_groups
from rankkit.progress import Progress

DEFAULT_MAX_NEW_TOKENS = {"humaneval": 512, "mbpp": 256}  # the study's limits
GROUP_SAMPLES = 256


def generate_dump(problems: Sequence, backend: GenerationBackend, tokenizer, output: str | Path, *,
                  benchmark: str, model: str, n: int = 10, temperature: float = 0.8, top_p: float = 0.95,
                  max_new_tokens: int | None = None, greedy: bool = False, seed: int = 0,
                  prompt_style: str = "completion", shard: tuple[int, int] = (0, 1), resume: bool = False,
                  group: int | None = None, stop_sequences: Sequence[str] = (), show_progress: bool = True,
                  extra_provenance: dict | None = None) -> dict:
    """Sample ``n`` generations (1 when ``greedy``) for each of ``problems`` (benchmark Problems)
    into OUTPUT.parts/, then merge if every part is there. Returns a summary.

    ``group``: problems whose samples share a queue through the batch (default: about
    ``GROUP_SAMPLES`` samples a group: enough to keep the batch full while samples end at
    different lengths). The groups are fixed by dump order, and shards and resumed runs work
    group by group, so every problem is computed in the same batch however the job is split.
    """
    if n < 1:
        raise InputError(f"the number of samples per problem must be >= 1, got {n}", param="n")
    if greedy:
        n = 1
    if not problems:
        raise InputError("no problems to generate for", param="problems")
    max_new_tokens = max_new_tokens or DEFAULT_MAX_NEW_TOKENS[benchmark]
    inputs = [build_input(p, prompt_style, tokenizer, benchmark) for p in problems]
    extra = tuple(stop_sequences)  # the user's, added to each prompt's own
    settings = [SamplingSettings(max_new_tokens, temperature, top_p, greedy, tuple(dict.fromkeys(stops + extra)))
                for _, stops in inputs]
    provenance = {
        "generator": model, "benchmark": benchmark, "prompt_style": prompt_style, "samples_per_problem": n,
        "greedy": greedy, "temperature": None if greedy else temperature, "top_p": None if greedy else top_p,
        "max_new_tokens": max_new_tokens, "seed": seed, "seeds": "per problem: problem_seed(seed, task_id)",
        "stop_sequences": sorted({s for st in settings for s in st.stop_sequences}),
        **(extra_provenance or {}),
    }
    group = max(1, GROUP_SAMPLES // n) if group is None else group
    mine = shard_groups(len(problems), group, shard)
    job = {**provenance, "group": group, "task_ids": [p.task_id for p in problems]}
    parts = JobParts(output, job)
    positions = [p for g in mine for p in g]
    if resume and parts.merged_before(_recorded_job(Path(output))):
        return {"generated_problems": 0, "skipped_problems": len(positions), "merged": True, "generated_tokens": 0,
                "seconds": 0.0, "tokens_per_second": None}
    todo = set(parts.open(positions, resume))
    started = time.perf_counter()
    tokens_before = backend.stats["generated_tokens"]
    with Progress(len(todo), "generating", unit="problems", enabled=show_progress) as bar:
        for members in mine:
            missing = [p for p in members if p in todo]
            if not missing:
                continue
            # the whole group runs again (same batch, same numbers); only its missing parts are written
            results = backend.generate_many([inputs[p][0] for p in members], n, [settings[p] for p in members],
                                            [problem_seed(seed, problems[p].task_id) for p in members])
            for position, samples in zip(members, results):
                if position in missing:
                    parts.write(position, _records(problems[position], samples, prompt_style))
            done = backend.stats["generated_tokens"] - tokens_before
            bar.advance(len(missing), f"{done / max(time.perf_counter() - started, 1e-9):,.0f} tok/s")
    seconds = time.perf_counter() - started
    generated = backend.stats["generated_tokens"] - tokens_before
    merged = parts.complete(len(problems))
    if merged:
        merge_generation(problems, parts, Path(output), provenance)
        parts.remove()
    return {"generated_problems": len(todo), "skipped_problems": len(positions) - len(todo), "merged": merged,
            "generated_tokens": generated, "seconds": seconds,
            "tokens_per_second": generated / seconds if todo and seconds > 0 else None}


def _records(problem, samples, prompt_style: str) -> list[dict]:
    records = []
    for i, s in enumerate(samples):
        generation = extract_code(s.text) if prompt_style == "chat" else s.text
        rec = {"task_id": problem.task_id, "sample_index": i, "generation": generation, "finished": s.finished,
               "generated_tokens": s.generated_tokens, "sum_logprob": s.sum_logprob,
               "logprob_tokens": s.logprob_tokens, "stop": s.stop}
        if prompt_style == "chat":
            rec["reply"] = s.text
        records.append(rec)
    return records


def _recorded_job(output: Path) -> dict | None:
    """The job a merged dump records in its provenance (DUMP.meta.json), or None."""
    import json

    from rankkit.dumps import provenance_path

    try:
        return json.loads(provenance_path(output).read_text(encoding="utf-8")).get("job")
    except (OSError, ValueError, AttributeError):
        return None


def merge_generation(problems: Sequence, parts: JobParts, output: Path, provenance: dict) -> Dump:
    """Check every part (each problem's samples 0..n-1 exactly once) and write the dump."""
    tasks = {}
    for position, problem in enumerate(problems):
        rows = parts.read_task(position, problem.task_id, provenance["samples_per_problem"])
        fields = {k: [r.get(k) for r in rows] for k in
                  ("generated_tokens", "sum_logprob", "logprob_tokens", "stop", "reply") if any(k in r for r in rows)}
        tasks[problem.task_id] = TaskSamples(problem.task_id, problem.prompt, [r["generation"] for r in rows],
                                             np.full(len(rows), UNKNOWN, dtype=np.int8),
                                             np.array([r["finished"] for r in rows], dtype=bool), fields)
    dump = Dump(tasks, str(output), {"provenance": {**provenance, "machine": platform.platform(),
                                                    "python": platform.python_version(), "job": parts.job}})
    write_released(dump, output)
    return dump


