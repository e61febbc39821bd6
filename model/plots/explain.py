"""The waterfall of ``csto-sim explain --plot``: each member's position on one rung built up term by term.

A member's final position is an exact sum of its terms (``model.analysis.explain.contributions``: the
benefit terms, perception noise and what-if shift, the cost terms, the role override, the lead state's pull
and the peers). The waterfall draws them in that order from 0, each step a bar from the running total to the
next; the terms under ``SMALL`` in every member are gathered in one step, so the steps still sum to the
final position, drawn as the last bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .style import fit, heading, new_figure

SMALL = 0.005
OTHER = "other terms"
FINAL = "= final position"
UP, DOWN, TOTAL = "#009E73", "#D55E00", "#555555"


def waterfall_steps(contribution: Mapping[str, Any], rung: int) -> dict[str, Any]:
    """One member's terms on rung ``rung`` (0: consultations, ... as in the report's ``measures``), in the
    report's order, and its final position."""
    terms = {name: float(values[rung]) for name, values in contribution["terms"].items()}
    return {"role": contribution.get("role"), "terms": terms, "final": float(contribution["final"][rung])}


def shown_terms(steps: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The terms drawn on their own: those of at least ``SMALL`` for some member, in the report's order."""
    names = list(dict.fromkeys(t for s in steps.values() for t in s["terms"]))
    return [t for t in names if any(abs(s["terms"].get(t, 0.0)) >= SMALL for s in steps.values())]


def bars(step: Mapping[str, Any], shown: Sequence[str]) -> list[tuple[str, float, float]]:
    """(label, start, width) of each bar: the shown terms, the other terms together, then the final position
    (from 0). The widths of all but the last sum to the sum of the member's terms."""
    out, running = [], 0.0
    other = sum(v for t, v in step["terms"].items() if t not in shown)
    for label in [*shown, OTHER]:
        v = other if label == OTHER else step["terms"].get(label, 0.0)
        out.append((label, running, v))
        running += v
    out.append((FINAL, 0.0, running))
    return out


def waterfall(steps: Mapping[str, Mapping[str, Any]], title: str, subtitle: str, rung: str):
    """One panel per member, rows shared: each term's step (green up, orange down) and the final position."""
    members = list(steps)
    shown = shown_terms(steps)
    labels = [*shown, OTHER, FINAL]
    ncols = min(3, len(members))
    nrows = -(-len(members) // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=nrows * (0.5 + 0.16 * len(labels)) + 1.2,
                           squeeze=False, sharey=True)
    y = np.arange(len(labels))[::-1]
    for ax, m in zip(axes.flat, members, strict=False):
        drawn = bars(steps[m], shown)
        colours = [TOTAL if lab == FINAL else (UP if w >= 0 else DOWN) for lab, _, w in drawn]
        ax.barh(y, [w for _, _, w in drawn], left=[s for _, s, _ in drawn], color=colours, height=0.7,
                gid=f"waterfall-{m}")
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(f"{m} ({steps[m]['role']})", fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
        ends = [x for _, start, w in drawn for x in (start, start + w)] + [0.0]
        pad = 0.06 * (max(ends) - min(ends) or 1.0)
        ax.set_xlim(min(ends) - pad, max(ends) + pad)
        ax.set_xlabel(f"position on {rung}", fontsize=7)
    for ax in list(axes.flat)[len(members):]:
        ax.set_visible(False)
    axes[0][0].set_yticks(y, labels, fontsize=7)
    heading(fig, title, f"{subtitle}; green raises, orange lowers the position; above 0 supports, below a "
                        "threshold objects")
    fit(fig)
    return fig
