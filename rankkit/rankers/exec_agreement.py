"""MBR-exec-style ranking (Shi et al., 2022): run every candidate on inputs taken from the prompt
and prefer candidates whose outputs agree with many others. Expected outputs are never used."""

from __future__ import annotations

from collections import Counter

import numpy as np

from rankkit.programs.probes import Case, ProbeResult, prompt_examples
from rankkit.rankers.probing import ProbingRanker
from rankkit.programs.prompt_info import adds_code, prompt_info
from rankkit.rankers.registry import register_ranker


def behaviour_key(result: ProbeResult) -> tuple | None:
    """A candidate's outputs on the probe inputs; None when it never produced one (its code did
    not load, or every input raised or ran out of time): broken candidates never agree."""
    if not result.loaded or all(f is None or f.startswith("!") for f in result.fingerprints):
        return None
    return result.signature


@register_ranker("exec-agreement")
class ExecAgreementRanker(ProbingRanker):
    """Score = how many other candidates of the problem give exactly the same outputs on the
    prompt's example inputs (-1 for candidates that produce no output at all or add no code to
    the prompt: an empty body "agrees" with every other empty body by returning None)."""

    name = "exec-agreement"
    version = "2"  # 2: samples adding no code are broken

    def __init__(self, inputs: str = "prompt", n_inputs: int = 30, seed: int = 0, **kwargs):
        """``inputs``: "prompt" (the examples it shows), "synth" (rankkit's own: the examples first,
        then values from the signature and mutations; ``n_inputs`` a problem, from ``seed``) or
        an inputs file written by ``rankkit inputs``."""
        super().__init__(**kwargs)
        if inputs not in ("prompt", "synth"):
            from pathlib import Path

            from rankkit.errors import InputError
            from rankkit.programs.inputs import read_inputs

            if not Path(inputs).is_file():
                raise InputError(f"exec-agreement: inputs must be prompt, synth or an inputs file; {inputs!r} is "
                                 f"neither", param="rankers")
            self._given = read_inputs(inputs)
        self.inputs, self.n_inputs, self.seed = inputs, int(n_inputs), int(seed)
        self.input_counts: list[int] = []

    def cases(self, problem):
        info, examples = prompt_examples(problem, self.examples)
        if self.inputs == "prompt":
            calls = [e.call for e in examples]
        elif self.inputs == "synth":
            from rankkit.programs.inputs import synthesize_inputs

            # the shown examples (prompt or benchmark) seed rankkit's own inputs
            seeds = [e.call for e in examples]
            _, made = synthesize_inputs(problem.prompt, list(problem.generations), entry_point=info.entry_point,
                                        tests=seeds, n=self.n_inputs, seed=self.seed)
            calls = [i.call for i in made]
        else:
            calls = [i.call for i in self._given.get(str(problem.task_id), [])]
        self.input_counts.append(len(calls))
        return info.code_prefix, [Case("expr", c) for c in calls]

    def describe(self) -> str | None:
        """Which inputs it ran the candidates on, and any problem that gave it none."""
        shown = {"auto": "the shown examples (the prompt's, else the benchmark prompt's)",
                 "prompt": "the examples the prompt shows", "benchmark": "the benchmark prompt's examples"}
        source = {"prompt": shown.get(self.examples, "the shown examples"),
                  "synth": f"rankkit's own (up to {self.n_inputs} a "
                  f"problem: the shown examples, then drawn and mutated values; seed {self.seed})"}.get(
                      self.inputs, f"the inputs file {self.inputs}")
        counts = self.input_counts
        text = f"inputs: {source}" + (f", {np.mean(counts):.1f} a problem on average" if counts else "")
        empty = super().describe()
        return f"{text}; {empty}" if empty else text

    def combine(self, problem, generations, results):
        prefix = prompt_info(problem.prompt).code_prefix
        keys = [behaviour_key(r) if adds_code(prefix, g) else None for r, g in zip(results, generations)]
        counts = Counter(k for k in keys if k is not None)
        return np.array([-1.0 if k is None else counts[k] - 1.0 for k in keys])
