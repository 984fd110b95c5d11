"""NLL scoring throughput: the plain batch-1 forward pass against rankkit's engine, switching its
optimisations on one at a time (same run, same machine), on HumanEval-style data (the bundled
CodeGen-16B dump) and on MBPP 3-shot prompts; plus bf16 against fp32.

    python bench/nll_speed.py [--model smollm2-135m] [--dtype bf16] [--problems 2] [--samples 100]
                              [--plain-samples 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.paths import data_file
from rankkit.lm import NLLEngine, load_model
from rankkit.lm.reference import plain_scores
from rankkit.tasks import load_mbpp


def humaneval_workload(problems: int, samples: int):
    demo = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    tasks = list(demo)[:problems]
    return [(t.prompt, t.generations[:samples]) for t in tasks]


def mbpp_workload(problems: int, samples: int):
    """3-shot prompts of the test split; generations: the reference solution, other tasks'
    solutions (real code, wrong here) and repeats, as a sampled dump would hold."""
    mbpp = list(load_mbpp("test").values())
    rng = np.random.default_rng(0)
    work = []
    for p in mbpp[:problems]:
        pool = [p.reference_solution] + [q.reference_solution for q in rng.choice(mbpp, samples, replace=False)]
        gens = [pool[int(i)] + "\n[DONE]" for i in rng.integers(0, len(pool), samples)]
        work.append((p.prompt, gens))
    return work


def run(score, work):
    t0 = time.perf_counter()
    tokens = 0
    for prompt, gens in work:
        tokens += sum(s.num_tokens for s in score(prompt, gens))
    return tokens, time.perf_counter() - t0


def measure(model, tok, work, repeats, plain_samples=None):
    """Scored tokens/s per configuration. Configurations that do not share the prompt cost the
    same per sample whatever the pool size, so with ``plain_samples`` they run on only the first
    samples of each problem (the plain path is slow); the prompt-sharing ones run on the whole
    pool, as a real dump (100-2,000 samples per problem) would feed them."""
    few = [(p, g[:plain_samples]) for p, g in work] if plain_samples else work
    configs = {
        "plain: batch 1, full forward, full LM head": lambda p, g: plain_scores(model, tok, p, g),
        "+ token-budget batches": NLLEngine(model, tok, share_prefix=False, dedup=False),
        "+ shared-prompt KV cache": NLLEngine(model, tok, share_prefix=True, dedup=False),
        "+ duplicate folding": NLLEngine(model, tok, share_prefix=True, dedup=True, packed=False),
        "+ LM head only at scored tokens": NLLEngine(model, tok, packed=False),
        "+ suffixes packed in one row after the prompt (rankkit)": NLLEngine(model, tok),
    }
    for name in ("+ token-budget batches", "+ shared-prompt KV cache", "+ duplicate folding"):
        configs[name].fast_head = False
    for name in ("+ token-budget batches", "+ shared-prompt KV cache"):
        configs[name].packed = False
    results = {}
    for _ in range(repeats):
        for name, engine in configs.items():
            score = engine.score if isinstance(engine, NLLEngine) else engine
            shares = isinstance(engine, NLLEngine) and engine.share_prefix
            tokens, seconds = run(score, work if shares else few)
            results.setdefault(name, []).append((tokens, seconds))
    rows, base = [], None
    for name, runs in results.items():
        tokens = runs[0][0]
        rate = tokens / statistics.median(s for _, s in runs)
        base = base or rate
        rows.append(f"| {name} | {rate:,.0f} | {rate / base:.1f}x |")
    return rows, results


def precision(spec, work):
    m32, tok = load_model(spec, dtype="fp32", device="cpu")
    m16, _ = load_model(spec, dtype="bf16", device="cpu")
    worst, correlations = 0.0, []
    for prompt, gens in work:
        a = np.array([s.mean_nll for s in NLLEngine(m32, tok).score(prompt, gens)])
        b = np.array([s.mean_nll for s in NLLEngine(m16, tok).score(prompt, gens)])
        ok = np.isfinite(a) & np.isfinite(b)
        worst = max(worst, float(np.max(np.abs(a[ok] - b[ok]))))
        ra, rb = np.argsort(np.argsort(a[ok])), np.argsort(np.argsort(b[ok]))
        correlations.append(float(np.corrcoef(ra, rb)[0, 1]))
    return worst, correlations


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--dtype", default="fp32")
    ap.add_argument("--problems", type=int, default=6)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--plain-samples", type=int, default=None,
                    help="run the configurations without prompt sharing on this many samples per problem")
    args = ap.parse_args()
    model, tok = load_model(args.model, dtype=args.dtype, device="cpu")
    he = humaneval_workload(args.problems, args.samples)
    mb = mbpp_workload(args.problems, args.samples)
    he_rows, _ = measure(model, tok, he, args.repeats, args.plain_samples)
    mb_rows, _ = measure(model, tok, mb, args.repeats, args.plain_samples)
    worst, corr = precision(args.model, he)
    header = "| configuration | scored tokens/s | vs plain |\n|---|---|---|"
    body = f"""## NLL scoring: plain forward vs rankkit's engine ({args.model}, {args.dtype}, CPU)

Machine: {machine()}. Median of {args.repeats} interleaved runs (`python bench/nll_speed.py`).
Each row adds one optimisation to the row above; the last row is `rankkit score-nll`.
{f"Rows without prompt sharing ran on the first {args.plain_samples} samples of each problem (their cost per sample does not depend on the pool size); the others on all {args.samples}." if args.plain_samples else ""}

HumanEval-style: the bundled CodeGen-16B dump, {args.problems} problems x {args.samples} samples.

{header}
{chr(10).join(he_rows)}

MBPP 3-shot prompts: {args.problems} test-split problems x {args.samples} samples (reference solutions
of this and other tasks, with repeats).

{header}
{chr(10).join(mb_rows)}

bf16 against fp32 on the HumanEval-style set: largest |mean NLL difference| {worst:.4f} nats;
Spearman correlation of each problem's ordering: median {statistics.median(corr):.4f}, lowest {min(corr):.4f}.
"""
    write_section("nll-speed", body)
    print(body)


if __name__ == "__main__":
    main()
