"""MBR-exec-style ranking (Shi et al., 2022): run every candidate on the same inputs and prefer
candidates whose outputs agree with many others. Expected outputs are never used. The inputs are
the examples the prompt shows, or, for a prompt that shows none, rankkit's own
(``rankkit.programs.inputs``).

Agreement is counted per input by default: with many made-up inputs, two candidates that differ
on one edge case still mostly agree, and a shared exception (often an input outside the
function's domain) is no evidence either way. ``agree="all"`` is MBR-exec's original all-or-nothing
match, exceptions included."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rankkit.errors import InputError
from rankkit.programs.matrix import OK
from rankkit.programs.probes import Case, prompt_examples
from rankkit.rankers.probing import ProbingRanker
from rankkit.programs.prompt_info import adds_code, prompt_info
from rankkit.rankers.registry import register_ranker


@register_ranker("exec-agreement")
class ExecAgreementRanker(ProbingRanker):
    """Score = how many other candidates of the problem return the same value, averaged over the
    inputs (``agree="cases"``), or how many give exactly the same outputs and exceptions on every
    input (``agree="all"``). Inputs: the prompt's examples, or rankkit's own where it shows none.
    -1 for candidates that return nothing at all or add no code to the prompt (an empty body
    "agrees" with every other empty body by returning None)."""

    name = "exec-agreement"
    # 2: samples adding no code are broken; 3: inputs "auto"; fingerprints of type and repr; 4: agree="cases"
    version = "4"

    def __init__(self, inputs: str = "auto", n_inputs: int = 30, seed: int = 0, agree: str = "cases", **kwargs):
        """``inputs``: "auto" (the shown examples; rankkit's own where there are none), "prompt"
        (the shown examples only), "synth" (rankkit's own everywhere: the shown examples first,
        then values from the signature and mutations; ``n_inputs`` a problem, from ``seed``) or
        an inputs file written by ``rankkit inputs``. ``agree``: "cases" (agreement per input,
        returned values only) or "all" (identical outputs and exceptions on every input)."""
        super().__init__(**kwargs)
        if agree not in ("cases", "all"):
            raise InputError(f"exec-agreement: agree must be cases or all, not {agree!r}", param="rankers",
                             example="exec-agreement:agree=all")
        self.agree = agree
        if inputs not in ("auto", "prompt", "synth"):
            from pathlib import Path

            from rankkit.programs.inputs import read_inputs

            if not Path(inputs).is_file():
                raise InputError(f"exec-agreement: inputs must be auto, prompt, synth or an inputs file; {inputs!r} is "
                                 f"neither", param="rankers")
            self._given = read_inputs(inputs)
        self.inputs, self.n_inputs, self.seed = inputs, int(n_inputs), int(seed)
        self.input_counts: list[int] = []
        self.synthesized: list[str] = []  # problems run on rankkit's own inputs

    def cases(self, problem):
        info, examples = prompt_examples(problem, self.examples)
        if self.inputs == "prompt" or (self.inputs == "auto" and examples):
            calls = [e.call for e in examples]
        elif self.inputs in ("auto", "synth"):
            from rankkit.programs.inputs import synthesize_inputs

            # the shown examples (prompt or benchmark) seed rankkit's own inputs
            seeds = [e.call for e in examples]
            _, made = synthesize_inputs(problem.prompt, list(problem.generations), entry_point=info.entry_point,
                                        tests=seeds, n=self.n_inputs, seed=self.seed)
            calls = [i.call for i in made]
            if calls:
                self.synthesized.append(str(problem.task_id))
        else:
            calls = [i.call for i in self._given.get(str(problem.task_id), [])]
        self.input_counts.append(len(calls))
        return info.code_prefix, [Case("expr", c) for c in calls]

    @property
    def missing(self) -> str:
        """What a problem lacked when nothing ran."""
        if self.inputs in ("auto", "synth"):
            return "no examples in their prompts and no function signature to make inputs from"
        return "no inputs for them in the file" if self.inputs != "prompt" else super().missing

    def describe(self) -> str | None:
        """Which inputs it ran the candidates on, and any problem that gave it none."""
        shown = {"auto": "the shown examples (the prompt's, else the benchmark prompt's)",
                 "prompt": "the examples the prompt shows", "benchmark": "the benchmark prompt's examples"}
        own = f"rankkit's own (up to {self.n_inputs} a problem: the shown examples, then drawn and mutated values; " \
              f"seed {self.seed})"
        if self.inputs == "auto":
            source = (f"{shown.get(self.examples, 'the shown examples')}; where a prompt shows none, {own}, "
                      f"for {len(self.synthesized)} of {len(self.input_counts)} problems")
        else:
            source = {"prompt": shown.get(self.examples, "the shown examples"), "synth": own}.get(
                self.inputs, f"the inputs file {self.inputs}")
        counts = self.input_counts
        text = f"inputs: {source}" + (f", {np.mean(counts):.1f} a problem on average" if counts else "")
        text += "; agreement counted per input" if self.agree == "cases" else "; agreement on all inputs at once"
        empty = super().describe()
        return f"{text}; {empty}" if empty else text

    def combine(self, problem, generations, matrix):
        prefix = prompt_info(problem.prompt).code_prefix
        keys = [matrix.behaviour(i) if adds_code(prefix, g) else None for i, g in enumerate(generations)]
        silent = np.array([k is None for k in keys])
        if self.agree == "all":
            counts = Counter(k for k in keys if k is not None)
            return np.array([-1.0 if k is None else counts[k] - 1.0 for k in keys])
        returned = (matrix.outcome == OK) & ~silent[:, None]
        agreeing = np.zeros(matrix.shape, dtype=np.float64)
        for c in range(matrix.shape[1]):
            values = Counter(matrix.fingerprint[returned[:, c], c])
            agreeing[returned[:, c], c] = [values[v] - 1 for v in matrix.fingerprint[returned[:, c], c]]
        return np.where(silent, -1.0, agreeing.mean(axis=1))
