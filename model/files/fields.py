"""Reading YAML nodes with one-line errors: the typed readers shared by scenario, organisation and
experiment files. Each raises :class:`~model.errors.InputError` naming the file, the field path, what is
wrong and what is allowed. A value quoted in an error is cut short (:func:`~model.errors.quote`), and the
whole of a file (its top level) is described, never quoted."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from ..errors import InputError, did_you_mean, quote


class Reader:
    """Typed readers for YAML nodes: each takes the node and its dotted path, and raises an InputError
    naming the file (``where``), the field, what is wrong and what is allowed."""

    doc = "docs/scenario-format.md"  # where the format is described, for "missing" errors

    def __init__(self, where: str):
        self.where = where

    def fail(self, path: str, problem: str, allowed: str | None = None) -> InputError:
        return InputError(self.where, path, problem, allowed)

    def mapping(self, node: Any, path: str, required: tuple[str, ...] = (),
                optional: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(node, dict):
            got = kind(node) if path else described(node)  # the top level is the whole file: never quote it
            raise self.fail(path or "(top level)", f"expected a mapping, got {got}", "a mapping of keys")
        allowed = required + optional
        for key in node:
            if not isinstance(key, str) or (allowed and key not in allowed):
                raise self.fail(join(path, str(key)), "unknown key" + did_you_mean(str(key), allowed), ", ".join(allowed))
        for key in required:
            if key == "source" and key not in node:
                self.source(node, path)  # says what a source is
            if key not in node:
                raise self.fail(join(path, key), "missing", f"see {self.doc}")
        return node

    def string(self, node: Any, path: str, pattern: str | None = None, allowed: str | None = None) -> str:
        if not isinstance(node, str) or not node.strip():
            raise self.fail(path, f"expected a non-empty string, got {kind(node)}", allowed or "text")
        if pattern and not re.fullmatch(pattern, node):
            raise self.fail(path, f"{quote(node)} is not allowed", allowed)
        return node

    def choice(self, node: Any, path: str, options: tuple[str, ...]) -> str:
        if not isinstance(node, str) or node not in options:
            hint = did_you_mean(node, options) if isinstance(node, str) else ""
            raise self.fail(path, f"{quote(node)} is not allowed{hint}", ", ".join(options))
        return node

    def number(self, node: Any, path: str, low: float = -math.inf, high: float = math.inf) -> float:
        if (isinstance(node, bool) or not isinstance(node, (int, float))
                or (isinstance(node, float) and not math.isfinite(node))):
            raise self.fail(path, f"expected a number, got {kind(node)}", f"a number from {low:g} to {high:g}")
        if not low <= node <= high:
            shown = f"{node:g}" if abs(node) < 1e300 else f"a {'negative ' if node < 0 else ''}number of over 300 digits"
            raise self.fail(path, f"{shown} is out of range", f"{low:g} to {high:g}")
        return float(node)

    def whole(self, node: Any, path: str, low: int, high: int) -> int:
        if isinstance(node, bool) or not isinstance(node, int):
            raise self.fail(path, f"expected a whole number, got {kind(node)}", f"{low:,} to {high:,}")
        if not low <= node <= high:
            raise self.fail(path, f"{node:,} is out of range", f"{low:,} to {high:,}")
        return node

    def date(self, node: Any, path: str) -> tuple[int, int, int]:
        return parse_date(node, lambda problem: self.fail(path, problem, "YYYY, YYYY-MM or YYYY-MM-DD"))

    def source(self, node: dict[str, Any], path: str) -> str:
        if "source" not in node:
            raise self.fail(join(path, "source"), "missing: every fact needs a source",
                            "keys of docs/bibliography.yaml, each optionally with a locator, or a marker")
        return self.string(node["source"], join(path, "source"),
                           allowed="keys of docs/bibliography.yaml, each optionally with a locator, or a marker")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def kind(node: Any) -> str:
    """What ``node`` is, for an error line, with its value (cut short) when it is a scalar."""
    if node is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: f"the text {quote(node)}", bool: f"the boolean {node}"}.get(
        type(node), f"{type(node).__name__} {quote(node)}")


def described(node: Any) -> str:
    """What ``node`` is, without its value (for a whole file read as one scalar)."""
    if isinstance(node, str):
        return f"the text of {len(node):,} characters"
    if node is None or isinstance(node, (dict, list)):
        return kind(node)
    return f"a single {type(node).__name__} value"


def parse_date(node: Any, fail: Any) -> tuple[int, int, int]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a YAML date too) into (year, month, day)."""
    if isinstance(node, dt.date):
        return (node.year, node.month, node.day)
    if isinstance(node, int) and not isinstance(node, bool):
        node = str(node)
    if not isinstance(node, str):
        raise fail(f"expected a date, got {kind(node)}")
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", node.strip())
    if not m or (m.group(3) and not m.group(2)):
        raise fail(f"{quote(node)} is not a date")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        dt.date(year, month, day)
    except ValueError:
        raise fail(f"{quote(node)} is not a date") from None
    return (year, month, day)


def format_date(date: tuple[int, int, int]) -> str:
    return f"{date[0]:04d}-{date[1]:02d}-{date[2]:02d}"
