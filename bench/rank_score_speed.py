"""rank-score@k for every k = 1..2000 of 664 problems x 2000 samples (the released dump's shape):
rankkit's cached weight matrix + one matrix product per n, against the exact big-integer
reference loop (the paper's formula, term by term), extrapolated per (problem, k) pair.

    python bench/rank_score_speed.py [--problems 664] [--n 2000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from _results import machine, median_time, write_section
from rankkit.scoring import rank_score_matrix
from rankkit.scoring.exact import rank_score_at_k_exact
from rankkit.scoring.rank_score import _weight_matrix


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", type=int, default=664)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--reference-pairs", type=int, default=60)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    # Per-problem pass rates spread like real dumps: many near 0 or 1, some in between.
    rates = rng.beta(0.4, 0.6, size=args.problems)
    labels = [(rng.random(args.n) < r).astype(np.float64) for r in rates]
    ks = np.arange(1, args.n + 1)

    def cold():
        _weight_matrix.cache_clear()
        return rank_score_matrix(labels, ks)

    cold_s, cold_all = median_time(cold, args.repeats)
    warm_s, _ = median_time(lambda: rank_score_matrix(labels, ks), args.repeats)
    curves = rank_score_matrix(labels, ks)

    pairs = [(int(rng.integers(args.problems)), int(rng.integers(1, args.n + 1))) for _ in range(args.reference_pairs)]
    per_pair, worst = [], 0.0
    for p, k in pairs:
        as_ints = labels[p].astype(int).tolist()
        t0 = time.perf_counter()
        exact = rank_score_at_k_exact(as_ints, k)
        per_pair.append(time.perf_counter() - t0)
        worst = max(worst, abs(float(exact) - curves[p, k - 1]))
    ref_pair = statistics.median(per_pair)
    ref_total = ref_pair * args.problems * args.n

    body = f"""## rank-score@k: all curves, {args.problems} problems x {args.n} samples, k = 1..{args.n}

Machine: {machine()}. Median of {args.repeats} runs (`python bench/rank_score_speed.py`).

| method | time for all {args.problems * args.n:,} (problem, k) values | speed-up |
|---|---|---|
| exact big-integer reference loop (`rankkit.scoring.exact`), extrapolated from {len(pairs)} random (problem, k) pairs at {1e3 * ref_pair:.2f} ms each | {ref_total:,.0f} s ({ref_total / 3600:.1f} h) | 1x |
| rankkit `rank_score_matrix`, cold (weight matrix built) | {cold_s:.3f} s | {ref_total / cold_s:,.0f}x |
| rankkit `rank_score_matrix`, warm (weights cached per n) | {warm_s:.3f} s | {ref_total / warm_s:,.0f}x |

Largest absolute difference from the exact value over the sampled pairs: {worst:.2e} (tests require < 1e-9).
Cold runs: {", ".join(f"{t:.3f}" for t in cold_all)} s.
"""
    write_section("rank-score-speed", body)
    print(body)


if __name__ == "__main__":
    main()
