"""What rankkit prints and writes: ``format`` (cells, titles, writable paths), ``tables`` (a
``Report`` as terminal, Markdown, CSV and JSON tables; ``rankkit report``'s files), ``plots``
(the paper's figures) and ``plan`` (a ``Plan`` as Markdown and a figure)."""

from rankkit.report.format import CAPTION, check_plot_path, check_table_path
from rankkit.report.plan import plan_markdown, plot_plan
from rankkit.report.plots import plot_curves, plot_panels
from rankkit.report.tables import (
    curves_table,
    difference_rows,
    differences_table,
    markdown_table,
    report_dict,
    report_markdown,
    series_labels,
    tidy_rows,
    write_report,
    write_table,
)

__all__ = ["CAPTION", "check_plot_path", "check_table_path", "curves_table", "difference_rows", "differences_table",
           "markdown_table", "plan_markdown", "plot_curves", "plot_panels", "plot_plan", "report_dict",
           "report_markdown", "series_labels", "tidy_rows", "write_report", "write_table"]
