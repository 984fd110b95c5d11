"""A 1.3 M-sample dump through parquet and a Hugging Face datasets directory and back, against
reading the released JSON (the baseline): time and peak memory of each step in a fresh process.

The dump is the bundled demo dump's real generations replicated to 650 tasks x 2,000 samples
(the released dumps' shape and size: 1.3 M samples). Peak memory is the process's maximum RSS
minus its RSS after imports; every read-back is checked sample for sample against the source
(task ids, prompts, generations, labels).

    python bench/hf_dumps.py [--tasks 650] [--samples 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _results import machine, write_section
from dump_load import make_file

CHILD = r"""
import hashlib, json, resource, sys, time
from rankkit.dumps import load_dump
from rankkit.dumps.hf import save_dataset, write_parquet
import datasets, pyarrow
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
def digest(d):
    h = hashlib.sha256(d.fingerprint().encode())
    for t in d:
        h.update(t.labels.tobytes())
    return h.hexdigest()[:16]
step, source, target = sys.argv[1:4]
before = rss_kb()
t0 = time.perf_counter()
if step == "read released":
    d = load_dump(source)
elif step == "released -> parquet":
    d = load_dump(source); write_parquet(d, target)
elif step == "released -> datasets dir":
    d = load_dump(source); save_dataset(d, target)
else:
    d = load_dump(target)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import gc; gc.collect(); pyarrow.default_memory_pool().release_unused()
held = (rss_kb() - before) / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": (peak - before) / 1024, "held_mb": held, "samples": d.n_samples,
                  "digest": digest(d)}))
"""

STEPS = ["read released", "released -> parquet", "read parquet", "released -> datasets dir", "read datasets dir"]


def measure(step: str, source: Path, target: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, step, str(source), str(target)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def size_mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20
    return path.stat().st_size / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=650)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        tmp = Path(tmp)
        source = tmp / "released.json"
        total = make_file(source, args.tasks, args.samples)
        targets = {"read released": source, "released -> parquet": tmp / "dump.parquet",
                   "read parquet": tmp / "dump.parquet", "released -> datasets dir": tmp / "dataset",
                   "read datasets dir": tmp / "dataset"}
        for _ in range(args.repeats):
            for step in STEPS:
                r = measure(step, source, targets[step])
                assert r["samples"] == total, (step, r)
                results.setdefault(step, []).append(r)
                print(step, r, flush=True)
        sizes = {"released JSON": size_mb(source), "parquet (zstd)": size_mb(tmp / "dump.parquet"),
                 "datasets directory": size_mb(tmp / "dataset")}
    digests = {r["digest"] for runs in results.values() for r in runs}
    assert len(digests) == 1, "a read-back differs from the source"
    rows = [f"| {step} | {statistics.median(r['seconds'] for r in runs):.1f} s | "
            f"{statistics.median(r['peak_mb'] for r in runs):,.0f} MB | {statistics.median(r['held_mb'] for r in runs):,.0f} MB |"
            for step, runs in results.items()]
    body = f"""## A {total:,}-sample dump through parquet and a datasets directory (`bench/hf_dumps.py`)

Machine: {machine()}; nothing else was running. Median of {args.repeats} fresh processes per step
(`python bench/hf_dumps.py`); the dump is the demo dump's real generations replicated to
{args.tasks} tasks x {args.samples} samples. Memory: peak RSS above the process's RSS after imports
(the steps that write include reading the released JSON first); "held after" is the RSS above
that baseline once the step is done, the dump still in memory. A datasets directory is
memory-mapped: its file's pages count in RSS while they are mapped, though they are the file's,
not a copy in the process's own memory. Every read-back equals the source sample for sample
(task ids, prompts, generations, labels: one digest for all runs).

| step | time | peak memory | memory held after |
|---|---|---|---|
{chr(10).join(rows)}

Sizes on disk: {", ".join(f"{k} {v:,.0f} MB" for k, v in sizes.items())}.
"""
    write_section("hf-dumps", body)
    print(body)


if __name__ == "__main__":
    main()
