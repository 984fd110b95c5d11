"""How much the tie rule moves the demo's numbers: rank-score@k under ``stable`` (the old default,
the paper's snippet: tied samples keep dump order) and ``expected`` (the default since issue 16:
the exact mean over random tie-breaking), side by side, and each again on the dump with every
problem's samples shuffled. ``expected`` gives the same number on both orders; ``stable`` does not.

    python bench/ties.py [--nll out/demo_nll.parquet] [--problems 10]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from _results import machine, write_section
from rankkit.dumps import Dump, load_dump
from rankkit.evaluation import rank_score_curve, resolve_series

KS = [1, 2, 5, 10, 20, 50, 100]
RANKERS = ["codet", "exec-agreement", "doctest", "self-consistency", "length"]


def shuffled(dump: Dump, seed: int = 0) -> tuple[Dump, dict]:
    rng = np.random.default_rng(seed)
    orders = {t.task_id: rng.permutation(len(t)) for t in dump}
    return Dump({t.task_id: t.subset(orders[t.task_id]) for t in dump}, "shuffled"), orders


def rows(dump, series, ties, orders=None):
    out = {}
    for name, scores in series.items():
        s = scores if orders is None else {t: v[orders[t]] for t, v in scores.items()}
        curve = rank_score_curve(dump, s, KS, name, ties, n_boot=10)
        out[name] = 100 * curve.estimate.mean
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=10, help="as make demo: the first N problems")
    parser.add_argument("--nll", default="out/demo_nll.parquet", help="make demo's NLL scores, if there")
    args = parser.parse_args()
    from rankkit.paths import data_file

    dump = load_dump(data_file("humaneval_codegen16b_codet.json.gz")).head(args.problems)
    names = (["mean_nll"] if Path(args.nll).exists() else []) + RANKERS
    series = {**(resolve_series(dump, ["mean_nll"], scores=args.nll, show_progress=False) if "mean_nll" in names
                 else {}), **resolve_series(dump, RANKERS, show_progress=False)}
    shuffled_dump, orders = shuffled(dump)
    table = {ties: (rows(dump, series, ties), rows(shuffled_dump, series, ties, orders))
             for ties in ("stable", "expected")}
    lines = [f"Machine: {machine()} (these are not timings: what else ran does not matter). `python bench/ties.py --problems {args.problems}`: the "
             f"demo's first {args.problems} problems (CodeGen-16B, 100 samples each), rank-score@k in percent "
             f"(means over problems), under each tie rule, on the dump as bundled and with every problem's samples "
             f"shuffled (seed 0).", ""]
    for name in series:
        lines += [f"**{name}**", "", "| k | stable | stable, shuffled | expected (default) | expected, shuffled |",
                  "|---|---|---|---|---|"]
        for j, k in enumerate(KS):
            cells = [table["stable"][0][name][j], table["stable"][1][name][j], table["expected"][0][name][j],
                     table["expected"][1][name][j]]
            lines.append(f"| {k} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
        lines.append("")
    moved = max(abs(table["stable"][0][n] - table["expected"][0][n]).max() for n in series)
    order = max(abs(table["expected"][0][n] - table["expected"][1][n]).max() for n in series)
    stable_order = max(abs(table["stable"][0][n] - table["stable"][1][n]).max() for n in series)
    lines.append(f"Largest move from stable to expected: {moved:.2f} points; expected, bundled vs shuffled: "
                 f"{order:.2g} points; stable, bundled vs shuffled: {stable_order:.2f} points.")
    write_section("ties", "## Ties: stable vs expected (`bench/ties.py`)\n\n" + "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
