import json

import pytest

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
