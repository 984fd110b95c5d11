"""Sampling new generations from a causal LM: the backend interface and its transformers
implementation (``backend.py``), and how a benchmark prompt becomes model input and a reply
becomes a generation (``prompts.py``). The resumable job is ``rankkit.jobs.generate``."""

from rankkit.generation.backend import GeneratedSample, GenerationBackend, SamplingSettings, TransformersBackend
from rankkit.generation.prompts import PROMPT_STYLES, build_input, extract_code

__all__ = ["PROMPT_STYLES", "GeneratedSample", "GenerationBackend", "SamplingSettings", "TransformersBackend",
           "build_input", "extract_code"]
