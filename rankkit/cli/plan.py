"""``rankkit plan``: the budget question answered for the user's own options, as a decision with
its uncertainty (``rankkit.evaluation.plan`` computes, ``rankkit.report`` renders)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rankkit.cli.app import choice, command, console, cost_table, err, fail, parse_floats
from rankkit.score_cache import default_score_cache_dir
from rankkit.scoring import BUDGET_UNITS, TIES

OPTION_HELP = ("NAME=DUMP[,generator=COST_ENTRY][,scores=FILE][,ranker_cost=V][,select=tests|greedy|RANKER_SPEC]"
               " (select last; default tests). Repeatable; options may share a dump.")


@command("plan")
def plan_command(
    options: List[str] = typer.Option(..., "--option", help=OPTION_HELP),
    budget: str = typer.Option("flops", "--budget", help="flops or time."),
    at: Optional[str] = typer.Option(None, "--at", help="Comma-separated budgets per problem (default: 8 log-spaced over what the options measure)."),
    cost_files: List[Path] = typer.Option([], "--cost-table", help="JSON/YAML cost table (rankkit profile writes one), added to the paper's. Repeatable (later tables win)."),
    target: Optional[float] = typer.Option(None, "--target", help="A score (fraction, e.g. 0.6): the smallest budget at which each option reaches it."),
    common_problems: bool = typer.Option(False, "--common-problems", help="Compare on the problems every option has (else differing problem sets are an error)."),
    ties: str = typer.Option("expected", "--ties", help="expected (default, order-free) or stable (dump order) tie-breaking for ranker options."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the plan as .md or .json."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw score against budget into this image."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap replicates."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap and of seeded rankers."),
    folds: int = typer.Option(5, "--folds", help="Cross-fitting folds for learned rankers."),
    score_cache: Optional[Path] = typer.Option(default_score_cache_dir(), "--score-cache", help="Directory where live rankers' scores are kept and reused."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Which option (a generator's dump + tests, a ranker or greedy) solves the most problems at
    each budget, with paired 95% intervals to the best, crossovers, and the budget to a target."""
    from rankkit.evaluation.plan import parse_option, plan
    from rankkit.report import plan_markdown, plot_plan

    choice(budget, BUDGET_UNITS, "--budget")
    choice(ties, TIES, "--ties")
    if output is not None and output.suffix.lower() not in (".md", ".json"):
        fail(f"{output}: -o must end in .md or .json")
    if plot is not None:
        from rankkit.report import check_plot_path

        check_plot_path(plot)
    tables = {}
    for path in cost_files:
        tables.update(cost_table(path))
    result = plan([parse_option(o) for o in options], budget, parse_floats(at, "--at"), cost_table=tables,
                  target=target, common_problems=common_problems, ties=ties, n_boot=n_boot, seed=seed,
                  cache_dir=score_cache, folds=folds, show_progress=not quiet)
    text = plan_markdown(result)
    console.print(text, markup=False, highlight=False, soft_wrap=True)
    if output is not None:
        import json

        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result.to_dict(), indent=1) + "\n" if output.suffix.lower() == ".json" else text)
        err.print(f"wrote {output}")
    if plot is not None:
        plot_plan(result, plot)
        err.print(f"wrote {plot}")
