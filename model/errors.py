"""The one error type for bad input: it prints as ``FILE: field.path: what is wrong (allowed: ...)``."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a file or the command line, reported on one line and with exit status 2."""

    def __init__(self, where: str, field: str, problem: str, allowed: str | None = None):
        self.where, self.field, self.problem, self.allowed = where, field, problem, allowed
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.field}: {self.problem}" if self.field else f"{self.where}: {self.problem}"
        return f"{text} (allowed: {self.allowed})" if self.allowed else text
