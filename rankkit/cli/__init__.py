"""The ``rankkit`` command line: each module declares one group of commands' flags, calls the
library and prints. ``command`` is the one place where user errors (``RankkitError``) become a
one-line message and exit code 2; any other exception keeps its traceback."""

from rankkit.cli.app import app
from rankkit.cli import evaluate, jobs, dumps, plan, rankers, verifier  # noqa: F401  (each registers its commands, in --help order)

__all__ = ["app"]
