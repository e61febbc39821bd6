"""A sweep's curves, partial dependence and tornado: the numbers each draws, computed from the results table
(``data``), and the figures.

- *Curves* (grid and one-at-a-time designs): an outcome against each numeric factor, one line per level of
  the categorical factors (and per case): never averaged over a categorical factor. In a full factorial the
  other numeric factors are averaged over their grid (said on the figure); in a one-at-a-time design they sit
  at their baseline.
- *Partial dependence* (Latin hypercube and Sobol' designs, whose points share no grid): the mean outcome in
  ten equal-width bins of each factor, with 95% intervals of the mean, one line per case.
- *Tornado*: one-at-a-time designs, each factor's swing of the outcome (lowest to highest over its levels,
  the others at baseline), largest first; Sobol' designs, S1 and ST with 95% bootstrap intervals, largest ST
  first.

At most ``MAX_PANELS`` factors are drawn, those whose outcome moves most; the figure names how many are left
out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..ladder import LEVELS
from ..params import SPECS, Parameters
from .data import SweepData, baseline_rows, partial_dependence, usable
from .figures import wilson_interval
from .style import CATEGORY_COLOURS, LEVEL_COLOURS, caption, fit, heading, line_style, new_figure

MAX_PANELS = 12
NCOLS = 3
SAMPLED = ("latin_hypercube", "sobol")
DESIGN_NAMES = {"full_factorial": "full factorial", "one_at_a_time": "one factor at a time",
                "latin_hypercube": "Latin hypercube", "sobol": "Sobol' sample", "given": "given points"}

Series = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # label -> (x, mean, points averaged per x)


def numeric_factors(sweep: SweepData) -> list[str]:
    return [f["name"] for f in sweep.factors if f["kind"] in ("real", "integer") and f["name"] in sweep.table.column_names]


def subtitle(sweep: SweepData, extra: str = "") -> str:
    m = sweep.manifest
    text = f"per point; experiment {m['experiment']['name']}" + (f"; {extra}" if extra else "")
    return caption(m.get("replications"), m.get("seeds", {}).get("seed"), text)


def _groups(sweep: SweepData, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of each combination of the categorical factors' levels (and cases), labelled
    ``name=level, ...`` (the case by its id); one group ``""`` when there is no categorical factor."""
    names = sweep.categorical()
    if not names:
        return {"": rows}
    columns = {n: sweep.column(n) for n in names}
    out: dict[str, np.ndarray] = {}
    for i in np.flatnonzero(rows):
        label = ", ".join(str(columns[n][i]) if n == "scenario" else f"{n}={columns[n][i]}" for n in names)
        out.setdefault(label, np.zeros_like(rows))[i] = True
    return out


def _mean_by_x(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, inverse = np.unique(x, return_inverse=True)
    count = np.bincount(inverse, minlength=len(xs)).astype(float)
    return xs, np.bincount(inverse, weights=y, minlength=len(xs)) / count, count


def curve_panels(sweep: SweepData, outcome: str = "p_deployment") -> dict[str, Series]:
    """Per numeric factor: the outcome's mean at each of its values, one series per categorical combination
    (per rung of the ladder when nothing categorical varies). In a one-at-a-time design only the rows with
    every other factor at baseline; in a grid the other numeric factors averaged."""
    ok = usable(sweep)
    numeric = numeric_factors(sweep)
    oat = sweep.method == "one_at_a_time"
    columns = {f["name"] if f.get("target") != "rule" else "rule": None for f in sweep.factors}
    columns = {n: sweep.column(n) for n in columns if n in sweep.table.column_names}
    panels: dict[str, Series] = {}
    for factor in numeric:
        x = columns[factor]
        rows = ok & ~np.isnan(x)
        if oat:
            rows &= baseline_rows(columns, factor)
        series: Series = {}
        groups = _groups(sweep, rows)
        outcomes = [outcome] if list(groups) != [""] else [f"p_{lvl}" for lvl in LEVELS]
        for label, sel in groups.items():
            for out in outcomes:
                name = label or out.removeprefix("p_")
                series[name] = _mean_by_x(x[sel], sweep.column(out)[sel])
        panels[factor] = series
    return panels


def _movement(series: Series) -> float:
    return max((float(np.nanmax(p) - np.nanmin(p)) for _, p, _ in series.values() if len(p)), default=0.0)


def _grid(n: int, panel_height: float, extra: float, **kw: Any):
    ncols = min(NCOLS, n)
    nrows = -(-n // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=panel_height * nrows + extra, squeeze=False, **kw)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, axes


def _top(panels: Mapping[str, Any], score: Any) -> tuple[list[str], int]:
    names = sorted(panels, key=lambda f: -score(panels[f]))[:MAX_PANELS]
    return [f for f in panels if f in names], len(panels) - len(names)


def curves_figure(panels: Mapping[str, Series], replications: int, title: str, sub: str, outcome: str):
    """One panel per factor (at most ``MAX_PANELS``, those whose lines move most), one line per series,
    95% Wilson intervals over the replications behind each mean."""
    names, left_out = _top(panels, _movement)
    fig, axes = _grid(len(names), 2.1, 1.9, sharey=True)
    defaults = Parameters()
    for ax, factor in zip(axes.flat, names, strict=False):
        for i, (label, (xs, p, count)) in enumerate(panels[factor].items()):
            lo, hi = wilson_interval(p * replications * count, replications * count)
            colour = LEVEL_COLOURS.get(label, CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)])
            ax.plot(xs, p, color=colour, marker="o", markersize=2.5, label=label, gid=f"line-{factor}-{label}")
            ax.fill_between(xs, lo, hi, color=colour, alpha=0.25, linewidth=0)
        if factor in SPECS:
            ax.axvline(float(getattr(defaults, factor)), color="black", linestyle=":", linewidth=0.8, label="default")
        ax.set_xlabel(factor, fontsize=8)
        ax.set_ylim(-0.02, 1.02)
    for row in axes:
        row[0].set_ylabel(outcome, fontsize=8)
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    labels = list(handles)
    fig.legend(list(handles.values()), labels, ncols=min(3, len(labels)), loc="lower center", frameon=False, fontsize=8)
    note = f"; {left_out} factors that move it less not shown" if left_out else ""
    heading(fig, title, sub + note + "; bands: 95% Wilson intervals")
    rows = -(-len(labels) // 3)
    fit(fig, (0.25 + 0.2 * rows))
    return fig


def pdp_panels(sweep: SweepData, outcome: str = "p_deployment", bins: int = 10) -> dict[str, dict[str, dict]]:
    """Per numeric factor, per case: the binned means of the outcome (:func:`data.partial_dependence`)."""
    ok = usable(sweep)
    y = sweep.column(outcome)
    scenarios = sweep.column("scenario")
    panels: dict[str, dict[str, dict]] = {}
    for factor in numeric_factors(sweep):
        x = sweep.column(factor)
        rows = ok & ~np.isnan(x) & ~np.isnan(y)
        panels[factor] = {str(c): partial_dependence(x[rows & (scenarios == c)], y[rows & (scenarios == c)], bins)
                          for c in dict.fromkeys(scenarios[rows])}
    return panels


def _pdp_movement(cases: Mapping[str, dict]) -> float:
    return max((float(np.nanmax(d["mean"]) - np.nanmin(d["mean"])) for d in cases.values()), default=0.0)


def pdp_figure(panels: Mapping[str, Mapping[str, dict]], title: str, sub: str, outcome: str):
    """Partial dependence: per factor (at most ``MAX_PANELS``), the binned mean of the outcome per case with
    95% intervals of the mean."""
    names, left_out = _top(panels, _pdp_movement)
    fig, axes = _grid(len(names), 2.1, 2.1, sharey=True)
    for ax, factor in zip(axes.flat, names, strict=False):
        for i, (case, d) in enumerate(panels[factor].items()):
            style = line_style(i)
            colour = style["color"]
            ax.plot(d["centre"], d["mean"], marker="o", markersize=2, linewidth=1, label=case,
                    gid=f"pdp-{factor}-{case}", **style)
            ax.fill_between(d["centre"], d["low"], d["high"], color=colour, alpha=0.2, linewidth=0)
        ax.set_xlabel(factor, fontsize=8)
        ax.set_ylim(-0.02, 1.02)
    for row in axes:
        row[0].set_ylabel(f"mean {outcome}", fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, ncols=min(3, len(labels)), loc="lower center", frameon=False, fontsize=7)
    note = f"; {left_out} factors that move it less not shown" if left_out else ""
    heading(fig, title, sub + note + "; bins of equal width, bands: 95% intervals of the mean")
    rows = -(-len(labels) // 3)
    fit(fig, (0.25 + 0.18 * rows))
    return fig


def tornado_figure(bars: Mapping[str, Sequence[dict[str, Any]]], method: str, title: str, sub: str, outcome: str):
    """One panel per case: a one-at-a-time sweep's swings (a bar from the lowest to the highest outcome, the
    baseline marked), or a Sobol' sweep's S1 and ST with 95% intervals; largest first, at most
    ``MAX_PANELS`` factors."""
    cases = list(bars)
    rows = max(min(len(b), MAX_PANELS) for b in bars.values())
    ncols = min(2, len(cases))
    nrows = -(-len(cases) // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=nrows * (0.5 + 0.24 * rows) + 1.3, squeeze=False)
    for ax in list(axes.flat)[len(cases):]:
        ax.set_visible(False)
    for ax, case in zip(axes.flat, cases, strict=False):
        shown = list(bars[case])[:MAX_PANELS]
        y = np.arange(len(shown))[::-1]
        if method == "sobol":
            _sobol_bars(ax, shown, y)
        else:
            _swing_bars(ax, shown, y, outcome)
        ax.set_yticks(y, [b["factor"] for b in shown], fontsize=7)
        if len(cases) > 1:
            ax.set_title(case, fontsize=9, loc="left")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, ncols=3, loc="lower center", frameon=False, fontsize=8)
    left_out = max(len(b) for b in bars.values()) - rows
    heading(fig, title, sub + (f"; {left_out} smaller factors not shown" if left_out > 0 else ""))
    fit(fig, 0.45)
    return fig


def _swing_bars(ax: Any, shown: Sequence[dict[str, Any]], y: np.ndarray, outcome: str) -> None:
    low = np.array([b["low"] for b in shown])
    ax.barh(y, [b["swing"] for b in shown], left=low, color=CATEGORY_COLOURS[0], height=0.6,
            label="lowest to highest over the factor's levels", gid="swing")
    base = shown[0]["baseline"] if shown else None
    if base is not None:
        ax.axvline(base, color="black", linestyle=":", linewidth=0.9, label="every factor at baseline")
    ax.set_xlabel(f"{outcome} (others at baseline)", fontsize=8)
    ax.set_xlim(-0.02, 1.02)


def _sobol_bars(ax: Any, shown: Sequence[dict[str, Any]], y: np.ndarray) -> None:
    for k, (key, label) in enumerate((("ST", "total order ST"), ("S1", "first order S1"))):
        ax.barh(y + (0.19 if k == 0 else -0.19), [r[key] for r in shown], height=0.36,
                xerr=[r[f"{key}_conf"] for r in shown], color=CATEGORY_COLOURS[k], label=f"{label} (95% CI)",
                error_kw={"elinewidth": 0.8, "capsize": 2}, gid=f"sobol-{key}")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("share of the outcome's variance", fontsize=8)


def design_name(sweep: SweepData) -> str:
    return DESIGN_NAMES.get(sweep.method, sweep.method.replace("_", " "))
