"""How far rankkit's own inputs reach (issue 17): for every HumanEval and MBPP test problem,
synthesize up to 30 calls from the prompt alone (signature, shown examples, types, mutation),
let the bundled dumps' candidates drop the ill-formed ones, and count how many are left and how
often the benchmark's reference solution runs on them without raising. The reference is used
here only to measure; synthesis never sees it.

    python bench/inputs_coverage.py [--n 30] [--max-candidates 8]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.paths import data_file
from rankkit.programs.inputs import synthesize_inputs, well_formed_inputs
from rankkit.programs.probes import Case, run_probes
from rankkit.programs.prompt_info import prompt_info
from rankkit.tasks import load_humaneval, load_mbpp

SETS = {"humaneval": (load_humaneval, "humaneval_codegen16b_codet.json.gz", "CodeGen-16B, 100 a problem"),
        "mbpp": (lambda: load_mbpp("test"), "mbpp_smollm2-135m.labelled.json.gz", "SmolLM2-135M, 5 a problem")}


def measure(name: str, n: int, max_candidates: int) -> dict:
    load, dump_name, who = SETS[name]
    problems, dump = load(), load_dump(data_file(dump_name))
    started = time.perf_counter()
    kept, dropped, provenance, sources, jobs = [], 0, Counter(), Counter(), []
    for tid, p in problems.items():
        candidates = list(dump[tid].generations) if tid in dump.tasks else []
        sig, inputs = synthesize_inputs(p.prompt, candidates, n=n, seed=0)
        sources[sig.source if sig else "none"] += 1
        good, bad = well_formed_inputs(p.prompt, candidates, inputs, max_candidates=max_candidates, workers=2)
        kept.append(len(good))
        dropped += len(bad)
        provenance.update(i.provenance for i in good)
        jobs.append((prompt_info(p.prompt).code_prefix + p.reference_solution, [Case("expr", i.call) for i in good]))
    seconds = time.perf_counter() - started
    ran = run_probes(jobs, workers=2, case_seconds=1.0, total_seconds=20.0)
    ok = [sum(f is not None and not f.startswith("!") for f in r.fingerprints) for r in ran]
    kept_arr = np.array(kept)
    share = np.array([o / k for o, k in zip(ok, kept) if k])
    return {"name": name, "who": who, "problems": len(problems), "ten": float(np.mean(kept_arr >= 10)),
            "inputs": int(kept_arr.sum()), "dropped": dropped, "ok": sum(ok) / max(kept_arr.sum(), 1),
            "problems_90": float(np.mean(share >= 0.9)), "median": float(np.median(kept_arr)),
            "provenance": dict(provenance), "sources": dict(sources), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--max-candidates", type=int, default=8)
    args = parser.parse_args()
    rows = [measure(name, args.n, args.max_candidates) for name in SETS]
    lines = [f"Machine: {machine()}; nothing else running. `python bench/inputs_coverage.py --n {args.n} "
             f"--max-candidates {args.max_candidates}`. Up to {args.n} calls per problem from the prompt alone; the "
             f"bundled dump's first {args.max_candidates} distinct candidates run on every input; among those "
             f"that run without raising on some input, 90 % raising drops an input; then the reference solution "
             f"runs on what is left.", "",
             "| benchmark (candidates) | problems | ≥ 10 well-formed inputs | inputs kept (dropped) | median per problem "
             "| reference runs without raising | problems where it does on ≥ 90 % | signature from | seconds (synthesis + filter) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} ({r['who']}) | {r['problems']} | {100 * r['ten']:.1f} % | {r['inputs']:,} "
                     f"({r['dropped']:,}) | {r['median']:.0f} | {100 * r['ok']:.1f} % | {100 * r['problems_90']:.1f} % "
                     f"| {', '.join(f'{k} {v}' for k, v in r['sources'].items())} | {r['seconds']:.0f} |")
    lines += ["", "Kept inputs by provenance: " + "; ".join(
        f"{r['name']}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["provenance"].items())) for r in rows)]
    write_section("inputs-coverage", "## Inputs rankkit makes itself (`bench/inputs_coverage.py`)\n\n" + "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
