"""The typer app, the consoles, the error handler and the flag parsers the commands share."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich.console import Console

from rankkit import __version__
from rankkit.errors import RankkitError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Rank and verify sampled code generations under a compute budget.")
console = Console()
if not console.is_terminal:  # piped or captured: don't wrap tables at 80 columns
    console = Console(width=240)
err = Console(stderr=True)

# library parameter -> the flag that sets it (errors speak of parameters; users type flags)
FLAGS = {
    "ks": "--k", "budget": "--budget", "budgets": "--budgets", "generator": "--generator",
    "ranker_costs": "--ranker-cost", "plot": "--plot", "cost_table": "--cost-table", "ties": "--ties",
    "discard_unfinished": "--discard-unfinished", "benchmark": "--benchmark", "head": "--problems",
    "rankers": "--ranker", "baseline": "--baseline", "model": "--model", "dtype": "--dtype", "shard": "--shard",
    "resume": "--resume", "output": "-o", "folds": "--folds", "scores": "--scores", "stop_sequences": "--stop",
    "n": "--n", "max_new_tokens": "--max-new-tokens", "temperature": "--temperature", "top_p": "--top-p",
    "prompt_style": "--prompt-style", "split": "--split", "group": "--group",
    "options": "--option", "at": "--at", "target": "--target", "common_problems": "--common-problems",
    "threshold": "--threshold", "mode": "--mode", "backbone": "--backbone", "lm": "--lm", "combine": "--combine", "lm_norm": "--lm-norm",
}


class UsageError(RankkitError):
    """A flag's value that the command line itself rejects (its message names the flag)."""


def cli_message(e: RankkitError, flags: set[str] | None = None) -> str:
    """The error in the user's terms: the flag that fixes it instead of the library parameter;
    ``flags``: the command's own flags (a flag it lacks is never named)."""
    flag = FLAGS.get(e.param or "")
    if flag is None:
        return str(e)
    if flags is not None and flag not in flags:
        return e.message
    if e.example == "False":
        return f"{e.message} (leave out {flag})"
    fix = flag if e.example in (None, "True") else f"{flag} {e.example}"
    return f"{e.message} (give {fix})"


def command_flags(fn) -> set[str]:
    """Every flag a typer command function declares (``--k``, ``-o``, ``--no-score-cache``, ...)."""
    import inspect

    out: set[str] = set()
    for p in inspect.signature(fn).parameters.values():
        for decl in getattr(p.default, "param_decls", None) or ():
            for part in decl.split("/"):
                if part.strip().startswith("-"):
                    out.add(part.strip())
    return out


def fail(message: str) -> None:
    raise UsageError(message)


def command(name: str, group: typer.Typer | None = None, **kwargs):
    """``@app.command(name)`` (or a sub-command of ``group``) whose user errors print one line on
    stderr and exit with code 2."""

    def decorate(fn):
        flags = command_flags(fn)

        @functools.wraps(fn)
        def run(*args, **kw):
            try:
                return fn(*args, **kw)
            except RankkitError as e:
                from rich.markup import escape

                err.print(f"[bold red]error:[/] {escape(cli_message(e, flags))}", highlight=False, markup=True,
                          soft_wrap=True)
                raise typer.Exit(2) from None

        return (group or app).command(name, **kwargs)(run)

    return decorate


def _no_type_for_flags(display_type_rich):
    """typer 0.2x shows boolean flags (--help included) with a ``<bool>`` type; a flag takes no
    value, so show none."""

    @functools.wraps(display_type_rich)
    def display(self, ctx):
        return None if getattr(self, "is_flag", False) else display_type_rich(self, ctx)

    return display


if hasattr(typer.core, "TyperOption") and hasattr(typer.core.TyperOption, "display_type_rich"):
    typer.core.TyperOption.display_type_rich = _no_type_for_flags(typer.core.TyperOption.display_type_rich)


def _version(value: bool):
    if value:
        console.print(f"rankkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")):
    """rankkit: pass@k, rank-score@k and their budgeted variants for sampled code generations."""


def choice(value: str, choices, flag: str) -> str:
    if value not in choices:
        fail(f"{flag} must be one of {', '.join(choices)}, got {value!r}")
    return value


def parse_ks(text: Optional[str], all_k: bool, limit: int) -> Optional[np.ndarray]:
    """'1,5,10' -> array; --all-k -> 1..limit; None -> the library's default."""
    if all_k:
        return np.arange(1, limit + 1)
    if not text:
        return None
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        fail(f"--k must be a comma-separated list of whole numbers, got {text!r}")
    if not ks or ks[0] < 1 or ks[-1] > limit:
        fail(f"--k values must lie in 1..{limit} (the fewest samples any problem has)")
    return np.array(ks)


def parse_floats(text: Optional[str], flag: str) -> Optional[np.ndarray]:
    if text is None:
        return None
    try:
        values = np.array([float(p) for p in text.split(",") if p.strip()])
    except ValueError:
        fail(f"{flag} must be a comma-separated list of numbers, got {text!r}")
    if values.size == 0 or np.any(values < 0):
        fail(f"{flag} must list numbers >= 0")
    return np.unique(values)


def parse_references(items: List[str]) -> dict[str, float]:
    """LABEL=PERCENT, or LABEL=DUMP: the pass@1 of a labelled (e.g. greedy) dump."""
    out = {}
    for item in items:
        label, sep, value = item.rpartition("=")
        try:
            out[label] = float(value) / 100
        except ValueError:
            if label and Path(value).is_file():
                from rankkit.evaluation import reference_pass_at_1

                out[label] = reference_pass_at_1(value)
            else:
                label = ""
        if not sep or not label:
            fail(f"--reference takes LABEL=PERCENT (e.g. 'CodeLlama-70B greedy=65.2') or LABEL=DUMP (a labelled "
                 f"greedy dump), got {item!r}")
    return out


def parse_ranker_costs(items: List[str]) -> dict[str, float | str]:
    """RANKER=VALUE (a number, budget units) or RANKER=MODEL (that model's scoring cost)."""
    out: dict[str, float | str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            fail(f"--ranker-cost takes RANKER=VALUE or RANKER=MODEL, got {item!r}")
        try:
            out[name] = float(value)
        except ValueError:
            out[name] = value
        if isinstance(out[name], float) and not out[name] >= 0:
            fail(f"--ranker-cost {item}: cost must be >= 0")
    return out


def cost_table(path: Optional[Path]):
    from rankkit.costs import load_cost_table

    return load_cost_table(path) if path is not None else {}


DUMP_EXTENSIONS = (".json.gz", ".jsonl.gz", ".json", ".jsonl")


def split_ext(path: Path) -> tuple[str, str]:
    """('dump', '.json.gz') for dump.json.gz; unknown extensions count as .jsonl."""
    for ext in DUMP_EXTENSIONS:
        if path.name.endswith(ext):
            return path.name[: -len(ext)], ext
    return path.name, ".jsonl"


PROBLEMS_HELP = "Use only the first N problems of the dump (a quick run)."
BENCHMARK_HELP = ("humaneval or mbpp: check the task ids and fill in missing prompts (default: recognised "
                  "from the ids when all are HumanEval/N or MBPP/N).")
CHECK_IDS_HELP = "Check recognised HumanEval/MBPP task ids against the benchmark (off: a custom task set)."
REPAIR_HELP = "Restore SentencePiece's dropped leading space (default: on for the released format)."
FORMAT_HELP = ("Dump format: auto (from the content), released, jsonl, json-list, bigcode, lm-eval, evalplus, "
               "livecodebench or batch, with options, e.g. evalplus:labels=plus, bigcode:task=humaneval-unstripped, "
               "lm-eval:responses=raw, batch:id_pattern=(?P<task_id>.+)#\\d+ (README, \"Bring your own samples\").")


def read_dump(path: Path, benchmark: Optional[str] = "auto", repair_spaces: Optional[bool] = None,
              head: Optional[int] = None, check_ids: bool = True, format: str = "auto"):
    """``open_dump``, saying on stderr what a harness's file held: problems, samples, labelled,
    what was skipped and why."""
    from rankkit.dumps import open_dump
    from rankkit.dumps.harnesses.detection import HARNESS_FORMATS

    dump = open_dump(path, benchmark, repair_spaces, head, check_ids, format)
    fmt = dump.metadata.get("format")
    if fmt in HARNESS_FORMATS:
        read = dump.metadata["read"]
        skipped = "".join(f"; skipped {n:,}: {why}" for why, n in read["skipped"].items())
        err.print(f"read {path.name} as {fmt}: {read['problems']:,} problems, {read['samples']:,} samples, "
                  f"{read['labelled']:,} labelled{skipped}", markup=False, highlight=False, soft_wrap=True)
        for note in read["notes"]:
            err.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    return dump
