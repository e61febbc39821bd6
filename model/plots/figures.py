"""Where a figure is drawn: one function per figure, from plain data to a matplotlib Figure.

Each function takes the numbers it draws (never a model) so that tests can check what is drawn against
what was computed. Saving is ``style.save``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.patches import Rectangle

from ..ladder import LEVELS, MEASURES
from ..statistics import MIN_DEPLOYED
from ..statistics import wilson_interval as _wilson
from .style import CATEGORY_COLOURS, LEVEL_COLOURS, caption, fit, heading, new_figure

MEASURE_NAMES = MEASURES


#: The figures' bands: the Wilson interval (``statistics.wilson_interval``) at this level.
BAND_LEVEL = 0.95


def wilson_interval(successes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 95% Wilson score interval of the figures' bands: ``statistics.wilson_interval`` (the one definition)."""
    return _wilson(successes, n, BAND_LEVEL)


def outcome_bars(labels: Sequence[str], probabilities: Sequence[Mapping[str, float]],
                 observed: Sequence[str | None], title: str, subtitle: str):
    """Stacked bars of the ladder's rungs per case, the observed rung's segment outlined in black (a
    segment the model gives no weight is outlined at its place, as a thin box)."""
    fig, ax = new_figure(height=max(3.0, 1.6 + 0.42 * len(labels)))
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for level in LEVELS:
        widths = np.array([p[level] for p in probabilities])
        ax.barh(y, widths, left=left, color=LEVEL_COLOURS[level], edgecolor="white", linewidth=0.5, label=level,
                height=0.7, gid=f"level-{level}")
        left += widths
    for yi, p, obs in zip(y, probabilities, observed, strict=True):
        if obs is not None:
            mark_observed(ax, p, obs, yi, 0.7)
    ax.add_patch(Rectangle((0, 0), 0, 0, facecolor="none", edgecolor="black", linewidth=1.8,
                           label="observed rung (outlined)"))
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (share of replications)")
    heading(fig, title, subtitle)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, ncols=3, loc="lower center", frameon=False)
    fit(fig, 0.65)
    return fig


def mark_observed(ax: Any, probabilities: Mapping[str, float], observed: str, y: float, height: float,
                  linewidth: float = 1.8) -> Rectangle:
    """Outline the observed rung's segment of a stacked bar (at least 0.6% wide, so that a rung the model
    gives no weight still shows where it would be)."""
    start = sum(probabilities[lvl] for lvl in LEVELS[:LEVELS.index(observed)])
    width = probabilities[observed]
    shown = max(width, 0.006)
    rect = Rectangle((min(start, 1 - shown), y - height / 2), shown, height, facecolor="none", edgecolor="black",
                     linewidth=linewidth, gid="observed", zorder=3)
    ax.add_patch(rect)
    return rect


def days_distribution(days: np.ndarray, title: str, subtitle: str, observed: tuple[float, float] | None = None):
    """Days to decision over the replications in which a measure passed: histogram and ECDF."""
    decided = np.sort(days[~np.isnan(days)])
    fig, (hist, ecdf) = new_figure(ncols=2, height=3.8)
    if decided.size:
        hist.hist(decided, bins=min(40, max(5, int(np.sqrt(decided.size)))), color=CATEGORY_COLOURS[0])
        ecdf.step(decided, np.arange(1, decided.size + 1) / decided.size, where="post", color=CATEGORY_COLOURS[0],
                  label="model")
    else:
        hist.text(0.5, 0.5, "no measure passed", ha="center", transform=hist.transAxes)
    if observed is not None:
        for ax in (hist, ecdf):
            ax.axvspan(observed[0], max(observed[1], observed[0] + 0.02), color="black", alpha=0.15,
                       label="observed")
        ecdf.legend(frameon=False, loc="lower right", title="observed: the sources' range", title_fontsize=8)
    hist.set_xlabel("days from request to decision")
    hist.set_ylabel("replications")
    ecdf.set_xlabel("days from request to decision")
    ecdf.set_ylabel("cumulative share")
    ecdf.set_ylim(0, 1.02)
    heading(fig, title, subtitle)
    fit(fig)
    return fig


def troops_by_member(members: Sequence[str], troops: np.ndarray, title: str, subtitle: str,
                     observed: Mapping[str, tuple[float, float]] | None = None, replications: int | None = None,
                     minimum: int = MIN_DEPLOYED):
    """Troops sent by each member over the replications that deployed (box plots), with the sources'
    range where recorded. With fewer than ``minimum`` deploying replications the boxes are withheld (too
    few to describe a distribution) and the figure says so; it always says how many deployed."""
    fig, ax = new_figure(height=3.8)
    deployed = troops.shape[0]
    shown = deployed >= minimum
    if shown:
        ax.boxplot([troops[:, i] for i in range(len(members))], tick_labels=list(members), showfliers=False,
                   medianprops={"color": "black"}, patch_artist=True,
                   boxprops={"facecolor": LEVEL_COLOURS["deployment"], "alpha": 0.6})
    else:
        ax.set_xticks(range(1, len(members) + 1), list(members))
        ax.set_xlim(0.5, len(members) + 0.5)
        why = "no replication ended in a deployment" if deployed == 0 else \
            f"only {deployed:,} replication{'s' if deployed != 1 else ''} deployed"
        ax.text(0.5, 0.5, f"{why}:\nper-member troops withheld (fewer than {minimum})", ha="center", va="center",
                transform=ax.transAxes, gid="withheld")
    if observed:
        for i, m in enumerate(members):
            if m in observed:
                lo, hi = observed[m]
                ax.plot([i + 1.3, i + 1.3], [lo, max(hi, lo + 1)], color="black", linewidth=3, solid_capstyle="butt",
                        gid=f"observed-{m}")
        ax.plot([], [], color="black", linewidth=3, label="sources' range")
        ax.legend(frameon=False)
    ax.set_ylabel("troops")
    ax.set_xlabel("member")
    of = f" of {replications:,}" if replications is not None else ""
    heading(fig, title, f"{subtitle}; {deployed:,}{of} replications deployed "
                        f"(troops shown from {minimum} deploying replications on)")
    fit(fig)
    return fig


def objections_by_member(members: Sequence[str], rates: Mapping[str, float], reasons: Mapping[str, str | None],
                         title: str, subtitle: str, reason_shares: Mapping[str, float] | None = None):
    """Share of replications in which each member objected to the measure requested, each bar labelled
    with the member's most frequent reason over the replications in which it objected (and, given
    ``reason_shares``, the share of those replications that give it)."""
    fig, ax = new_figure(height=max(2.8, 1.2 + 0.42 * len(members)))
    y = np.arange(len(members))[::-1]
    values = np.array([rates[m] for m in members])
    ax.barh(y, values, color=CATEGORY_COLOURS[0], height=0.6, gid="objection-rate")
    for yi, m, v in zip(y, members, values, strict=True):
        reason = reasons.get(m) if v > 0 else None
        share = (reason_shares or {}).get(m)
        label = f"{reason} ({100 * share:.0f}% of its objections)" if reason and share is not None else (reason or "")
        ax.text(min(v, 1.0) + 0.01, yi, label, va="center", fontsize=8, gid=f"reason-{m}")
    ax.set_yticks(y, list(members))
    ax.set_xlim(0, 1.6)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_xlabel("objection rate (share of replications objecting to the measure requested);\n"
                  "label: the most frequent reason for objecting")
    heading(fig, title, subtitle)
    fit(fig)
    return fig


def decision_trace(members: Sequence[str], rounds: Sequence[Mapping[str, Sequence[float]]], title: str,
                   subtitle: str, objection_threshold: float, delay_threshold: float):
    """Each member's position (utility) on each measure, round by round, in one replication."""
    fig, axes = new_figure(ncols=len(MEASURE_NAMES), height=3.8, sharey=True)
    x = np.arange(len(rounds))
    for k, (ax, measure) in enumerate(zip(axes, MEASURE_NAMES, strict=True)):
        for i, m in enumerate(members):
            ax.plot(x, [r[m][k] for r in rounds], marker="o", markersize=3, color=CATEGORY_COLOURS[i % 10],
                    label=m, gid=f"trace-{m}-{measure}")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axhline(-delay_threshold, color="grey", linewidth=0.6, linestyle=":")
        ax.axhline(-objection_threshold, color="grey", linewidth=0.8, linestyle="--")
        ax.set_title(measure)
        ax.set_xlabel("round (0 = own assessment)")
        ax.set_xticks(x)
    axes[0].set_ylabel("position (utility; < 0 opposes)")
    axes[-1].text(x[-1], -objection_threshold, " objects below", va="top", ha="right", fontsize=7, color="grey")
    axes[-1].legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    heading(fig, title, subtitle)
    fit(fig)
    return fig


def rule_comparison(cases: Sequence[str], rules: Sequence[str], probabilities: Mapping[tuple[str, str], Mapping[str, float]],
                    observed: Mapping[str, str | None], title: str, subtitle: str):
    """The outcome distribution of each case under each decision rule: one panel per case, one stacked
    bar per rule, the observed rung's segment outlined."""
    ncols = min(3, len(cases))
    nrows = int(np.ceil(len(cases) / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=(0.55 + 0.2 * len(rules)) * nrows + 1.6, squeeze=False,
                           sharex=True, sharey=True)
    for ax, case in zip(axes.flat, cases, strict=False):
        y = np.arange(len(rules))[::-1]
        left = np.zeros(len(rules))
        for level in LEVELS:
            w = np.array([probabilities[(case, r)][level] for r in rules])
            ax.barh(y, w, left=left, color=LEVEL_COLOURS[level], height=0.7, label=level)
            left += w
        obs = observed.get(case)
        if obs is not None:
            for yi, r in zip(y, rules, strict=True):
                mark_observed(ax, probabilities[(case, r)], obs, yi, 0.7, linewidth=1.2)
        ax.set_yticks(y, [r.replace("_", " ") for r in rules], fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlim(0, 1)
        ax.set_title(textwrap.fill(case, 30), fontsize=7.5)
    for ax in list(axes.flat)[len(cases):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("probability", fontsize=8)
        ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes[-2][len(cases) % ncols:] if len(cases) % ncols and nrows > 1 else []:
        ax.set_xlabel("probability", fontsize=8)
        ax.xaxis.set_tick_params(labelbottom=True)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(Rectangle((0, 0), 0, 0, facecolor="none", edgecolor="black", linewidth=1.2))
    labels.append("observed rung (outlined)")
    fig.legend(handles, labels, ncols=3, loc="lower center", frameon=False)
    heading(fig, title, subtitle)
    fit(fig, 0.6)
    return fig


def subtitle_for(summary: Mapping[str, Any]) -> str:
    return caption(summary.get("replications"), summary.get("seed"), f"rule {summary.get('rule')}")
