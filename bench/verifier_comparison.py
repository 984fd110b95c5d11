"""LEVER-style verifiers against NLL and the test-free rankers on the demo dump, cross-fitted.

Every verifier is trained inside the evaluation with 5-fold problem-level cross-fitting (no
problem is scored by a fit that saw its labels). The LM features (and the NLL baseline: the
same teacher-forced pass, mean log-prob = -NLL, tested equal to the ``nll`` ranker) come from
SmolLM2-135M, computed once into the feature cache. ``--finetune-problems`` runs the
fine-tuned LEVER-text classifier on the first N problems only (CPU). Ties: expected.

    python bench/verifier_comparison.py [--problems 164] [--finetune-problems 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.evaluation import Scores, evaluate, score_dump
from rankkit.paths import cache_dir, data_file
from rankkit.rankers import RankerCost, make_ranker
from rankkit.dumps.view import ProblemView
from rankkit.report import markdown_table
from rankkit.scores import write_scores
from rankkit.verifier import Verifier
from rankkit.verifier.features import FeatureExtractor

KS = [1, 2, 5, 10, 20, 50, 100]
NLL_FILE = Path(__file__).resolve().parents[1] / "out" / "bench" / "humaneval_codegen16b_nll_smollm2.parquet"
LM = "smollm2-135m"
VERIFIERS = {
    "verifier no-exec, boosting": "verifier:mode=no-exec,backbone=boosting",
    "verifier no-exec, lm-head": "verifier:mode=no-exec,backbone=lm-head",
    "verifier no-exec, boosting + λ·NLL": "verifier:mode=no-exec,backbone=boosting,combine=lm",
    "verifier exec, boosting": "verifier:mode=exec,backbone=boosting",
    "verifier exec, lm-head": "verifier:mode=exec,backbone=lm-head",
    "verifier exec, boosting + λ·NLL (groups pooled)": "verifier:mode=exec,backbone=boosting,combine=lm",
    "verifier exec, boosting, no LM": "verifier:mode=exec,backbone=boosting,lm=none",
}
FREE = ["doctest", "codet", "exec-agreement", "random"]


def lm_pass(dump):
    """The LM features of every sample (cached on disk) and the NLL series they give."""
    ex = FeatureExtractor("no-exec", LM, hidden=True, cache_dir=cache_dir())
    t0 = time.perf_counter()
    nll = {}
    for i, task in enumerate(dump):
        f = ex([ProblemView(task)], [task.generations])[0]
        nll[task.task_id] = f.lm_mean  # higher is better: -mean NLL
        if (i + 1) % 20 == 0:
            print(f"LM pass: {i + 1}/{len(dump)} problems, {time.perf_counter() - t0:.0f} s", flush=True)
    t = ex.tally
    cost = RankerCost(t["lm_flops"] / t["samples"], t["lm_seconds"] / t["samples"])
    return Scores(nll, name="nll (smollm2-135m)", cost=cost, higher_is_better=True), time.perf_counter() - t0


def run(dump, specs, folds=5):
    series, seconds = {}, {}
    for name, spec in specs.items():
        t0 = time.perf_counter()
        series[name] = score_dump(dump, make_ranker(spec), show_progress=False, folds=folds,
                                  cache_dir=None if spec.startswith("verifier") else cache_dir() / "bench-scores")
        seconds[name] = time.perf_counter() - t0
        print(f"{name}: {seconds[name]:.0f} s", flush=True)
    return series, seconds


def gap_rows(report, names):
    at = {c.name: c for c in report.k_curves}
    top = {n: (c.estimate.mean[-1], c.estimate.low[-1], c.estimate.high[-1]) for n, c in at.items()}
    ceiling, floor = top["pass@k"][0], top["random"][0]
    rows = []
    for n in sorted(names, key=lambda n: -top[n][0]):
        m, lo, hi = top[n]
        rows.append(f"| {n} | {100 * m:.1f} [{100 * lo:.1f}, {100 * hi:.1f}] | {100 * (m - floor) / (ceiling - floor):.0f}% |")
    return rows, top


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", type=int, default=164)
    ap.add_argument("--finetune-problems", type=int, default=20)
    args = ap.parse_args()
    dump = load_dump(data_file("humaneval_codegen16b_codet.json.gz")).head(args.problems)
    nll, lm_seconds = lm_pass(dump)
    print(f"LM pass over {dump.n_samples} samples: {lm_seconds:.0f} s", flush=True)
    # the NLL column as a score file (what `rankkit score-nll` writes; equal by test), for plan_example.py
    NLL_FILE.parent.mkdir(parents=True, exist_ok=True)
    write_scores(NLL_FILE, dump, {"nll": {t: -s for t, s in nll.items()}}, higher_is_better={"nll": False},
                 costs={"nll": nll.cost}, metadata={"model": LM, "made_by": "bench/verifier_comparison.py"})
    free, _ = run(dump, {f: f for f in FREE})
    verifiers, v_seconds = run(dump, VERIFIERS)
    series = {"nll (smollm2-135m)": nll, **verifiers, **free}
    report = evaluate(dump, series, KS, ties="expected", baseline="nll (smollm2-135m)")
    rows, top = gap_rows(report, list(series))
    cost_rows = [f"| {n} | {s.cost.flops_per_sample:.3g} | {1000 * s.cost.seconds_per_sample:.1f} |"
                 for n, s in series.items() if s.cost is not None]

    # feature importances of the exec verifier fitted on every problem (for reading, not scoring)
    full = Verifier(mode="exec", backbone="boosting", lm=LM, cache_dir=cache_dir())
    views = [ProblemView(t) for t in dump]
    full.fit(views, [t.generations for t in dump], [t.passed().astype(int) for t in dump])
    importances = ", ".join(f"{k} {v:.3f}" for k, v in list(sorted(full.importances.items(), key=lambda kv: -kv[1]))[:8])

    # the transfer setting: that verifier, saved, ranks another generator's samples (SmolLM2-135M's)
    saved = NLL_FILE.parent / "verifier-exec-codegen16b"
    full.save(saved, [{"path": "data/humaneval_codegen16b_codet.json.gz", "generator": "CodeGen-16B (demo dump)"}])
    smol = load_dump(data_file("humaneval_smollm2-135m.labelled.json.gz"))
    rel = saved.relative_to(NLL_FILE.parents[2])
    transfer = {f"verifier:{rel}": f"verifier:{saved}", "doctest": "doctest",
                "random": "random"}
    t_series, _ = run(smol, transfer)
    t_report = evaluate(smol, t_series, [1, 2, 5, 10], ties="expected", baseline="random")
    t_desc = next(iter(t_report.meta.get("rankers", {}).values()), "")

    ft_section = ""
    if args.finetune_problems:
        sub = dump.head(args.finetune_problems)
        ft_specs = {"verifier exec, finetune (LEVER text)": "verifier:mode=exec,backbone=finetune"}
        ft, ft_seconds = run(sub, ft_specs)
        sub_series = {name: Scores({t.task_id: s[t.task_id] for t in sub}, name=name, cost=s.cost)
                      for name, s in series.items()}
        sub_report = evaluate(sub, {**sub_series, **ft}, KS, ties="expected", baseline="nll (smollm2-135m)")
        sub_rows, _ = gap_rows(sub_report, list(sub_series) + list(ft))
        ft_costs = "; ".join(f"{n}: {1000 * s.cost.seconds_per_sample:.0f} ms and {s.cost.flops_per_sample:.3g} FLOPs "
                             f"per sample, {ft_seconds[n]:.0f} s for 5 folds" for n, s in ft.items())
        ft_section = f"""
### The fine-tuned LEVER-text classifier, first {len(sub)} problems

SmolLM2-135M with a two-way classification head, fine-tuned through transformers' `Trainer` (AdamW,
lr 5e-5, weight decay 0.1, 10% linear warm-up, 1 epoch, up to 8 distinct programs per training
problem) on LEVER's linearised text, cross-fitted in 5 folds; on this CPU that is what fits in the
run. Same table as above, restricted to these problems:

| ranker | rank-score@100 (%) | share of the random→pass@100 gap closed |
|---|---|---|
{chr(10).join(sub_rows)}

Cost: {ft_costs}.
"""
    mbpp = load_dump(data_file("mbpp_smollm2-135m.labelled.json.gz"))
    n, c = mbpp.counts()
    body = f"""## Learned verifiers (LEVER-style) on the demo dump (`bench/verifier_comparison.py`)

Machine: {machine()}; nothing else running. `python bench/verifier_comparison.py --problems {args.problems}
--finetune-problems {args.finetune_problems}`. Demo dump: {len(dump)} HumanEval problems x 100 CodeGen-16B samples
({int(sum(t.passed().sum() for t in dump))} passing). Every verifier is trained inside the evaluation with
5-fold problem-level cross-fitting (fold = problem position mod 5). LM features and the NLL baseline come
from SmolLM2-135M (bf16, CPU; one pass over {dump.n_samples} samples took {lm_seconds:.0f} s, cached and
shared by every variant). `exec` runs each candidate on the prompt's example inputs (never the tests);
`no-exec` runs nothing. Ties broken in expectation; [95% bootstrap CI over problems].

### rank-score@100: which sample each ranker picks from all 100

| ranker | rank-score@100 (%) | share of the random→pass@100 gap closed |
|---|---|---|
{chr(10).join(rows)}

{markdown_table(report.k_curves, "rank-score@k (%)")}
{markdown_table(report.panel_differences("k"), "rank-score@k minus NLL (points; paired bootstrap, * = interval excludes 0)")}
### Cost per sample (this machine)

| ranker | FLOPs | ms (LM + sandbox + own forward, one process) |
|---|---|---|
{chr(10).join(cost_rows)}

Time to cross-fit each verifier (5 folds, features cached): {", ".join(f"{k} {v:.0f} s" for k, v in v_seconds.items())}.

Feature importances (exec, boosting, fitted on all {len(dump)} problems): {importances}.
{ft_section}
### Transfer: the exec verifier trained on all CodeGen-16B samples ranks SmolLM2-135M's

{t_desc}. SmolLM2-135M HumanEval dump (164 x 10 samples, 61 passing):

{markdown_table(t_report.k_curves, "rank-score@k (%)")}
{markdown_table(t_report.panel_differences("k"), "minus random (points; paired)")}
### MBPP

The bundled SmolLM2-135M MBPP test dump has {int(c.sum())} passing samples of {int(n.sum())}
({int((c > 0).sum())} of {len(mbpp)} problems with any), too few to train a verifier; the MBPP path is
tested end to end on a dump of reference solutions beside real failing SmolLM2 samples
(`tests/test_verifier.py::test_mbpp_path_on_reference_solutions_and_real_failing_samples`).
"""
    write_section("verifier-comparison", body)
    print(body)


if __name__ == "__main__":
    main()
