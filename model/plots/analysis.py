"""The analyses' figures: Sobol'/Morris bars and the PRIM peeling trade-off.

As in ``figures.py``, each function takes the numbers it draws (never a model) and returns a
matplotlib Figure; ``model.plots.style.save`` writes it (no timestamps: the same data give the same file).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..statistics import COLUMN_LABELS as OUTPUTS
from .style import CATEGORY_COLOURS, fit, heading, new_figure


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
            ax.set_xlabel("elementary effect\n(per whole range of the factor)", fontsize=8)
        ax.set_yticks(y, factors, fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    handles = _legend_below(fig, axes)
    what = "Sobol' indices (95% CI)" if report["method"] == "sobol" else "Morris mu* (95% CI) and sigma"
    cases = report["cases"][0]["scenario"] if len(report["cases"]) == 1 else f"{len(report['cases'])} cases"
    heading(fig, f"{what}: {report['experiment']['name']} ({cases})",
            f"{report['points']:,} points x {report['replications']:,} replications, seed {report['seed']}")
    rows = -(-len(handles) // 4)
    fit(fig, (0.15 + 0.2 * rows))
    return fig


def _legend_below(fig: Any, axes: Any) -> dict[str, Any]:
    """One legend under the panels, never over the bars: every label of every panel, once."""
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), ncols=min(4, max(1, len(handles))), loc="lower center",
               frameon=False, fontsize=7)
    return handles


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
    heading(fig, title, subtitle)
    fit(fig)
    return fig


def _box_dims(report: dict[str, Any]) -> list[str]:
    """The two numeric factors the boxes restrict first (box 1's, then the later boxes', then the other
    numeric factors in the sweep's order)."""
    numeric = list(report["dimensions"]["numeric"])
    restricted = [d for b in report["boxes"] for d in b["restricted"] if d in numeric]
    return list(dict.fromkeys(restricted + numeric))[:2]


def prim_points(report: dict[str, Any], sweep: Any) -> dict[str, Any]:
    """The sweep's points PRIM ran on (same filter: points that ran, of ``report['scenario']`` if given, with
    a value of the outcome and of the factors), on the two factors the boxes restrict, and whether each has
    the event."""
    from .data import usable

    dims = _box_dims(report)
    if len(dims) < 2:
        from ..errors import InputError

        raise InputError(str(sweep.folder), "design.factors", "PRIM boxes are drawn over two numeric factors",
                         "a sweep varying at least two numeric factors")
    y = sweep.column(report["outcome"])
    keep = usable(sweep) & ~np.isnan(y)
    if report.get("scenario"):
        keep &= sweep.column("scenario") == report["scenario"]
    cols = {d: sweep.column(d) for d in report["dimensions"]["numeric"]}
    for v in cols.values():
        keep &= ~np.isnan(v)
    event = y[keep] < report["threshold"] if report["below"] else y[keep] >= report["threshold"]
    return {"x_name": dims[0], "y_name": dims[1], "x": cols[dims[0]][keep], "y": cols[dims[1]][keep], "event": event}


def box_rectangle(box: dict[str, Any], points: dict[str, Any]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a box's limits on the two drawn factors (an unrestricted side: the points' range).
    On a grid (a factor with at most 50 distinct values) the rectangle reaches half a grid step beyond the
    outermost values inside, so that it encloses the points on its edges (a box restricted to one value
    still shows)."""
    out = []
    for axis in ("x", "y"):
        values = np.unique(points[axis])
        limit = box["limits"].get(points[f"{axis}_name"])
        inside = values[(values >= limit[0]) & (values <= limit[1])] if limit else values
        inside = inside if inside.size else values
        pad = float(np.min(np.diff(values))) / 2 if 1 < values.size <= 50 else 0.0
        out.append((float(inside.min()) - pad, float(inside.max()) + pad))
    (x0, x1), (y0, y1) = out
    return x0, y0, x1, y1


def prim_boxes(points: dict[str, Any], boxes: list[dict[str, Any]], title: str, subtitle: str):
    """The points (with the event: orange; without: grey) over the two factors, each box's limits on them
    drawn as a numbered rectangle with its coverage and density; restrictions on other factors named."""
    from matplotlib.patches import Rectangle

    fig, ax = new_figure(height=5.0)
    ev = points["event"]
    size = 5 if len(ev) > 500 else 14
    ax.scatter(points["x"][~ev], points["y"][~ev], s=size, color="#BBBBBB", linewidths=0, label="no event",
               gid="no-event")
    ax.scatter(points["x"][ev], points["y"][ev], s=size, color="#E69F00", linewidths=0, label="event (drawn on top)",
               gid="event")
    notes = []
    for k, box in enumerate(boxes):
        x0, y0, x1, y1 = box_rectangle(box, points)
        colour = CATEGORY_COLOURS[(k * 2) % len(CATEGORY_COLOURS)]
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor=colour, linewidth=2,
                               gid=f"box-{k + 1}", label=f"box {k + 1}: coverage {box['coverage']:.2f}, "
                                                          f"density {box['density']:.2f}"))
        ax.annotate(f"{k + 1}", (x0, y1), xytext=(3, -11), textcoords="offset points", color=colour, fontsize=10,
                    fontweight="bold")
        others = [d for d in box["restricted"] if d not in (points["x_name"], points["y_name"])]
        if others:
            notes.append(f"box {k + 1} also restricts {', '.join(others)}")
    ax.set_xlabel(points["x_name"])
    ax.set_ylabel(points["y_name"])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7, markerscale=2)
    heading(fig, title, subtitle + ("; " + "; ".join(notes) if notes else ""))
    fit(fig)
    return fig
