"""The ``rankkit score-nll`` job: every sample's averaged NLL under a causal LM, into a file.

Per sample it stores: task_id, sample_index, num_tokens (scored), sum_logprob, mean_nll (lower
is better; +inf when nothing could be scored) and a status (ok, empty, too_long). Results go to
``OUTPUT.parts/`` one problem per file as each finishes (``JobParts``), so a job killed at any
moment resumes and loses or repeats nothing; when every problem of every shard is there, the
parts are merged into OUTPUT with the measured scoring cost per sample in its metadata.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from rankkit.dumps import Dump
from rankkit.errors import InputError
from rankkit.jobs.parts import JobParts
from rankkit.progress import Progress
from rankkit.rankers.base import RankerCost
from rankkit.lm import NLLEngine, parameter_count
from rankkit.scores import write_scores


def score_dump_nll(dump: Dump, model: str, output: str | Path, *, dtype: str | None = None,
                   device: str | None = None, attn: str | None = None, max_batch_tokens: int = 8192,
                   shard: tuple[int, int] = (0, 1), resume: bool = False, token_logprobs: bool = False,
                   show_progress: bool = True, engine: NLLEngine | None = None) -> dict:
    """Score this shard's problems into OUTPUT.parts/, then merge if every part is there.

    Returns a summary: problems scored now, skipped (already done), merged or not, throughput.
    """
    if any(task.prompt is None for task in dump):
        missing = next(t.task_id for t in dump if t.prompt is None)
        raise InputError(f"task {missing} has no prompt: give the dump's benchmark to fill it in",
                         param="benchmark", example="humaneval|mbpp")
    parts = _parts(dump, model, output)
    if resume and parts.merged_before(_recorded_job(Path(output))):
        return {"scored_problems": 0, "skipped_problems": len(range(shard[0], len(dump), shard[1])), "merged": True,
                "scored_tokens": 0, "seconds": 0.0, "tokens_per_second": None}
    todo = parts.open(range(shard[0], len(dump), shard[1]), resume)
    skipped = len(range(shard[0], len(dump), shard[1])) - len(todo)
    if engine is None:
        from rankkit.lm import shared_engine

        engine = shared_engine(model, dtype, device, attn, max_batch_tokens)
    params = parameter_count(engine.model)
    tasks = list(dump)
    started, scored_tokens = time.perf_counter(), 0
    with Progress(len(todo), "scoring", unit="problems", enabled=show_progress) as bar:
        for position in todo:
            task = tasks[position]
            t0, forward0 = time.perf_counter(), engine.stats["forward_tokens"]
            scores = engine.score(task.prompt, task.generations, keep_token_logprobs=token_logprobs)
            seconds = (time.perf_counter() - t0) / max(len(task), 1)
            flops = 2.0 * params * (engine.stats["forward_tokens"] - forward0) / max(len(task), 1)
            records = []
            for i, s in enumerate(scores):
                rec = {"task_id": task.task_id, "sample_index": i, "num_tokens": s.num_tokens,
                       "sum_logprob": s.sum_logprob, "mean_nll": s.mean_nll, "status": s.status,
                       "cost": [flops, seconds]}
                if token_logprobs:
                    rec["token_logprobs"] = None if s.token_logprobs is None else s.token_logprobs.tolist()
                records.append(rec)
            parts.write(position, records)
            scored_tokens += sum(s.num_tokens for s in scores)
            bar.advance(1, f"{scored_tokens / max(time.perf_counter() - started, 1e-9):,.0f} tok/s")
    elapsed = time.perf_counter() - started
    merged = parts.complete(len(dump))
    if merged:
        merge_parts(dump, Path(output), model, parts.job)
        parts.remove()
    return {"scored_problems": len(todo), "skipped_problems": skipped, "merged": merged,
            "scored_tokens": scored_tokens, "seconds": elapsed,
            "tokens_per_second": scored_tokens / elapsed if elapsed > 0 and todo else None}


def _parts(dump: Dump, model: str, output) -> JobParts:
    return JobParts(output, {"model": model, "dump": dump.fingerprint(), "problems": len(dump)})


def already_scored(dump: Dump, model: str, output: str | Path) -> bool:
    """OUTPUT holds this very job's merged scores (checked before a model is loaded to resume)."""
    return _parts(dump, model, output).merged_before(_recorded_job(Path(output)))


def _recorded_job(output: Path) -> dict | None:
    """The job a merged score file records in its metadata (None: none, or no readable file)."""
    from rankkit.scores import read_metadata

    try:
        return read_metadata(output).get("job")
    except (OSError, ValueError):
        return None


def merge_parts(dump: Dump, output: Path, model: str, job: dict | None = None) -> None:
    """Check every part against the dump (each sample exactly once) and write OUTPUT, with the
    mean measured cost per sample (FLOPs = 2 x parameters x forward tokens; seconds here)."""
    parts = JobParts(output, {})
    columns = {c: {} for c in ("mean_nll", "sum_logprob")}
    extra = {c: {} for c in ("num_tokens", "status")}
    costs = []
    for position, task in enumerate(dump):
        rows = parts.read_task(position, task.task_id, len(task))
        for c in columns:
            columns[c][task.task_id] = np.array([r[c] for r in rows], dtype=np.float64)
        for c in extra:
            extra[c][task.task_id] = [r[c] for r in rows]
        costs.extend(r["cost"] for r in rows if r.get("cost") is not None)
    cost = None
    if len(costs) == dump.n_samples:
        mean = np.mean(np.asarray(costs, dtype=np.float64), axis=0)
        cost = RankerCost(float(mean[0]), float(mean[1]))
    write_scores(output, dump, columns, {"mean_nll": False, "sum_logprob": True}, extra,
                 metadata={"model": model, "source": dump.source, "ranker": "nll", "job": job},
                 costs={"mean_nll": cost, "sum_logprob": cost} if cost else None)
