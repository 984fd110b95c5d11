"""Running unit tests on samples: the sandbox (what runs in the child) apart from the pool and
the runner (workers, deduplication, cache, labelling dumps)."""

from rankkit.execution.job import ExecuteSummary, execute_dump, write_results
from rankkit.execution.pool import Environment, Limits, SandboxError, SandboxPool
from rankkit.execution.runner import (
    KINDS,
    ExecutionReport,
    dump_programs,
    execute_programs,
    human_eval_result,
    label_dump,
    result_rows,
)

__all__ = [
    "ExecuteSummary", "execute_dump", "write_results",
    "KINDS", "Environment", "ExecutionReport", "Limits", "SandboxError", "SandboxPool", "dump_programs",
    "execute_programs", "human_eval_result", "label_dump", "result_rows",
]
