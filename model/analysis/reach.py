"""Which parameters do work: each global parameter moved over its whole range, the others at their defaults,
on every historical case; how far each case's outcome distribution moves (total variation distance from the
defaults' distribution) and whether its modal outcome flips. A parameter that moves no case is either removed
or documented as acting on a named kind of case (``ACTS_ON`` in ``model/params.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ladder import LEVELS
from ..params import SPECS, Parameters
from ..scenario import Case
from ..seeds import derive_seed
from ..simulate import simulate_points
from ..statistics import day_quantiles, modal_level, outcome_shares

#: A parameter "moves" a case when some value in its range shifts the outcome distribution by at least this
#: much (total variation distance), or the median days to decision by at least MOVE_DAYS.
MOVE, MOVE_DAYS = 0.01, 0.5


@dataclass(frozen=True)
class Reach:
    """One parameter's reach on one case."""

    parameter: str
    case: str
    distance: float  # the largest total variation distance from the defaults' outcome distribution
    days: float  # the largest change of the median days to decision (0 when never decided)
    flips: bool  # some value changes the modal outcome


def grid(name: str, steps: int) -> list[float]:
    """``steps`` values spanning a parameter's bounds (whole numbers for an integer parameter)."""
    spec = SPECS[name]
    values = np.linspace(spec.low, spec.high, steps)
    return sorted({int(round(v)) for v in values}) if spec.kind is int else [float(v) for v in values]


def parameter_reach(cases: list[Case], replications: int = 2000, seed: int = 1, steps: int = 5) -> list[Reach]:
    """Every parameter's reach on every case (common random numbers: every point of a case has the same seed)."""
    base = Parameters()
    out = []
    for case in cases:
        seed_c = derive_seed(seed, sum(map(ord, case.id)))
        points = [(name, v) for name in SPECS for v in grid(name, steps)]
        runs = simulate_points(case, replications, [seed_c] * (len(points) + 1),
                               [base] + [base.replace(**{n: v}) for n, v in points])
        ref = runs[0]
        ref_p, ref_days = outcome_shares(ref.outcome), day_quantiles(ref.days)["p50"]
        for name in SPECS:
            mine = [r for (n, _), r in zip(points, runs[1:], strict=True) if n == name]
            dist = max(0.5 * float(np.abs(outcome_shares(r.outcome) - ref_p).sum()) for r in mine)
            days = max((abs(d - ref_days) for r in mine if (d := day_quantiles(r.days)["p50"]) is not None
                        and ref_days is not None), default=0.0)
            flips = any(modal_level(r.outcome) != modal_level(ref.outcome) for r in mine)
            out.append(Reach(name, case.id, dist, float(days), flips))
    return out


def summarise(reach: list[Reach]) -> dict[str, dict[str, object]]:
    """Per parameter: the cases it moves (outcome), the cases where it moves only the days, the cases it flips."""
    out: dict[str, dict[str, object]] = {}
    for name in SPECS:
        mine = [r for r in reach if r.parameter == name]
        out[name] = {"moves": [r.case for r in mine if r.distance >= MOVE],
                     "days_only": [r.case for r in mine if r.distance < MOVE and r.days >= MOVE_DAYS],
                     "flips": [r.case for r in mine if r.flips],
                     "largest": max((r.distance for r in mine), default=0.0)}
    return out


def format_reach(summary: dict[str, dict[str, object]], levels: tuple[str, ...] = LEVELS) -> str:
    """The reach as a markdown table."""
    lines = ["| parameter | largest shift | cases it moves | cases where it moves only the days | cases it flips |",
             "| --- | --- | --- | --- | --- |"]
    for name, s in summary.items():
        lines.append(f"| `{name}` | {s['largest']:.3f} | {len(s['moves'])} | {len(s['days_only'])} | "
                     f"{', '.join(s['flips']) or '-'} |")
    return "\n".join(lines)
