"""Which test-free rankers pick better samples than NLL on the demo dump, by how much, at what cost.

All rankers score the same problems of the bundled CodeGen-16B HumanEval dump (100 samples each).
LM rankers use the packaged SmolLM2-135M (bf16, CPU), so they run on the first ``--lm-problems``
problems only; the comparison table covers those problems for every ranker, and a second table
all 164 problems for the rankers that need no LM. rank-score@k uses expected tie-breaking;
intervals are 95% bootstrap over problems. Scores are kept in ``--cache`` (resumable).

    python bench/ranker_comparison.py [--lm-problems 40] [--cache bench/.score-cache]
"""

from __future__ import annotations

import argparse
import time


from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.evaluation import pass_curve, rank_score_curve, score_dump
from rankkit.paths import data_file
from rankkit.rankers import make_ranker
from rankkit.report import markdown_table

KS = [1, 2, 5, 10, 100]
FREE = ["random", "length", "self-consistency", "exec-agreement", "doctest", "codet"]
LM = ["nll", "reviewer"]


def scores_for(dump, specs, cache):
    out, costs, seconds = {}, {}, {}
    for spec in specs:
        ranker = make_ranker(spec)
        t0 = time.perf_counter()
        out[spec] = score_dump(dump, ranker, show_progress=False, cache_dir=cache, spec=spec)
        seconds[spec] = time.perf_counter() - t0
        costs[spec] = ranker.cost
    return out, costs, seconds


def table(dump, scores, title):
    curves = [pass_curve(dump, KS, name="pass@k (upper bound)")]
    curves += [rank_score_curve(dump, s, KS, name, ties="expected") for name, s in scores.items()]
    return curves, markdown_table(curves, title)


def pick_quality(curves):
    """rank-score@n (the sample each ranker picks from all n) per curve name."""
    return {c.name: (c.estimate.mean[-1], c.estimate.low[-1], c.estimate.high[-1]) for c in curves}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lm-problems", type=int, default=40)
    ap.add_argument("--cache", default="bench/.score-cache")
    args = ap.parse_args()
    full = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    sub = full.head(args.lm_problems)

    free_all, free_costs, _ = scores_for(full, FREE, args.cache)
    lm, lm_costs, lm_seconds = scores_for(sub, LM, args.cache)
    free_sub = {k: {t.task_id: v[t.task_id] for t in sub} for k, v in free_all.items()}
    # coder-reviewer (alpha = 0.5) from the two cached LM scores: the same formula as the ranker
    coder_reviewer = {t: 0.5 * lm["reviewer"][t] + 0.5 * lm["nll"][t] for t in lm["nll"]}  # nll oriented: -mean NLL
    ens_spec = "ensemble:nll+reviewer+codet+exec-agreement+self-consistency"
    ensemble = make_ranker(ens_spec)
    ens = score_dump(sub, ensemble, show_progress=False, cache_dir=args.cache, folds=5)
    sub_scores = {**{"nll (smollm2-135m)": lm["nll"],
                     "reviewer": lm["reviewer"], "coder-reviewer (α=0.5)": coder_reviewer},
                  **free_sub, "ensemble (5 components, cross-fitted)": ens}
    curves_sub, md_sub = table(sub, sub_scores, f"First {len(sub)} problems x 100 samples: rank-score@k (%)")
    curves_all, md_all = table(full, free_all, f"All {len(full)} problems x 100 samples, rankers without an LM (%)")
    q = pick_quality(curves_sub)
    nll_q = q["nll (smollm2-135m)"][0]
    lines = []
    for name, (m, lo, hi) in sorted(q.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {name} | {100 * m:.1f} [{100 * lo:.1f}, {100 * hi:.1f}] | {100 * (m - nll_q):+.1f} |")
    cost_rows = []
    for spec, c in {**free_costs, **lm_costs}.items():
        if c is not None:
            cost_rows.append(f"| {spec} | {c.flops_per_sample:.3g} | {1000 * c.seconds_per_sample:.2f} |")
    weights = ", ".join(f"{n} {w:.1f}" for n, w in zip(ensemble.component_names, ensemble.weights))
    body = f"""## Test-free rankers compared on the demo dump

Machine: {machine()}. `python bench/ranker_comparison.py --lm-problems {args.lm_problems}`.
Demo dump: CodeGen-16B HumanEval samples (CodeT's release), 100 per problem, labelled by
`rankkit execute`. LM rankers use SmolLM2-135M (bf16 on CPU; a much smaller model than the
generator, unlike the paper's setting), so they cover the first {len(sub)} problems; ties are
broken in expectation; [95% bootstrap CI over problems].

### Which sample does each ranker pick? rank-score@100 on the first {len(sub)} problems

| ranker | rank-score@100 (%) | vs NLL (points) |
|---|---|---|
{chr(10).join(lines)}

{md_sub}
{md_all}
### Cost per sample (this machine)

| ranker | FLOPs | ms (sandbox or LM wall-clock, one process) |
|---|---|---|
{chr(10).join(cost_rows)}

Ensemble weights of the last fold: {weights}.
"""
    write_section("ranker-comparison", body)
    print(body)


if __name__ == "__main__":
    main()
