"""A ``Report`` (or plain curves) to tables (terminal, Markdown, CSV, JSON) and plots like the
paper's figures; ``write_report`` writes ``rankkit report``'s NAME.md / NAME.json / NAME.png."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.evaluation import Curve, Difference, Report

CAPTION = "percent, mean over problems [95% bootstrap CI]"
X_TITLES = {"k": "k (samples per problem)", "flops": "budget per problem (FLOPs)",
            "time": "budget per problem (seconds)"}
PANEL_TITLES = {"k": "rank-score@k", "time": "rank-score_time@t (generation + ranking)",
                "flops": "rank-score_flops@f (generation + ranking)"}
PASS_LABELS = {"k": "pass@k (unit tests)", "time": "pass_time@t (unit tests)", "flops": "pass_flops@f (unit tests)"}


def _fmt_x(x: float, label: str) -> str:
    if label == "k":
        return str(int(x))
    if label == "time":
        return f"{x:.4g} s"
    return f"{x:.3e}"


def _fmt_cell(mean: float, low: float, high: float, signed: bool = False, mark: bool = False) -> str:
    if math.isnan(mean):
        return "—"
    mean, low, high = (0.0 if abs(v) < 5e-9 else v for v in (mean, low, high))  # no "-0.00"
    sign = "+" if signed else ""
    return f"{100 * mean:{sign}.2f} [{100 * low:{sign}.1f}, {100 * high:{sign}.1f}]" + (" *" if mark else "")


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


def _header(c: Curve) -> str:
    """A pass curve under its default name reads as the unit-test bound; any other keeps its name
    (e.g. one generator's pass@k beside another's)."""
    if c.metric.startswith("pass") and c.name == "pass@k":
        return PASS_LABELS.get(c.x_label, c.name)
    return c.name


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


TABLE_SUFFIXES = (".csv", ".json")


def check_table_path(path: str | Path, param: str = "output") -> Path:
    """A table output path that ``write_table`` can write (checked before any work is done)."""
    from rankkit.errors import InputError

    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"{path}: table output must end in .csv or .json", param=param)
    return path


def check_plot_path(path: str | Path, param: str = "plot") -> Path:
    """An image path whose suffix matplotlib can write (checked before any work is done)."""
    from rankkit.errors import InputError

    path = Path(path)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    kinds = Figure().canvas.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in kinds:
        raise InputError(f"{path}: cannot draw a plot of type {path.suffix or '(no suffix)'!r}; use one of "
                         f"{', '.join('.' + k for k in sorted(kinds))}", param=param)
    return path


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
    plot_panels([p for p in (report.k_curves, report.budget_curves) if p], png, title=title, references=references)
    return [md, js, png]


def plot_curves(curves: Sequence[Curve], path: str | Path, title: str = "",
                references: Mapping[str, float] | None = None) -> None:
    """Mean curves with 95% bootstrap bands; ``references`` draws horizontal lines (fractions),
    e.g. the pass@1 or greedy score of another model, as in the paper's Fig. 8."""
    plot_panels([curves], path, title, references)


def plot_panels(panels: Sequence[Sequence[Curve]], path: str | Path, title: str = "",
                references: Mapping[str, float] | None = None) -> None:
    """Side-by-side panels (e.g. rank-score@k and rank-score_time@t), same markers in each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.8), dpi=120, squeeze=False)
    for ax, curves in zip(axes[0], panels):
        _draw(ax, curves, references)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _same_values(a: Curve, b: Curve) -> bool:
    return (a.x.shape == b.x.shape and np.array_equal(a.x, b.x)
            and np.allclose(a.estimate.mean, b.estimate.mean, equal_nan=True))


def _draw(ax, curves: Sequence[Curve], references: Mapping[str, float] | None) -> None:
    passing = [c for c in curves if c.metric.startswith("pass")]
    only_pass = len(passing) == len(curves)
    for c in curves:
        is_pass = c.metric.startswith("pass")
        ok = ~np.isnan(c.estimate.mean)
        label = c.name if only_pass else (_header(c) if is_pass else c.name)
        style, band = {"linestyle": "-", "linewidth": 1.5, "zorder": 2}, True
        twin = None if is_pass else next((p for p in passing if _same_values(c, p)), None)
        if is_pass and not only_pass:
            style = {"linestyle": "--", "linewidth": 1.8, "zorder": 4, "color": "black"}
        elif twin is not None:
            # equal to pass@k by construction (the oracle): a wide pale line under the dashed one
            style, band = {"linestyle": "-", "linewidth": 6, "alpha": 0.35, "zorder": 1}, False
            label = f"{c.name} (= {_header(twin).split(' ')[0]})"
        line, = ax.plot(c.x[ok], 100 * c.estimate.mean[ok], label=label, **style)
        if band:
            ax.fill_between(c.x[ok], 100 * c.estimate.low[ok], 100 * c.estimate.high[ok],
                            color=line.get_color(), alpha=0.10, linewidth=0)
    for label, value in (references or {}).items():
        ax.axhline(100 * value, linestyle=":", color="dimgray", linewidth=1)
        ax.annotate(label, (0.01, 100 * value), xycoords=("axes fraction", "data"), fontsize=8, va="bottom")
    x_label = curves[0].x_label
    ax.set_xscale("log")
    ax.set_xlabel(X_TITLES[x_label])
    ax.set_ylabel("problems solved (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, title="shaded: 95% bootstrap interval", title_fontsize=7)
    if only_pass:
        ax.set_title({"k": "pass@k", "time": "pass_time@t", "flops": "pass_flops@f"}[x_label], fontsize=10)
    else:
        ax.set_title(PANEL_TITLES[x_label], fontsize=10)


def plan_markdown(plan, title: str = "") -> str:
    """A ``Plan`` as Markdown: options, one table per budget (score, k, difference to the best),
    crossovers, budgets to reach the target, and the assumptions."""
    unit = "FLOPs" if plan.unit == "flops" else "seconds"
    fmt = (lambda b: f"{b:.3g} FLOPs") if plan.unit == "flops" else (lambda b: f"{b:.4g} s")
    lines = [f"# {title or 'Plan: which option solves the most problems under a ' + unit + ' budget'}", ""]
    if plan.meta.get("restriction"):
        lines += [f"**Problems {plan.meta['restriction']}.**", ""]
    lines += ["| option | dump | selection | generator | cost per sample | samples per problem |", "|---|---|---|---|---|---|"]
    for o in plan.options:
        cost = fmt(o["cost_per_sample"]) + (f" (ranking {fmt(o['ranker_cost_per_sample'])})" if o["ranker_cost_per_sample"] else "")
        lines.append(f"| {o['name']} | `{o['dump']}` | {o['select']} | {o['generator']} | {cost} | {o['samples_per_problem']} |")
    lines += ["", f"{plan.meta['problems']} problems; scores in percent of problems solved [95% bootstrap CI]; "
                  f"differences to the best in points [paired 95% CI]; ≈ = cannot be told apart from the best "
                  f"(its interval holds 0).", ""]
    for r in plan.results:
        lines += [f"## Budget {fmt(r.budget)} per problem", ""]
        if r.best is None:
            lines += ["No option is measured at this budget.", ""]
        lines += ["| option | k | score | − best | |", "|---|---|---|---|---|"]
        for name, o in r.options.items():
            if not o.measured:
                lines.append(f"| {name} | {o.k} | {o.note} | | |")
                continue
            mark = "**best**" if name == r.best else ("≈" if o.indistinguishable else "")
            diff = "" if name == r.best else _fmt_cell(o.difference, o.difference_low, o.difference_high, signed=True)
            lines.append(f"| {name} | {o.k} | {_fmt_cell(o.score, o.low, o.high)} | {diff} | {mark} |")
        lines.append("")
    lines += ["## Over the whole budget range", ""]
    events = sorted([(c["budget"], f"- at {fmt(c['budget'])}: best changes from {c['from']} to {c['to']} ({c['why']})")
                     for c in plan.crossovers] +
                    [(m["budget"], f"- from {fmt(m['budget'])}: {m['option']} is not measured (its dump holds "
                                   f"{m['samples']} samples); " + (f"only {', '.join(m['measured'])} measured beyond here"
                                                                   if m["measured"] else "no option is measured beyond here")
                      + " — not a crossover")
                     for m in getattr(plan, "limits", [])])
    if not plan.crossovers:
        lines.append("- no crossover: the best option is the same wherever two or more options are measured")
    lines += [text for _, text in events]
    if plan.target is not None:
        lines += ["", f"Smallest budget at which each option reaches {100 * plan.target:.1f}%:", ""]
        lines += [f"- {n}: {fmt(b) if b is not None else 'not reached with the samples its dump holds'}"
                  for n, b in plan.reaches.items()]
    lines += ["", "Assumptions: " + " ".join(plan.assumptions), ""]
    return "\n".join(lines)


def plot_plan(plan, path: str | Path, title: str = "") -> None:
    """Score against budget (log x) for every option with its 95% band, the best option's regions
    shaded in its colour, greedy options as stars (the study's figures)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    colours = {}
    for o in plan.options:
        c = plan.curves[o["name"]]
        if o["select"] == "greedy":
            line = ax.plot(c["budget"], [100 * s for s in c["score"]], marker="*", markersize=14, linestyle="none",
                           label=f"{o['name']} (greedy)", zorder=5)[0]
        else:
            # the last step holds until the budget buys one sample more than the dump has
            x = np.append(c["budget"], c["budget"][-1] + o["cost_per_sample"])
            low, y, high = (100 * np.append(c[key], c[key][-1]) for key in ("low", "score", "high"))
            line = ax.step(x, y, where="post", label=o["name"], linewidth=1.6)[0]
            ax.fill_between(x, low, high, step="post", alpha=0.12, color=line.get_color(), linewidth=0)
        colours[o["name"]] = line.get_color()
    points = plan.sweep["budget"]
    contested = plan.sweep.get("contested", [True] * len(points))
    # shade only where the best option beat another: where it is the only one measured, it is not "best"
    best = [b if c else None for b, c in zip(plan.sweep["best"], contested)]
    start = 0
    for i in range(1, len(points) + 1):  # one shaded span per run of the same best option
        if i == len(points) or best[i] != best[start]:
            if best[start] is not None:
                ax.axvspan(points[start], points[i] if i < len(points) else points[-1],
                           color=colours[best[start]], alpha=0.07, linewidth=0)
            start = i
    ax.set_xscale("log")
    ax.set_xlabel(X_TITLES[plan.unit])
    ax.set_ylabel("problems solved (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, title="lines: 95% bands; background: best of two or more measured", title_fontsize=7)
    ax.set_title(title or f"Which option solves the most problems per {plan.unit} budget", fontsize=10)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
