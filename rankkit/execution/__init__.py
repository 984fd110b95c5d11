"""Running unit tests on samples: the sandbox (what runs in the child) apart from the pool and
the runner (workers, deduplication, cache, labelling dumps); ``timing``: limits that follow each
problem's reference solution."""

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
from rankkit.execution.timing import AutoTimeout, problem_timeouts, reference_seconds

__all__ = [
    "AutoTimeout", "ExecuteSummary", "execute_dump", "problem_timeouts", "reference_seconds", "write_results",
    "KINDS", "Environment", "ExecutionReport", "Limits", "SandboxError", "SandboxPool", "dump_programs",
    "execute_programs", "human_eval_result", "label_dump", "result_rows",
]
