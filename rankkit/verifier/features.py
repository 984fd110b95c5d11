"""What a verifier learns from: per-sample features and LEVER's linearised text, label-free.

Three kinds of evidence, each computed once per problem and kept (LM states on disk):
- static: does the program parse, compile, define the entry point, add code; did it finish; how
  many of the problem's other samples are the same program (syntax tree);
- LM (when a scoring LM is named): the generation's token log-probs under it (mean, sum, min,
  count; the mean's rank and z-score among the problem's samples) and, for the neural head, the
  mean final-layer state over the generation -- both from the one teacher-forced pass the NLL
  ranker makes;
- exec (exec mode only): each candidate runs in the sandbox on the prompt's example *inputs*
  (never the hidden tests), or, where the prompt shows none, on rankkit's own inputs
  (``rankkit.programs.inputs``): outcome class, agreement with the other candidates, and the
  fraction of the examples whose shown output it reproduces.
"""

from __future__ import annotations

import ast
import hashlib
import json
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from rankkit.errors import InputError, SpecError
from rankkit.programs.probes import Case, ProbeResult, prompt_examples, run_probes
from rankkit.scoring.selection import rank01
from rankkit.programs.prompt_info import adds_code, code_key, prompt_info

MODES = ("no-exec", "exec")
STATIC_FEATURES = ("parses", "compiles", "defines_entry_point", "adds_code", "finished", "log_lines", "duplicates")
LM_FEATURES = ("lm_mean_logprob", "lm_sum_logprob", "lm_min_logprob", "lm_log_tokens", "lm_mean_rank", "lm_mean_z")
EXEC_FEATURES = ("loads", "returned_fraction", "raised_fraction", "outcome_all_returned", "outcome_some_raised",
                 "outcome_load_error", "agreement", "examples_passed", "has_examples")
FEATURES_VERSION = "2"  # bump when a feature's definition changes: saved verifiers then refuse to load
LM_FEATURES_VERSION = "1"  # of the LM part cached on disk (FEATURES_VERSION 2: exec inputs synthesized)
SYNTH_INPUTS = 30  # rankkit's own inputs for a problem (its shown examples count towards them)
EXEC_INPUTS = ("auto", "prompt", "synth")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise SpecError(f"verifier mode must be one of {', '.join(MODES)}, got {mode!r}", param="mode")
    return mode


def feature_names(mode: str, lm: str | None) -> tuple[str, ...]:
    """The feature columns for a mode, with or without a scoring LM, in matrix order."""
    check_mode(mode)
    return STATIC_FEATURES + (LM_FEATURES if lm else ()) + (EXEC_FEATURES if mode == "exec" else ())


@dataclass
class ProblemFeatures:
    """Everything a verifier reads about one problem's samples (row i = sample i)."""

    matrix: np.ndarray  # samples x features
    lm_sum: np.ndarray | None  # summed log-prob of each generation under the scoring LM
    lm_mean: np.ndarray | None  # its mean per token
    hidden: np.ndarray | None  # samples x LM hidden size (mean final-layer state), or None
    groups: np.ndarray  # execution-equivalence group of each sample (exec mode; else one per sample)
    texts: list[str]  # LEVER's linearised text of each sample


def program_text(prompt: str, generation: str) -> str:
    """The program a sample stands for: prompt + generation for code prompts (HumanEval), the
    generation alone for text prompts (MBPP)."""
    return prompt_info(prompt).code_prefix + generation


def _static(prompt: str, generation: str, finished: bool | None) -> list[float]:
    info = prompt_info(prompt)
    code = info.code_prefix + generation
    with warnings.catch_warnings():  # a candidate's SyntaxWarnings are its business, not the user's
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(code)
            parses = 1.0
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            tree, parses = None, 0.0
        try:
            compile(code, "<candidate>", "exec") if parses else None
            compiles = parses
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            compiles = 0.0
    defines = 0.0
    if tree is not None and info.entry_point:
        defines = float(any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == info.entry_point
                            for n in ast.walk(tree)))
    return [parses, compiles, defines, float(adds_code(info.code_prefix, generation)),
            1.0 if finished is None else float(finished), float(np.log1p(generation.count("\n") + 1))]


def linearise(instruction: str, code: str, execution: Sequence[str] | None) -> str:
    """LEVER's verifier input: description, program and (exec mode) one line per example input
    with what the program returned (``# return: (type)=value``) or ``ERROR: ...``."""
    text = f"# description\n{instruction.strip()}\n\n# program\n{code.rstrip()}\n\n# execution\n"
    return text + "".join(line + "\n" for line in execution) if execution is not None else text.rstrip("\n") + "\n"


def execution_lines(result: ProbeResult, n_cases: int) -> list[str]:
    if not result.loaded:
        return [f"# return: ERROR: {result.load_error.lstrip('!') if result.load_error else 'load failed'}"]
    lines = []
    for i in range(n_cases):
        fp, value = result.fingerprints[i], result.values[i] if i < len(result.values) else None
        if value is not None:
            lines.append(f"# return: ({value[0]})={value[1]}")
        elif fp is None:
            lines.append("# return: ERROR: not reached (time limit)")
        else:
            lines.append(f"# return: ERROR: {fp.lstrip('!')}")
    return lines


def _exec_rows(prefix: str, generations: Sequence[str], cases: list[Case], results: list[ProbeResult]):
    """(feature rows, group ids) of one problem's candidates from their probe results."""
    n_cases = len(cases)
    shown = [i for i, c in enumerate(cases) if c.expected is not None]
    keys = []
    for r, g in zip(results, generations):
        clean = r.loaded and n_cases > 0 and all(f is not None and not f.startswith("!") for f in r.fingerprints)
        keys.append(tuple(r.fingerprints) if clean and adds_code(prefix, g) else None)
    counts = Counter(k for k in keys if k is not None)
    rows = []
    for r, key in zip(results, keys):
        returned = sum(v is not None for v in r.values[:n_cases]) if r.loaded else 0
        raised = n_cases - returned if r.loaded else n_cases
        agreement = (counts[key] - 1) / max(1, len(generations) - 1) if key is not None else -1.0 / max(1, len(generations) - 1)
        rows.append([float(r.loaded), returned / n_cases if n_cases else 0.0, raised / n_cases if n_cases else 0.0,
                     float(r.loaded and n_cases > 0 and returned == n_cases), float(r.loaded and raised > 0),
                     float(not r.loaded), agreement,
                     float(np.mean([r.passed[i] for i in shown])) if shown else 0.0, float(bool(shown))])
    # LEVER's groups: identical results on every input; a program that errors is its own group
    ids, groups = {}, []
    for i, key in enumerate(keys):
        groups.append(ids.setdefault(key, len(ids)) if key is not None else -1 - i)
    return rows, np.array(groups, dtype=np.int64)


class LMFeatureCache:
    """Per-problem LM features on disk (``.npz``, read with ``allow_pickle=False``), keyed by the
    scoring LM and the problem's prompt and generations, so folds, variants and reruns share one
    LM pass."""

    def __init__(self, root: str | Path | None, lm_key: str):
        self.dir = Path(root) / "verifier-features" / hashlib.sha256(lm_key.encode()).hexdigest()[:16] if root else None

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.npz"

    def get(self, key: str):
        if self.dir is None or not self._path(key).exists():
            return None
        with np.load(self._path(key), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    def put(self, key: str, arrays: dict) -> None:
        if self.dir is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{key}.tmp.npz"
        np.savez(tmp, **arrays)
        tmp.replace(self._path(key))


def problem_key(problem, generations: Sequence[str]) -> str:
    blob = json.dumps([str(problem.task_id), problem.prompt, list(generations)], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class FeatureExtractor:
    """Computes (and memoises) ``ProblemFeatures`` for a mode and scoring LM, measuring what the
    LM pass and the sandbox cost per sample."""

    def __init__(self, mode: str = "no-exec", lm: str | None = "smollm2-135m", *, hidden: bool = False,
                 cache_dir: str | Path | None = None, workers: int | None = None, dtype: str | None = None,
                 case_seconds: float = 0.5, total_seconds: float = 5.0, inputs: str = "auto", examples: str = "auto"):
        """``inputs`` (exec mode): "auto" (the shown examples; rankkit's own where there are none),
        "prompt" (the shown examples only) or "synth" (the shown examples, then rankkit's own);
        ``examples``: where shown examples come from (``programs.probes.prompt_examples``)."""
        if inputs not in EXEC_INPUTS:
            raise SpecError(f"inputs must be one of {', '.join(EXEC_INPUTS)}, got {inputs!r}", param="inputs")
        self.inputs, self.examples = inputs, examples
        self.mode, self.lm, self.hidden = check_mode(mode), lm or None, bool(hidden)
        self.dtype, self.workers = dtype, workers
        self.case_seconds, self.total_seconds = case_seconds, total_seconds
        self._memo: dict[str, ProblemFeatures] = {}
        self._lm_cache = LMFeatureCache(cache_dir, f"{self.lm}|{dtype}|{LM_FEATURES_VERSION}") if self.lm else None
        # measured cost: LM flops, LM seconds, sandbox seconds, samples
        self.tally = {"lm_flops": 0.0, "lm_seconds": 0.0, "sandbox_seconds": 0.0, "samples": 0}
        self.show_progress = False  # training turns it on: LM features and executions report progress
        self.inputs_used = Counter()  # exec mode: problems run on "examples", "synthesized" inputs, or "none"

    def __call__(self, problems, generations) -> list[ProblemFeatures]:
        problems, generations = list(problems), [list(g) for g in generations]
        for p in problems:
            if p.prompt is None:
                raise InputError(f"task {p.task_id}: the dump has no prompt, which a verifier reads",
                                 param="benchmark", example="humaneval|mbpp")
        keys = [problem_key(p, g) for p, g in zip(problems, generations)]
        todo = [i for i, k in enumerate(keys) if k not in self._memo]
        if todo:
            lm = self._lm_part([problems[i] for i in todo], [generations[i] for i in todo],
                               [keys[i] for i in todo]) if self.lm else None
            ex = self._exec_part([problems[i] for i in todo], [generations[i] for i in todo]) \
                if self.mode == "exec" else None
            for j, i in enumerate(todo):
                self._memo[keys[i]] = self._assemble(problems[i], generations[i], lm[j] if lm else None,
                                                     ex[j] if ex else None)
            self.tally["samples"] += sum(len(generations[i]) for i in todo)
        return [self._memo[k] for k in keys]

    def _assemble(self, problem, gens, lm, ex) -> ProblemFeatures:
        finished = getattr(problem, "finished", None)
        rows = [_static(problem.prompt, g, None if finished is None else bool(finished[i])) for i, g in enumerate(gens)]
        prefix = prompt_info(problem.prompt).code_prefix
        programs = [code_key(prefix + g) or g for g in gens]
        same = Counter(programs)
        for row, program in zip(rows, programs):
            row.append((same[program] - 1) / max(1, len(gens) - 1))
        matrix = np.array(rows, dtype=np.float64).reshape(len(gens), len(STATIC_FEATURES))
        parts = [matrix]
        if lm is not None:
            mean = lm["mean"]
            spread = mean.std()
            parts += [lm["stats"], rank01(mean)[:, None],
                      ((mean - mean.mean()) / spread if spread > 1e-12 else np.zeros_like(mean))[:, None]]
        groups = np.arange(-1, -len(gens) - 1, -1, dtype=np.int64)
        lines: list | None = None
        if ex is not None:
            exec_rows, groups, lines = ex
            parts.append(np.array(exec_rows, dtype=np.float64).reshape(len(gens), len(EXEC_FEATURES)))
        matrix = np.concatenate(parts, axis=1)
        instruction = (getattr(problem, "metadata", {}) or {}).get("text") or prompt_info(problem.prompt).instruction
        texts = [linearise(instruction, program_text(problem.prompt, g), lines[i] if lines else None)
                 for i, g in enumerate(gens)]
        return ProblemFeatures(matrix, lm["sum"] if lm else None, lm["mean"] if lm else None,
                               lm["hidden"] if lm is not None and self.hidden else None, groups, texts)

    def _lm_part(self, problems, generations, keys) -> list[dict]:
        from rankkit.progress import Progress

        out = []
        bar = Progress(len(problems), f"LM features ({self.lm})", unit="problems", enabled=self.show_progress)
        with bar:
            for problem, gens, key in zip(problems, generations, keys):
                out.append(self._lm_problem(problem, gens, key))
                bar.advance(1)
        return out

    def _lm_problem(self, problem, gens, key) -> dict:
        """One problem's LM features (from the cache, or one pass of the NLL engine)."""
        from rankkit.lm import parameter_count, shared_engine

        cached = self._lm_cache.get(key)
        if cached is None:
            engine = shared_engine(self.lm, self.dtype)
            before, t0 = engine.stats["forward_tokens"], time.perf_counter()
            scores = engine.score(problem.prompt, gens, keep_token_logprobs=True, keep_hidden=True)
            seconds = time.perf_counter() - t0
            flops = 2.0 * parameter_count(engine.model) * (engine.stats["forward_tokens"] - before)
            width = next((s.hidden.shape[0] for s in scores if s.hidden is not None), 1)
            stats, hidden = [], np.zeros((len(gens), width), dtype=np.float32)
            for i, s in enumerate(scores):
                if s.status == "ok" and s.num_tokens:
                    lp = s.token_logprobs
                    stats.append([s.sum_logprob / s.num_tokens, s.sum_logprob, float(lp.min()), np.log1p(s.num_tokens)])
                    hidden[i] = s.hidden
                else:  # nothing to score (empty or too long): the worst log-probs
                    stats.append([-30.0, -30.0, -30.0, 0.0])
            cached = {"stats": np.array(stats, dtype=np.float64), "hidden": hidden,
                      "cost": np.array([flops, seconds], dtype=np.float64)}
            self._lm_cache.put(key, cached)
        self.tally["lm_flops"] += float(cached["cost"][0])
        self.tally["lm_seconds"] += float(cached["cost"][1])
        stats = cached["stats"]
        return {"stats": stats, "sum": stats[:, 1].copy(), "mean": stats[:, 0].copy(),
                "hidden": cached["hidden"].astype(np.float64)}

    def _exec_part(self, problems, generations):
        jobs, spans, per_problem = [], [], []
        for problem, gens in zip(problems, generations):
            info, examples = prompt_examples(problem, self.examples)
            cases = [Case("expr", e.call, e.expected) for e in examples]
            if self.inputs == "synth" or (self.inputs == "auto" and not cases):
                from rankkit.programs.inputs import synthesize_inputs

                _, made = synthesize_inputs(problem.prompt, list(gens), entry_point=info.entry_point,
                                            tests=[e.call for e in examples], n=SYNTH_INPUTS)
                shown = {c.source for c in cases}
                cases += [Case("expr", i.call) for i in made if i.call not in shown]
            synthesized = len(cases) > len(examples)
            self.inputs_used["synthesized" if synthesized else "examples" if cases else "none"] += 1
            start = len(jobs)
            jobs.extend((info.code_prefix + g, cases) for g in gens)
            spans.append((start, len(jobs)))
            per_problem.append((info.code_prefix, cases))
        results = run_probes(jobs, workers=self.workers, case_seconds=self.case_seconds,
                             total_seconds=self.total_seconds, show_progress=self.show_progress) if jobs else []
        self.tally["sandbox_seconds"] += sum(r.seconds for r in results)
        out = []
        for gens, (a, b), (prefix, cases) in zip(generations, spans, per_problem):
            rs = results[a:b]
            rows, groups = _exec_rows(prefix, gens, cases, rs)
            out.append((rows, groups, [execution_lines(r, len(cases)) for r in rs]))
        return out
