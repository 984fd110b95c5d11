"""Teacher-forced log-likelihood of generations given their prompt, with any causal LM.

Definition (exact, and what the tests check against a plain forward pass): tokenize
``prompt + generation`` as the model expects (with its BOS if the tokenizer adds one); the
scored tokens are those whose character span ends after ``len(prompt)`` — they hold at least
one generation character, so a token straddling the boundary is scored. Each scored token's
log-probability comes from the model's distribution at the position before it.

Speed comes from what the workload offers: all samples of a problem share one prompt, so the
longest token prefix they share runs once and its KV cache is reused for every sample;
identical generations are scored once; samples go in token-budget batches of similar length;
the vocabulary projection and log-softmax run only at the positions that score a token, in
chunks so memory stays bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from rankkit.lm.loading import load_model

@dataclass
class SampleScore:
    """One generation's score: scored tokens, their summed log-prob, mean NLL, and a status."""

    num_tokens: int
    sum_logprob: float
    status: str = "ok"  # ok | empty (no generation token) | too_long (exceeds the context)
    token_logprobs: np.ndarray | None = None
    # with keep_hidden: the mean of the final-layer states that predict the scored tokens (what a
    # verifier's head reads; the forward pass computes them anyway)
    hidden: np.ndarray | None = None

    @property
    def mean_nll(self) -> float:
        """-(1/l) * sum log p; +inf when nothing could be scored (ranked last)."""
        if self.status != "ok" or self.num_tokens == 0:
            return math.inf
        return -self.sum_logprob / self.num_tokens


def tokenize_sample(tokenizer, prompt: str, generation: str) -> tuple[list[int], int]:
    """(token ids of prompt + generation, index of the first scored token)."""
    enc = tokenizer(prompt + generation, return_offsets_mapping=True, add_special_tokens=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    boundary = len(prompt)
    first = len(ids)
    for i, (start, end) in enumerate(offsets):
        if end > boundary and end > start:
            first = max(i, 1)  # a first token with nothing before it has no prediction to score
            break
    # Special tokens appended at the end (e.g. EOS) carry empty spans: they are not scored.
    last = len(ids)
    while last > first and offsets[last - 1][1] <= offsets[last - 1][0]:
        last -= 1
    return ids[:last], first


class NLLEngine:
    """Scores all generations of one prompt at a time, fast (see the module doc)."""

    def __init__(self, model, tokenizer, max_batch_tokens: int = 8192, head_chunk: int = 2048,
                 share_prefix: bool = True, dedup: bool = True, packed: bool = True):
        import torch

        self.model, self.tokenizer = model, tokenizer
        # switches for measuring each optimisation's share (and a fallback for unusual models)
        self.share_prefix, self.dedup, self.packed = share_prefix, dedup, packed
        self.max_pack_tokens = 512  # measured best on CPU (bench/nll_speed.py); larger rows lose to attention
        self.max_batch_tokens, self.head_chunk = max_batch_tokens, head_chunk
        self.device = next(model.parameters()).device
        self.context = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.decoder = model.get_decoder() if hasattr(model, "get_decoder") else None
        self.head = model.get_output_embeddings()
        # Models that post-process logits (soft-capping, scaling) go through the full model.
        cfg = model.config
        self.fast_head = (self.decoder is not None and self.head is not None
                          and not getattr(cfg, "final_logit_softcapping", None)
                          and getattr(cfg, "logit_scale", None) in (None, 1, 1.0))
        self.torch = torch
        # transformers renamed `past_key_values` to `cache` (5.x); use whichever this one takes
        import inspect

        params = inspect.signature(model.forward).parameters
        self.cache_kw = "cache" if "cache" in params else "past_key_values"
        self.stats = {"forward_tokens": 0, "scored_tokens": 0, "prefix_tokens": 0, "samples": 0, "distinct": 0}

    def score(self, prompt: str, generations: Sequence[str], keep_token_logprobs: bool = False,
              keep_hidden: bool = False) -> list[SampleScore]:
        """One SampleScore per generation, in order; identical generations are scored once.
        ``keep_hidden``: also each sample's mean final-layer state over its scored positions."""
        self.stats["samples"] += len(generations)
        keep = (bool(keep_token_logprobs), bool(keep_hidden))
        if not self.dedup:
            return self._score_distinct(prompt, list(generations), keep)
        distinct = list(dict.fromkeys(generations))
        self.stats["distinct"] += len(distinct)
        by_text = dict(zip(distinct, self._score_distinct(prompt, distinct, keep)))
        return [by_text[g] for g in generations]

    def _score_distinct(self, prompt: str, generations: list[str], keep: tuple[bool, bool]) -> list[SampleScore]:
        torch = self.torch
        toks = [tokenize_sample(self.tokenizer, prompt, g) for g in generations]
        results: list[SampleScore | None] = [None] * len(generations)
        live = []
        for i, (ids, first) in enumerate(toks):
            if first >= len(ids):
                results[i] = SampleScore(0, 0.0, "empty")
            elif self.context and len(ids) > self.context:
                results[i] = SampleScore(0, 0.0, "too_long")
            else:
                live.append(i)
        if not live:
            return results  # type: ignore[return-value]
        # The shared prefix: tokens every live sample has, all before each one's first scored
        # token minus one (that position's output scores the first generation token).
        prefix_len = min(toks[i][1] for i in live) - 1 if self.share_prefix else 0
        first_ids = toks[live[0]][0]
        for i in live[1:]:
            ids = toks[i][0]
            n = 0
            while n < prefix_len and ids[n] == first_ids[n]:
                n += 1
            prefix_len = n
        with torch.no_grad():
            past = None
            if prefix_len > 0:
                past = self._run_prefix(first_ids[:prefix_len])
                self.stats["prefix_tokens"] += prefix_len
            order = sorted(live, key=lambda i: len(toks[i][0]))
            batch: list[int] = []
            shortest = 0
            for i in order:
                width = len(toks[i][0]) - prefix_len
                # A new batch when the budget is full, or when padding to this width would waste
                # more than ~25% of the batch (lengths are sorted, so width only grows).
                if self.packed and past is not None:  # one packed row: attention grows with its square
                    budget = min(self.max_batch_tokens, self.max_pack_tokens)
                    full = batch and sum(len(toks[j][0]) - prefix_len for j in batch) + width > budget
                else:
                    full = batch and ((len(batch) + 1) * width > self.max_batch_tokens or width > 1.25 * shortest + 8)
                if full:
                    self._run(batch, toks, prefix_len, past, results, keep)
                    batch = []
                if not batch:
                    shortest = width
                batch.append(i)
            if batch:
                self._run(batch, toks, prefix_len, past, results, keep)
        return results  # type: ignore[return-value]

    def _run_prefix(self, ids: list[int]):
        torch = self.torch
        x = torch.tensor([ids], device=self.device)
        out = self.model(input_ids=x, use_cache=True, logits_to_keep=1)
        self.stats["forward_tokens"] += len(ids)
        cache = getattr(out, "cache", None)
        return cache if cache is not None else out.past_key_values

    def _run(self, batch, toks, prefix_len, past, results, keep):
        if self.packed and past is not None:
            self._run_packed(batch, toks, prefix_len, past, results, keep)
        else:
            self._run_batch(batch, toks, prefix_len, past, results, keep)

    def _run_packed(self, batch, toks, prefix_len, past, results, keep):
        """All suffixes of the batch in one row after the shared prefix: each attends to the prefix
        and causally to itself only (a block mask), with its own positions. The prefix's KV cache
        is used as it is, never copied per sample."""
        torch = self.torch
        segments = [toks[i][0][prefix_len:] for i in batch]
        total = sum(len(seg) for seg in segments)
        x = torch.tensor([[t for seg in segments for t in seg]], device=self.device)
        positions = torch.empty((1, total), dtype=torch.long, device=self.device)
        dtype = next(self.model.parameters()).dtype
        mask = torch.full((1, 1, total, prefix_len + total), torch.finfo(dtype).min, dtype=dtype, device=self.device)
        mask[..., :prefix_len] = 0
        rows, targets, owners = [], [], []
        start = 0
        for i, seg in zip(batch, segments):
            n = len(seg)
            positions[0, start:start + n] = torch.arange(prefix_len, prefix_len + n, device=self.device)
            block = torch.ones((n, n), dtype=torch.bool, device=self.device).tril()
            mask[0, 0, start:start + n, prefix_len + start:prefix_len + start + n].masked_fill_(block, 0)
            ids, first = toks[i]
            for t in range(first, len(ids)):
                rows.append(start + t - 1 - prefix_len)
                targets.append(ids[t])
                owners.append(i)
            start += n
        self.stats["forward_tokens"] += total
        where = (torch.zeros(len(rows), dtype=torch.long, device=self.device), torch.tensor(rows, device=self.device))
        token_lp = self._forward_logprobs(x, mask, positions, self._expand_cache(past, 1), where, targets, keep[1])
        self._store(batch, owners, token_lp, results, keep)

    def _forward_logprobs(self, x, mask, positions, cache, where, targets, hidden: bool = False):
        """log p(target) at the output positions ``where`` = (rows, columns) of one forward pass;
        with ``hidden``: (log-probs, the final-layer states at those positions)."""
        torch = self.torch
        kwargs = {"input_ids": x, "attention_mask": mask, "position_ids": positions,
                  "use_cache": cache is not None, self.cache_kw: cache}
        self.stats["scored_tokens"] += len(targets)
        if self.fast_head:
            states = self.decoder(**kwargs).last_hidden_state[where]
            token_lp = self._head_logprobs(states, targets)
        else:
            result = self.model(**kwargs, output_hidden_states=hidden)
            states = result.hidden_states[-1][where] if hidden else None
            token_lp = torch.log_softmax(result.logits[where].float(), dim=-1).gather(
                1, torch.tensor(targets, device=self.device)[:, None])[:, 0].double().cpu().numpy()
        if not hidden:
            return token_lp
        return token_lp, states.double().cpu().numpy()

    @staticmethod
    def _store(batch, owners, token_lp, results, keep) -> None:
        states = None
        if isinstance(token_lp, tuple):
            token_lp, states = token_lp
        owners = np.asarray(owners)
        for i in batch:
            rows = owners == i
            lp = token_lp[rows]
            results[i] = SampleScore(len(lp), float(lp.sum()), "ok", lp if keep[0] else None,
                                     states[rows].mean(0) if states is not None else None)

    def _expand_cache(self, past, batch: int):
        from transformers import DynamicCache

        layers = [(layer.keys.expand(batch, -1, -1, -1), layer.values.expand(batch, -1, -1, -1)) for layer in past.layers]
        return DynamicCache(ddp_cache_data=layers, config=self.model.config)

    def _run_batch(self, batch, toks, prefix_len, past, results, keep):
        torch = self.torch
        width = max(len(toks[i][0]) for i in batch) - prefix_len
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        x = torch.full((len(batch), width), pad, dtype=torch.long, device=self.device)
        mask = torch.zeros((len(batch), prefix_len + width), dtype=torch.long, device=self.device)
        mask[:, :prefix_len] = 1
        rows, cols, targets, owners = [], [], [], []
        for b, i in enumerate(batch):
            ids, first = toks[i]
            suffix = ids[prefix_len:]
            x[b, : len(suffix)] = torch.tensor(suffix, device=self.device)
            mask[b, prefix_len: prefix_len + len(suffix)] = 1
            # token t (absolute) is scored from the output at t - 1, i.e. suffix column t-1-prefix_len
            for t in range(first, len(ids)):
                rows.append(b)
                cols.append(t - 1 - prefix_len)
                targets.append(ids[t])
                owners.append(i)
        cache = self._expand_cache(past, len(batch)) if past is not None else None
        positions = torch.arange(prefix_len, prefix_len + width, device=self.device).expand(len(batch), -1)
        self.stats["forward_tokens"] += int(mask[:, prefix_len:].sum())
        where = (torch.tensor(rows, device=self.device), torch.tensor(cols, device=self.device))
        token_lp = self._forward_logprobs(x, mask, positions, cache, where, targets, keep[1])
        self._store(batch, owners, token_lp, results, keep)

    def _head_logprobs(self, hidden, targets) -> np.ndarray:
        """log p(target) from hidden states: the LM head and log-softmax in bounded chunks."""
        torch = self.torch
        out = np.empty(len(targets), dtype=np.float64)
        target = torch.tensor(targets, device=self.device)
        for start in range(0, len(targets), self.head_chunk):
            stop = start + self.head_chunk
            logits = self.head(hidden[start:stop]).float()
            lp = torch.log_softmax(logits, dim=-1).gather(1, target[start:stop, None])[:, 0]
            out[start:stop] = lp.double().cpu().numpy()
        return out


@lru_cache(maxsize=2)
def shared_engine(model: str, dtype: str | None = None, device: str | None = None, attn: str | None = None,
                  max_batch_tokens: int = 8192) -> NLLEngine:
    """One loaded model per process, shared by every ranker and job that asks for the same one."""
    m, tok = load_model(model, dtype=dtype, device=device, attn=attn)
    return NLLEngine(m, tok, max_batch_tokens=max_batch_tokens)
