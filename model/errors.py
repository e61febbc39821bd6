"""The one error type for bad input: it prints as ``FILE: field.path: what is wrong (allowed: ...)``."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """Escape line breaks and other control characters, so that the message stays on one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class InputError(Exception):
    """Bad input from a file or the command line, reported on one line and with exit status 2."""

    def __init__(self, where: str, field: str, problem: str, allowed: str | None = None):
        self.where, self.field, self.problem, self.allowed = where, field, problem, allowed
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.field}: {self.problem}" if self.field else f"{self.where}: {self.problem}"
        return _one_line(f"{text} (allowed: {self.allowed})" if self.allowed else text)
