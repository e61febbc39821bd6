"""Where a figure is drawn: one function per figure, from plain data to a matplotlib Figure.

Each function takes the numbers it draws (never a model) so that tests can check what is drawn against
what was computed. Saving is ``style.save``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..ladder import LEVELS, MEASURES
from .style import CATEGORY_COLOURS, LEVEL_COLOURS, caption, new_figure

MEASURE_NAMES = MEASURES


def wilson_interval(successes: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (Wilson 1927): (low, high)."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    p = np.divide(successes, n, out=np.zeros_like(successes), where=n > 0)
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def outcome_bars(labels: Sequence[str], probabilities: Sequence[Mapping[str, float]],
                 observed: Sequence[str | None], title: str, subtitle: str):
    """Stacked bars of the four ladder levels per case, with the observed outcome marked (a black
    diamond in the middle of the observed level's segment)."""
    fig, ax = new_figure(height=max(3.0, 1.0 + 0.55 * len(labels)))
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for level in LEVELS:
        widths = np.array([p[level] for p in probabilities])
        ax.barh(y, widths, left=left, color=LEVEL_COLOURS[level], edgecolor="white", linewidth=0.5, label=level,
                height=0.7, gid=f"level-{level}")
        left += widths
    for yi, p, obs in zip(y, probabilities, observed, strict=True):
        if obs is None:
            continue
        start = sum(p[lvl] for lvl in LEVELS[:LEVELS.index(obs)])
        ax.plot([start + p[obs] / 2], [yi], marker="D", color="black", markersize=7, linestyle="none",
                gid="observed")
    ax.plot([], [], marker="D", color="black", linestyle="none", label="observed")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (share of replications)")
    fig.suptitle(f"{title}\n{subtitle}", x=0.02, ha="left", fontsize=11)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, ncols=5, loc="lower center", frameon=False)
    fig.tight_layout(rect=(0, 0.07 if len(labels) > 2 else 0.12, 1, 1))
    return fig


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
        ecdf.legend(frameon=False, loc="lower right")
    hist.set_xlabel("days from request to decision")
    hist.set_ylabel("replications")
    ecdf.set_xlabel("days from request to decision")
    ecdf.set_ylabel("cumulative share")
    ecdf.set_ylim(0, 1.02)
    fig.suptitle(f"{title}\n{subtitle}", x=0.02, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def troops_by_member(members: Sequence[str], troops: np.ndarray, title: str, subtitle: str,
                     observed: Mapping[str, tuple[float, float]] | None = None):
    """Troops sent by each member over the replications that deployed (box plots), with the sources'
    range where recorded."""
    fig, ax = new_figure(height=3.8)
    if troops.shape[0] == 0:
        ax.text(0.5, 0.5, "no replication ended in a deployment", ha="center", transform=ax.transAxes)
    else:
        ax.boxplot([troops[:, i] for i in range(len(members))], tick_labels=list(members), showfliers=False,
                   medianprops={"color": "black"}, patch_artist=True,
                   boxprops={"facecolor": LEVEL_COLOURS["deployment"], "alpha": 0.6})
    for i, m in enumerate(members):
        if observed and m in observed:
            lo, hi = observed[m]
            ax.plot([i + 1.3, i + 1.3], [lo, max(hi, lo + 1)], color="black", linewidth=3, solid_capstyle="butt",
                    label="sources' range" if i == 0 or m == members[0] else None)
    if observed:
        ax.plot([], [], color="black", linewidth=3, label="sources' range")
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        ax.legend(unique.values(), unique.keys(), frameon=False)
    ax.set_ylabel("troops")
    ax.set_title(f"{title}\n{subtitle}", loc="left")
    fig.tight_layout()
    return fig


def objections_by_member(members: Sequence[str], rates: Mapping[str, float], reasons: Mapping[str, str | None],
                         title: str, subtitle: str):
    """Share of replications in which each member objected to the measure requested, labelled with its
    dominant reason."""
    fig, ax = new_figure(height=max(2.8, 0.9 + 0.45 * len(members)))
    y = np.arange(len(members))[::-1]
    values = np.array([rates[m] for m in members])
    ax.barh(y, values, color=CATEGORY_COLOURS[0], height=0.6, gid="objection-rate")
    for yi, m, v in zip(y, members, values, strict=True):
        ax.text(min(v, 1.0) + 0.01, yi, reasons.get(m) or "", va="center", fontsize=8)
    ax.set_yticks(y, list(members))
    ax.set_xlim(0, 1.45)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_xlabel("objection rate (share of replications objecting to the measure requested)")
    ax.set_title(f"{title}\n{subtitle}", loc="left")
    fig.tight_layout()
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
    fig.suptitle(f"{title}\n{subtitle}", x=0.02, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def oat_lines(panels: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]], replications: int, title: str,
              subtitle: str, baselines: Mapping[str, float | None] | None = None):
    """One-at-a-time sweeps: for each factor (a panel), the probability of each ladder level (or each
    case's deployment) against the factor's value, with 95% Wilson intervals."""
    names = list(panels)
    ncols = min(3, len(names))
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=2.7 * nrows + 1.2, squeeze=False, sharey=True)
    for ax, factor in zip(axes.flat, names, strict=False):
        for i, (label, (xs, p)) in enumerate(panels[factor].items()):
            order = np.argsort(xs)
            xs, p = np.asarray(xs, dtype=float)[order], np.asarray(p, dtype=float)[order]
            lo, hi = wilson_interval(p * replications, np.full(p.shape, replications))
            colour = LEVEL_COLOURS.get(label, CATEGORY_COLOURS[i % 10])
            ax.plot(xs, p, color=colour, marker="o", markersize=3, label=label, gid=f"line-{factor}-{label}")
            ax.fill_between(xs, lo, hi, color=colour, alpha=0.25, linewidth=0)
        base = (baselines or {}).get(factor)
        if base is not None:
            ax.axvline(base, color="black", linestyle=":", linewidth=0.8, label="default")
        ax.set_xlabel(factor)
        ax.set_ylim(-0.02, 1.02)
    for row in axes:
        row[0].set_ylabel("probability (95% Wilson)")
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, ncols=min(5, len(labels)), loc="lower center", frameon=False, fontsize=8)
    fig.suptitle(f"{title}\n{subtitle}", x=0.02, ha="left", fontsize=11)
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0.45 / height, 1, 1 - 0.6 / height))
    return fig


def rule_comparison(cases: Sequence[str], rules: Sequence[str], probabilities: Mapping[tuple[str, str], Mapping[str, float]],
                    observed: Mapping[str, str | None], title: str, subtitle: str):
    """The outcome distribution of each case under each decision rule: one panel per case, one stacked
    bar per rule, the observed outcome marked."""
    ncols = min(2, len(cases))
    nrows = int(np.ceil(len(cases) / ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=1.9 * nrows + 1.0, squeeze=False, sharex=True)
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
                p = probabilities[(case, r)]
                start = sum(p[lvl] for lvl in LEVELS[:LEVELS.index(obs)])
                ax.plot([start + p[obs] / 2], [yi], marker="D", color="black", markersize=4, linestyle="none")
        ax.set_yticks(y, [r.replace("_", " ") for r in rules], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_title(case, fontsize=9)
    for ax in list(axes.flat)[len(cases):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, ncols=4, loc="lower center", frameon=False)
    fig.suptitle(f"{title}\n{subtitle}", x=0.02, ha="left", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def subtitle_for(summary: Mapping[str, Any]) -> str:
    return caption(summary.get("replications"), summary.get("seed"), f"rule {summary.get('rule')}")
