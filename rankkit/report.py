"""Curves to tables (terminal, CSV, JSON) and plots like the paper's figures."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.evaluation import Curve


def _fmt_x(x: float, label: str) -> str:
    if label == "k":
        return str(int(x))
    if label == "time":
        return f"{x:.4g} s"
    return f"{x:.3e}"


def _fmt_cell(mean: float, low: float, high: float) -> str:
    if math.isnan(mean):
        return "—"
    return f"{100 * mean:.2f} [{100 * low:.1f}, {100 * high:.1f}]"


def _cells(curves: Sequence[Curve]) -> tuple[str, list[list[str]]]:
    """(x label, rows): one row per x of any curve, one 'mean [CI]' cell per curve (percent)."""
    if not curves:
        raise ValueError("no curves to report")
    x_label = curves[0].x_label
    rows = []
    for x in np.unique(np.concatenate([c.x for c in curves])):
        row = [_fmt_x(x, x_label)]
        for c in curves:
            hit = np.flatnonzero(c.x == x)
            if hit.size:
                j = int(hit[0])
                row.append(_fmt_cell(c.estimate.mean[j], c.estimate.low[j], c.estimate.high[j]))
            else:
                row.append("")
        rows.append(row)
    return x_label, rows


def curves_table(curves: Sequence[Curve], title: str = ""):
    """A rich Table: one row per x, one column per curve, cells 'mean [CI]' in percent."""
    from rich.table import Table

    x_label, rows = _cells(curves)
    table = Table(title=title or None, caption="percent, mean over problems [95% bootstrap CI]")
    table.add_column(x_label, justify="right")
    for c in curves:
        header = c.name if c.name == c.metric else f"{c.name}\n{c.metric}"
        table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def tidy_rows(curves: Sequence[Curve]) -> list[dict]:
    """One dict per (curve, x): name, metric, x_label, x, mean, low, high (fractions in [0, 1])."""
    rows = []
    for c in curves:
        for j, x in enumerate(c.x):
            rows.append({
                "name": c.name, "metric": c.metric, "x_label": c.x_label,
                "x": int(x) if c.x_label == "k" else float(x),
                "mean": _num(c.estimate.mean[j]), "low": _num(c.estimate.low[j]), "high": _num(c.estimate.high[j]),
                "problems": int(c.per_problem.shape[0]),
            })
    return rows


def _num(v: float):
    return None if math.isnan(v) else float(v)


def write_table(curves: Sequence[Curve], path: str | Path, meta: Mapping | None = None) -> None:
    """CSV (tidy rows) or JSON (rows plus run metadata), chosen by the extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = tidy_rows(curves)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    elif path.suffix.lower() == ".json":
        path.write_text(json.dumps({"meta": dict(meta or {}), "rows": rows}, indent=1) + "\n", encoding="utf-8")
    else:
        raise ValueError(f"{path}: table output must end in .csv or .json")


def markdown_table(curves: Sequence[Curve], title: str = "") -> str:
    """The table as Markdown: one row per x, one column per curve, 'mean [95% CI]' in percent."""
    x_label, rows = _cells(curves)
    head = [x_label] + [c.name if c.name == c.metric else f"{c.name} ({c.metric})" for c in curves]
    lines = ([f"**{title}**", ""] if title else []) + ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plot_curves(curves: Sequence[Curve], path: str | Path, title: str = "",
                references: Mapping[str, float] | None = None) -> None:
    """Mean curves with bootstrap bands; ``references`` draws horizontal lines (fractions), e.g.
    the pass@1 or greedy score of another model, as in the paper's Fig. 8."""
    plot_panels([curves], path, title, references)


def plot_panels(panels: Sequence[Sequence[Curve]], path: str | Path, title: str = "",
                references: Mapping[str, float] | None = None) -> None:
    """Side-by-side panels (e.g. rank-score@k and rank-score_time@t), same markers in each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.5), dpi=120, squeeze=False)
    for ax, curves in zip(axes[0], panels):
        _draw(ax, curves, references)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _draw(ax, curves: Sequence[Curve], references: Mapping[str, float] | None) -> None:
    for c in curves:
        is_pass = c.metric.startswith("pass")
        ok = ~np.isnan(c.estimate.mean)
        label = c.name if c.name == c.metric else f"{c.name} ({c.metric})"
        # pass@k is the upper bound; dashed on top so an oracle ranker does not hide it.
        line, = ax.plot(c.x[ok], 100 * c.estimate.mean[ok], "--" if is_pass else "-", label=label,
                        zorder=3 if is_pass else 2, linewidth=1.8 if is_pass else 1.5)
        ax.fill_between(c.x[ok], 100 * c.estimate.low[ok], 100 * c.estimate.high[ok],
                        color=line.get_color(), alpha=0.15, linewidth=0)
    for label, value in (references or {}).items():
        ax.axhline(100 * value, linestyle=":", color="black", linewidth=1)
        ax.annotate(label, (0.01, 100 * value), xycoords=("axes fraction", "data"), fontsize=8,
                    va="bottom")
    x_label = curves[0].x_label
    ax.set_xscale("log")
    ax.set_xlabel({"k": "k (samples)", "flops": "budget (FLOPs)", "time": "budget (seconds)"}[x_label])
    ax.set_ylabel("score (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    if curves:
        ax.set_title({"k": "rank-score@k", "time": "rank-score_time@t", "flops": "rank-score_flops@f"}[x_label],
                     fontsize=10)
