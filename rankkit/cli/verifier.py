"""``rankkit verifier train``: fit a LEVER-style verifier on labelled dumps and save it."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rankkit.cli.app import PROBLEMS_HELP, app, choice, command, console, err

verifier_app = typer.Typer(no_args_is_help=True, help="Train learned verifiers (rank with --ranker verifier:DIR).")
app.add_typer(verifier_app, name="verifier")


@command("train", group=verifier_app)
def train(
    dumps: List[Path] = typer.Argument(..., metavar="DUMP...", help="Labelled dumps to train on (all their samples)."),
    output: Path = typer.Option(..., "-o", "--output", help="Directory to save the verifier in (manifest + weights)."),
    mode: str = typer.Option("no-exec", "--mode", help="no-exec (nothing runs) or exec (candidates run on the prompt's example inputs)."),
    inputs: str = typer.Option("auto", "--inputs", help="exec mode: auto (the shown examples; rankkit's own where a prompt shows none), prompt (shown examples only) or synth (both)."),
    backbone: str = typer.Option("boosting", "--backbone", help="boosting, logistic, lm-head (frozen LM states + head) or finetune (LM classifier on LEVER's text)."),
    lm: str = typer.Option("smollm2-135m", "--lm", help="Scoring LM behind the NLL features (HF id, directory, GGUF, smollm2-135m), or none."),
    combine: str = typer.Option("none", "--combine", help="none, or lm: rank by log p(correct) + lambda x LM log-prob (LEVER), lambda fitted here."),
    lm_norm: str = typer.Option("mean", "--lm-norm", help="LM log-prob in the combination: mean per token or sum."),
    epochs: Optional[float] = typer.Option(None, "--epochs", help="Training epochs of the finetune backbone (default 1)."),
    head: Optional[int] = typer.Option(None, "--problems", help=PROBLEMS_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed of the backbone's training."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
):
    """Train a verifier on every labelled sample of DUMP... and save it to -o DIR; rank with
    `rankkit rank-score OTHER_DUMP --ranker verifier:DIR` (or cross-fit with --ranker verifier)."""
    from rankkit.verifier import train_verifier
    from rankkit.verifier.backbones import BACKBONES
    from rankkit.verifier.features import EXEC_INPUTS, MODES
    from rankkit.verifier.model import COMBINE, LM_NORMS

    choice(mode, MODES, "--mode")
    choice(inputs, EXEC_INPUTS, "--inputs")
    choice(backbone, tuple(BACKBONES), "--backbone")
    choice(combine, COMBINE, "--combine")
    choice(lm_norm, LM_NORMS, "--lm-norm")
    verifier = train_verifier(dumps, output, mode=mode, inputs=inputs, backbone=backbone, lm=None if lm == "none" else lm,
                              combine=combine, lm_norm=lm_norm, problems=head, epochs=epochs, seed=seed,
                              show_progress=not quiet)
    m = verifier.manifest
    console.print(f"{m['description']}: trained on {sum(t['samples'] for t in m['training'])} samples "
                  f"({sum(t['positives'] for t in m['training'])} passing) of "
                  f"{sum(t['problems'] for t in m['training'])} problems in {m['train_seconds']:.1f} s",
                  markup=False, highlight=False, soft_wrap=True)
    top = list(m.get("importances", {}).items())[:8]
    if top:
        console.print("feature importance: " + ", ".join(f"{k} {v:.3g}" for k, v in top), markup=False,
                      highlight=False, soft_wrap=True)
    err.print(f"wrote {output}")
