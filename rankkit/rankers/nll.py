"""The paper's ranker: averaged NLL of each generation under a causal LM, and the resumable,
shardable job behind ``rankkit score-nll``.

Per sample the job stores: task_id, sample_index, num_tokens (scored), sum_logprob, mean_nll
(lower is better; +inf when nothing could be scored) and a status (ok, empty, too_long).
Results go to ``OUTPUT.parts/`` one problem per file, written atomically as each finishes, so
a job killed at any moment resumes with ``--resume`` and loses or repeats nothing; when every
problem of every shard is there, the parts are merged into OUTPUT.
"""

from __future__ import annotations

import json
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.dumps import Dump
from rankkit.rankers.base import Ranker, RankerCost
from rankkit.rankers.lm_engine import NLLEngine, load_model
from rankkit.rankers.registry import register_ranker
from rankkit.scores import write_scores


@lru_cache(maxsize=2)
def shared_engine(model: str, dtype: str | None = None, device: str | None = None, attn: str | None = None,
                  max_batch_tokens: int = 8192) -> NLLEngine:
    """One loaded model per process, shared by every ranker that asks for the same one."""
    m, tok = load_model(model, dtype=dtype, device=device, attn=attn)
    return NLLEngine(m, tok, max_batch_tokens=max_batch_tokens)


class LMRanker(Ranker):
    """Base of rankers that score with a causal LM: one shared model per process, and a cost per
    sample from the cost table when the model has an entry there, else measured while scoring
    (FLOPs = 2 x parameters x forward tokens; seconds = wall-clock on this machine).

    ``discard_unfinished``: samples the dump marks unfinished (no stop sequence: cut at the
    token limit) get the worst score, as the paper does for NLL ranking.
    """

    def __init__(self, model: str = "smollm2-135m", dtype: str | None = None, device: str | None = None,
                 attn: str | None = None, max_batch_tokens: int = 8192, discard_unfinished: bool = False):
        self.model = model
        self.discard_unfinished = bool(discard_unfinished)
        self._engine_args = (model, dtype, device, attn, max_batch_tokens)
        self.cost = self._table_cost = _table_cost(model)
        self._tally = [0, 0.0, 0]  # forward tokens, seconds, samples: the measured cost

    @property
    def engine(self) -> NLLEngine:
        return shared_engine(*self._engine_args)

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:  # pragma: no cover - abstract
        """Scores in the ranker's own orientation, before discarding unfinished samples."""
        raise NotImplementedError

    def score(self, problem, generations: Sequence[str]) -> np.ndarray:
        if problem.prompt is None:
            raise ValueError(f"task {problem.task_id} has no prompt: give the dump's benchmark (--benchmark) to fill it in")
        engine = self.engine
        before, started = engine.stats["forward_tokens"], time.perf_counter()
        scores = np.asarray(self.lm_score(problem, generations), dtype=np.float64)
        if self._table_cost is None:
            tally = self._tally
            tally[0] += engine.stats["forward_tokens"] - before
            tally[1] += time.perf_counter() - started
            tally[2] += len(generations)
            n = max(tally[2], 1)
            self.cost = RankerCost(2.0 * _parameters(engine.model) * tally[0] / n, tally[1] / n)
        if self.discard_unfinished:
            finished = getattr(problem, "finished", None)
            if finished is None:
                raise ValueError(f"task {problem.task_id}: discard_unfinished needs 'finished' flags in the dump")
            scores = np.where(finished, scores, np.inf if not self.higher_is_better else -np.inf)
        return scores


@lru_cache(maxsize=8)
def _parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def _table_cost(model: str) -> RankerCost | None:
    from rankkit.costs import get_cost

    try:
        entry = get_cost(model)
        return RankerCost(entry.score_per_sample("flops"), entry.score_per_sample("time"))
    except (KeyError, ValueError):
        return None


@register_ranker("nll")
class NLLRanker(LMRanker):
    """Mean negative log-likelihood of the generation given the prompt (lower is better)."""

    name = "nll"
    higher_is_better = False

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:
        return np.array([s.mean_nll for s in self.engine.score(problem.prompt, generations)])


@register_ranker("sum-logprob")
class SumLogprobRanker(LMRanker):
    """Summed log-probability of the generation given the prompt (higher is better)."""

    name = "sum-logprob"
    higher_is_better = True

    def lm_score(self, problem, generations: Sequence[str]) -> np.ndarray:
        scores = self.engine.score(problem.prompt, generations)
        return np.array([s.sum_logprob if s.status == "ok" else -np.inf for s in scores])


def parse_shard(text: str | None) -> tuple[int, int]:
    """'i/N' -> (i, N); None -> from accelerate/torchrun's RANK and WORLD_SIZE, else (0, 1)."""
    if text is None:
        rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
        return rank, world
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes i/N (e.g. 0/4), got {text!r}") from None
    if not (n >= 1 and 0 <= i < n):
        raise ValueError(f"--shard {text}: need 0 <= i < N")
    return i, n


def parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def _part_path(parts: Path, position: int) -> Path:
    return parts / f"task-{position:06d}.jsonl"


def done_positions(parts: Path) -> set[int]:
    if not parts.is_dir():
        return set()
    return {int(p.stem.split("-")[1]) for p in parts.glob("task-*.jsonl")}


def score_dump_nll(dump: Dump, model: str, output: str | Path, *, dtype: str | None = None,
                   device: str | None = None, attn: str | None = None, max_batch_tokens: int = 8192,
                   shard: tuple[int, int] = (0, 1), resume: bool = False, token_logprobs: bool = False,
                   show_progress: bool = True, engine: NLLEngine | None = None) -> dict:
    """Score this shard's problems into OUTPUT.parts/, then merge if every part is there.

    Returns a summary: problems scored now, skipped (already done), merged or not, throughput.
    """
    output = Path(output)
    parts = parts_dir(output)
    positions = list(range(shard[0], len(dump), shard[1]))
    done = done_positions(parts)
    if done and not resume and any(p in done for p in positions):
        raise FileExistsError(f"{parts} already holds results: pass --resume to finish the job, or remove it")
    if any(task.prompt is None for task in dump):
        missing = next(t.task_id for t in dump if t.prompt is None)
        raise ValueError(f"task {missing} has no prompt: give the dump's benchmark (--benchmark) to fill it in")
    parts.mkdir(parents=True, exist_ok=True)
    job = {"model": model, "dump": dump.fingerprint(), "problems": len(dump)}
    job_file = parts / "job.json"
    if job_file.exists():
        previous = json.loads(job_file.read_text(encoding="utf-8"))
        if previous != job:
            raise ValueError(f"{parts} belongs to another job ({previous['model']}, {previous['problems']} problems); "
                             f"remove it or choose another output")
    else:
        job_file.write_text(json.dumps(job) + "\n", encoding="utf-8")
    todo = [p for p in positions if p not in done]
    engine = engine or shared_engine(model, dtype, device, attn, max_batch_tokens)
    tasks = list(dump)
    started, scored_tokens = time.perf_counter(), 0
    bar = _Progress(len(todo), show_progress)
    for position in todo:
        task = tasks[position]
        scores = engine.score(task.prompt, task.generations, keep_token_logprobs=token_logprobs)
        tmp = parts / f".task-{position:06d}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            for i, s in enumerate(scores):
                rec = {"task_id": task.task_id, "sample_index": i, "num_tokens": s.num_tokens,
                       "sum_logprob": s.sum_logprob, "mean_nll": s.mean_nll, "status": s.status}
                if token_logprobs:
                    rec["token_logprobs"] = None if s.token_logprobs is None else s.token_logprobs.tolist()
                fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(_part_path(parts, position))
        scored_tokens += sum(s.num_tokens for s in scores)
        bar.advance(scored_tokens, time.perf_counter() - started)
    bar.close()
    elapsed = time.perf_counter() - started
    merged = False
    if len(done_positions(parts)) == len(dump):
        merge_parts(dump, output, model, engine_stats=engine.stats)
        merged = True
    return {"scored_problems": len(todo), "skipped_problems": len(positions) - len(todo), "merged": merged,
            "scored_tokens": scored_tokens, "seconds": elapsed,
            "tokens_per_second": scored_tokens / elapsed if elapsed > 0 else None}


def merge_parts(dump: Dump, output: Path, model: str, engine_stats: dict | None = None) -> None:
    """Check every part against the dump (each sample exactly once) and write OUTPUT."""
    parts = parts_dir(output)
    columns = {c: {} for c in ("mean_nll", "sum_logprob")}
    extra = {c: {} for c in ("num_tokens", "status")}
    for position, task in enumerate(dump):
        rows = [json.loads(line) for line in _part_path(parts, position).read_text(encoding="utf-8").splitlines()]
        if [r["sample_index"] for r in rows] != list(range(len(task))) or any(r["task_id"] != task.task_id for r in rows):
            raise ValueError(f"{_part_path(parts, position)}: does not hold samples 0..{len(task) - 1} of {task.task_id}")
        for c in columns:
            columns[c][task.task_id] = np.array([r[c] for r in rows], dtype=np.float64)
        for c in extra:
            extra[c][task.task_id] = [r[c] for r in rows]
    write_scores(output, dump, columns, {"mean_nll": False, "sum_logprob": True}, extra,
                 metadata={"model": model, "source": dump.source, "ranker": "nll"})


class _Progress:
    """A bar over problems showing scored tokens per second (stderr, terminals only)."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        if enabled and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(stderr=True)
            if console.is_terminal:
                self.bar = Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console)
                self.bar.start()
                self.task = self.bar.add_task("scoring", total=total, rate="")

    def advance(self, tokens: int, seconds: float) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, rate=f"{tokens / max(seconds, 1e-9):,.0f} tok/s")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
