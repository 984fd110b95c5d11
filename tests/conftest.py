import json
import os
import shutil
import tempfile

import pytest

# Every test (and every subprocess it starts) reads and writes caches in a directory of its own,
# never ~/.cache/rankkit; set before any test module imports rankkit (CLI defaults read it).
_CACHE = tempfile.mkdtemp(prefix="rankkit-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the network


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture
def registered():
    """``registered(name, factory)`` registers a ranker for one test and removes it afterwards."""
    from rankkit.rankers import register_ranker, unregister_ranker

    names = []

    def register(name, factory):
        register_ranker(name, overwrite=True)(factory)
        names.append(name)
        return factory

    yield register
    for name in names:
        unregister_ranker(name)

HE0_PROMPT = (
    "from typing import List\n\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
    '    """ Check if in given list of numbers, are any two numbers closer to each other than\n'
    "    given threshold.\n"
    "    >>> has_close_elements([1.0, 2.0, 3.0], 0.5)\n    False\n"
    "    >>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)\n    True\n"
    '    """\n'
)
# As the released Code Llama dumps store it: SentencePiece dropped the first token's leading space.
ARTEFACT_GENERATION = (
    "   for i in range(len(numbers)):\n"
    "        for j in range(i + 1, len(numbers)):\n"
    "            if abs(numbers[i] - numbers[j]) < threshold:\n"
    "                return True\n"
    "    return False\n"
)


def released_obj(tasks):
    """{task_id: {task_id, prompt, samples}} from [(task_id, prompt, [(pass_at_1, generation), ...])]."""
    return {
        t: {"task_id": t, "prompt": p, "samples": [{"pass_at_1": l, "generation": g} for l, g in s]}
        for t, p, s in tasks
    }


@pytest.fixture
def write_json(tmp_path):
    def write(name, obj, raw=None):
        path = tmp_path / name
        if raw is not None:
            path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
        else:
            path.write_text(json.dumps(obj))
        return path
    return write


@pytest.fixture
def small_dump_path(write_json):
    tasks = [
        ("T/0", "def f():\n", [(100.0, "    return 1\n"), (0.0, "    return 22222\n"), (100.0, "    return 1 \n")]),
        ("T/1", "def g():\n", [(0.0, "    pass\n"), (0.0, "    return None  # long\n"), (100.0, "    return 2\n")]),
    ]
    return write_json("small.json", released_obj(tasks))


@pytest.fixture(scope="session")
def tiny():
    """A random 2-layer Llama with SmolLM2's real tokenizer (offsets, BOS handling are real)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from rankkit.lm import smollm2_gguf_path

    path = smollm2_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         tie_word_embeddings=True)
    model = LlamaForCausalLM(config).eval()
    return model, tokenizer


@pytest.fixture(scope="session")
def tiny_model_dir(tiny, tmp_path_factory):
    """The tiny random Llama saved as a model directory (what --model / nll:MODEL take)."""
    model, tokenizer = tiny
    path = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
