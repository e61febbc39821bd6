"""Which parameters do work: each global parameter moved over its whole range, the others at their defaults,
on every historical case; how far each case's outcome distribution moves (total variation distance from the
defaults' distribution) and whether its modal outcome flips. A parameter that moves no case is either removed
or documented as acting on a named kind of case (``ACTS_ON`` in ``model/params.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..params import SPECS, Parameters
from ..progress import steps as with_progress
from ..scenario import Case
from ..seeds import derive_seed
from ..simulate import simulate_points
from ..statistics import day_quantiles, modal_level, outcome_shares

#: A parameter "moves" a case when some value in its range shifts the outcome distribution by at least this
#: much (total variation distance), the median days to decision by at least MOVE_DAYS, or the mean troops sent
#: by at least MOVE_TROOPS.
MOVE, MOVE_DAYS, MOVE_TROOPS = 0.01, 0.5, 10.0


@dataclass(frozen=True)
class Reach:
    """One parameter's reach on one case."""

    parameter: str
    case: str
    distance: float  # the largest total variation distance from the defaults' outcome distribution
    days: float  # the largest change of the median days to decision (0 when never decided)
    troops: float  # the largest change of a member's mean troops sent (over every replication)
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
    for case in with_progress(cases, "reach", len(cases), " cases"):
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
            troops = max(float(np.abs(r.contribution.mean(axis=0) - ref.contribution.mean(axis=0)).max(initial=0.0))
                         for r in mine)
            flips = any(modal_level(r.outcome) != modal_level(ref.outcome) for r in mine)
            out.append(Reach(name, case.id, dist, float(days), troops, flips))
    return out


def summarise(reach: list[Reach]) -> dict[str, dict[str, object]]:
    """Per parameter: the cases it moves (outcome), those where it moves only the days or the troops, those it
    flips, and where it acts when it moves no case (``acts_on``)."""
    out: dict[str, dict[str, object]] = {}
    for name, spec in SPECS.items():
        mine = [r for r in reach if r.parameter == name]
        out[name] = {"moves": [r.case for r in mine if r.distance >= MOVE],
                     "days_only": [r.case for r in mine if r.distance < MOVE and r.days >= MOVE_DAYS],
                     "troops_only": [r.case for r in mine if r.distance < MOVE and r.days < MOVE_DAYS
                                     and r.troops >= MOVE_TROOPS],
                     "flips": [r.case for r in mine if r.flips],
                     "largest": max((r.distance for r in mine), default=0.0),
                     "acts_on": spec.acts_on}
    return out


def idle(summary: dict[str, dict[str, object]]) -> list[str]:
    """The parameters that move no case's outcome, days or troops."""
    return [n for n, s in summary.items() if not (s["moves"] or s["days_only"] or s["troops_only"])]


def format_reach(summary: dict[str, dict[str, object]], command: str, cases: int, replications: int,
                 seed: int) -> str:
    """The reach as a markdown page (docs/parameters.md)."""
    lines = ["# Which parameters do work", "",
             f"Made by `{command}` ({cases} historical cases, {replications:,} replications per point, seed {seed}).",
             "", "Each parameter is moved over its whole range (five values from its lower to its upper bound), the "
             "others at their defaults, on every historical case. A case is *moved* when the outcome distribution "
             f"shifts by at least {MOVE} (total variation distance); *days* when only the median days to decision "
             f"move by {MOVE_DAYS} day or more; *troops* when only a member's mean troops move by {MOVE_TROOPS:g} "
             "or more. A parameter that moves no case acts on a named kind of case, shown by a what-if "
             "(`acts_on` in `model/params.py`; `tests/test_parameters_work.py` runs each).", "",
             "| parameter | largest shift | cases moved | days only | troops only | cases it flips |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, s in summary.items():
        lines.append(f"| `{name}` | {s['largest']:.3f} | {len(s['moves'])} | {len(s['days_only'])} | "
                     f"{len(s['troops_only'])} | {', '.join(s['flips']) or '-'} |")
    lines += ["", "## Where the others act", ""]
    for name in idle(summary):
        lines.append(f"- `{name}`: {summary[name]['acts_on'] or 'NOT DOCUMENTED'}")
    return "\n".join(lines) + "\n"
