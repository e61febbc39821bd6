"""Argument types shared by the ``csto-sim`` subcommands: each parses one value or raises an
``ArgumentTypeError`` whose message says what is allowed (the parser turns it into one error line)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole(low: int, high: int, note: str = "", thousands: bool = True) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high`` ("1_000" and "1,000" are accepted)."""
    fmt = "{:,}" if thousands else "{}"
    allowed = f"allowed: {fmt.format(low)} to {fmt.format(high)}" + (f"; {note}" if note else "")

    def parse(text: str) -> int:
        try:
            n = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({allowed})") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"{fmt.format(n)} is out of range ({allowed})")
        return n

    return parse
