"""Progress of a sweep, drawn by tqdm: a one-line bar with points per second and an ETA on a terminal, a
plain line every 10% otherwise (a log file gets lines, not carriage returns), nothing when quiet."""

from __future__ import annotations

import time
from typing import TextIO

from tqdm import tqdm

#: The bar on a terminal, and the line written at each tenth elsewhere (tqdm's fields: the same numbers).
BAR_FORMAT = "{l_bar}{bar:28}| {n_fmt}/{total_fmt} points [{elapsed}<{remaining}, {rate_fmt}]"
LINE_FORMAT = "{desc}: {n_fmt} of {total_fmt} points ({percentage:.0f}%), {rate_fmt}, ETA {remaining}"
UNIT = " points"


class Progress:
    """Points done out of ``total`` (``done`` of them before this session); ``mode`` is ``bar`` (a terminal),
    ``lines`` or ``none``."""

    def __init__(self, total: int, done: int, stream: TextIO, mode: str, label: str = "sweep"):
        self.total, self.done, self.stream, self.mode, self.label = total, done, stream, mode, label
        self.start_done = done
        self.t0 = time.monotonic()
        self.next_tenth = (10 * done // max(total, 1)) + 1
        self.bar: tqdm | None = None
        if mode == "bar":
            self.bar = tqdm(total=total, initial=done, file=stream, desc=label, unit=UNIT, bar_format=BAR_FORMAT,
                            mininterval=0.1, smoothing=0, dynamic_ncols=True, leave=True)

    @staticmethod
    def mode_for(stream: TextIO, quiet: bool) -> str:
        if quiet:
            return "none"
        try:
            return "bar" if stream.isatty() else "lines"
        except (AttributeError, ValueError):
            return "lines"

    def update(self, points: int) -> None:
        self.done += points
        if self.bar is not None:
            self.bar.update(points)
        elif self.mode == "lines":
            tenth = 10 * self.done // max(self.total, 1)
            if tenth >= self.next_tenth:
                self.next_tenth = tenth + 1
                print(self.line(), file=self.stream, flush=True)

    def line(self) -> str:
        """The plain line: points done, their share, points per second in this session and the ETA."""
        return tqdm.format_meter(self.done, self.total, time.monotonic() - self.t0, prefix=self.label, unit=UNIT,
                                 bar_format=LINE_FORMAT, initial=self.start_done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
