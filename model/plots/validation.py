"""The validation's figure: the RPS of each held-out case's forecast by the model and by each baseline, and
the forecasts' 10th-90th percentile intervals of the days to decision against the recorded days.

It reads the validation's report (a JSON-ready mapping, ``model.calibrate.validate.validate``), never the
case files; saved byte-reproducibly (``style.save``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .style import CATEGORY_COLOURS, caption, new_figure, save


def _rps_panel(ax: Any, report: Mapping[str, Any], models: Sequence[str], labels: Mapping[str, str]) -> None:
    cases = report["cases"]
    y = np.arange(len(cases))
    height = 0.8 / len(models)
    top = max(0.05, 1.15 * max(r["models"][m]["rps"] for r in cases for m in models))
    for i, m in enumerate(models):
        values = [r["models"][m]["rps"] for r in cases]
        yy = y - 0.4 + (i + 0.5) * height
        ax.barh(yy, values, height=height, color=CATEGORY_COLOURS[i % 10],
                label=f"{labels[m]} (mean {report['means'][m]['rps']:.3f})")
        for v, at in zip(values, yy, strict=True):
            ax.text(v + 0.005 * top, at, f"{v:.3f}", va="center", fontsize=5, color="#333333")
    ax.set_yticks(y, [f"{r['case']}\n(observed: {r['observed']})" for r in cases], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, top)
    ax.set_xlabel("ranked probability score of the held-out case\n(0 = all weight on the observed rung)", fontsize=8)
    ax.set_title("Outcome: leave one case out")
    ax.legend(loc="upper right", ncol=1, fontsize=7, frameon=True, facecolor="white", edgecolor="#CCCCCC")


def _days_panel(ax: Any, report: Mapping[str, Any], models: Sequence[str], labels: Mapping[str, str]) -> None:
    decided = [r for r in report["cases"] if r["days"]]
    if not decided:
        ax.text(0.5, 0.5, "no held-out case records its days to decision", ha="center", va="center",
                transform=ax.transAxes)
        ax.axis("off")
        return
    height = 0.8 / len(models)
    for j, r in enumerate(decided):
        lo, hi = r["days_observed"]
        ax.axvspan(max(lo, 0.01), max(hi, lo * 1.05, 0.0105), ymin=1 - (j + 1) / len(decided),
                   ymax=1 - j / len(decided), color="#DDDDDD", zorder=0)
        for i, m in enumerate(models):
            d = r["days"][m]
            if d["p10"] is None:
                continue
            yy = j - 0.4 + (i + 0.5) * height
            ax.plot([max(d["p10"], 0.01), max(d["p90"], 0.01)], [yy, yy], color=CATEGORY_COLOURS[i % 10], lw=2)
            ax.plot([max(d["p50"], 0.01)], [yy], "o", color=CATEGORY_COLOURS[i % 10], ms=4)
    ax.set_xscale("log")
    ax.set_ylim(len(decided) - 0.5, -0.5)
    ax.set_yticks(range(len(decided)), [r["case"] for r in decided], fontsize=7)
    ax.set_xlabel("days to decision (log scale; below 0.01 drawn at 0.01)\n10-90% interval and median; "
                  "grey: the recorded days", fontsize=8)
    ax.set_title("Days to decision: leave one case out (colours as above)")


def draw_validation(report: Mapping[str, Any], path: Path, models: Sequence[str], labels: Mapping[str, str]) -> Path:
    """Draw the validation's figure to ``path`` (PNG)."""
    n_cases = len(report["cases"])
    n_days = max(1, sum(1 for r in report["cases"] if r["days"]))
    fig, (top, bottom) = new_figure(height=2.0 + 0.45 * n_cases + 0.5 * n_days + 1.2, nrows=2,
                                    gridspec_kw={"height_ratios": [n_cases + 1, n_days + 1]})
    _rps_panel(top, report, models, labels)
    _days_panel(bottom, report, models, labels)
    fig.suptitle("Out-of-sample validation of the council model", fontsize=11)
    fig.text(0.5, 0.005, caption(report["replications"], report["seed"],
                                 f"{report['draws']:,} parameter sets from the priors, "
                                 f"{100 * report['accept_quantile']:g}% kept per fold"),
             ha="center", va="bottom", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return save(fig, path, "png")
