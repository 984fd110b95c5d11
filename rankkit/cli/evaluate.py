"""``rank-score``, ``report``, ``pass-at-k`` and ``score``: flags in, ``rankkit.evaluation`` called,
tables printed and files written by ``rankkit.report``."""

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
    cost_table,
    err,
    fail,
    read_dump,
    parse_floats,
    parse_ks,
    parse_ranker_costs,
    parse_references,
    split_ext,
)
from rankkit.evaluation import (
    DEFAULT_TIES,
    Budget,
    compare_generators,
    evaluate,
    max_k,
    resolve_series,
)
from rankkit.report import (
    check_plot_path,
    check_table_path,
    curves_table,
    differences_table,
    plot_curves,
    series_labels,
    write_report,
    write_table,
)
from rankkit.scoring import BUDGET_UNITS, TIES
from rankkit.score_cache import default_score_cache_dir

BUDGETS = ("none", *BUDGET_UNITS)
TIES_HELP = ("expected (default: the exact mean over random tie-breaking, independent of the dump's order) or "
             "stable (tied samples keep dump order, as the paper's snippet sorts).")
BASELINE_HELP = ("Series the others are compared with by a paired bootstrap: auto (an NLL series if present, "
                 "else random), a series name, or none.")


def _baseline(value: str) -> Optional[str]:
    return None if value == "none" else value


@command("rank-score")
def rank_score(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A labelled sample dump (any format rankkit reads)."),
    scores: Optional[Path] = typer.Option(None, "--scores", help="Precomputed scores: JSONL, CSV or parquet keyed by task_id + sample_index."),
    rankers: List[str] = typer.Option([], "--ranker", help="A score column of --scores or a live ranker spec (nll:MODEL, codet, length, a plug-in, ...). Repeatable."),
    lower_is_better: List[str] = typer.Option([], "--lower-is-better", help="A score column where lower is better (NLL). Repeatable."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values (default 1,2,5,10,... up to n)."),
    all_k: bool = typer.Option(False, "--all-k", help="Every k from 1 to n."),
    budget: str = typer.Option("none", "--budget", help="none, flops or time: report rank-score under a budget."),
    generator: Optional[str] = typer.Option(None, "--generator", help="Cost entry of the model that generated the dump (e.g. codellama-7b)."),
    cost_file: Optional[Path] = typer.Option(None, "--cost-table", help="JSON/YAML table of measured costs, added to the paper's."),
    ranker_costs: List[str] = typer.Option([], "--ranker-cost", help="RANKER=VALUE: cost per sample in budget units, or RANKER=MODEL to use that model's scoring cost."),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="Comma-separated budgets (default: k x the generator's cost per sample)."),
    ties: str = typer.Option(DEFAULT_TIES, "--ties", help=TIES_HELP),
    discard_unfinished: bool = typer.Option(False, "--discard-unfinished", help="Unfinished generations never get selected (they count as failures)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    with_pass: bool = typer.Option(True, "--pass-at-k/--no-pass-at-k", help="Also report pass@k, the unit-test upper bound."),
    baseline: str = typer.Option("auto", "--baseline", help=BASELINE_HELP),
    references: List[str] = typer.Option([], "--reference", help="LABEL=PERCENT horizontal line on the plot (e.g. another model's greedy pass@1)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the table as .csv or .json."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the curves into this image (e.g. fig.png)."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates for confidence intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random ranker and the bootstrap."),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory where live rankers' scores are kept and reused."),
    no_score_cache: bool = typer.Option(False, "--no-score-cache", help="Score live rankers afresh and keep nothing."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers (ensemble)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """rank-score@k (or rank-score_flops/time@budget) of each ranker on a labelled dump, with
    each ranker's paired difference to a baseline.

    Rankers are score columns of --scores or live rankers: NAME, NAME:ARG or NAME:ARG,key=value
    (e.g. nll:codellama/CodeLlama-7b-hf, codet, ensemble:nll+codet, an installed plug-in)."""
    choice(budget, BUDGETS, "--budget")
    choice(ties, TIES, "--ties")
    refs = parse_references(references)
    if output is not None:
        check_table_path(output)
    if plot is not None:
        check_plot_path(plot)
    spend = None
    if budget != "none":  # every cost entry is checked before any sample is scored
        spend = Budget(budget, generator, cost_table(cost_file), parse_ranker_costs(ranker_costs),
                       parse_floats(budgets, "--budgets"))
        spend.check()
    dump = read_dump(dump_path, benchmark or "auto", repair_spaces, head, check_ids, dump_format)
    ks = parse_ks(k, all_k, max_k(dump))
    series = resolve_series(dump, rankers, scores, lower_is_better, seed, None if no_score_cache else score_cache,
                            folds, show_progress=not quiet)
    report = evaluate(dump, series, ks, budget=spend, ties=ties, discard_unfinished=discard_unfinished, with_pass=with_pass,
                      baseline=_baseline(baseline), n_boot=n_boot, seed=seed)
    panel = "k" if budget == "none" else "budget"
    title = (f"rank-score@k — {dump_path.name} ({len(dump)} problems)" if panel == "k"
             else f"rank-score_{budget} — {dump_path.name}, generator {report.meta['generator']}")
    _print(report, panel, title)
    if output is not None:
        write_table(report, output, {"scores": str(scores)} if scores else None, panels=[panel])
        err.print(f"wrote {output}")
    if plot is not None:
        plot_curves(report.panel(panel), plot, title=title, references=refs, labels=series_labels(report),
                    differences=report.panel_differences(panel))
        err.print(f"wrote {plot}")


def _print(report, panel: str, title: str) -> None:
    console.print(curves_table(report.panel(panel), title=title))
    for name, origin in report.meta.get("series", {}).items():
        line = f"{name}: scores from {origin}"
        if panel == "budget" and name in report.meta.get("costs", {}).get("rankers", {}):
            cost = report.meta["costs"]["rankers"][name]
            line += f"; cost {cost['per_sample']:.4g} {report.meta['costs']['unit']}/sample ({cost['source']})"
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if panel == "budget" and "costs" in report.meta:
        gen = report.meta["costs"]["generator"]
        console.print(f"generation: {gen['per_sample']:.4g} {report.meta['costs']['unit']}/sample ({gen['model']}: "
                      f"{gen['source']})", markup=False, highlight=False, soft_wrap=True)
    for note in report.meta.get("notes", []):
        err.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    for name, text in report.meta.get("rankers", {}).items():
        console.print(f"{name}: {text}", markup=False, highlight=False, soft_wrap=True)
    diffs = report.panel_differences(panel)
    if diffs:
        console.print(differences_table(diffs, title=f"{title.split(' — ')[0]} minus {report.baseline}"))


@command("report")
def report_command(
    dumps: List[Path] = typer.Argument(..., metavar="DUMP...", help="One labelled dump per benchmark."),
    rankers: List[str] = typer.Option([], "--ranker", help="Live ranker specs or score columns of --scores. Repeatable."),
    names: List[str] = typer.Option([], "--name", help="Benchmark name per dump, same order (default: the file name)."),
    scores: List[Path] = typer.Option([], "--scores", help="Precomputed scores per dump, same order. Repeatable."),
    lower_is_better: List[str] = typer.Option([], "--lower-is-better", help="A score column where lower is better."),
    generator: str = typer.Option(..., "--generator", help="Cost entry of the model that generated the dumps (e.g. codellama-7b)."),
    budget: str = typer.Option("time", "--budget", help="flops or time: the budgeted panel."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values."),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="Comma-separated budgets (default: k x the generator's cost)."),
    ranker_costs: List[str] = typer.Option([], "--ranker-cost", help="RANKER=VALUE or RANKER=MODEL (cost per sample)."),
    cost_file: Optional[Path] = typer.Option(None, "--cost-table", help="JSON/YAML table of measured costs."),
    ties: str = typer.Option(DEFAULT_TIES, "--ties", help=TIES_HELP),
    discard_unfinished: bool = typer.Option(False, "--discard-unfinished", help="Unfinished generations are never selected."),
    baseline: str = typer.Option("auto", "--baseline", help=BASELINE_HELP),
    references: List[str] = typer.Option([], "--reference", help="[BENCHMARK::]LABEL=PERCENT marker, e.g. another model's greedy pass@1."),
    out_dir: Path = typer.Option(Path("report"), "--out-dir", help="Where NAME.md, NAME.json and NAME.png go."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates for confidence intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random ranker and the bootstrap."),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory for live rankers' scores."),
    no_score_cache: bool = typer.Option(False, "--no-score-cache", help="Keep no live scores."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Per benchmark: one table and one plot of rank-score@k and rank-score_time@t (or _flops)
    for every ranker, with bootstrap CIs, paired differences, pass@k and reference markers."""
    choice(budget, BUDGET_UNITS, "--budget")
    choice(ties, TIES, "--ties")
    if names and len(names) != len(dumps):
        fail(f"--name given {len(names)} times for {len(dumps)} dumps")
    if scores and len(scores) != len(dumps):
        fail(f"--scores given {len(scores)} times for {len(dumps)} dumps (one per dump, same order)")
    spend = Budget(budget, generator, cost_table(cost_file), parse_ranker_costs(ranker_costs),
                   parse_floats(budgets, "--budgets"))
    spend.check()  # before any sample is scored
    for i, path in enumerate(dumps):
        bench_name = names[i] if names else split_ext(path)[0]
        refs = parse_references([r.split("::", 1)[-1] for r in references
                                 if "::" not in r or r.split("::", 1)[0] == bench_name])
        dump = read_dump(path, benchmark or "auto", None, head, check_ids, dump_format)
        series = resolve_series(dump, rankers, scores[i] if scores else None, lower_is_better, seed,
                                None if no_score_cache else score_cache, folds, show_progress=not quiet)
        report = evaluate(dump, series, parse_ks(k, False, max_k(dump)), budget=spend, ties=ties, discard_unfinished=discard_unfinished, baseline=_baseline(baseline),
                          n_boot=n_boot, seed=seed)
        title = f"{bench_name}: {len(dump)} problems, {dump.n_samples} samples, generator {report.meta['generator']}"
        _print(report, "k", f"rank-score@k — {title}")
        _print(report, "budget", f"rank-score_{budget} — {title}")
        write_report(report, out_dir, bench_name, title, refs)
        err.print(f"wrote {out_dir / bench_name}.md, .json, .png")


@command("pass-at-k")
def pass_at_k_command(
    dumps: List[Path] = typer.Argument(..., metavar="DUMP...", help="Labelled dumps, one per generator model."),
    generators: List[str] = typer.Option([], "--generator", help="Cost entry per dump, in the same order (needed with --budget)."),
    budget: str = typer.Option("none", "--budget", help="none, flops or time."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values."),
    all_k: bool = typer.Option(False, "--all-k", help="Every k from 1 to n."),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="Comma-separated budgets (default: k x each model's cost, merged)."),
    cost_file: Optional[Path] = typer.Option(None, "--cost-table", help="JSON/YAML table of measured costs, added to the paper's."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    references: List[str] = typer.Option([], "--reference", help="LABEL=PERCENT horizontal line on the plot."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the table as .csv or .json."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the curves into this image."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates."),
    seed: int = typer.Option(0, "--seed", help="Seed for the bootstrap."),
):
    """pass@k, or pass_flops@f / pass_time@t, of several generator models side by side (Sec. 4)."""
    choice(budget, BUDGETS, "--budget")
    if generators and len(generators) != len(dumps):
        fail(f"give one --generator per dump ({len(dumps)} dumps, {len(generators)} generators)")
    refs = parse_references(references)
    if output is not None:
        check_table_path(output)
    if plot is not None:
        check_plot_path(plot)
    spend = None
    if budget != "none":
        spend = Budget(budget, cost_table=cost_table(cost_file), points=parse_floats(budgets, "--budgets"))
        spend.check(list(generators) or [None])
    loaded = [read_dump(p, benchmark or "auto", repair_spaces, None, check_ids, dump_format) for p in dumps]
    names = list(generators) or [p.name for p in dumps]
    if len(set(names)) != len(names):
        names = [f"{n} ({p.name})" for n, p in zip(names, dumps)]
    curves = compare_generators(dict(zip(names, loaded)), parse_ks(k, all_k, min(max_k(d) for d in loaded)),
                                budget=spend, generators=generators, n_boot=n_boot, seed=seed)
    title = ("pass@k by generator" if budget == "none" else
             f"pass_{budget}@{'t' if budget == 'time' else 'f'} by generator (each sample costs its generator's "
             f"{'seconds' if budget == 'time' else 'FLOPs'})")
    console.print(curves_table(curves, title=title))
    if output is not None:
        write_table(curves, output, {"dumps": [str(p) for p in dumps], "generators": generators, "budget": budget})
        err.print(f"wrote {output}")
    if plot is not None:
        plot_curves(curves, plot, title=title, references=refs)
        err.print(f"wrote {plot}")


@command("score")
def score_command(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A sample dump (labels needed only by learned rankers)."),
    rankers: List[str] = typer.Option(..., "--ranker", help="A live ranker spec (codet, nll:MODEL, ensemble:nll+codet, a plug-in). Repeatable."),
    output: Path = typer.Option(..., "-o", "--output", help="scores.parquet, .jsonl or .csv, read by rank-score --scores."),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random ranker."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help=BENCHMARK_HELP),
    dump_format: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    check_ids: bool = typer.Option(True, "--check-task-ids/--no-check-task-ids", help=CHECK_IDS_HELP),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help=REPAIR_HELP),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory for live rankers' scores."),
    no_score_cache: bool = typer.Option(False, "--no-score-cache", help="Keep no live scores."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Score every sample with live rankers into one score file (direction and cost per sample in
    its metadata), so scoring runs once and evaluation anywhere."""
    from rankkit.rankers import available_rankers
    from rankkit.scores import write_series

    if not output.name.lower().endswith((".parquet", ".jsonl", ".csv")):
        fail(f"{output}: a score file must end in .parquet, .jsonl or .csv")
    live = set(available_rankers())
    for spec in rankers:
        if spec.partition(":")[0] not in live:
            fail(f"--ranker {spec!r} is not a registered ranker (rankers: {', '.join(sorted(live))})")
    dump = read_dump(dump_path, benchmark or "auto", repair_spaces, head, check_ids, dump_format)
    series = resolve_series(dump, rankers, None, (), seed, None if no_score_cache else score_cache, folds,
                            show_progress=not quiet)
    write_series(output, dump, series, metadata={"source": dump.source, "problems": len(dump)})
    for name, s in series.items():
        cost = "unknown" if s.cost is None else f"{s.cost.seconds_per_sample:.3g} s, {s.cost.flops_per_sample:.3g} FLOPs"
        console.print(f"{name}: {len(s)} problems scored ({'higher' if s.higher_is_better else 'lower'} is better; "
                      f"cost per sample {cost})", highlight=False, markup=False)
    err.print(f"wrote {output}")
