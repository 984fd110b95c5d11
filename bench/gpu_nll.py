"""NLL scoring on a GPU with random weights in Code Llama 7B's shape (nothing to download):
scored tokens/s and model-FLOPs utilisation, for the plain batch-1 forward and rankkit's engine.

    python bench/gpu_nll.py [--shape 7b|tiny] [--problems 4] [--samples 200] [--prompt-tokens 600]

`--shape tiny` runs anywhere (CPU included) as a smoke test of the script itself.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _results import machine, write_section
from rankkit.costs import ArchShape, forward_flops
from rankkit.lm import NLLEngine
from rankkit.lm.reference import plain_scores

SHAPES = {
    "7b": dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
               num_key_value_heads=32, vocab_size=32016, max_position_embeddings=16384),
    "tiny": dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, vocab_size=32016, max_position_embeddings=4096),
}
# Dense bf16 peak, TFLOPs, by device name fragment.
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "L4": 121.0}


class CharTokenizer:
    """A stand-in fast tokenizer: one token per character, BOS first (offsets as HF gives them)."""

    pad_token_id = 0

    def __call__(self, text, return_offsets_mapping=True, add_special_tokens=True):
        ids = [1] + [2 + (ord(c) % 32000) for c in text]
        offsets = [(0, 0)] + [(i, i + 1) for i in range(len(text))]
        return {"input_ids": ids, "offset_mapping": offsets}


def main() -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="7b", choices=sorted(SHAPES))
    ap.add_argument("--problems", type=int, default=4)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--prompt-tokens", type=int, default=600)
    ap.add_argument("--gen-tokens", type=int, default=120)
    ap.add_argument("--max-batch-tokens", type=int, default=32768)
    ap.add_argument("--plain-samples", type=int, default=20)
    ap.add_argument("--print-only", action="store_true", help="Do not write bench/RESULTS.md (smoke runs).")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    config = LlamaConfig(**SHAPES[args.shape], attn_implementation="sdpa")
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(device=device, dtype=dtype).eval()
    tok = CharTokenizer()
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz ():=\n"))
    work = []
    for _ in range(args.problems):
        prompt = "".join(rng.choice(letters, args.prompt_tokens))
        gens = ["".join(rng.choice(letters, int(rng.integers(args.gen_tokens // 2, args.gen_tokens * 3 // 2))))
                for _ in range(args.samples)]
        work.append((prompt, gens))
    shape = ArchShape.from_config(config)

    def timed(fn):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        tokens, flops = fn()
        if device == "cuda":
            torch.cuda.synchronize()
        return tokens, flops, time.perf_counter() - t0

    def plain():
        tokens = flops = 0
        for prompt, gens in work:
            scores = plain_scores(model, tok, prompt, gens[: args.plain_samples])
            for s in scores:
                tokens += s.num_tokens
                flops += forward_flops(shape, 0, args.prompt_tokens + 1 + s.num_tokens, args.prompt_tokens + 1 + s.num_tokens)
        return tokens, flops

    engine = NLLEngine(model, tok, max_batch_tokens=args.max_batch_tokens)

    def fast():
        tokens = flops = 0
        for prompt, gens in work:
            scores = engine.score(prompt, gens)
            flops += forward_flops(shape, 0, args.prompt_tokens, 0)
            for s in scores:
                tokens += s.num_tokens
                flops += forward_flops(shape, args.prompt_tokens, s.num_tokens, s.num_tokens)
        return tokens, flops

    timed(fast)  # warm-up (kernels, allocator)
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    peak = next((v for k, v in PEAK_TFLOPS.items() if k in name), None)
    rows = []
    for label, fn in (("plain batch-1 forward", plain), ("rankkit engine", fast)):
        tokens, flops, seconds = timed(fn)
        mfu = f"{100 * flops / seconds / (peak * 1e12):.1f} %" if peak else "n/a"
        rows.append(f"| {label} | {tokens / seconds:,.0f} | {flops / seconds / 1e12:.1f} | {mfu} |")
    body = f"""## NLL scoring on {name}: random weights in Code Llama {args.shape} shape

Host: {machine()}. `python bench/gpu_nll.py --shape {args.shape}`; {args.problems} problems x {args.samples} samples,
prompts of {args.prompt_tokens} tokens, generations around {args.gen_tokens} tokens, dtype {str(dtype).split('.')[-1]}
(the plain pass scores the first {args.plain_samples} samples of each problem). Model FLOPs count the work each
method must do (the plain pass recomputes the prompt per sample); peak {peak or 'unknown'} TFLOPs.

| method | scored tokens/s | achieved TFLOPs/s | MFU |
|---|---|---|---|
{chr(10).join(rows)}
"""
    if not args.print_only:
        write_section(f"gpu-nll-{args.shape}", body)
    print(body)


if __name__ == "__main__":
    main()
