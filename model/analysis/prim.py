"""Scenario discovery with PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999).

Given points x (numeric and categorical inputs) and a binary event y (here: "a deployment is approved"
at a sweep point), PRIM looks for boxes, conjunctions of simple limits on a few inputs, in which the
event is much more frequent than overall. This is a focused implementation, written because the EMA
Workbench's PRIM (``ema_workbench.analysis.prim``), the well-kept one, pulls in pandas, scikit-learn,
statsmodels, seaborn and Platypus (about 570 MB); ``tests/test_analysis_prim.py`` checks it recovers a
planted box, and ``docs/analysis.md`` compares it with the EMA Workbench on the same data.

**Peeling.** Start from the box holding every point. At each step try every candidate peel: for a
numeric input, cut the ``alpha`` quantile of the points in the box off its lower or its upper end (when
ties leave nothing to cut, the lowest or highest value present is removed); for a categorical input,
remove one of the levels still in the box. Keep the peel with the best objective (``lenient1``, the
EMA Workbench's default: the gain in density per unit of mass removed; or ``original``, Friedman and
Fisher's largest density), and go on while the box holds at least ``mass_min`` of all the points and its
density is below 1, also through a step where the best peel lowers the density. The boxes visited form
the *peeling trajectory*, a trade-off between coverage and density.

**Pruning** (default on): limits that peeling set by chance are dropped, one at a time, while the least
significant one has a quasi-p-value above ``significance`` (0.05). The quasi-p-value of a limit is the one
the EMA Workbench reports (Bryant & Lempert 2010): a one-sided binomial test of the box's events among its
points against the density of the box with that limit set back to the data's; each limit of a two-sided
numeric restriction is tested, and dropped, on its own.

**Pasting** (optional, default on): from the selected box, widen numeric limits again by ``alpha`` of the
box's points while that raises the density.

**Selection.** From the trajectory, the box with the largest coverage x density (the knee of the
trade-off) among those with density at least ``min_density`` (among all boxes when none reaches it: the
report then says so). Pruning can take the selected box below ``min_density``: the first box is still
reported, with ``below_min_density`` set. **Covering**: the points of a selected box are then removed and
PRIM runs again on the rest, for up to ``max_boxes`` boxes, while the new box's density (after pruning and
pasting) reaches ``min_density`` and it covers at least ``min_coverage`` of the events.

**Measures**, as the EMA Workbench's: coverage, the share of all the events that fall in the box; density,
the share of the box's points where the event happens; mass, the share of all the points in the box (for
later boxes too, and along their trajectories). The quasi-p-values of a later box are computed on the
points left when it was found. Restricted dimensions: inputs whose limits are narrower than the data's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OBJECTIVES = ("lenient1", "original")


@dataclass
class Box:
    """Limits on the inputs: numeric (low, high), inclusive; categorical: the set of levels allowed."""

    numeric: dict[str, tuple[float, float]]
    categorical: dict[str, frozenset[Any]]

    def contains(self, x: Mapping[str, np.ndarray]) -> np.ndarray:
        n = len(next(iter(x.values())))
        inside = np.ones(n, dtype=bool)
        for name, (lo, hi) in self.numeric.items():
            inside &= (x[name] >= lo) & (x[name] <= hi)
        for name, levels in self.categorical.items():
            inside &= np.isin(x[name], list(levels))
        return inside

    def copy(self) -> Box:
        return Box(dict(self.numeric), dict(self.categorical))

    def restricted(self, full: Box) -> list[str]:
        """Inputs whose limits are narrower than ``full``'s, in the order of ``full``."""
        out = [n for n, lim in full.numeric.items() if self.numeric[n] != lim]
        out += [n for n, lv in full.categorical.items() if self.categorical[n] != lv]
        return out


@dataclass
class TrajectoryPoint:
    box: Box
    coverage: float
    density: float
    mass: float
    restricted: int


@dataclass
class PrimBox:
    """A selected box with its measures, the trajectory it came from, and its rule as text."""

    box: Box
    coverage: float
    density: float
    mass: float
    n_points: int
    n_events: int
    restricted: list[str]
    trajectory: list[TrajectoryPoint] = field(default_factory=list)  # coverage: share of all the events
    selected: int = 0  # index of the selected box in the trajectory (before pruning and pasting)
    rule: str = ""
    # per restricted input, the quasi-p-value of each of its limits: numeric {"low": p, "high": p} (None for a
    # side left at the data's limit), categorical {"levels": p}; tested on the points the box was found on
    quasi_p: dict[str, dict[str, float | None]] = field(default_factory=dict)
    below_min_density: bool = False  # the final box (after pruning and pasting) is below the density floor

    @property
    def peeled(self) -> TrajectoryPoint:
        """The box selected on the trajectory, before pruning and pasting."""
        return self.trajectory[self.selected]


def _stats(inside: np.ndarray, y: np.ndarray, total_events: int, n: int) -> tuple[float, float, float]:
    k = int(inside.sum())
    events = int(y[inside].sum())
    density = events / k if k else 0.0
    coverage = events / total_events if total_events else 0.0
    return coverage, density, k / n


def full_box(x: Mapping[str, np.ndarray], numeric: list[str], categorical: list[str]) -> Box:
    return Box({n: (float(np.min(x[n])), float(np.max(x[n]))) for n in numeric},
               {n: frozenset(np.unique(x[n]).tolist()) for n in categorical})


def _candidates(box: Box, x: Mapping[str, np.ndarray], inside: np.ndarray, alpha: float) -> list[Box]:
    """Every peel of ``box``: each numeric input cut at its lower and upper alpha quantile, each level of a
    categorical input removed."""
    out = []
    for name, (lo, hi) in box.numeric.items():
        v = x[name][inside]
        if v.size == 0 or v.min() == v.max():
            continue
        q_lo, q_hi = np.quantile(v, alpha), np.quantile(v, 1 - alpha)
        cut_lo = v[v > q_lo].min() if np.any(v < q_lo) else v[v > v.min()].min()  # ties: drop the lowest value
        cut_hi = v[v < q_hi].max() if np.any(v > q_hi) else v[v < v.max()].max()
        b = box.copy()
        b.numeric[name] = (float(cut_lo), hi)
        out.append(b)
        b = box.copy()
        b.numeric[name] = (lo, float(cut_hi))
        out.append(b)
    for name, levels in box.categorical.items():
        present = set(np.unique(x[name][inside]).tolist()) & set(levels)
        if len(present) < 2:
            continue
        for level in sorted(present, key=str):
            b = box.copy()
            b.categorical[name] = frozenset(present - {level})
            out.append(b)
    return out


def peel(x: Mapping[str, np.ndarray], y: np.ndarray, numeric: list[str], categorical: list[str],
         alpha: float = 0.05, mass_min: float = 0.05, objective: str = "lenient1",
         start: Box | None = None, n_all: int | None = None, events_all: int | None = None) -> list[TrajectoryPoint]:
    """The peeling trajectory from ``start`` (default: the box of all points). When ``x`` holds only the points
    left by earlier boxes, ``n_all`` and ``events_all`` (the number of all points and of all the events) make
    mass, ``mass_min`` and coverage shares of all the points and events, as in the EMA Workbench."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective {objective!r} (allowed: {', '.join(OBJECTIVES)})")
    y = np.asarray(y, dtype=bool)
    n = n_all if n_all is not None else len(y)
    total = events_all if events_all is not None else int(y.sum())
    full = full_box(x, numeric, categorical)
    box = start.copy() if start is not None else full.copy()
    inside = box.contains(x)
    cov, dens, mass = _stats(inside, y, total, n)
    traj = [TrajectoryPoint(box, cov, dens, mass, len(box.restricted(full)))]
    while dens < 1.0:
        best, best_score, best_inside = None, -np.inf, None
        for cand in _candidates(box, x, inside, alpha):
            cin = cand.contains(x)
            k = int(cin.sum())
            if k == 0 or k / n < mass_min or k == int(inside.sum()):
                continue
            d = y[cin].mean()
            # original: the density left; lenient1: the gain in density per unit of mass removed
            score = d if objective == "original" else (d - dens) / ((inside.sum() - k) / n)
            if score > best_score + 1e-12:
                best, best_score, best_inside = cand, score, cin
        if best is None:
            break
        box, inside = best, best_inside
        cov, dens, mass = _stats(inside, y, total, n)
        traj.append(TrajectoryPoint(box, cov, dens, mass, len(box.restricted(full))))
    return traj


def paste(box: Box, x: Mapping[str, np.ndarray], y: np.ndarray, full: Box, alpha: float = 0.05) -> Box:
    """Widen the numeric limits of ``box`` step by step while that raises its density."""
    y = np.asarray(y, dtype=bool)
    box = box.copy()
    inside = box.contains(x)
    dens = y[inside].mean() if inside.any() else 0.0
    while True:
        best, best_dens = None, dens
        step = max(1, int(np.ceil(alpha * inside.sum())))
        for name, (lo, hi) in box.numeric.items():
            v = x[name]
            others = box.copy()
            others.numeric[name] = full.numeric[name]
            pool = others.contains(x) & ~inside
            below = np.sort(v[pool & (v < lo)])[::-1][:step]
            above = np.sort(v[pool & (v > hi)])[:step]
            for new in ((float(below[-1]), hi) if below.size else None, (lo, float(above[-1])) if above.size else None):
                if new is None:
                    continue
                b = box.copy()
                b.numeric[name] = new
                cin = b.contains(x)
                d = y[cin].mean()
                if d > best_dens + 1e-12:
                    best, best_dens = b, d
        if best is None:
            return box
        box, dens = best, best_dens
        inside = box.contains(x)


def _without(box: Box, name: str, full: Box, side: str | None = None) -> Box:
    """``box`` with the restriction on ``name`` dropped: both limits (``side`` None), or only the ``"low"`` or
    the ``"high"`` one of a numeric input (set back to ``full``'s)."""
    wider = box.copy()
    if name in wider.categorical:
        wider.categorical[name] = full.categorical[name]
    elif side is None:
        wider.numeric[name] = full.numeric[name]
    else:
        (lo, hi), (flo, fhi) = box.numeric[name], full.numeric[name]
        wider.numeric[name] = (flo, hi) if side == "low" else (lo, fhi)
    return wider


def quasi_p(box: Box, name: str, x: Mapping[str, np.ndarray], y: np.ndarray, full: Box,
            side: str | None = None) -> float:
    """The quasi-p-value of a restriction (Bryant & Lempert 2010), as the EMA Workbench computes it: a
    one-sided binomial test of the box's events among its points against the density of the same box with
    the restriction dropped (with ``side`` "low" or "high": only that limit of a numeric input)."""
    from scipy.stats import binomtest

    inside = box.contains(x)
    win = _without(box, name, full, side).contains(x)
    k, n = int(y[inside].sum()), int(inside.sum())
    if n == 0 or not win.any():
        return 1.0
    p0 = float(y[win].mean())
    if p0 >= 1.0:
        return 1.0
    return float(binomtest(k, n, p0, alternative="greater").pvalue)


def limits(box: Box, full: Box) -> list[tuple[str, str]]:
    """The limits of ``box`` narrower than ``full``'s, each on its own: (input, "low"), (input, "high") for a
    numeric input, (input, "levels") for a categorical one."""
    out = []
    for name in box.restricted(full):
        if name in box.categorical:
            out.append((name, "levels"))
            continue
        (lo, hi), (flo, fhi) = box.numeric[name], full.numeric[name]
        out += [(name, "low")] * (lo > flo) + [(name, "high")] * (hi < fhi)
    return out


def quasi_p_values(box: Box, x: Mapping[str, np.ndarray], y: np.ndarray, full: Box) -> dict[str, dict[str, float | None]]:
    """The quasi-p-value of every limit of ``box`` (EMA's ``p_values``): numeric inputs {"low": p, "high": p}
    with None for a side at the data's limit (EMA: -1), categorical inputs {"levels": p}."""
    y = np.asarray(y, dtype=bool)
    out: dict[str, dict[str, float | None]] = {}
    for name, side in limits(box, full):
        entry = out.setdefault(name, {} if side == "levels" else {"low": None, "high": None})
        entry[side] = quasi_p(box, name, x, y, full, None if side == "levels" else side)
    return out


def prune(box: Box, x: Mapping[str, np.ndarray], y: np.ndarray, full: Box, significance: float = 0.05) -> Box:
    """Drop, one at a time, the least significant limit while its quasi-p-value exceeds ``significance``:
    limits that peeling set by chance, which the data do not support. Each limit of a two-sided numeric
    restriction is tested, and dropped, on its own."""
    y = np.asarray(y, dtype=bool)
    box = box.copy()
    while True:
        candidates = limits(box, full)
        if not candidates:
            return box
        qp = {lim: quasi_p(box, lim[0], x, y, full, None if lim[1] == "levels" else lim[1]) for lim in candidates}
        worst = max(candidates, key=lambda lim: (qp[lim], lim))
        if qp[worst] <= significance:
            return box
        box = _without(box, worst[0], full, None if worst[1] == "levels" else worst[1])


def select(trajectory: list[TrajectoryPoint], min_density: float) -> int:
    """Index of the box with the largest coverage x density among those with density >= ``min_density``
    (among all boxes when none reaches it): the knee of the trade-off above the density floor."""
    ok = [i for i, p in enumerate(trajectory) if p.density >= min_density - 1e-12] or list(range(len(trajectory)))
    return max(ok, key=lambda i: (trajectory[i].coverage * trajectory[i].density, trajectory[i].density))


def _restate(chosen: Box, full: Box) -> Box:
    """The limits of a box found on the points left by earlier boxes, stated against all the points: a limit
    that the full data never reaches is no limit."""
    stated = chosen.copy()
    for name, (lo, hi) in stated.numeric.items():
        flo, fhi = full.numeric[name]
        stated.numeric[name] = (lo if lo > flo else flo, hi if hi < fhi else fhi)
    for name, levels in stated.categorical.items():
        if levels >= full.categorical[name]:
            stated.categorical[name] = full.categorical[name]
    return stated


def prim(x: Mapping[str, np.ndarray], y: np.ndarray, numeric: list[str], categorical: list[str], *,
         alpha: float = 0.05, mass_min: float = 0.05, min_density: float = 0.8, max_boxes: int = 3,
         min_coverage: float = 0.05, objective: str = "lenient1", pasting: bool = True,
         significance: float | None = 0.05) -> list[PrimBox]:
    """Boxes by PRIM with covering: each box is found on the points not in an earlier one. Coverage, mass
    and ``mass_min`` are shares of all the points and events; density and the quasi-p-values are computed on
    the points the box was found on. The first box is always reported (``below_min_density`` says when it
    ends below the floor); a later box below the floor, or covering less than ``min_coverage``, ends covering."""
    x = {k: np.asarray(v) for k, v in x.items()}
    y = np.asarray(y, dtype=bool)
    n, total = len(y), int(y.sum())
    full = full_box(x, numeric, categorical)
    remaining = np.ones(n, dtype=bool)
    boxes: list[PrimBox] = []
    while len(boxes) < max_boxes and y[remaining].any():
        xs = {k: v[remaining] for k, v in x.items()}
        ys = y[remaining]
        full_rest = full_box(xs, numeric, categorical)
        traj = peel(xs, ys, numeric, categorical, alpha, mass_min, objective, start=full_rest, n_all=n,
                    events_all=total)
        idx = select(traj, min_density)
        chosen = traj[idx].box
        if significance is not None:
            chosen = prune(chosen, xs, ys, full_rest, significance)
        if pasting:
            chosen = paste(chosen, xs, ys, full_rest, alpha)
        inside_rest = chosen.contains(xs)
        cov, dens, mass = _stats(inside_rest, ys, total, n)
        if boxes and (dens < min_density - 1e-12 or cov < min_coverage):
            break
        stated = _restate(chosen, full)
        inside_all = np.zeros(n, dtype=bool)
        inside_all[np.flatnonzero(remaining)[inside_rest]] = True
        pb = PrimBox(box=stated, coverage=float(cov), density=float(dens), mass=float(mass),
                     n_points=int(inside_all.sum()), n_events=int(y[inside_all].sum()),
                     restricted=stated.restricted(full), trajectory=traj, selected=idx,
                     quasi_p=quasi_p_values(stated, xs, ys, full), below_min_density=bool(dens < min_density - 1e-12))
        pb.rule = describe(pb.box, full)
        boxes.append(pb)
        remaining &= ~inside_all
    return boxes


def _num(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1e5 else f"{v:,.0f}"


def describe(box: Box, full: Box, names: Mapping[str, str] | None = None) -> str:
    """The box as a readable rule: "influence at least 0.6 and request.framing is external and ..."."""
    names = names or {}
    parts = []
    for name in box.restricted(full):
        label = names.get(name, name)
        if name in box.numeric:
            lo, hi = box.numeric[name]
            flo, fhi = full.numeric[name]
            if lo > flo and hi < fhi:
                parts.append(f"{label} from {_num(lo)} to {_num(hi)}")
            elif lo > flo:
                parts.append(f"{label} at least {_num(lo)}")
            else:
                parts.append(f"{label} at most {_num(hi)}")
        else:
            kept, allv = box.categorical[name], full.categorical[name]
            dropped = allv - kept
            if len(kept) == 1:
                parts.append(f"{label} is {next(iter(kept))}")
            elif len(dropped) == 1:
                parts.append(f"{label} is not {next(iter(dropped))}")
            else:
                parts.append(f"{label} is one of {', '.join(sorted(map(str, kept)))}")
    return " and ".join(parts) if parts else "(everywhere)"
