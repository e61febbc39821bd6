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


def _histogram(ax: Any, x: np.ndarray, weights: np.ndarray, lo: float, hi: float, colour: str,
               alpha: float = 1.0) -> None:
    """A weighted histogram of ``x`` in BINS bins over [lo, hi], drawn as one filled outline (``stairs``: one
    artist, where ``hist`` draws a bar per bin)."""
    counts, edges = np.histogram(x, bins=np.linspace(lo, hi, BINS + 1), weights=weights)
    ax.stairs(counts, edges, fill=True, color=colour, alpha=alpha)


def _marginals(fig: Any, grid: Any, values: np.ndarray, weights: np.ndarray, names: list[str],
               summary: Mapping[str, Mapping[str, Any]]) -> None:
    """One weighted histogram per parameter over its prior range, the uniform prior dashed."""
    colour, prior_colour = CATEGORY_COLOURS[0], "#BBBBBB"
    axes = np.atleast_1d(grid.subplots()).ravel()
    for ax, name in zip(axes, names, strict=False):
        lo, hi = summary[name]["prior"]
        x = values[:, names.index(name)]
        _histogram(ax, x, weights, lo, hi, colour, alpha=0.85)
        ax.axhline(1.0 / BINS, color=prior_colour, lw=1, ls="--")  # the uniform prior's height per bin
        default = _default(name)
        if default is not None:
            ax.axvline(default, color="black", lw=1, ls=":", gid=f"default-{name}")
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        c = summary[name]["contraction"]
        ax.set_title(f"{name}\n(contraction {c:.2f})" if c is not None else name, y=1.0)  # y: no search for room
    for ax in axes[len(names):]:
        ax.axis("off")


def _pair_cell(ax: Any, i: int, j: int, xi: np.ndarray, xj: np.ndarray, weights: np.ndarray, size: np.ndarray,
               prior_i: tuple[float, float], prior_j: tuple[float, float], name_j: str = "") -> None:
    """The diagonal: a marginal; below it: the accepted draws; above it: their weighted correlation."""
    colour = CATEGORY_COLOURS[0]
    lo_j, hi_j = prior_j
    if i == j:
        _histogram(ax, xi, weights, lo_j, hi_j, colour)
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


def _pairs(grid: Any, values: np.ndarray, weights: np.ndarray, names: list[str], top: list[str],
           summary: Mapping[str, Mapping[str, Any]]) -> None:
    """The pairwise panel of the ``top`` parameters."""
    k = len(top)
    pax = grid.subplots()
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
    height = marg_h + pair_h

    def y(inches: float) -> float:  # a height from the top of the figure, as a figure fraction from the bottom
        return 1.0 - inches / height

    # A fixed layout (positions in inches from the top), not a layout engine: a layout engine measures every
    # tick label of the ~50 axes over and over, most of this figure's drawing time.
    with plt.rc_context({**RC, "font.size": 7, "axes.titlesize": 7.5, "xtick.labelsize": 6, "ytick.labelsize": 6,
                         "axes.labelsize": 7}):
        fig = plt.figure(figsize=(WIDTH, height), dpi=DPI)
        fig.text(0.5, y(0.08), f"{title}\n{subtitle}", ha="center", va="top", fontsize=9)
        grid = fig.add_gridspec(nrows, ncols, left=0.015, right=0.985, top=y(0.78), bottom=y(marg_h - 0.5),
                                hspace=1.05, wspace=0.22)
        _marginals(fig, grid, values, weights, names, summary)
        fig.text(0.5, y(marg_h - 0.24), "weighted posterior over each prior range (grey dashed: the uniform prior; "
                 "black dotted: the default in model/params.py)", ha="center", va="top", fontsize=7)
        if k > 1:
            fig.text(0.5, y(marg_h + 0.12), f"Pairwise, the {k} most constrained parameters (largest contraction)\n"
                     "lower: accepted draws (size ~ weight); upper: weighted correlation; dotted: the default",
                     ha="center", va="top", fontsize=8)
            _pairs(fig.add_gridspec(k, k, left=0.075, right=0.985, top=y(marg_h + 0.55), bottom=0.42 / height,
                                    hspace=0.12, wspace=0.12), values, weights, names, top, summary)
    return save(fig, Path(path), "png")
