"""The reference the NLL engine is checked against (tests, benches): one plain unbatched forward
pass per sample, no cache, no tricks, and its own way of finding the scored tokens."""

from __future__ import annotations

from typing import Sequence

from rankkit.lm.engine import SampleScore

def reference_tokens(tokenizer, prompt: str, generation: str) -> tuple[list[int], int]:
    """The scored tokens found without character offsets (so that a bug in ``tokenize_sample``
    cannot hide in the reference): tokenize the prompt alone and prompt + generation; the
    scored tokens are those after the longest common token prefix, i.e. every token that the
    generation created or changed. Trailing special tokens (an appended EOS) are not scored."""
    specials = set(tokenizer.all_special_ids)
    full = list(tokenizer(prompt + generation, add_special_tokens=True)["input_ids"])
    head = list(tokenizer(prompt, add_special_tokens=True)["input_ids"])
    for ids in (full, head):
        while len(ids) > 1 and ids[-1] in specials:
            ids.pop()
    common = 0
    while common < min(len(head), len(full)) and head[common] == full[common]:
        common += 1
    return full, max(common, 1)


def plain_scores(model, tokenizer, prompt: str, generations: Sequence[str], keep_token_logprobs: bool = False,
                 keep_hidden: bool = False):
    """The reference: one unbatched full forward pass per sample, no cache, no tricks, and its
    own way of finding the scored tokens (``reference_tokens``)."""
    import torch

    out = []
    device = next(model.parameters()).device
    for g in generations:
        ids, first = reference_tokens(tokenizer, prompt, g)
        if first >= len(ids):
            out.append(SampleScore(0, 0.0, "empty"))
            continue
        with torch.no_grad():
            result = model(torch.tensor([ids], device=device), output_hidden_states=keep_hidden)
        logits = result.logits[0].float()
        logp = torch.log_softmax(logits[first - 1:len(ids) - 1], dim=-1)
        target = torch.tensor(ids[first:], device=device)
        token_lp = logp.gather(1, target[:, None])[:, 0].double().cpu().numpy()
        hidden = (result.hidden_states[-1][0, first - 1:len(ids) - 1].float().mean(0).double().cpu().numpy()
                  if keep_hidden else None)
        out.append(SampleScore(len(token_lp), float(token_lp.sum()), "ok",
                               token_lp if keep_token_logprobs else None, hidden))
    return out
