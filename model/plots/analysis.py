"""The analyses' figures: Sobol'/Morris bars and the PRIM peeling trade-off.

As in ``figures.py``, each function takes the numbers it draws (never a model) and returns a
matplotlib Figure; ``model.plots.style.save`` writes it (no timestamps: the same data give the same file).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..statistics import COLUMN_LABELS as OUTPUTS
from .style import CATEGORY_COLOURS, new_figure


def sensitivity_bars(report: dict[str, Any]):
    """One panel per case and output: Sobol' S1 and ST with their confidence intervals, or Morris mu*
    (with its confidence interval) and sigma, per factor (and per categorical level for Morris)."""
    panels = [(case, out, res) for case in report["cases"] for out, res in case["outputs"].items()]
    factors = [f["name"] for f in report["factors"]
               if report["method"] == "sobol" or f["kind"] != "categorical"]
    height = max(3.0, 0.9 + 0.38 * len(factors) * (1 if report["method"] == "sobol" else 1.4))
    fig, axes = new_figure(height=height * len(panels) / 2 + 0.8, nrows=(len(panels) + 1) // 2,
                           ncols=min(2, len(panels)), squeeze=False)
    y = np.arange(len(factors))[::-1]
    for ax, (case, out, res) in zip(axes.flat, panels, strict=False):
        rows = [r for r in res["rows"] if "factor" in r and r["factor"] in factors and "mean" not in r]
        many = len(report["cases"]) > 1
        ax.set_title(f"{case['scenario']}: {OUTPUTS[out]}" if many else OUTPUTS[out], fontsize=9 if many else 10,
                     loc="left")
        if not rows:
            ax.text(0.5, 0.5, (res["notes"] or ["not computed"])[0].replace(": ", ":\n", 1), ha="center",
                    va="center", transform=ax.transAxes, fontsize=8, wrap=True)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        if report["method"] == "sobol":
            by = {r["factor"]: r for r in rows}
            for k, (key, label) in enumerate((("S1", "first order S1"), ("ST", "total order ST"))):
                vals = np.array([by[f][key] for f in factors])
                err = np.array([by[f][f"{key}_conf"] or 0.0 for f in factors])
                ax.barh(y + (0.2 if k == 0 else -0.2), vals, height=0.38, xerr=err, color=CATEGORY_COLOURS[k],
                        label=label, error_kw={"elinewidth": 0.8, "capsize": 2}, gid=f"sobol-{key}")
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_xlabel("share of variance")
        else:
            levels = list(dict.fromkeys(r["level"] for r in rows))
            width = 0.8 / len(levels)
            for k, level in enumerate(levels):
                by = {r["factor"]: r for r in rows if r["level"] == level}
                offset = 0.4 - width * (k + 0.5)
                mu = np.array([by[f]["mu_star"] if f in by else np.nan for f in factors])
                err = np.array([(by[f]["mu_star_conf"] or 0.0) if f in by else 0.0 for f in factors])
                sig = np.array([by[f]["sigma"] if f in by else np.nan for f in factors])
                colour = CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)]
                ax.barh(y + offset, mu, height=width * 0.9, xerr=err, color=colour, label=f"mu* ({level})",
                        error_kw={"elinewidth": 0.8, "capsize": 2}, gid=f"morris-mu-{k}")
                ax.plot(sig, y + offset, marker="D", linestyle="none", color="black", markersize=3.5,
                        gid=f"morris-sigma-{k}")
            ax.plot([], [], marker="D", linestyle="none", color="black", markersize=3.5, label="sigma")
            ax.set_xlabel("elementary effect per whole range")
        ax.set_yticks(y, factors, fontsize=8)
        ax.legend(frameon=False, fontsize=7, loc="best")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    what = "Sobol' indices (95% CI)" if report["method"] == "sobol" else "Morris mu* (95% CI) and sigma"
    cases = report["cases"][0]["scenario"] if len(report["cases"]) == 1 else f"{len(report['cases'])} cases"
    fig.suptitle(f"{what}: {report['experiment']['name']} ({cases})\n{report['points']:,} points x "
                 f"{report['replications']:,} replications, seed {report['seed']}", x=0.02, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def peeling_tradeoff(trajectories: list[list[dict[str, Any]]], selected: list[int], final: list[tuple[float, float]],
                     title: str, subtitle: str):
    """Coverage against density along each box's peeling trajectory, coloured by the number of restricted
    dimensions; the box selected on each trajectory ringed, and the final box (after pruning and pasting)
    marked with a cross and numbered."""
    fig, ax = new_figure(height=4.6)
    pts = [(b, p) for b, traj in enumerate(trajectories) for p in traj]
    dims = np.array([p["restricted"] for _, p in pts])
    top = int(dims.max()) if dims.size else 1
    cmap = __import__("matplotlib").colormaps["cividis"].resampled(max(top + 1, 2))
    sc = ax.scatter([p["coverage"] for _, p in pts], [p["density"] for _, p in pts], c=dims, cmap=cmap,
                    vmin=-0.5, vmax=top + 0.5, s=18, edgecolor="none", gid="trajectory")
    for b, (traj, sel, (cov, dens)) in enumerate(zip(trajectories, selected, final, strict=True)):
        p = traj[sel]
        ax.scatter([p["coverage"]], [p["density"]], s=120, facecolor="none", edgecolor="#D55E00", linewidth=1.6,
                   gid=f"selected-{b + 1}", label="selected on the trajectory" if b == 0 else None)
        ax.plot([p["coverage"], cov], [p["density"], dens], color="#D55E00", linewidth=0.8, linestyle=":")
        ax.scatter([cov], [dens], marker="X", s=70, color="#D55E00", gid=f"box-{b + 1}",
                   label="box (pruned and pasted)" if b == 0 else None)
        ax.annotate(f"box {b + 1}", (cov, dens), xytext=(6, -12), textcoords="offset points", fontsize=9,
                    color="#D55E00")
    ax.legend(frameon=False, loc="lower left", fontsize=8)
    cbar = fig.colorbar(sc, ax=ax, ticks=range(top + 1))
    cbar.set_label("restricted dimensions")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("coverage (share of the events in the box)")
    ax.set_ylabel("density (share of the box's points with the event)")
    fig.suptitle(f"{title}\n{subtitle}", x=0.02, ha="left", fontsize=11)
    fig.tight_layout()
    return fig
