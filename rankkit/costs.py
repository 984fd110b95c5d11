"""Cost models: FLOPs and seconds per generated sample and per scored (ranked) sample.

Built in: the paper's Table 1 for Code Llama 7B/13B/34B/70B (TFLOPs per sample; wall-time on
8 x A100 for about 1,000 samples, which rankkit divides by 1,000 to get seconds per sample).
Also: analytic FLOPs from a model config, and user tables in JSON or YAML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from rankkit.errors import CostError, InputError, UnknownNameError
from rankkit.scoring.budget import BUDGET_UNITS

PAPER_SAMPLES_PER_WALLTIME = 1000


@dataclass(frozen=True)
class RankerCost:
    """What scoring one sample costs, in the budget units. ``RankerCost()`` declares it free."""

    flops_per_sample: float = 0.0
    seconds_per_sample: float = 0.0

    def per_sample(self, unit: str) -> float:
        if unit not in BUDGET_UNITS:
            raise ValueError(f"budget unit must be one of {', '.join(BUDGET_UNITS)}, got {unit!r}")
        return self.flops_per_sample if unit == "flops" else self.seconds_per_sample


@dataclass(frozen=True)
class ModelCost:
    """What one sample costs with a model: generating it, and (optionally) scoring it."""

    name: str
    flops_per_sample: float | None
    seconds_per_sample: float | None
    score_flops_per_sample: float | None = None
    score_seconds_per_sample: float | None = None
    source: str = ""

    def per_sample(self, unit: str) -> float:
        """Generation cost in ``unit`` ('flops' or 'time')."""
        return _pick(self, unit, self.flops_per_sample, self.seconds_per_sample, "generation")

    def score_per_sample(self, unit: str) -> float:
        """Scoring cost in ``unit``; raises if this table has no scoring cost for the model."""
        return _pick(self, unit, self.score_flops_per_sample, self.score_seconds_per_sample, "scoring")


def _pick(cost: ModelCost, unit: str, flops, seconds, what: str) -> float:
    if unit not in BUDGET_UNITS:
        raise InputError(f"budget unit must be one of {', '.join(BUDGET_UNITS)}, got {unit!r}", param="budget")
    value = flops if unit == "flops" else seconds
    if value is None or value != value:
        raise CostError(f"cost model {cost.name!r} has no {what} cost in {unit} ({cost.source or 'no source'})")
    return float(value)


def _paper(name: str, tflops: float, seconds_per_1k: float) -> ModelCost:
    return ModelCost(
        name, tflops * 1e12, seconds_per_1k / PAPER_SAMPLES_PER_WALLTIME,
        source="Hassid et al. 2024, Table 1",
    )


PAPER_COSTS: dict[str, ModelCost] = {
    m.name: m
    for m in (
        _paper("codellama-7b", 1.69, 395),
        _paper("codellama-13b", 3.29, 667),
        _paper("codellama-34b", 8.58, 2994),
        _paper("codellama-70b", 17.60, 5605),
    )
}
# The paper reports Llama-3 8B/70B costs within 7% of Code Llama 7B/70B and uses those.
PAPER_COSTS["llama-3-8b"] = replace(PAPER_COSTS["codellama-7b"], name="llama-3-8b",
                                    source="Hassid et al. 2024: as Code Llama 7B (within 7%)")
PAPER_COSTS["llama-3-70b"] = replace(PAPER_COSTS["codellama-70b"], name="llama-3-70b",
                                     source="Hassid et al. 2024: as Code Llama 70B (within 7%)")


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(" ", "-")


def get_cost(name: str, table: Mapping[str, ModelCost] | None = None) -> ModelCost:
    """Look a model up in ``table`` (default: the paper's), case- and separator-insensitive."""
    table = PAPER_COSTS if table is None else table
    wanted = _normalise(name)
    for key, cost in table.items():
        if _normalise(key) == wanted:
            return cost
    raise UnknownNameError(f"no cost entry for model {name!r}; known: {', '.join(sorted(table))}",
                           param="cost_table", example="FILE with its costs")


def load_cost_table(path: str | Path) -> dict[str, ModelCost]:
    """Read measured costs from JSON or YAML: ``{model: {flops_per_sample, seconds_per_sample,
    score_flops_per_sample?, score_seconds_per_sample?}}`` (optionally under a ``models`` key)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read the cost table ({e.strerror})") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            raise InputError(f"{path}: invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: invalid JSON at line {e.lineno}: {e.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("models"), dict):
        data = data["models"]
    if not isinstance(data, dict) or not data:
        raise InputError(f"{path}: expected a non-empty mapping of model name to costs")
    fields = ("flops_per_sample", "seconds_per_sample", "score_flops_per_sample", "score_seconds_per_sample")
    table = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise InputError(f"{path}: model {name!r}: expected a mapping of costs")
        unknown = set(entry) - set(fields) - {"source"}
        if unknown:
            raise InputError(f"{path}: model {name!r}: unknown field(s) {sorted(unknown)}; allowed: {fields}")
        values = {}
        for f in fields:
            v = entry.get(f)
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0):
                raise InputError(f"{path}: model {name!r}: {f} must be a number >= 0, got {v!r}")
            values[f] = None if v is None else float(v)
        if values["flops_per_sample"] is None and values["seconds_per_sample"] is None:
            raise InputError(f"{path}: model {name!r}: give flops_per_sample and/or seconds_per_sample")
        table[str(name)] = ModelCost(
            str(name),
            values["flops_per_sample"],
            values["seconds_per_sample"],
            values["score_flops_per_sample"], values["score_seconds_per_sample"],
            source=str(entry.get("source", path)),
        )
    return table


@dataclass(frozen=True)
class ArchShape:
    """The shape numbers of a decoder-only transformer that set its FLOPs."""

    hidden_size: int
    num_layers: int
    intermediate_size: int
    vocab_size: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    gated_mlp: bool = True

    @classmethod
    def from_config(cls, config) -> "ArchShape":
        """From a transformers config (Llama, Mistral, Qwen2, GPT-NeoX-like attribute names)."""
        def get(*names, default=None):
            for n in names:
                v = getattr(config, n, None)
                if v is not None:
                    return v
            if default is None:
                raise ValueError(f"config {type(config).__name__} has none of {names}")
            return default

        hidden = int(get("hidden_size", "n_embd", "d_model"))
        heads = int(get("num_attention_heads", "n_head"))
        return cls(
            hidden_size=hidden,
            num_layers=int(get("num_hidden_layers", "n_layer")),
            intermediate_size=int(get("intermediate_size", "n_inner", "ffn_dim", default=4 * hidden)),
            vocab_size=int(get("vocab_size")),
            num_heads=heads,
            num_kv_heads=int(get("num_key_value_heads", default=heads)),
            head_dim=int(get("head_dim", default=hidden // heads)),
            gated_mlp=getattr(config, "hidden_act", None) in ("silu", "swish", "swiglu"),
        )

    @property
    def layer_params(self) -> int:
        d, a = self.hidden_size, self.head_dim
        attn = d * a * (self.num_heads * 2 + self.num_kv_heads * 2)
        mlp = (3 if self.gated_mlp else 2) * d * self.intermediate_size
        return attn + mlp

    @property
    def dense_params(self) -> int:
        """Parameters multiplied per token, excluding embeddings and the LM head."""
        return self.num_layers * self.layer_params


def forward_flops(shape: ArchShape, context_tokens: int, new_tokens: int, lm_head_tokens: int) -> float:
    """FLOPs to run ``new_tokens`` positions after ``context_tokens`` cached ones.

    2 FLOPs per multiply-add: 2 * dense params per token, attention scores and values
    (4 * layers * heads * head_dim per attended position) and the LM head where logits are needed.
    """
    dense = 2.0 * shape.dense_params * new_tokens
    positions = sum_of_context_lengths(context_tokens, new_tokens)
    attention = 4.0 * shape.num_layers * shape.num_heads * shape.head_dim * positions
    head = 2.0 * shape.hidden_size * shape.vocab_size * lm_head_tokens
    return dense + attention + head


def sum_of_context_lengths(context_tokens: int, new_tokens: int) -> int:
    """Sum over the new positions of how many keys each attends to (itself included)."""
    first, last = context_tokens + 1, context_tokens + new_tokens
    return (first + last) * new_tokens // 2


def generation_flops(shape: ArchShape, prompt_tokens: int, generated_tokens: int) -> float:
    """FLOPs to generate one sample with a KV cache: prefill the prompt, then one token at a time."""
    return forward_flops(shape, 0, prompt_tokens, 1) + forward_flops(
        shape, prompt_tokens, max(generated_tokens - 1, 0), max(generated_tokens - 1, 0)
    )


def scoring_flops(shape: ArchShape, prompt_tokens: int, generated_tokens: int, share_prompt: bool = False) -> float:
    """FLOPs to score one sample teacher-forced: one parallel forward, LM head on scored tokens.

    ``share_prompt``: the prompt's forward is amortised over many samples (prompt KV cache).
    """
    prompt_part = 0.0 if share_prompt else forward_flops(shape, 0, prompt_tokens, 0)
    return prompt_part + forward_flops(shape, prompt_tokens, generated_tokens, generated_tokens)


def analytic_cost(name: str, config, prompt_tokens: int, generated_tokens: int) -> ModelCost:
    """A FLOPs-only ModelCost from a config and typical token counts (seconds unknown)."""
    shape = ArchShape.from_config(config)
    return ModelCost(
        name,
        generation_flops(shape, prompt_tokens, generated_tokens),
        None,
        score_flops_per_sample=scoring_flops(shape, prompt_tokens, generated_tokens),
        source=f"analytic from config ({prompt_tokens} prompt + {generated_tokens} generated tokens)",
    )
