"""The explorer's approval map: the panel of the page's what-if (its channel and measure requested), computed
live by the project's sweep code and read and drawn by the approval map's own functions
(:mod:`model.plots.approval`).

**What is run.** A small sweep of the what-if (the case with the page's facts, rule and parameters; over the
shipped posterior or at point parameters, as the page's run): the requester's strategic value to the lead
state at :data:`X_LEVELS` evenly spaced levels from 0 to 1 (``lead_state.strategic_value``, the map's x), by
the six legal situations of the map (``LEGAL_SITUATIONS``: each one origin, territory and framing of the
threat that gives it, :func:`legal_points`), every other fact the what-if's own, alternative codings
included. It is an :class:`~model.sweep.experiment.Experiment` built in code (a design of given points),
run in this process by the sweep's worker (``model.sweep.evaluate.run_chunk``), with the statistic
``approval`` (and, over a posterior or codings, its interval) recorded per point as ``csto-sim sweep`` records
it; the manifest is the sweep's (``new_manifest``), so :func:`~model.plots.approval.approval_map_data` reads
it as it reads a results folder. Point ``i`` has the seed of a sweep's point ``i``
(``derive_seed(seed, i)``), the page's seed as the sweep's.

**The cases placed on it.** The what-if at its coded strategic value and legal situation
(``crisis.coded_strategic_value``, ``approval.legal_situation``): the case itself when no fact is edited (a
historical case in the colour of its observed outcome), else the what-if (hollow, lettered) and the case as
coded (which may sit in another row, or off this panel when the edit changed its channel or measure).

**Rows and cells.** The shipped map (``experiments/approval-map.yaml``) crosses origin, territory and framing
and averages the points that differ only in facts the legal situation ignores (the territory of internal
unrest, the framing of an external attack); the model reads them nowhere else, so one point per legal
situation gives the same cell. The facts a situation ignores are the what-if's own.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..plots.approval import (
    LEGAL_SITUATIONS,
    X_FACT,
    ApprovalMap,
    Mark,
    Panel,
    approval_map_data,
    channel_group,
    legal_situation,
)
from ..plots.data import SweepData
from ..scenario import Case
from ..sweep.evaluate import SweepContext, run_chunk
from ..sweep.experiment import Experiment
from ..sweep.factors import levels, uniform
from ..sweep.runner import new_manifest
from ..sweep.types import GIVEN, DesignSpec

#: Levels of the strategic value (the map's x: 0, 0.1, ..., 1, as the shipped map's).
X_LEVELS = 11
#: Replications per point (the page's replications are for one case, not 66 points).
REPLICATIONS = 300
#: The origins the legal situations are made of (the shipped map's: an external state, internal unrest, another
#: member).
ORIGINS = ("external_state", "internal", "member_state")
TERRITORIES = ("de_jure", "contested", "not_own")
FRAMINGS = ("external", "internal")
#: What a point records: the approval statistic (its interval is added over a posterior or codings).
RECORD = ("approval",)
#: Approval maps kept (one per settings: the what-if, the rule, the fixed parameters, the posterior, the seed).
KEPT = 16
_CACHE: OrderedDict[tuple[Any, ...], ApprovalView] = OrderedDict()
_LOCK = threading.Lock()


def legal_points(case: Case) -> dict[str, tuple[str, str, str]]:
    """Each legal situation of the map as one (origin, territory, framing) that gives it (``legal_situation``):
    the first of :data:`ORIGINS` x territories x framings that does, the case's own territory and framing first
    (so that a fact the situation ignores keeps the case's value)."""
    own_t, own_f = case.value("threat.territory"), case.value("request.framing")
    territories = (own_t, *(t for t in TERRITORIES if t != own_t))
    framings = (own_f, *(f for f in FRAMINGS if f != own_f))
    out: dict[str, tuple[str, str, str]] = {}
    for origin in ORIGINS:
        for territory in territories:
            for framing in framings:
                out.setdefault(legal_situation(origin, territory, framing), (origin, territory, framing))
    return {row: out[row] for row in LEGAL_SITUATIONS}


@dataclass(frozen=True)
class ApprovalView:
    """The explorer's approval map: the data of its one panel and of the cases on it, and how it was made."""

    data: ApprovalMap
    key: tuple[str, str]  # the panel: (channel group, measure requested) of the what-if
    case: Mark  # the what-if (or the case, when no fact is edited) as placed
    replications: int
    seed: int
    rule: str
    posterior: str | None  # "calibration (200 sets)", or None: point parameters
    fixed: dict[str, Any]  # parameters fixed on every point (changed on the page)
    seconds: float

    @property
    def panel(self) -> Panel:
        return self.data.panels[self.key]

    def at(self, mark: Mark) -> dict[str, Any] | None:
        """Where ``mark`` sits on the panel: its row, x, P(approved) there (linear in x between the levels, as
        the boundary is found) and the interval when recorded, and the 0.5 crossings of its row; None when the
        mark is not on this panel."""
        panel = self.panel
        if mark.panel != self.key or mark.row not in panel.rows:
            return None
        i = panel.rows.index(mark.row)
        out = {"row": mark.row, "x": mark.x, "p": float(np.interp(mark.x, panel.x, panel.p[i])),
               "boundary": list(panel.boundary.get(mark.row, [])), "band": list(panel.band.get(mark.row, []))}
        if panel.lo is not None:
            out["interval"] = (float(np.interp(mark.x, panel.x, panel.lo[i])),
                               float(np.interp(mark.x, panel.x, panel.hi[i])))
        return out


def _mark_case(model: Any) -> tuple[Case, list[Case]]:
    """The case the map is of (the what-if, renamed ``CASE-explorer`` when a fact is edited, as its case file)
    and the cases placed on it."""
    base = model.base_case
    if not model.facts:
        return base, [base]
    whatif = dataclasses.replace(model.whatif, id=f"{base.id}-explorer")
    return whatif, [whatif, base]


def settings_key(model: Any) -> tuple[Any, ...]:
    """What an approval map depends on: the what-if's facts, the rule, the fixed parameters, the posterior, the
    seed."""
    base = model.base_case
    return (base.path, base.sha256, tuple(sorted((k, str(v)) for k, v in model.facts.items())), model.result.rule,
            tuple(sorted(model.fixed.items())), model.posterior.sha256 if model.posterior is not None else None,
            model.seed, REPLICATIONS, X_LEVELS)


def approval_experiment(model: Any) -> Experiment:
    """The sweep behind the map (see the module's docstring), checked as every experiment is."""
    case, marked = _mark_case(model)
    x = uniform(X_FACT, 0.0, 1.0, steps=X_LEVELS)
    factors = [levels("threat.origin", list(ORIGINS)), levels("threat.territory", list(TERRITORIES)),
               levels("request.framing", list(FRAMINGS)), x, levels("rule", [model.result.rule])]
    # The parameters changed on the page, one level each: fixed on every set over a posterior, else on the defaults
    # (as the what-if's run).
    fixed = model.fixed
    factors += [levels(name, [value]) for name, value in fixed.items()]
    points = tuple((*triple, level, model.result.rule, *fixed.values())
                   for triple in legal_points(case).values() for level in x.values)
    return Experiment.build(scenarios=[case], design=DesignSpec(GIVEN, points=points), replications=REPLICATIONS,
                            seed=model.seed, factors=factors, figures=RECORD, name="explorer-approval-map",
                            description=f"the explorer's approval map of {case.id}", posterior=model.posterior,
                            mark=marked)


def compute(model: Any) -> ApprovalView:
    """Run the map's sweep in this process and read it with ``approval_map_data``."""
    t0 = time.perf_counter()
    exp = approval_experiment(model)
    ctx = SweepContext.from_experiment(exp)
    points = list(enumerate(exp.design.points))
    report = run_chunk(ctx, 0, points)
    if report.failures:
        point, message = report.failures[0]
        raise ValueError(f"approval map: point {point} could not run: {message}")
    where = Path(f"explorer approval map of {exp.scenarios[0].id}")
    manifest = new_manifest(exp, where)
    sweep = SweepData(where, manifest, report.table.sort_by("point"), manifest["design"]["factors"],
                      {str(c["id"]): c for c in manifest["scenarios"]})
    data = approval_map_data(sweep)
    case = exp.scenarios[0]
    key = (channel_group([c["to"] for c in case.value("request.channels")]), case.value("request.measure"))
    if key not in data.panels:  # the map's panel is read from request.channel; the mark's from request.channels
        key = next(iter(data.panels))
    mark = next(m for m in data.marks if m.case_id == case.id)
    return ApprovalView(data=data, key=key, case=mark, replications=exp.replications, seed=exp.seed,
                        rule=model.result.rule, posterior=data.posterior, fixed=dict(model.fixed),
                        seconds=time.perf_counter() - t0)


def cached(model: Any) -> ApprovalView | None:
    """The map of the model's settings when it has been computed, else None."""
    with _LOCK:
        return _CACHE.get(settings_key(model))


def approval_view(model: Any) -> ApprovalView:
    """The approval map of ``model``'s what-if: from the cache when these settings have been mapped, else
    computed (:func:`compute`) and kept."""
    key = settings_key(model)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    view = compute(model)
    with _LOCK:
        _CACHE[key] = view
        while len(_CACHE) > KEPT:
            _CACHE.popitem(last=False)
    return view


__all__ = ["REPLICATIONS", "X_LEVELS", "ApprovalView", "approval_experiment", "approval_view", "cached", "compute",
           "legal_points", "settings_key"]
