"""Progress of work that takes more than a moment outside a sweep (the replay's cases, the counterfactual
search of ``explain``, ``reach``'s cases), drawn by tqdm on standard error when it is a terminal, and nothing
otherwise (a log, a pipe, ``--json`` read by a program, the tests). A sweep's own progress, with its plain
lines for logs, is :mod:`model.sweep.progress`."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO


def on_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: standard error) is a terminal a bar can redraw."""
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def steps[T](items: Iterable[T], label: str, total: int | None = None, unit: str = " steps",
          stream: TextIO | None = None) -> Iterator[T]:
    """``items``, with a bar of ``label`` counting them on a terminal (tqdm: rate and time left)."""
    stream = stream or sys.stderr
    if not on_terminal(stream):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=label, total=total, unit=unit, file=stream, leave=False, dynamic_ncols=True,
                    mininterval=0.2)
