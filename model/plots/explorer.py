"""The explorer page's figures, drawn straight from a :class:`~model.results.SimulationResult` in memory:
the outcome distribution, the days to decision and the members' positions round by round (as many rounds
as the page has stepped through), the approval map of the page's what-if (drawn by the approval map's own
:func:`~model.plots.approval.approval_map_figure`), and a figure as PNG bytes for the page."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import matplotlib.pyplot as plt

from ..ladder import LEVELS
from ..results import SimulationResult
from . import figures as F
from .style import caption


def _observed_days(result: SimulationResult) -> tuple[float, float] | None:
    obs = result.case.observed
    days = obs.days_to_decision if obs else None
    if days is None:
        return None
    return (days.low, days.high) if days.is_range else (float(days.value), float(days.value))


def _subtitle(result: SimulationResult) -> str:
    return caption(result.replications, result.seed, f"rule {result.rule}")


def outcome_figure(result: SimulationResult):
    """The outcome distribution with the observed outcome marked (model.plots.figures.outcome_bars)."""
    return F.outcome_bars([result.case.id], [result.outcome_probabilities], [result.observed],
                          f"Outcome distribution: {result.case.title}", _subtitle(result))


def days_figure(result: SimulationResult):
    """Days from request to decision over the replications in which a measure passed."""
    return F.days_distribution(result.days, f"Days to decision: {result.case.title}", _subtitle(result),
                               _observed_days(result))


def trace_figure(result: SimulationResult, shown_rounds: int | None = None, params: Any = None,
                 drew: str = ""):
    """Every member's position round by round in replication 0 (the first ``shown_rounds`` rounds), with the
    objection and delay thresholds of ``params``, the parameters replication 0 ran with (default: the result's;
    over a posterior, the set it drew, which ``drew`` names in the subtitle)."""
    params = result.params if params is None else params
    rounds = list(result.trace or [])
    shown = len(rounds) if shown_rounds is None else max(1, min(shown_rounds, len(rounds)))
    done = shown == len(rounds)
    sub = (f"replication 0 of {result.replications:,}{drew}, seed {result.seed}, rule {result.rule}; "
           + (f"outcome: {LEVELS[int(result.outcome[0])]}" if done else f"round {shown - 1} of {len(rounds) - 1}"))
    fig = F.decision_trace(result.members, rounds[:shown], f"Positions round by round: {result.case.title}", sub,
                           params.objection_threshold, params.delay_threshold)
    # One x label under the panels (each panel's own label runs into its neighbour's at the page's width), and
    # the same x range at every step, so that a step adds a round instead of stretching the ones shown.
    for ax in fig.axes:
        if ax.get_xlabel():
            ax.set_xlabel("")
            ax.set_xlim(-0.3, len(rounds) - 0.7)
            ax.set_xticks(range(len(rounds)))
    for text in fig.axes[len(F.MEASURE_NAMES) - 1].texts:  # "objects below" at the right end of the fixed range
        text.set_x(len(rounds) - 1)
    fig.supxlabel("round (0 = each member's own assessment)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_png(fig: Any) -> bytes:
    """A figure as PNG bytes, closing it (the figures are made through pyplot)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def compare_figure(baseline: SimulationResult, whatif: SimulationResult):
    """The baseline (the case as coded, default parameters and rule) and the what-if (the page's facts,
    parameters and rule) as two stacked bars of the outcome distribution, the observed outcome marked on the
    baseline."""
    return F.outcome_bars(["baseline", "what-if"], [baseline.outcome_probabilities, whatif.outcome_probabilities],
                          [baseline.observed, None], f"Baseline and what-if: {baseline.case.title}",
                          caption(whatif.replications, whatif.seed,
                                  f"rule {baseline.rule} (baseline), {whatif.rule} (what-if)"))


def approval_figure(view: Any, title: str):
    """The approval map of the page's what-if (a :class:`model.explorer.approval.ApprovalView`): its one panel
    (the what-if's channel and measure requested) and the cases on it, drawn by ``approval_map_figure``; the band
    only over the posterior."""
    from .approval import approval_map_figure, caption_note

    data = view.data
    panel = data.panels[view.key]
    if view.posterior is None:  # the band is the posterior's: at point parameters none is drawn
        panel = dataclasses.replace(panel, lo=None, hi=None, band={})
    shown = dataclasses.replace(data, panels={view.key: panel}, band=panel.lo is not None,
                                band_missing=() if panel.lo is not None else (view.key,))
    fixed = ", ".join(f"{n} = {v:g}" for n, v in view.fixed.items())
    extra = f"rule {view.rule}" + (f"; fixed: {fixed}" if fixed else "") + f"; {caption_note(shown)}"
    return approval_map_figure(shown, title, caption(view.replications, view.seed, extra).replace(
        "replications", "replications a point", 1))
