"""Readers for what other code-generation harnesses write, and telling the formats apart.

Each module reads one harness's output as that harness writes it (its docstring names the
source): ``bigcode`` (bigcode-evaluation-harness generations), ``lm_eval``
(lm-evaluation-harness sample logs), ``evalplus`` (eval_results.json), ``livecodebench``
(generation / eval_all output), ``batch`` (OpenAI / vLLM batch output). ``sniff`` looks at the
start of a file (module ``detection``: ``sniff`` names every format it could be, ``detect`` the
one it is); a reader never guesses past its own shape.
"""
