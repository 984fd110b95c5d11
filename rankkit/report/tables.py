"""A ``Report`` (or plain curves) as tables: terminal (rich), Markdown, CSV and JSON, and the
files of ``rankkit report`` (NAME.md / NAME.json / NAME.png)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.evaluation import Curve, Difference, Report
from rankkit.report.format import CAPTION, _fmt_cell, _fmt_x, _header, check_table_path
from rankkit.report.plots import plot_panels

def _cells(series: Sequence[Curve | Difference], signed: bool = False) -> tuple[str, list[list[str]]]:
    """(x label, rows): one row per x of any series, one 'mean [CI]' cell per series (percent)."""
    if not series:
        raise ValueError("nothing to tabulate")
    x_label = series[0].x_label
    rows = []
    for x in np.unique(np.concatenate([c.x for c in series])):
        row = [_fmt_x(x, x_label)]
        for c in series:
            hit = np.flatnonzero(c.x == x)
            if hit.size:
                j = int(hit[0])
                mark = bool(isinstance(c, Difference) and c.significant[j])
                row.append(_fmt_cell(c.estimate.mean[j], c.estimate.low[j], c.estimate.high[j], signed, mark))
            else:
                row.append("")
        rows.append(row)
    return x_label, rows


def _difference_title(diffs: Sequence[Difference]) -> str:
    return (f"difference to {diffs[0].baseline}, percentage points [paired 95% bootstrap CI]; "
            f"* = the interval excludes 0")


def curves_table(curves: Sequence[Curve], title: str = "", caption: str = CAPTION):
    """A rich Table: one row per x, one column per curve, cells 'mean [CI]' in percent."""
    from rich.markup import escape
    from rich.table import Table

    x_label, rows = _cells(curves)
    table = Table(title=title or None, caption=escape(caption))
    table.add_column(x_label, justify="right")
    for c in curves:
        table.add_column(_header(c), justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def differences_table(diffs: Sequence[Difference], title: str = ""):
    """A rich Table of paired differences to the baseline (percentage points)."""
    from rich.markup import escape
    from rich.table import Table

    x_label, rows = _cells(diffs, signed=True)
    table = Table(title=escape(title) if title else None, caption=escape(_difference_title(diffs)))
    table.add_column(x_label, justify="right")
    for d in diffs:
        table.add_column(f"{d.name}\n− {d.baseline}", justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(series: Sequence[Curve | Difference], title: str = "") -> str:
    """Curves or differences as Markdown: one row per x, one column per series, in percent."""
    diffs = bool(series) and isinstance(series[0], Difference)
    x_label, rows = _cells(series, signed=diffs)
    head = [x_label] + [f"{d.name} − {d.baseline}" if diffs else _header(d) for d in series]
    lines = ([f"**{title}**", ""] if title else []) + ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", f"_{_difference_title(series) if diffs else CAPTION}_"]
    return "\n".join(lines) + "\n"


def _num(v: float):
    return None if math.isnan(v) else float(v)


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


def difference_rows(diffs: Sequence[Difference]) -> list[dict]:
    """One dict per (difference, x): name, baseline, metric, x, mean, low, high, significant."""
    rows = []
    for d in diffs:
        for j, x in enumerate(d.x):
            rows.append({
                "name": d.name, "baseline": d.baseline, "metric": d.metric, "x_label": d.x_label,
                "x": int(x) if d.x_label == "k" else float(x), "mean": _num(d.estimate.mean[j]),
                "low": _num(d.estimate.low[j]), "high": _num(d.estimate.high[j]),
                "significant": bool(d.significant[j]), "problems": int(d.per_problem.shape[0]),
            })
    return rows


def report_dict(report: Report, panels: Sequence[str] = ("k", "budget")) -> dict:
    """The JSON form of (some panels of) a report: meta, curve rows, difference rows, costs."""
    curves = [c for p in panels for c in report.panel(p)]
    diffs = [d for p in panels if report.panel(p) for d in report.panel_differences(p)]
    out = {"meta": dict(report.meta), "rows": tidy_rows(curves), "differences": difference_rows(diffs)}
    if report.ranker_costs:
        out["ranker_costs"] = dict(report.ranker_costs)
    return out


def write_table(curves: Sequence[Curve] | Report, path: str | Path, meta: Mapping | None = None,
                panels: Sequence[str] = ("k", "budget")) -> None:
    """CSV (tidy rows; differences as rows named 'A - BASELINE') or JSON (rows, differences and
    run metadata), chosen by the extension. Takes a Report (its ``panels``) or a list of curves."""
    path = check_table_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(curves, Report):
        data = report_dict(curves, panels)
        data["meta"].update(meta or {})
    else:
        data = {"meta": dict(meta or {}), "rows": tidy_rows(curves), "differences": []}
    if path.suffix.lower() == ".csv":
        rows = data["rows"] + [dict(r, name=f"{r['name']} - {r['baseline']}", metric=f"difference {r['metric']}")
                               for r in data["differences"]]
        fields = ["name", "metric", "x_label", "x", "mean", "low", "high", "problems"]
        if data["differences"]:
            fields += ["baseline", "significant"]
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    else:
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def report_markdown(report: Report, title: str, references: Mapping[str, float] | None = None) -> str:
    """The Markdown page of ``rankkit report``: both panels, differences, costs, markers."""
    meta = report.meta
    unit = "seconds" if report.budget == "time" else "FLOPs"
    lines = [f"# {title}", "", f"Dump: `{meta['dump']}`; ties: {meta['ties']}; unfinished discarded: "
             f"{meta['discard_unfinished']}."]
    if report.budget:
        lines[-1] += (f" Generator cost {meta['generator_cost_per_sample']:.4g} {unit}/sample "
                      f"({meta.get('generator_cost_source') or meta['generator']}).")
    if meta.get("series"):
        lines += ["", "Scores: " + "; ".join(f"`{n}` from {o}" for n, o in meta["series"].items()) + "."]
    for name, text in meta.get("rankers", {}).items():
        lines += ["", f"`{name}`: {text}."]
    for note in meta.get("notes", []):
        lines += ["", f"**Note:** {note}."]
    lines += ["", markdown_table(report.k_curves, "rank-score@k (pass@k is the unit-test upper bound)")]
    if report.panel_differences("k"):
        lines += [markdown_table(report.panel_differences("k"), f"rank-score@k minus {report.baseline}")]
    if report.budget:
        lines += [markdown_table(report.budget_curves,
                                 f"rank-score_{report.budget}: each sample costs generation + ranking")]
        if report.panel_differences("budget"):
            lines += [markdown_table(report.panel_differences("budget"),
                                     f"rank-score_{report.budget} minus {report.baseline}")]
        sources = meta.get("costs", {}).get("rankers", {})
        lines += [f"Ranker cost per sample ({unit}):", "", "| ranker | cost | source |", "|---|---|---|",
                  *[f"| {n} | {c:.4g} | {sources.get(n, {}).get('source', '')} |"
                    for n, c in report.ranker_costs.items()], ""]
    if references:
        lines += ["Markers: " + "; ".join(f"{k} = {100 * v:.1f}%" for k, v in references.items()), ""]
    return "\n".join(lines)


def write_report(report: Report, out_dir: str | Path, name: str, title: str,
                 references: Mapping[str, float] | None = None) -> list[Path]:
    """NAME.md, NAME.json and NAME.png (both panels) in ``out_dir``; returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js, png = (out_dir / f"{name}{ext}" for ext in (".md", ".json", ".png"))
    md.write_text(report_markdown(report, title, references), encoding="utf-8")
    write_table(report, js, {"references": dict(references or {})})
    panels = [p for p in (report.k_curves, report.budget_curves) if p]
    if report.budget_curves and report.ranker_costs and not any(report.ranker_costs.values()):
        panels = [report.k_curves]  # rankers that cost nothing: the budget panel is the k panel rescaled
        title += f" (the {report.budget} panel is the k panel × the generator's cost: no ranker costs anything)"
    plot_panels(panels, png, title=title, references=references, labels=series_labels(report),
                differences=report.differences)
    return [md, js, png]


def series_labels(report: Report) -> dict[str, str]:
    """Legend text per series: its name, and the model that scored it where the name does not say."""
    out = {}
    for name, model in (report.meta.get("models") or {}).items():
        out[name] = name if not model or model in name else f"{name} ({model})"
    return out
