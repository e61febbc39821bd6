"""The one formatter of every table the commands print (``run``, ``replay``, ``explain``, ``list``): columns as
wide as their widest cell or head, heads aligned as their columns, and a probability's interval written one way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def text_table(heads: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None, indent: int = 0,
               gap: int = 2, rule: bool = False) -> list[str]:
    """The lines of a table: a line of ``heads`` (none when every head is empty), a rule under it when ``rule``,
    then one line per row. ``align`` gives each column's alignment, ``<`` (left, the default) or ``>`` (right);
    a head is aligned as its column. Cells are ``str()`` of the values; trailing spaces are removed."""
    cols = len(heads)
    align = align or "<" * cols
    if len(align) != cols or any(len(r) != cols for r in rows):
        raise ValueError(f"text_table: {cols} heads, alignment {align!r}, rows of {sorted({len(r) for r in rows})} cells")
    cells = [[str(c) for c in r] for r in rows]
    widths = [max([len(heads[j])] + [len(r[j]) for r in cells]) for j in range(cols)]
    pad = " " * indent

    def line(values: Sequence[str]) -> str:
        return (pad + (" " * gap).join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths, strict=True))).rstrip()

    out = [line(heads)] if any(heads) else []
    if rule and out:
        out.append(pad + "-" * (sum(widths) + gap * (cols - 1)))
    return out + [line(r) for r in cells]


def with_interval(p: float, interval: dict[str, float] | None, digits: int = 2) -> str:
    """A probability and its interval as every table prints it: ``0.62 [0.48-0.77]`` (the probability alone
    when there is no interval)."""
    text = f"{p:.{digits}f}"
    return text if interval is None else f"{text} [{interval['lo']:.{digits}f}-{interval['hi']:.{digits}f}]"


def interval_note(uncertainty: dict[str, Any]) -> str:
    """The line under a table of probabilities that says what their intervals are (``uncertainty``: a result's)."""
    level = f"{100 * uncertainty['level']:.0f}%"
    codings = f"{uncertainty['codings']} codings of the facts" if uncertainty["codings"] > 1 else ""
    if uncertainty["posterior_sets"]:
        sets = uncertainty["posterior_sets"]
        over = f"{sets} posterior set{'s' if sets > 1 else ''}" + (f" and {codings}" if codings else "")
        return f"[{level} intervals over {over} ({uncertainty['draws']} draws), Monte Carlo noise accounted for]"
    if codings:
        return f"[{level} intervals over {codings}, point parameters, Monte Carlo noise accounted for]"
    return f"[{level} intervals: Monte Carlo only (Wilson), point parameters and no alternative codings]"
