"""The posterior figure: weighted marginal histograms of every calibrated parameter over its prior range,
then a pairwise panel (marginals on the diagonal, weighted scatter below it, weighted correlations above
it) for the parameters the record constrains most."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .style import CATEGORY_COLOURS, DPI, RC, WIDTH, save

BINS = 20
PAIRS = 4
PAIR_HEIGHT = 4.2  # inches: the pairwise panel
ROW_HEIGHT = 0.95  # inches: a row of marginals


def _default(name: str) -> float | None:
    """The parameter's default (model/params.py), marked on its panels."""
    from ..params import SPECS, Parameters

    return float(getattr(Parameters(), name)) if name in SPECS else None


def _wcorr(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    mx, my = np.sum(w * x), np.sum(w * y)
    cov = np.sum(w * (x - mx) * (y - my))
    sx, sy = np.sqrt(np.sum(w * (x - mx) ** 2)), np.sqrt(np.sum(w * (y - my) ** 2))
    return float(cov / (sx * sy)) if sx > 0 and sy > 0 else float("nan")


def _marginals(sub: Any, values: np.ndarray, weights: np.ndarray, names: list[str],
               summary: Mapping[str, Mapping[str, Any]], nrows: int, ncols: int) -> None:
    """One weighted histogram per parameter over its prior range, the uniform prior dashed."""
    colour, prior_colour = CATEGORY_COLOURS[0], "#BBBBBB"
    axes = np.atleast_1d(sub.subplots(nrows, ncols)).ravel()
    for ax, name in zip(axes, names, strict=False):
        lo, hi = summary[name]["prior"]
        x = values[:, names.index(name)]
        ax.hist(x, bins=np.linspace(lo, hi, BINS + 1), weights=weights, color=colour, alpha=0.85)
        ax.axhline(1.0 / BINS, color=prior_colour, lw=1, ls="--")  # the uniform prior's height per bin
        default = _default(name)
        if default is not None:
            ax.axvline(default, color="black", lw=1, ls=":", gid=f"default-{name}")
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        c = summary[name]["contraction"]
        ax.set_title(f"{name}\n(contraction {c:.2f})" if c is not None else name)
    for ax in axes[len(names):]:
        ax.axis("off")
    sub.supxlabel("weighted posterior over each prior range (grey dashed: the uniform prior; black dotted: the "
                  "default in model/params.py)", fontsize=7)


def _pair_cell(ax: Any, i: int, j: int, xi: np.ndarray, xj: np.ndarray, weights: np.ndarray, size: np.ndarray,
               prior_i: tuple[float, float], prior_j: tuple[float, float], name_j: str = "") -> None:
    """The diagonal: a marginal; below it: the accepted draws; above it: their weighted correlation."""
    colour = CATEGORY_COLOURS[0]
    lo_j, hi_j = prior_j
    if i == j:
        ax.hist(xi, bins=np.linspace(lo_j, hi_j, BINS + 1), weights=weights, color=colour)
        ax.set_xlim(lo_j, hi_j)
        default = _default(name_j)
        if default is not None:
            ax.axvline(default, color="black", lw=1, ls=":")
        ax.set_yticks([])
    elif i > j:
        ax.scatter(xj, xi, s=size, color=colour, alpha=0.5, linewidths=0)
        ax.set_xlim(lo_j, hi_j)
        ax.set_ylim(*prior_i)
    else:
        r = _wcorr(xj, xi, weights)
        ax.text(0.5, 0.5, "n/a" if np.isnan(r) else f"{r:+.2f}", ha="center", va="center",
                fontsize=9, color="black" if abs(np.nan_to_num(r)) >= 0.3 else "#777777",
                transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)


def _pairs(sub: Any, values: np.ndarray, weights: np.ndarray, names: list[str], top: list[str],
           summary: Mapping[str, Mapping[str, Any]]) -> None:
    """The pairwise panel of the ``top`` parameters."""
    k = len(top)
    sub.suptitle(f"Pairwise, the {k} most constrained parameters (largest contraction)\n"
                 "lower: accepted draws (size ~ weight); upper: weighted correlation; dotted: the default", fontsize=8)
    pax = sub.subplots(k, k)
    size = 4 + 60 * weights / weights.max()
    for i, ni in enumerate(top):
        xi = values[:, names.index(ni)]
        for j, nj in enumerate(top):
            ax = pax[i, j]
            _pair_cell(ax, i, j, xi, values[:, names.index(nj)], weights, size, summary[ni]["prior"],
                       summary[nj]["prior"], nj)
            if i == k - 1:
                ax.set_xlabel(nj)
            elif i != j or i < k - 1:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(ni)
            elif i > j:
                ax.set_yticklabels([])


def posterior_heading(parameters: int, accepted: int, draws: int, rate: float, replications: int,
                      seed: int) -> tuple[str, str]:
    """The posterior figure's title and subtitle, as ``calibrate`` and ``plot CALIBRATION`` both draw it."""
    return (f"Posterior of {parameters} global parameters",
            f"{accepted:,} of {draws:,} draws accepted ({100 * rate:.1f}%), {replications} replications each, "
            f"seed {seed}")


def draw_posterior(values: np.ndarray, weights: np.ndarray, names: Sequence[str],
                   summary: Mapping[str, Mapping[str, Any]], path: Path, title: str, subtitle: str) -> Path:
    """Draw ``path`` (PNG). ``values`` is (accepted, len(names)); ``summary`` holds each parameter's
    prior range and contraction (from :func:`model.calibrate.abc.summarise`)."""
    import matplotlib.pyplot as plt

    names = list(names)
    ncols = 6
    nrows = -(-len(names) // ncols)
    top = sorted(names, key=lambda n: -(summary[n]["contraction"] or 0.0))[:PAIRS]
    k = len(top)
    marg_h, pair_h = ROW_HEIGHT * nrows + 0.9, (PAIR_HEIGHT if k > 1 else 0.0) + 0.4
    with plt.rc_context({**RC, "font.size": 7, "axes.titlesize": 7.5, "xtick.labelsize": 6, "ytick.labelsize": 6,
                         "axes.labelsize": 7}):
        fig = plt.figure(figsize=(WIDTH, marg_h + pair_h), dpi=DPI, layout="constrained")
        sub = fig.subfigures(2, 1, height_ratios=[marg_h, max(pair_h, 0.01)]) if k > 1 else [fig]
        sub[0].suptitle(f"{title}\n{subtitle}", fontsize=9)
        _marginals(sub[0], values, weights, names, summary, nrows, ncols)
        if k > 1:
            _pairs(sub[1], values, weights, names, top, summary)
    return save(fig, Path(path), "png")
