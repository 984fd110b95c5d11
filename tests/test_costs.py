import json

import pytest
from transformers import LlamaConfig

from rankkit.costs import (
    PAPER_COSTS, ArchShape, analytic_cost, forward_flops, generation_flops, get_cost, load_cost_table,
    scoring_flops,
)


def test_paper_table_1():
    t = {n: (c.flops_per_sample / 1e12, c.seconds_per_sample * 1000) for n, c in PAPER_COSTS.items()}
    assert t["codellama-7b"] == pytest.approx((1.69, 395))
    assert t["codellama-13b"] == pytest.approx((3.29, 667))
    assert t["codellama-34b"] == pytest.approx((8.58, 2994))
    assert t["codellama-70b"] == pytest.approx((17.60, 5605))
    assert get_cost("CodeLlama_7B").name == "codellama-7b"
    assert get_cost("llama-3-70b").flops_per_sample == PAPER_COSTS["codellama-70b"].flops_per_sample
    with pytest.raises(KeyError, match="known"):
        get_cost("gpt-9")
    with pytest.raises(ValueError, match="no scoring cost"):
        get_cost("codellama-7b").score_per_sample("time")


def _tiny_config():
    return LlamaConfig(hidden_size=64, intermediate_size=176, num_hidden_layers=3, num_attention_heads=4,
                       num_key_value_heads=2, vocab_size=1000)


def test_param_count_matches_a_real_model():
    import torch
    from transformers import LlamaForCausalLM

    config = _tiny_config()
    model = LlamaForCausalLM(config)
    shape = ArchShape.from_config(config)
    linear = sum(m.weight.numel() for name, m in model.named_modules()
                 if isinstance(m, torch.nn.Linear) and name != "lm_head")
    assert shape.dense_params == linear


def test_flops_formulas_by_hand():
    shape = ArchShape.from_config(_tiny_config())
    # One token with no cache: 2 * dense params + attention over itself + LM head.
    one = forward_flops(shape, 0, 1, 1)
    assert one == 2 * shape.dense_params + 4 * 3 * 4 * 16 * 1 + 2 * 64 * 1000
    # Generating 1 token = prefill with head on the last prompt token only.
    assert generation_flops(shape, 10, 1) == forward_flops(shape, 0, 10, 1)
    # Scoring with a shared prompt is cheaper than without.
    assert scoring_flops(shape, 100, 20, share_prompt=True) < scoring_flops(shape, 100, 20)
    cost = analytic_cost("tiny", _tiny_config(), 100, 20)
    assert cost.flops_per_sample > 0 and cost.score_flops_per_sample > 0
    with pytest.raises(ValueError, match="no generation cost in time"):
        cost.per_sample("time")


def test_user_tables_json_and_yaml(tmp_path):
    j = tmp_path / "costs.json"
    j.write_text(json.dumps({"models": {"mine": {"flops_per_sample": 2e12, "seconds_per_sample": 0.2,
                                                  "score_seconds_per_sample": 0.01}}}))
    table = load_cost_table(j)
    assert table["mine"].per_sample("time") == 0.2 and table["mine"].score_per_sample("time") == 0.01
    y = tmp_path / "costs.yaml"
    y.write_text("other:\n  seconds_per_sample: 1.5\n")
    assert load_cost_table(y)["other"].per_sample("time") == 1.5
    with pytest.raises(ValueError, match="no generation cost in flops"):
        load_cost_table(y)["other"].per_sample("flops")
    bad = tmp_path / "bad.json"
    for content, match in [("{", "invalid JSON"), ("{}", "non-empty"), ('{"m": {"flops": 1}}', "unknown field"),
                           ('{"m": {"seconds_per_sample": -1}}', ">= 0"), ('{"m": {}}', "give flops")]:
        bad.write_text(content)
        with pytest.raises(ValueError, match=match):
            load_cost_table(bad)


def test_bundled_cost_tables_cite_no_local_path():
    import re

    from rankkit.paths import data_dir

    for path in sorted(data_dir().glob("*_costs.json")):
        text = path.read_text()
        assert not re.search(r"(^|[\s\"'])(/(root|home|tmp|work)/|out/)", text), path.name
