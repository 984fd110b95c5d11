"""Test-free selection with rankkit's own inputs and model-written tests (issue 17, measurements 1-4).

1. Problems without examples: the demo dump (164 HumanEval problems x 100 CodeGen-16B samples).
   Its prompts (CodeT's release) show no docstring examples; ``examples=prompt`` makes a ranker
   read the prompt alone. Programs and verdicts are unchanged. Against doctest on the official
   examples (the ceiling of example-based selection) and random: exec-agreement on rankkit's own
   inputs, codet / test-vote / b4 on SmolLM2-written tests, the exec verifier on rankkit's own
   inputs (cross-fitted by problem, no LM features).
2. The demo dump as it is (official examples where a ranker reads examples): codet with CodeT's
   released tests and with SmolLM2's; exec-agreement and the exec verifier on the examples alone
   and with rankkit's own inputs added.
3. The bundled SmolLM2-135M MBPP dump (500 problems x 5 samples), with SmolLM2's tests for it.
4. Costs per sample of each selector: writing the tests (FLOPs, seconds) and the sandbox.

The tests files come from ``rankkit tests`` (see bench/RESULTS.md for the commands).

    python bench/selection.py --he-tests T1.jsonl.gz --mbpp-tests T2.jsonl.gz
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from _results import machine, write_section
from rankkit.dumps import open_dump
from rankkit.evaluation import evaluate, score_dump
from rankkit.paths import data_file
from rankkit.programs.tests import read_tests, writing_cost
from rankkit.rankers import make_ranker
from rankkit.report import markdown_table

HE_KS = [1, 2, 5, 10, 20, 50, 100]
MBPP_KS = [1, 2, 3, 4, 5]


def run(dump, specs: dict, ks, cache: str, baseline: str = "random"):
    series, seconds = {}, {}
    for label, spec in specs.items():
        ranker = make_ranker(spec)
        started = time.perf_counter()
        series[label] = score_dump(dump, ranker, show_progress=True, cache_dir=cache, spec=spec)
        seconds[label] = time.perf_counter() - started
        print(f"{label}: {seconds[label]:.0f} s", flush=True)
    report = evaluate(dump, series, ks, baseline=baseline, n_boot=1000)
    return series, seconds, report


def tests_summary(path: str) -> str:
    tests = read_tests(path)
    counts = np.array([len(v) for v in tests.values()])
    pairs = sum(t.call is not None for v in tests.values() for t in v)
    meta = json.loads(open(path + ".meta.json").read())["provenance"]
    flops, secs = map(sum, zip(*writing_cost(path).values()))
    return (f"`{path}`: {meta['model']}, {meta['prompt_style']} prompts, {meta['replies_per_problem']} replies a problem "
            f"(T {meta['temperature']}, top-p {meta['top_p']}, <= {meta['max_new_tokens']} tokens); {counts.sum():,} "
            f"distinct tests for {len(counts)} problems (median {np.median(counts):.0f}, none for "
            f"{int((counts == 0).sum())}); {pairs:,} are (call, expected) pairs; writing them took {secs:,.0f} s and "
            f"{flops:.3g} FLOPs on this machine")


def costs(series, seconds, tests_files: dict, samples: int) -> str:
    lines = ["| selector | tests: FLOPs/sample | tests: s/sample | sandbox s/sample | total s/sample | wall s to score |",
             "|---|---|---|---|---|---|"]
    for label, s in series.items():
        if s.cost is None:
            continue
        path = next((p for key, p in tests_files.items() if key in label), None)
        t_flops = t_secs = 0.0
        if path:
            totals = np.array(list(writing_cost(path).values())).sum(axis=0)
            t_flops, t_secs = totals[0] / samples, totals[1] / samples
        lines.append(f"| {label} | {t_flops:.3g} | {t_secs:.4f} | {s.cost.seconds_per_sample - t_secs:.4f} | "
                     f"{s.cost.seconds_per_sample:.4f} | {seconds[label]:.0f} |")
    return "\n".join(lines)


def share_recovered(report, best: str, ceiling: str, ks) -> tuple[float, bool]:
    means = {c.name: c.estimate.mean for c in report.k_curves}
    gain = means[ceiling][-1] - means["random"][-1]
    diffs = {d.name: d for d in report.panel_differences("k")}
    above = all(diffs[best].estimate.low[j] > 0 for j, k in enumerate(ks) if k >= 5)
    return (means[best][-1] - means["random"][-1]) / gain, above


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--he-tests", required=True, help="SmolLM2's tests for the demo dump (rankkit tests)")
    parser.add_argument("--mbpp-tests", required=True, help="SmolLM2's tests for the bundled MBPP dump")
    parser.add_argument("--cache", default="bench/.score-cache")
    parser.add_argument("--problems", type=int, default=164)
    parser.add_argument("--mbpp-problems", type=int, default=None)
    args = parser.parse_args()
    he, mbpp_tests = args.he_tests, args.mbpp_tests
    demo = open_dump(data_file("humaneval_codegen16b_codet.json.gz"), head=args.problems)
    out = [f"Machine: {machine()}; nothing else was running. `python bench/selection.py --he-tests {he} "
           f"--mbpp-tests {mbpp_tests}`. Ties expected; 95% bootstrap intervals (1000 resamples); differences "
           "paired, per problem. Verifiers are cross-fitted by problem (5 folds), boosting, no LM features.", "",
           "Tests: " + tests_summary(he), "", "Tests: " + tests_summary(mbpp_tests), ""]

    # 1. without examples
    specs = {
        "doctest (official examples)": "doctest",
        "exec-agreement, own inputs": "exec-agreement:synth,examples=prompt",
        "codet, SmolLM2 tests": f"codet:tests={he}",
        "test-vote, SmolLM2 tests": f"test-vote:tests={he}",
        "b4, SmolLM2 tests": f"b4:tests={he}",
        "verifier exec, own inputs": "verifier:mode=exec,lm=none,examples=prompt",
        "random": "random",
    }
    series1, seconds1, report1 = run(demo, specs, HE_KS, args.cache)
    shares = {label: share_recovered(report1, label, "doctest (official examples)", HE_KS)
              for label in specs if label not in ("random", "doctest (official examples)")}
    best = max(shares, key=lambda k: shares[k][0])
    out += ["### 1. Problems without examples (the demo dump; rankers read the prompt alone)", "",
            markdown_table(report1.k_curves, "rank-score@k (%)"),
            markdown_table(report1.panel_differences("k"), "minus random (points)"),
            "Share of doctest's gain over random recovered at k = 100, and whether the paired interval against "
            "random is above 0 at every k >= 5: " + "; ".join(
                f"{label} {100 * s:.0f} % ({'yes' if a else 'no'})" for label, (s, a) in shares.items()) + ".",
            f"**Best: {best}, {100 * shares[best][0]:.0f} %** (the goal: >= 50 % with the interval above 0 at every "
            f"k >= 5: {'met' if shares[best][0] >= 0.5 and shares[best][1] else 'not met'}).", "",
            "What the rankers said: " + " | ".join(f"{k}: {v.description}" for k, v in series1.items()
                                                    if v.description), ""]

    # 2. the demo dump as it is
    specs = {
        "codet, CodeT's tests": "codet",
        "codet, SmolLM2 tests": f"codet:tests={he}",
        "b4, CodeT's tests": "b4",
        "doctest": "doctest",
        "exec-agreement, examples": "exec-agreement:prompt",
        "exec-agreement, examples + own inputs": "exec-agreement:synth",
        "verifier exec, examples": "verifier:mode=exec,lm=none,inputs=prompt",
        "verifier exec, examples + own inputs": "verifier:mode=exec,lm=none,inputs=synth",
        "random": "random",
    }
    series2, seconds2, report2 = run(demo, specs, HE_KS, args.cache, baseline="doctest")
    # CodeT's "pass@1" is the pass rate of the top-ranked of all 100 samples: rank-score@100
    codet_top = 100 * {c.name: c.estimate.mean for c in report2.k_curves}["codet, CodeT's tests"][-1]
    out += ["### 2. The demo dump as it is (official examples where a ranker reads examples)", "",
            markdown_table(report2.k_curves, "rank-score@k (%)"),
            markdown_table(report2.panel_differences("k"), "minus doctest (points)"),
            f"codet with CodeT's released tests: rank-score@100 (the top-ranked of the 100 samples) "
            f"{codet_top:.1f} (CodeT's paper: 36.7 pass@1 for CodeGen-16B from 100 samples).", ""]

    # 3. the bundled MBPP dump
    mbpp = open_dump(data_file("mbpp_smollm2-135m.labelled.json.gz"), head=args.mbpp_problems)
    specs = {
        "doctest (the prompt's asserts)": "doctest",
        "exec-agreement, examples": "exec-agreement:prompt",
        "exec-agreement, examples + own inputs": "exec-agreement:synth",
        "codet, SmolLM2 tests": f"codet:tests={mbpp_tests}",
        "test-vote, SmolLM2 tests": f"test-vote:tests={mbpp_tests}",
        "b4, SmolLM2 tests": f"b4:tests={mbpp_tests}",
        "random": "random",
    }
    series3, seconds3, report3 = run(mbpp, specs, MBPP_KS, args.cache)
    out += ["### 3. The bundled SmolLM2-135M MBPP dump (500 problems x 5 samples)", "",
            markdown_table(report3.k_curves, "rank-score@k (%)"),
            markdown_table(report3.panel_differences("k"), "minus random (points)"), ""]

    # 4. costs
    n_demo, n_mbpp = sum(len(t) for t in demo), sum(len(t) for t in mbpp)
    out += ["### 4. Costs per sample", "",
            "Demo dump (measurements 1 and 2; a figure read back from the score cache is the one measured when "
            "the scores were made):", "",
            costs({**series1, **series2}, {**seconds1, **seconds2}, {"SmolLM2 tests": he}, n_demo), "",
            "MBPP dump:", "", costs(series3, seconds3, {"SmolLM2 tests": mbpp_tests}, n_mbpp), "",
            "CodeT's released tests carry no cost record (they came with the dump): only their sandbox time shows."]
    write_section("no-examples", "## Test-free selection: rankkit's own inputs and model-written tests "
                  "(`bench/selection.py`)\n\n" + "\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
