"""From a benchmark prompt to model input, and from the model's reply to a generation.

``completion`` (the study's setting, for base models): the model continues the benchmark prompt
and the generation is its continuation, cut at the benchmark's stop sequences. ``chat`` (for
instruct models): the tokenizer's chat template wraps a short instruction and the prompt; the
generation is the code of the reply's first fenced block (or the whole reply when it has none),
a whole program that the benchmark's test program runs after the prompt (HumanEval: the later
definition replaces the prompt's stub) or alone (MBPP).
"""

from __future__ import annotations

import re

from rankkit.errors import InputError

PROMPT_STYLES = ("completion", "chat")
CHAT_STOPS = ("\n```\n", "\n```")  # the end of the reply's code block
INSTRUCTIONS = {
    "humaneval": "Complete the following Python function. Reply with the whole function in one Python code block.",
    "mbpp": "Write a Python function for the task below. It must pass the example tests. "
            "Reply with the code in one Python code block.",
}
_FENCE = re.compile(r"```[ \t]*(?:python|py|Python)?[ \t]*\n(.*?)(?:\n```|$)", re.DOTALL)


def mbpp_chat_prompt(problem) -> str:
    """MBPP for chat models: the task text and its example asserts (not the 3-shot block)."""
    tests = "\n".join(problem.metadata.get("test_list", []))
    return f"{problem.metadata.get('text', '').strip()}\n\nYour code should pass these tests:\n{tests}\n"


def build_input(problem, style: str, tokenizer, benchmark: str) -> tuple[str, tuple[str, ...]]:
    """(model input text, stop sequences) for one problem in one prompt style."""
    if style not in PROMPT_STYLES:
        raise InputError(f"prompt style must be one of {', '.join(PROMPT_STYLES)}, got {style!r}", param="prompt_style")
    if style == "completion":
        return problem.prompt, tuple(problem.stop_sequences)
    if getattr(tokenizer, "chat_template", None) is None:
        raise InputError("the chat prompt style needs a tokenizer with a chat template (an instruct model)",
                         param="prompt_style", example="completion")
    if benchmark == "humaneval":
        message = f"{INSTRUCTIONS[benchmark]}\n\n```python\n{problem.prompt.rstrip()}\n```"
    else:
        message = f"{INSTRUCTIONS[benchmark]}\n\n{mbpp_chat_prompt(problem)}"
    text = tokenizer.apply_chat_template([{"role": "user", "content": message}], tokenize=False,
                                         add_generation_prompt=True)
    return text, CHAT_STOPS


def extract_code(reply: str) -> str:
    """The code of a chat reply: its first fenced block (an unclosed one runs to the end), else
    the whole reply."""
    match = _FENCE.search(reply)
    if match:
        return match.group(1).rstrip() + "\n"
    if reply.lstrip().startswith("```"):
        return reply.lstrip()[3:].lstrip("python").lstrip("\n")
    return reply


# --- prompts that ask a model for unit tests --------------------------------------------------

TEST_STOPS = ("\ndef ", "\nclass ", "\nif ", "\nprint(", "\n```", "\n\n\n")  # after the asserts
TESTS_PER_REPLY = 5


def function_stub(prompt: str, signature) -> str:
    """The function to test, body ``pass``: a code prompt as it is; otherwise the signature
    (read from the prompt or the candidates) with the prompt's instruction as its docstring."""
    from rankkit.programs.prompt_info import prompt_info

    info = prompt_info(prompt)
    if info.code_prefix and info.entry_point == signature.name:
        return info.code_prefix.rstrip() + "\n    pass\n"
    params = ", ".join(p.name + (f": {p.annotation}" if p.annotation else "") for p in signature.params)
    doc = info.instruction.replace('"""', "'''").strip()
    return f'def {signature.name}({params}):\n    """{doc}\n    """\n    pass\n'


def tests_request(stub: str, entry_point: str, style: str, tokenizer) -> tuple[str, tuple[str, ...]]:
    """(model input, stop sequences) asking for tests of ``entry_point``: CodeT's completion
    prompt (the stub, then ``# check the correctness of f`` and ``assert f(``), or a chat request
    for asserts in one code block."""
    if style not in PROMPT_STYLES:
        raise InputError(f"prompt style must be one of {', '.join(PROMPT_STYLES)}, got {style!r}", param="prompt_style")
    if style == "completion":
        return f"{stub.rstrip()}\n\n# check the correctness of {entry_point}\nassert {entry_point}(", TEST_STOPS
    if getattr(tokenizer, "chat_template", None) is None:
        raise InputError("the chat prompt style needs a tokenizer with a chat template (an instruct model)",
                         param="prompt_style", example="completion")
    message = (f"Write {TESTS_PER_REPLY} different unit tests for the Python function below, one `assert` per "
               f"line, each of the form `assert {entry_point}(...) == expected_value`. Reply with one Python code "
               f"block.\n\n```python\n{stub.rstrip()}\n```")
    text = tokenizer.apply_chat_template([{"role": "user", "content": message}], tokenize=False,
                                         add_generation_prompt=True)
    return text, CHAT_STOPS
