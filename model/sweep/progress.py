"""Progress of a sweep: a one-line bar with an ETA on a terminal, a plain line every 10% otherwise."""

from __future__ import annotations

import time
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Points done out of ``total``; ``mode`` is ``bar`` (a terminal), ``lines`` or ``none``."""

    def __init__(self, total: int, done: int, stream: TextIO, mode: str, label: str = "sweep"):
        self.total, self.done, self.stream, self.mode, self.label = total, done, stream, mode, label
        self.start_done = done
        self.t0 = time.monotonic()
        self.last_draw = 0.0
        self.next_tenth = (10 * done // max(total, 1)) + 1

    @staticmethod
    def mode_for(stream: TextIO, quiet: bool) -> str:
        if quiet:
            return "none"
        try:
            return "bar" if stream.isatty() else "lines"
        except (AttributeError, ValueError):
            return "lines"

    def _rate_eta(self) -> tuple[float, str]:
        elapsed = time.monotonic() - self.t0
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        eta = _duration((self.total - self.done) / rate) if rate > 0 else "?"
        return rate, eta

    def update(self, points: int) -> None:
        self.done += points
        if self.mode == "bar":
            now = time.monotonic()
            if now - self.last_draw >= 0.1 or self.done >= self.total:
                self.last_draw = now
                self._draw()
        elif self.mode == "lines":
            tenth = 10 * self.done // max(self.total, 1)
            if tenth >= self.next_tenth:
                self.next_tenth = tenth + 1
                rate, eta = self._rate_eta()
                print(f"{self.label}: {self.done:,} of {self.total:,} points ({100 * self.done / self.total:.0f}%), "
                      f"{rate:,.0f} points/s, ETA {eta}", file=self.stream, flush=True)

    def _draw(self) -> None:
        frac = self.done / max(self.total, 1)
        width = 28
        filled = int(frac * width)
        rate, eta = self._rate_eta()
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {100 * frac:5.1f}% {self.done:,}/{self.total:,} points  "
                          f"{rate:,.0f}/s  ETA {eta}  ")
        self.stream.flush()

    def close(self) -> None:
        if self.mode == "bar":
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
