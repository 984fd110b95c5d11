"""Causal LMs: loading (``loading``), teacher-forced scoring (``engine``: the NLL engine, one
shared per model and process) and the plain reference it is checked against (``reference``)."""

from rankkit.lm.engine import NLLEngine, SampleScore, shared_engine, tokenize_sample
from rankkit.lm.loading import (
    DTYPES,
    SMOLLM2_ALIAS,
    default_dtype,
    load_model,
    model_fingerprint,
    parameter_count,
    resolved_settings,
    smollm2_gguf_path,
)

__all__ = ["DTYPES", "NLLEngine", "SMOLLM2_ALIAS", "SampleScore", "default_dtype", "load_model", "model_fingerprint",
           "parameter_count", "resolved_settings", "shared_engine", "smollm2_gguf_path", "tokenize_sample"]
