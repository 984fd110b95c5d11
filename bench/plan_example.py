"""The worked example of `rankkit plan` on the bundled real dumps (README and RESULTS.md).

HumanEval: CodeGen-16B (the demo dump; FLOPs analytic from its public configuration) against
SmolLM2-135M (the dumps `rankkit generate` made; costs from `rankkit profile`), each with unit tests,
with NLL (SmolLM2-135M as the scorer) and with the best test-free ranker of
`bench/ranker_comparison.py` (doctest), plus SmolLM2's greedy sample; MBPP: SmolLM2-135M with
tests, NLL and greedy. The CodeGen NLL scores come from `bench/verifier_comparison.py`'s LM pass
(run it first; else they are computed here, ~20 min on this CPU).

    python bench/plan_example.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from _results import machine, write_section
from rankkit.costs import analytic_cost, load_cost_table
from rankkit.dumps import open_dump
from rankkit.paths import data_file
from section4 import CODEGEN_16B, token_counts

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "bench" / "plan"
NLL_FILE = ROOT / "out" / "bench" / "humaneval_codegen16b_nll_smollm2.parquet"


def codegen_costs() -> Path:
    """data/codegen-16b_costs.json: analytic FLOPs per generated sample (no measured time)."""
    path = ROOT / "data" / "codegen-16b_costs.json"
    if not path.exists():
        from rankkit.lm import load_model

        _, tokenizer = load_model("smollm2-135m", dtype="fp32")
        p_tok, g_tok = token_counts(open_dump(data_file("humaneval_codegen16b_codet.json.gz")), tokenizer)
        c = analytic_cost("codegen-16b", CODEGEN_16B, p_tok, g_tok)
        path.write_text(json.dumps({"models": {"codegen-16b": {
            "flops_per_sample": c.flops_per_sample,
            "source": f"analytic: CodeGen-16B public config, {p_tok} prompt + {g_tok} generated tokens "
                      f"(means of the demo dump, SmolLM2 tokenizer)"}}}, indent=1) + "\n")
    return path


def run_plan(name: str, options: list[str], at: str, target: str, tables: list[Path]) -> tuple[str, dict, float, str]:
    args = [sys.executable, "-m", "rankkit", "plan", "--budget", "flops", "--at", at, "--target", target, "--quiet",
            "-o", str(OUT / f"{name}.json"), "--plot", str(OUT / f"{name}.png")]
    for t in tables:
        args += ["--cost-table", str(t)]
    for o in options:
        args += ["--option", o]
    t0 = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if run.returncode:
        raise SystemExit(run.stderr)
    command = "rankkit " + " ".join(a if " " not in a else repr(a) for a in args[3:]).replace(str(ROOT) + "/", "")
    return run.stdout, json.loads((OUT / f"{name}.json").read_text()), time.perf_counter() - t0, command


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    smol_costs, cg_costs = data_file("smollm2-135m_costs.json"), codegen_costs()
    demo, he = "data/humaneval_codegen16b_codet.json.gz", "data/humaneval_smollm2-135m.labelled.json.gz"
    nll_demo = f"scores={NLL_FILE.relative_to(ROOT)}," if NLL_FILE.exists() else ""
    he_options = [f"codegen-16b+tests={demo},generator=codegen-16b",
                  f"codegen-16b+nll={demo},generator=codegen-16b,{nll_demo}select=nll",
                  f"codegen-16b+doctest={demo},generator=codegen-16b,select=doctest",
                  f"smollm2+tests={he},generator=smollm2-135m",
                  f"smollm2+nll={he},generator=smollm2-135m,select=nll",
                  f"smollm2+doctest={he},generator=smollm2-135m,select=doctest",
                  "smollm2-greedy=data/humaneval_smollm2-135m_greedy.labelled.json.gz,generator=smollm2-135m,select=greedy"]
    per_cg = load_cost_table(cg_costs)["codegen-16b"].flops_per_sample
    per_smol = load_cost_table(smol_costs)["smollm2-135m"].flops_per_sample
    he_at = ",".join(f"{b:.3g}" for b in (per_smol * 1.01, per_smol * 5.01, per_smol * 10.01, per_cg * 1.01,
                                          per_cg * 10.01, per_cg * 100.01))
    he_text, he_plan, he_s, he_cmd = run_plan("humaneval", he_options, he_at, "0.3", [smol_costs, cg_costs])
    mb = "data/mbpp_smollm2-135m.labelled.json.gz"
    mb_nll = ROOT / "out" / "section4" / "mbpp_nll.parquet"  # bench/section4.py's score-nll output, if there
    mb_nll_option = (f"smollm2+nll={mb},generator=smollm2-135m,scores={mb_nll.relative_to(ROOT)},select=mean_nll"
                     if mb_nll.exists() else f"smollm2+nll={mb},generator=smollm2-135m,select=nll")
    mb_options = [f"smollm2+tests={mb},generator=smollm2-135m", mb_nll_option,
                  "smollm2-greedy=data/mbpp_smollm2-135m_greedy.labelled.json.gz,generator=smollm2-135m,select=greedy"]
    mb_at = ",".join(f"{b:.3g}" for b in (per_smol * 1.01, per_smol * 2.01, per_smol * 5.01))
    mb_text, mb_plan, mb_s, mb_cmd = run_plan("mbpp", mb_options, mb_at, "0.05", [smol_costs])
    body = f"""## `rankkit plan` on the bundled real dumps (`bench/plan_example.py`)

Machine: {machine()}. HumanEval: {he_s:.0f} s (NLL of the CodeGen dump read from
`{NLL_FILE.relative_to(ROOT)}`, written by `bench/verifier_comparison.py`; SmolLM2's NLL scored live),
MBPP {mb_s:.0f} s. CodeGen-16B's FLOPs per sample are analytic from its public configuration
(`data/codegen-16b_costs.json`; no measured time, so only a FLOPs plan); SmolLM2-135M's come from
`rankkit profile` (`data/smollm2-135m_costs.json`). Plots: `out/bench/plan/*.png`.

### HumanEval

```
{he_cmd}
```

{he_text.split(chr(10), 1)[1].strip()}

### MBPP (test problems 11-510; only SmolLM2 dumps exist here)

```
{mb_cmd}
```

{mb_text.split(chr(10), 1)[1].strip()}
"""
    write_section("plan-example", body.replace("\n## ", "\n#### "))
    print(body)


if __name__ == "__main__":
    main()
