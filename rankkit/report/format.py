"""How numbers read in every table and plot: cells 'mean [CI]' in percent, budgets, titles; and
the output paths a table or a plot can be written to (checked before any work is done)."""

from __future__ import annotations

import math
from pathlib import Path

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


def _header(c) -> str:
    """A pass curve under its default name reads as the unit-test bound; any other keeps its name
    (e.g. one generator's pass@k beside another's)."""
    if c.metric.startswith("pass") and c.name == "pass@k":
        return PASS_LABELS.get(c.x_label, c.name)
    return c.name


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
