"""Sampling N generations of one prompt with a causal LM, fast on the workloads of the study.

The prompt is encoded and run once per problem; its keys and values serve every sample of it.
Samples run in a batch of slots sized by tokens (continuous batching): a sample that ends (EOS,
a stop sequence, or the token limit) leaves at once and the next queued sample, of the same
problem or the next, takes its slot, so the batch stays full until the queue runs dry. Each
slot's cache holds its own sequence from position 0, written in place into room preallocated for
the whole generation; a step attends with a per-slot mask and per-slot positions. Each
sample's random draws come from its own stream, seeded from (problem seed, sample index), so a
sample does not depend on which others share its batch or when they stop. Per sample the
backend records whether it finished, how many tokens were generated, and the summed
log-probability of the tokens of the kept text under the unmodified model distribution
(temperature 1, no top-p): the generator's own NLL.

Another backend (vLLM) implements ``GenerationBackend.generate_many`` with the same contract.
"""

from __future__ import annotations

import functools
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

from rankkit.errors import InputError


@dataclass(frozen=True)
class SamplingSettings:
    """How to sample: the study's defaults (top-p 0.95, T 0.8); ``greedy`` takes the argmax."""

    max_new_tokens: int = 512
    temperature: float = 0.8
    top_p: float = 0.95
    greedy: bool = False
    stop_sequences: tuple[str, ...] = ()
    ignore_eos: bool = False  # run to max_new_tokens (timing a fixed length: ``rankkit profile``)

    def __post_init__(self):
        if self.max_new_tokens < 1:
            raise InputError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}", param="max_new_tokens")
        if not self.greedy and not self.temperature > 0:
            raise InputError(f"temperature must be > 0 (or sample greedily), got {self.temperature}",
                             param="temperature")
        if not 0 < self.top_p <= 1:
            raise InputError(f"top_p must lie in (0, 1], got {self.top_p}", param="top_p")
        for s in self.stop_sequences:
            if not isinstance(s, str) or not s:
                raise InputError(f"a stop sequence must be a non-empty string, got {s!r}", param="stop_sequences")


@dataclass
class GeneratedSample:
    """One sample: the text after the prompt (cut before any stop sequence), whether it ended by
    EOS or a stop sequence (not the token limit), tokens generated (all, for costs), and the
    summed log-prob of the ``logprob_tokens`` tokens that make up the kept text."""

    text: str
    finished: bool
    generated_tokens: int
    sum_logprob: float
    logprob_tokens: int
    stop: str | None = None  # "eos", the stop sequence, or None (token limit)
    token_ids: list[int] = field(default_factory=list, repr=False)


class GenerationBackend(Protocol):
    """What ``rankkit generate`` needs from a model: ``n`` samples of each prompt, reproducible from
    each prompt's seed, and counters of the work done (``stats``: forward and generated tokens)."""

    stats: dict

    def generate_many(self, prompts: Sequence[str], n: int, settings: Sequence[SamplingSettings],
                      seeds: Sequence[int]) -> list[list[GeneratedSample]]:
        ...


def problem_seed(seed: int, task_id: str) -> int:
    """The seed of one problem's samples: the same whether a run is whole, resumed or sharded."""
    return (int(seed) * 1_000_003 + zlib.crc32(str(task_id).encode("utf-8"))) % (2**63 - 1)


def sample_seed(problem: int, index: int) -> int:
    """Sample ``index`` of a problem draws from its own stream, seeded from the problem's seed."""
    return (int(problem) * 7_919 + int(index) * 104_729 + 1) % (2**63 - 1)


SCHEDULES = ("continuous", "static")


class TransformersBackend:
    """Sampling with a transformers causal LM (any model ``load_model`` loads), on CPU or GPU."""

    def __init__(self, model, tokenizer, max_batch_tokens: int = 16384, schedule: str = "continuous"):
        """``max_batch_tokens``: slots x (longest prompt + max_new_tokens). ``schedule``:
        "continuous" (a freed slot takes the next queued sample) or "static" (fixed batches that
        run until their last sample ends; kept to compare against)."""
        import torch

        if schedule not in SCHEDULES:
            raise InputError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}", param="schedule")
        self.schedule = schedule

        self.model, self.tokenizer, self.torch = model, tokenizer, torch
        self.device = next(model.parameters()).device
        self.max_batch_tokens = int(max_batch_tokens)
        self.eos_ids = self._eos_ids()
        self.context = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.stats = {"forward_tokens": 0, "generated_tokens": 0, "prompt_tokens": 0, "samples": 0}
        import inspect  # transformers renamed `past_key_values` to `cache` (5.x): use what this one takes

        self.cache_kw = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

    def _eos_ids(self) -> set[int]:
        ids = set()
        for source in (getattr(self.model, "generation_config", None), self.model.config, self.tokenizer):
            value = getattr(source, "eos_token_id", None)
            if value is None:
                continue
            ids.update(value if isinstance(value, (list, tuple, set)) else [value])
        return {int(i) for i in ids}

    def encode(self, prompt: str) -> list[int]:
        return list(self.tokenizer(prompt, add_special_tokens=True)["input_ids"])

    def generate(self, prompt: str, n: int, settings: SamplingSettings, seed: int) -> list[GeneratedSample]:
        return self.generate_many([prompt], n, [settings], [seed])[0]

    def generate_many(self, prompts: Sequence[str], n: int, settings: Sequence[SamplingSettings],
                      seeds: Sequence[int]) -> list[list[GeneratedSample]]:
        """``n`` samples of each prompt; prompts share the batch, each prompt runs once (once per
        batch it appears in, "static"), and sample i of prompt j draws from sample_seed(seeds[j], i)."""
        torch = self.torch
        if n < 1:
            raise InputError(f"the number of samples must be >= 1, got {n}", param="n")
        if len({(s.max_new_tokens, s.temperature, s.top_p, s.greedy) for s in settings}) > 1:
            raise InputError("prompts generated together must share max_new_tokens, temperature, top_p and greedy")
        encoded = [self.encode(p) for p in prompts]
        limit = settings[0].max_new_tokens
        for ids in encoded:
            if not ids:
                raise InputError("a prompt encodes to no tokens", param="prompt")
            if self.context and len(ids) + limit > self.context:
                raise InputError(f"prompt ({len(ids)} tokens) + max_new_tokens ({limit}) exceed the model's "
                                 f"context of {self.context} tokens", param="max_new_tokens")
        # one random stream per sample: a sample's draws depend on nothing else in its batch
        generators = {(j, i): torch.Generator(device="cpu").manual_seed(sample_seed(seeds[j], i))
                      for j in range(len(prompts)) for i in range(n)}
        texts = [self.tokenizer.decode(ids, skip_special_tokens=True) for ids in encoded]
        rows = [(j, i) for j in range(len(prompts)) for i in range(n)]
        widest = max(len(ids) for ids in encoded) + limit
        per_batch = max(1, self.max_batch_tokens // widest)
        out: list[list[GeneratedSample | None]] = [[None] * n for _ in prompts]
        if self.schedule == "continuous":
            runs = [(rows, self._continuous(rows, per_batch, widest, encoded, texts, settings, generators))]
        else:
            runs = [(rows[start:start + per_batch], self._batch(rows[start:start + per_batch], encoded, texts, settings,
                                                                generators))
                    for start in range(0, len(rows), per_batch)]
        for batch, samples in runs:
            for (j, i), sample in zip(batch, samples):
                out[j][i] = sample
        self.stats["samples"] += len(rows)
        return out  # type: ignore[return-value]

    def _continuous(self, rows, slots, capacity, encoded, texts, settings, generators):
        """Every sample of ``rows`` through ``slots`` slots, a freed slot taking the next queued
        sample; results in the order of ``rows``."""
        torch = self.torch
        from transformers.cache_utils import Cache

        limit = settings[0].max_new_tokens
        queue = list(reversed(rows))  # pop() takes the next
        unadmitted = Counter(j for j, _ in rows)
        prompts: dict[int, tuple] = {}  # problem -> (per-layer keys and values, last logits)
        cache = None
        active: list[tuple[int, int]] = []  # slot -> sample
        lengths: list[int] = []  # slot -> positions filled
        states: dict[tuple[int, int], _Sample] = {}
        logits = None
        while queue or active:
            admitted = []
            while queue and len(active) < slots:
                j, i = queue.pop()
                if j not in prompts:
                    prompts[j] = self._prompt_state(encoded[j])
                layers, first = prompts[j]
                if cache is None:
                    cache = Cache(layers=[_slot_layer()(k, v, slots, capacity) for k, v in layers])
                for layer, (k, v) in zip(cache.layers, layers):
                    layer.put(len(active), k, v)
                unadmitted[j] -= 1
                if not unadmitted[j]:
                    del prompts[j]
                active.append((j, i))
                lengths.append(len(encoded[j]))
                states[(j, i)] = _Sample()
                admitted.append(first)
            if admitted:
                logits = torch.cat(([logits] if logits is not None else []) + admitted)
            chosen, chosen_lp = self._pick(logits, settings[0], [generators[key] for key in active])
            keep = []
            for row, (j, i) in enumerate(active):
                done = self._advance(states[(j, i)], int(chosen[row]), float(chosen_lp[row]), encoded[j], texts[j],
                                     settings[j], limit)
                if done is not None:
                    states[(j, i)] = done
                else:
                    keep.append(row)
            if len(keep) < len(active):
                for layer in cache.layers:
                    layer.keep(keep, lengths)
                active, lengths = [active[r] for r in keep], [lengths[r] for r in keep]
                logits = logits[keep] if keep else None
            if not active:
                continue
            at = torch.tensor(lengths, device=self.device)
            span, slot_rows = max(lengths) + 1, torch.arange(len(active), device=self.device)
            for layer in cache.layers:  # worked out once a step, not once a layer
                layer.prepare(at, span, slot_rows)
            mask = (torch.arange(span, device=self.device)[None, :] <= at[:, None]).long()
            step_ids = torch.tensor([[states[key].tokens[-1]] for key in active], device=self.device)
            with torch.no_grad():
                out = self.model(input_ids=step_ids, attention_mask=mask, position_ids=at[:, None], use_cache=True,
                                 **{self.cache_kw: cache})
            logits = out.logits[:, -1, :].float()
            lengths = [n + 1 for n in lengths]
            self.stats["forward_tokens"] += len(active)
        return [states[key] for key in rows]

    def _prompt_state(self, ids: list[int]):
        """One prompt's forward: its per-layer (keys, values), 1 x heads x length x dim, and the
        logits after its last token."""
        torch = self.torch
        with torch.no_grad():
            out = self.model(input_ids=torch.tensor([ids], device=self.device), use_cache=True, logits_to_keep=1)
        self.stats["forward_tokens"] += len(ids)
        self.stats["prompt_tokens"] += len(ids)
        cache = getattr(out, "cache", None) or out.past_key_values
        return [(layer.keys, layer.values) for layer in cache.layers], out.logits[:, -1, :].float()

    def _advance(self, state: "_Sample", token: int, logprob: float, ids, prompt_text, settings: SamplingSettings,
                 limit: int) -> GeneratedSample | None:
        """Take one sampled token; the finished sample when it ends here (EOS, a stop sequence,
        the token limit), else None."""
        self.stats["generated_tokens"] += 1
        if token in self.eos_ids and not settings.ignore_eos:
            return self._finish(ids, prompt_text, state.tokens, state.logprobs, len(state.tokens) + 1, None, "eos")
        state.tokens.append(token)
        state.logprobs.append(logprob)
        stops = settings.stop_sequences
        if stops:
            text = self._text(ids, prompt_text, state.tokens)
            start = max(0, state.checked - max(len(st) for st in stops) + 1)
            hits = [(at, st) for st in stops if (at := text.find(st, start)) >= 0]
            state.checked = len(text)
            if hits:
                cut, stop = min(hits)
                return self._finish(ids, prompt_text, state.tokens, state.logprobs, len(state.tokens), cut, stop, text)
        if len(state.tokens) == limit:
            return self._finish(ids, prompt_text, state.tokens, state.logprobs, len(state.tokens), None, None)
        return None

    def _prefill(self, prompt_ids: list[list[int]]):
        """One left-padded forward over the batch's distinct prompts: (cache, last logits, mask)."""
        torch = self.torch
        width = max(len(ids) for ids in prompt_ids)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        x = torch.full((len(prompt_ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(prompt_ids), width), dtype=torch.long)
        for r, ids in enumerate(prompt_ids):
            x[r, width - len(ids):] = torch.tensor(ids)
            mask[r, width - len(ids):] = 1
        positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
        x, mask, positions = x.to(self.device), mask.to(self.device), positions.to(self.device)
        with torch.no_grad():
            out = self.model(input_ids=x, attention_mask=mask, position_ids=positions, use_cache=True,
                             logits_to_keep=1)
        self.stats["forward_tokens"] += int(mask.sum())
        self.stats["prompt_tokens"] += int(mask.sum())
        cache = getattr(out, "cache", None) or out.past_key_values
        return cache, out.logits[:, -1, :].float(), mask

    def _batch(self, batch, encoded, texts, settings, generators):
        """One static batch: every sample of ``batch`` from the start, prompts left-padded."""
        torch = self.torch
        from transformers.cache_utils import Cache

        problems = sorted({j for j, _ in batch})
        cache, first_logits, prompt_mask = self._prefill([encoded[j] for j in problems])
        row_of = torch.tensor([problems.index(j) for j, _ in batch], device=self.device)
        # each row's cache in a buffer with room for the whole generation: steps write in place
        capacity = prompt_mask.shape[1] + settings[0].max_new_tokens
        cache = Cache(layers=[_growing_layer()(layer.keys.index_select(0, row_of), layer.values.index_select(0, row_of),
                                               capacity) for layer in cache.layers])
        logits, mask = first_logits.index_select(0, row_of), prompt_mask.index_select(0, row_of)
        positions = mask.sum(dim=1, keepdim=True)  # the next token's position, per row
        limit = settings[0].max_new_tokens
        alive = list(range(len(batch)))  # batch row -> sample (index into batch)
        states: list = [_Sample() for _ in batch]
        while alive:
            chosen, chosen_lp = self._pick(logits, settings[0], [generators[batch[s]] for s in alive])
            keep_rows = []
            for row, sample in enumerate(alive):
                j = batch[sample][0]
                done = self._advance(states[sample], int(chosen[row]), float(chosen_lp[row]), encoded[j], texts[j],
                                     settings[j], limit)
                if done is not None:
                    states[sample] = done
                else:
                    keep_rows.append(row)
            alive = [alive[r] for r in keep_rows]
            if not alive:
                break
            if len(keep_rows) < len(chosen):
                index = torch.tensor(keep_rows, device=self.device)
                for layer in cache.layers:
                    layer.keep_rows(index)
                mask, positions = mask.index_select(0, index), positions.index_select(0, index)
            mask = torch.cat([mask, torch.ones((len(alive), 1), dtype=mask.dtype, device=self.device)], dim=1)
            step_ids = torch.tensor([[states[s].tokens[-1]] for s in alive], device=self.device)
            with torch.no_grad():
                out = self.model(input_ids=step_ids, attention_mask=mask, position_ids=positions, use_cache=True,
                                 **{self.cache_kw: cache})
            logits = out.logits[:, -1, :].float()
            positions = positions + 1
            self.stats["forward_tokens"] += len(alive)
        return states

    def _pick(self, logits, settings: SamplingSettings, generators):
        """(tokens, their log-prob at temperature 1 without top-p) for each row; row r's uniform
        draw comes from ``generators[r]`` (its sample's own stream)."""
        torch = self.torch
        logp = torch.log_softmax(logits, dim=-1)
        if settings.greedy:
            chosen = logp.argmax(dim=-1)
        else:
            probs = torch.softmax(logits / settings.temperature, dim=-1)
            u = torch.cat([torch.rand((1, 1), generator=g) for g in generators]).to(probs.device)
            # the nucleus of most rows lies among the most likely few hundred tokens: sort only those
            head, order = probs.topk(min(NUCLEUS_HEAD, probs.shape[-1]), dim=-1)
            inside = head.sum(dim=-1) >= settings.top_p
            chosen = torch.empty(len(probs), dtype=torch.long, device=probs.device)
            for rows, whole in ((inside.nonzero()[:, 0], False), ((~inside).nonzero()[:, 0], True)):
                if len(rows):
                    p, o = probs[rows].sort(dim=-1, descending=True) if whole else (head[rows], order[rows])
                    chosen[rows] = _nucleus_draw(p, o, u[rows], settings.top_p)
        return chosen.cpu().numpy(), logp.gather(1, chosen[:, None])[:, 0].double().cpu().numpy()

    def _text(self, ids, prompt_text, generated) -> str:
        """The generation's text as the tokenizer decodes it after the prompt (so a tokenizer that
        drops a leading space at the start of a sequence does not drop it here)."""
        full = self.tokenizer.decode(ids + generated, skip_special_tokens=True)
        if full.startswith(prompt_text):
            return full[len(prompt_text):]
        return self.tokenizer.decode(generated, skip_special_tokens=True)

    def _finish(self, ids, prompt_text, generated, logprobs, n_generated, cut, stop, text=None) -> GeneratedSample:
        text = self._text(ids, prompt_text, generated) if text is None else text
        kept = len(generated)
        if cut is not None:
            text = text[:cut]
            # the tokens whose text lies wholly before the stop sequence carry the kept text's log-prob
            while kept > 0 and len(self._text(ids, prompt_text, generated[:kept])) > cut:
                kept -= 1
        return GeneratedSample(text, stop is not None, n_generated, float(np.sum(logprobs[:kept])), kept,
                               stop, list(generated))


@functools.cache
def _growing_layer():
    """The cache layer class for generation (made on first use: transformers loads lazily)."""
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):
        """Keys and values in buffers preallocated for the whole generation: a step writes its
        position in place and attention reads a view of the filled part, where DynamicLayer
        concatenates — copying every row's whole cache — at every step. Finished rows leave by
        ``keep_rows``, which copies only the filled part of the rows that stay."""

        def __init__(self, keys, values, capacity: int):
            super().__init__()
            rows, heads, length, _ = keys.shape
            self.kbuf = keys.new_empty((rows, heads, capacity, keys.shape[-1]))
            self.vbuf = values.new_empty((rows, values.shape[1], capacity, values.shape[-1]))
            self.kbuf[:, :, :length] = keys
            self.vbuf[:, :, :length] = values
            self.length, self.device, self.is_initialized = length, keys.device, True
            self._views()

        def _views(self):
            self.keys, self.values = self.kbuf[:, :, :self.length], self.vbuf[:, :, :self.length]

        def update(self, key_states, value_states, *args, **kwargs):
            end = self.length + key_states.shape[-2]
            if end > self.kbuf.shape[2]:
                raise RuntimeError(f"generation cache full ({self.kbuf.shape[2]} positions)")
            self.kbuf[:, :, self.length:end] = key_states
            self.vbuf[:, :, self.length:end] = value_states
            self.length = end
            self._views()
            return self.keys, self.values

        def keep_rows(self, index) -> None:
            for name in ("kbuf", "vbuf"):
                old = getattr(self, name)
                new = old.new_empty((len(index),) + tuple(old.shape[1:]))
                new[:, :, :self.length] = old[:, :, :self.length].index_select(0, index)
                setattr(self, name, new)
            self._views()

    return GrowingLayer


NUCLEUS_HEAD = 512  # tokens sorted first when drawing from the top-p nucleus


def _nucleus_draw(sorted_p, order, u, top_p: float):
    """Per row: the token at uniform draw ``u`` in the top-p nucleus of probabilities sorted
    largest first (``order``: their token ids); rows whose nucleus ends past the end are the
    caller's to avoid."""
    import torch

    before = sorted_p.cumsum(dim=-1) - sorted_p
    kept = torch.where(before < top_p, sorted_p, torch.zeros_like(sorted_p))
    cdf = kept.cumsum(dim=-1)
    pos = torch.searchsorted(cdf, u * cdf[:, -1:]).clamp(max=cdf.shape[-1] - 1)
    return order.gather(1, pos)[:, 0]


@dataclass
class _Sample:
    """A sample while it is generated: its tokens, their log-probs, characters searched for stops."""

    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    checked: int = 0


@functools.cache
def _slot_layer():
    """The cache layer class for continuous batching (made on first use: transformers loads lazily)."""
    from transformers.cache_utils import DynamicLayer

    class SlotLayer(DynamicLayer):
        """Keys and values of ``slots`` sequences, each from position 0 of its own slot in buffers
        preallocated for the longest prompt plus the whole generation. ``prepare`` says where each
        active slot writes the coming step (its length); ``update`` writes there in place and
        hands attention the filled span of every active slot, which the step's mask cuts per slot.
        A sample that ends frees its slot by ``keep``; ``put`` fills a slot with a prompt."""

        def __init__(self, keys, values, slots: int, capacity: int):
            super().__init__()
            self.kbuf = keys.new_zeros((slots, keys.shape[1], capacity, keys.shape[-1]))
            self.vbuf = values.new_zeros((slots, values.shape[1], capacity, values.shape[-1]))
            self.device, self.is_initialized = keys.device, True
            self.at, self.span, self.rows = None, 0, None
            self.keys, self.values = self.kbuf[:0, :, :0], self.vbuf[:0, :, :0]

        def put(self, slot: int, keys, values) -> None:
            n = keys.shape[-2]
            self.kbuf[slot, :, :n] = keys[0]
            self.vbuf[slot, :, :n] = values[0]

        def keep(self, rows: list[int], lengths: list[int]) -> None:
            """Keep the slots ``rows`` (ascending), moved to the front in that order."""
            for to, row in enumerate(rows):
                if row != to:
                    n = lengths[row]
                    self.kbuf[to, :, :n] = self.kbuf[row, :, :n]
                    self.vbuf[to, :, :n] = self.vbuf[row, :, :n]

        def prepare(self, at, span: int, rows) -> None:
            """The coming step writes slot r's token at position ``at[r]`` (``rows``: the active
            slots' indices; ``span``: the longest slot's length after the step)."""
            self.at, self.span, self.rows = at, span, rows

        def get_seq_length(self) -> int:
            return self.span - 1  # what transformers takes for the past: the step's token comes after it

        def update(self, key_states, value_states, *args, **kwargs):
            if self.span > self.kbuf.shape[2]:
                raise RuntimeError(f"generation cache full ({self.kbuf.shape[2]} positions)")
            self.kbuf[self.rows, :, self.at] = key_states[:, :, 0]
            self.vbuf[self.rows, :, self.at] = value_states[:, :, 0]
            active = len(self.at)
            self.keys, self.values = self.kbuf[:active, :, :self.span], self.vbuf[:active, :, :self.span]
            return self.keys, self.values

    return SlotLayer
