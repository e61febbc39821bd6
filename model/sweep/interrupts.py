"""Stopping a sweep: SIGTERM handled as Ctrl-C is.

A cluster's job manager (and ``kill``) stops a job with SIGTERM; while a sweep runs, that signal raises
:class:`KeyboardInterrupt` in the main thread, as Ctrl-C does, so the sweep stops the same clean way:
chunks not started are dropped, the running ones finish and are kept, the manifest says so.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises KeyboardInterrupt; the previous handler is restored on the way out.
    Signals are only handled in the main thread: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
