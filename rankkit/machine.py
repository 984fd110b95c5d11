"""What machine numbers were measured on: the CPU's model name and, where one is used, the GPU's."""

from __future__ import annotations

import platform
import sys


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what the platform module says."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_name() -> str:
    """'GPU name' when torch (already imported) sees a CUDA device, else the CPU's name."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} (GPU)"
    except Exception:  # a broken CUDA setup still has a CPU to name
        pass
    return f"{cpu_model()} (CPU)"
