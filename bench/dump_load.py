"""Loading a 1 M-sample released-format dump: rankkit's streaming reader vs plain ``json.load``.

The file is made from the bundled demo dump's real generations, replicated to 500 tasks x 2,000
samples (the released dumps' shape). Each load runs in a fresh process; peak memory is that
process's maximum RSS minus its RSS after imports.

    python bench/dump_load.py [--tasks 500] [--samples 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.paths import data_file

CHILD = r"""
import json, resource, sys, time
from rankkit.dumps import load_dump
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss_kb()
t0 = time.perf_counter()
if sys.argv[1] == "rankkit":
    d = load_dump(sys.argv[2])
    count = d.n_samples
else:
    with open(sys.argv[2], encoding="utf-8") as fh:
        d = json.load(fh)
    count = sum(len(v["samples"]) for v in d.values())
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": (peak - before) / 1024, "resident_mb": (rss_kb() - before) / 1024,
                  "samples": count}))
"""


def make_file(path: Path, tasks: int, samples: int) -> int:
    demo = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    pool = [(t.prompt, g, int(l)) for t in demo for g, l in zip(t.generations, t.labels)]
    prompts = [t.prompt for t in demo]
    j = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("{")
        for i in range(tasks):
            items = []
            for _ in range(samples):
                _, g, label = pool[j % len(pool)]
                j += 1
                items.append({"pass_at_1": 100.0 * label, "generation": g})
            tid = f"Task/{i}"
            body = {"task_id": tid, "prompt": prompts[i % len(prompts)], "samples": items}
            fh.write(("," if i else "") + "\n" + json.dumps(tid) + ": " + json.dumps(body))
        fh.write("\n}\n")
    return tasks * samples


def measure(method: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, method, str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=500)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "released_1M.json"
        total = make_file(path, args.tasks, args.samples)
        size_mb = os.path.getsize(path) / 2**20
        results = {}
        for _ in range(args.repeats):  # interleaved, so drift hits both alike
            for method in ("json.load", "rankkit"):
                r = measure(method, path)
                assert r["samples"] == total, r
                results.setdefault(method, []).append(r)
    rows = []
    for method, runs in results.items():
        sec = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        resident = statistics.median(r["resident_mb"] for r in runs)
        rows.append(f"| {method} | {sec:.1f} s | {peak:,.0f} MB | {resident:,.0f} MB |")
    body = f"""## Loading a released-format dump of {total:,} samples ({size_mb:,.0f} MB of JSON)

Machine: {machine()}. Median of {args.repeats} fresh processes each (`python bench/dump_load.py`);
the file is the bundled demo dump's real generations replicated to {args.tasks} tasks x {args.samples} samples.
Memory is measured above the process's RSS after imports.

| method | load time | peak memory | memory held after load |
|---|---|---|---|
{chr(10).join(rows)}

`json.load` gives plain dicts (one per sample); rankkit parses one task at a time and keeps
generations as strings plus compact label arrays.
"""
    write_section("dump-load", body)
    print(body)


if __name__ == "__main__":
    main()
