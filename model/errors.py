"""The one error type for bad input: it prints as ``FILE: field.path: what is wrong (allowed: ...)``.

An error line never carries a file's content: a value quoted from input is cut to :data:`QUOTE_LIMIT`
characters (:func:`quote`), and each part of the line is capped as well, keeping its beginning and its
end (a 900 KB one-line file gives a line of a few hundred characters, not of 900 KB).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: Characters of a quoted input value shown in an error line.
QUOTE_LIMIT = 200
#: Caps on the parts of an error line that may hold input (the field path, the problem) and on the list of
#: allowed values (which may name things read from a file, e.g. the members of an organisation).
FIELD_LIMIT = 200
PROBLEM_LIMIT = 400
ALLOWED_LIMIT = 600


def _one_line(text: str) -> str:
    """Escape line breaks and other control characters, so that the message stays on one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def cap(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters: its beginning and its end, saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}...[{len(text) - 2 * half:,} characters cut]...{text[-half:]}"


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error line, cut to about ``limit`` characters."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    return cap(repr(value), limit)


def did_you_mean(name: str, allowed: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` (up to three of the allowed names closest to ``name``, by difflib), or "" when
    none is close: appended to the problem of an error line, before its allowed values."""
    import difflib  # only when a name is wrong

    if not isinstance(name, str) or not name or len(name) > QUOTE_LIMIT:
        return ""
    close = difflib.get_close_matches(name, [str(a) for a in allowed], n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


class InputError(Exception):
    """Bad input from a file or the command line, reported on one line and with exit status 2."""

    def __init__(self, where: str, field: str, problem: str, allowed: str | None = None):
        self.where, self.field, self.problem, self.allowed = where, field, problem, allowed
        super().__init__(str(self))

    def __str__(self) -> str:
        field, problem = cap(self.field, FIELD_LIMIT), cap(self.problem, PROBLEM_LIMIT)
        text = f"{self.where}: {field}: {problem}" if field else f"{self.where}: {problem}"
        return _one_line(f"{text} (allowed: {cap(self.allowed, ALLOWED_LIMIT)})" if self.allowed else text)
