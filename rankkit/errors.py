"""The one family of user errors: bad input, unknown names, missing costs. The CLI turns these
(and only these) into a one-line message and exit code 2; anything else keeps its traceback."""

from __future__ import annotations


class RankkitError(Exception):
    """A user error. ``param`` names the library parameter at fault (the CLI maps it to its
    flag); ``example`` shows a value that would fix it (e.g. ``"codet=VALUE"``)."""

    def __init__(self, message: str, *, param: str | None = None, example: str | None = None):
        self.message, self.param, self.example = message, param, example
        super().__init__(message)

    def __str__(self) -> str:
        if self.param is None:
            return self.message
        fix = f"{self.param}={self.example}" if self.example else self.param
        return f"{self.message} (set {fix})"


class InputError(RankkitError, ValueError):
    """A file, a value or a problem the user gave cannot be used as it is."""


class UnknownNameError(RankkitError, KeyError):
    """A ranker, model cost entry or benchmark name that is not known."""

    __str__ = RankkitError.__str__  # not KeyError's quoted repr


class SpecError(InputError):
    """A ranker spec that does not parse or does not fit the ranker's parameters."""


class CostError(RankkitError, ValueError):
    """A budgeted metric needs a cost that nobody declared or measured."""


class LabelAccessError(RuntimeError):
    """A ranker read unit-test labels it was not given: a bug in that ranker, not a user error."""
