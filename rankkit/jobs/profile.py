"""The ``rankkit profile`` job: what one sample costs with a model on this machine.

Generation: the benchmark's real prompts (first few problems), each sample generated to the
typical length (the dump's mean generated tokens, else the mean of a short natural sampling
run), timed at several batch sizes; the best batch size's seconds per sample is the cost.
Scoring: seconds per sample of rankkit's NLL engine on those samples. FLOPs for both come from
the model's configuration (2 x parameters x tokens plus attention and the LM head). The result is
a cost table entry that ``--cost-table`` reads, with the hardware and token counts beside it.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.costs import ArchShape, generation_flops, scoring_flops
from rankkit.errors import InputError
from rankkit.machine import cpu_model
from rankkit.generation.backend import SamplingSettings
from rankkit.generation.prompts import build_input
from rankkit.lm import parameter_count


def _hardware() -> dict:
    import torch

    info = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpus"] = torch.cuda.device_count()
    return info


def dump_generation_lengths(dump, tokenizer) -> list[int]:
    """Generated tokens per sample: the dump's own count where ``rankkit generate`` made it, else
    the token length of each generation text."""
    lengths = []
    for task in dump:
        counts = task.fields.get("generated_tokens")
        if counts and all(c is not None for c in counts):
            lengths.extend(int(c) for c in counts)
        else:
            lengths.extend(len(tokenizer(g, add_special_tokens=False)["input_ids"]) for g in task.generations)
    return lengths


def profile_model(model_name: str, model, tokenizer, backend, engine, problems: Sequence, *, benchmark: str,
                  prompt_style: str = "completion", dump=None, batch_sizes: Sequence[int] = (1, 4, 16),
                  max_new_tokens: int = 512, repeats: int = 1) -> dict:
    """Measure generation and scoring cost per sample; returns {model: entry} for a cost table."""
    if not problems:
        raise InputError("profiling needs at least one problem", param="problems")
    if any(b < 1 for b in batch_sizes):
        raise InputError(f"batch sizes must be >= 1, got {list(batch_sizes)}", param="batch_sizes")
    inputs = [build_input(p, prompt_style, tokenizer, benchmark) for p in problems]
    prompt_tokens = [len(backend.encode(text)) for text, _ in inputs]
    if dump is not None:
        lengths = dump_generation_lengths(dump, tokenizer)
        # the file and what identifies it, never the directory it sat in on the measuring machine
        length_source = f"mean generated tokens of {Path(dump.source).name} (dump {dump.fingerprint()})"
    else:  # a natural run: the benchmark's stop sequences, the model's own lengths
        natural = backend.generate_many([t for t, _ in inputs], 4,
                                        [SamplingSettings(max_new_tokens, stop_sequences=st) for _, st in inputs],
                                        list(range(len(inputs))))
        lengths = [s.generated_tokens for samples in natural for s in samples]
        length_source = f"mean of {len(lengths)} natural samples"
    gen_tokens = max(1, int(round(float(np.mean(lengths)))))
    fixed = SamplingSettings(gen_tokens, ignore_eos=True)  # no stops: every sample runs exactly gen_tokens
    timings = {}
    for b in batch_sizes:
        best = np.inf
        for _ in range(repeats):
            started = time.perf_counter()
            backend.generate_many([inputs[0][0]], b, [fixed], [0])
            best = min(best, time.perf_counter() - started)
        timings[b] = best / b
    best_batch = min(timings, key=timings.get)
    samples = backend.generate_many([t for t, _ in inputs], max(batch_sizes), [fixed] * len(inputs),
                                    list(range(len(inputs))))
    started, scored = time.perf_counter(), 0
    for problem, group in zip(problems, samples):
        engine.score(problem.prompt, [s.text for s in group])
        scored += len(group)
    score_seconds = (time.perf_counter() - started) / scored
    shape = ArchShape.from_config(model.config)
    mean_prompt = int(round(float(np.mean(prompt_tokens))))
    entry = {
        "flops_per_sample": generation_flops(shape, mean_prompt, gen_tokens),
        "seconds_per_sample": timings[best_batch],
        "score_flops_per_sample": scoring_flops(shape, mean_prompt, gen_tokens),
        "score_seconds_per_sample": score_seconds,
        "source": f"rankkit profile on {cpu_model()}",
    }
    details = {"benchmark": benchmark, "prompt_style": prompt_style, "problems": [p.task_id for p in problems],
               "prompt_tokens_mean": mean_prompt, "generated_tokens": gen_tokens, "generated_tokens_from": length_source,
               "seconds_per_sample_by_batch": {str(b): t for b, t in timings.items()}, "best_batch": best_batch,
               "scored_samples": scored, "dtype": str(next(model.parameters()).dtype),
               "parameters": parameter_count(model), "hardware": _hardware()}
    return {"models": {model_name: entry}, "profile": {model_name: details}}


def write_profile(result: dict, path: str | Path) -> None:
    """Write (or merge into) a cost table JSON: ``models`` entries plus the ``profile`` details."""
    path = Path(path)
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        result = {"models": {**old.get("models", {}), **result["models"]},
                  "profile": {**old.get("profile", {}), **result["profile"]}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
