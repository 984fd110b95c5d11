"""Curves as figures like the paper's: mean lines with markers at the measured points, 95%
bootstrap intervals as error bars, and which points differ from the baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from rankkit.evaluation import Curve, Difference
from rankkit.report.format import PANEL_TITLES, X_TITLES, _header

BANDS_UP_TO = 2  # more series than this: error bars at the measured points instead of bands (mud)


def plot_curves(curves: Sequence[Curve], path: str | Path, title: str = "",
                references: Mapping[str, float] | None = None, labels: Mapping[str, str] | None = None,
                differences: Sequence[Difference] = ()) -> None:
    """Mean curves with their 95% bootstrap intervals; ``references`` draws horizontal lines
    (fractions), e.g. another model's greedy pass@1 (the paper's Fig. 8); ``labels``: legend
    text per series (e.g. which model scored an NLL column); ``differences``: points where a
    series differs from the baseline get filled markers."""
    plot_panels([curves], path, title, references, labels, differences)


def plot_panels(panels: Sequence[Sequence[Curve]], path: str | Path, title: str = "",
                references: Mapping[str, float] | None = None, labels: Mapping[str, str] | None = None,
                differences: Sequence[Difference] = ()) -> None:
    """Side-by-side panels (e.g. rank-score@k and rank-score_time@t), same markers in each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.8), dpi=120, squeeze=False)
    for ax, curves in zip(axes[0], panels):
        _draw(ax, curves, references, labels or {}, differences, titled=len(panels) > 1 or not title)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _same_values(a: Curve, b: Curve) -> bool:
    return (a.x.shape == b.x.shape and np.array_equal(a.x, b.x)
            and np.allclose(a.estimate.mean, b.estimate.mean, equal_nan=True))


def _plain_ticks(ax) -> None:
    """1, 10, 100 (and 1e+12 for budgets) instead of 10⁰, 10¹, 10²."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _draw(ax, curves: Sequence[Curve], references: Mapping[str, float] | None, labels: Mapping[str, str],
          differences: Sequence[Difference], titled: bool = True) -> None:
    passing = [c for c in curves if c.metric.startswith("pass")]
    only_pass = len(passing) == len(curves)
    x_label = curves[0].x_label
    significant = {d.name: d for d in differences if d.x_label == x_label}
    bands = len(curves) - len(passing) <= BANDS_UP_TO
    for i, c in enumerate(curves):
        is_pass = c.metric.startswith("pass")
        ok = ~np.isnan(c.estimate.mean)
        label = labels.get(c.name, c.name) if only_pass or not is_pass else _header(c)
        style = {"linestyle": "-", "linewidth": 1.5, "zorder": 2, "marker": "o", "markersize": 4}
        twin = None if is_pass else next((p for p in passing if _same_values(c, p)), None)
        interval = True
        if is_pass and not only_pass:
            style = {"linestyle": "--", "linewidth": 1.8, "zorder": 4, "color": "black", "marker": ".",
                     "markersize": 5}
        elif twin is not None:
            # equal to pass@k by construction (the oracle): a wide pale line under the dashed one
            style, interval = {"linestyle": "-", "linewidth": 6, "alpha": 0.35, "zorder": 1}, False
            label = f"{label} (= {_header(twin).split(' ')[0]})"
        x, mean = c.x[ok], 100 * c.estimate.mean[ok]
        line, = ax.plot(x, mean, label=label, **style)
        colour = line.get_color()
        if c.name in significant and twin is None:  # hollow markers where the difference holds 0
            d = significant[c.name]
            differs = np.array([bool(d.significant[np.flatnonzero(d.x == v)[0]]) if np.any(d.x == v) else False
                                for v in x])
            line.set_markerfacecolor("none")
            ax.plot(x[differs], mean[differs], linestyle="none", marker="o", markersize=4, color=colour, zorder=3)
        if interval:
            low, high = 100 * c.estimate.low[ok], 100 * c.estimate.high[ok]
            if bands or is_pass:
                ax.fill_between(x, low, high, color=colour, alpha=0.10, linewidth=0)
            else:  # dodged a little along the log axis so the bars of neighbouring series stay apart
                shift = x * (1.0 + 0.025 * (i - len(curves) / 2))
                ax.errorbar(shift, mean, yerr=[mean - low, high - mean], fmt="none", ecolor=colour, alpha=0.6,
                            elinewidth=1, capsize=2)
    for label, value in (references or {}).items():
        ax.axhline(100 * value, linestyle=":", color="dimgray", linewidth=1)
        ax.annotate(label, (0.01, 100 * value), xycoords=("axes fraction", "data"), fontsize=8, va="bottom")
    ax.set_xscale("log")
    _plain_ticks(ax)
    ax.set_xlabel(X_TITLES[x_label])
    ax.set_ylabel("problems solved (%)")
    ax.grid(True, which="both", alpha=0.3)
    legend_title = ("shaded: 95% bootstrap interval" if bands else "bars: 95% bootstrap interval")
    if significant:
        base = next(iter(significant.values())).baseline
        legend_title += f"\nfilled markers: differs from {base} (paired 95% CI excludes 0)"
    ax.legend(fontsize=8, title=legend_title, title_fontsize=7)
    if titled:
        ax.set_title({"k": "pass@k", "time": "pass_time@t", "flops": "pass_flops@f"}[x_label] if only_pass
                     else PANEL_TITLES[x_label], fontsize=10)
