"""A ``Plan`` as Markdown and as a figure: every option's score per budget, the best regions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rankkit.report.format import X_TITLES, _fmt_cell

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
