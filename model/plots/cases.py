"""The figures of a folder of case runs (``csto-sim run CASE --out DIR/CASE`` for each case; ``csto-sim plot
DIR``): a posterior-predictive check and the member x case map of stances.

A folder of runs is their source, not ``replay``'s figure folder, because both figures need what only a run
folder keeps: every replication's days, stances and reasons (``replications.parquet``) and the case's
observed record with its sources (``manifest.json``). Run with ``--posterior``, the predicted distributions
integrate over the calibration's posterior: the check is then a posterior-predictive one.

- *ppc*: per case, the predicted distribution over the ladder with the observed rung outlined (the
  probability the model gives the observed rung is its cell), and the predicted days to decision (10-90%
  interval and median over the replications in which a measure passed) against the observed range.
- *stances*: per case and member, the share of replications in which the member objected to the measure
  requested, annotated with its most frequent reason for objecting; cells where the sources record an
  objection are outlined.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.patches import Rectangle

from ..errors import InputError
from ..ladder import LEVELS
from ..statistics import day_quantiles
from . import CASES_KINDS
from .data import CasesData, RunData
from .style import CATEGORY_COLOURS, caption, fit, heading, new_figure, save

SOURCES_NOTE = "observed: each case file's observed block and the sources it cites (docs/cases/)"


def draw_cases(data: CasesData, out: Path, kinds: Sequence[str] | None, fmt: str) -> list[Path]:
    kinds = list(kinds or CASES_KINDS)
    for k in kinds:
        if k not in CASES_KINDS:
            raise InputError("command line", "--kind", f"{k!r} is not a figure of a folder of runs", ", ".join(CASES_KINDS))
    out.mkdir(parents=True, exist_ok=True)
    r0 = data.runs[0].summary
    sub = caption(r0["replications"], r0["seed"], f"{len(data.runs)} cases")
    paths = []
    for kind in kinds:
        if kind == "ppc":
            rows = ppc_rows(data.runs)
            if not rows:
                raise InputError(str(data.folder), "", "holds no run of a case with an observed outcome",
                                 "run folders of historical cases")
            fig = ppc_figure(rows, "Posterior-predictive check: observed against predicted, per case",
                             f"{sub}; {SOURCES_NOTE}")
        else:
            fig = stance_map(*stance_cells(data.runs), "Who objects, and why: share of replications objecting "
                             "to the measure requested", f"{sub}; label: the most frequent reason for objecting")
        paths.append(save(fig, out / kind, fmt))
    return paths


def ppc_rows(runs: Sequence[RunData]) -> list[dict[str, Any]]:
    """Per run of a case with an observed outcome: the predicted ladder, the observed rung, the predicted
    days' quantiles and the observed days."""
    rows = []
    for run in runs:
        observed = run.summary.get("observed")
        if observed not in LEVELS:
            continue
        rows.append({"case": run.case_id, "probabilities": [float(run.summary["outcome_probabilities"][lvl])
                                                            for lvl in LEVELS],
                     "observed": observed, "days": day_quantiles(run.days),
                     "observed_days": (run.observed or {}).get("days")})
    return rows


def ppc_figure(rows: Sequence[dict[str, Any]], title: str, subtitle: str):
    """Left: cases x rungs, each cell the predicted probability, the observed rung outlined. Right: the
    predicted days (10-90% and median) against the observed range (grey), on a log scale."""
    n = len(rows)
    fig, (ladder, days) = new_figure(ncols=2, height=1.9 + 0.3 * n, gridspec_kw={"width_ratios": [3, 2]})
    grid = np.array([r["probabilities"] for r in rows])
    ladder.pcolormesh(np.arange(len(LEVELS) + 1), np.arange(n + 1), grid, cmap="Blues", vmin=0, vmax=1,
                      gid="ppc-ladder")
    for i, r in enumerate(rows):
        for j, p in enumerate(r["probabilities"]):
            ladder.text(j + 0.5, i + 0.5, f"{100 * p:.0f}" if p >= 0.005 else "", ha="center", va="center",
                        fontsize=6.5, color="white" if p > 0.6 else "black")
        j = LEVELS.index(r["observed"])
        ladder.add_patch(Rectangle((j + 0.04, i + 0.06), 0.92, 0.88, facecolor="none", edgecolor="#D55E00",
                                   linewidth=1.8, gid=f"observed-{r['case']}"))
    ladder.add_patch(Rectangle((0, 0), 0, 0, facecolor="none", edgecolor="#D55E00", linewidth=1.8,
                               label="observed rung"))
    ladder.set_xticks(np.arange(len(LEVELS)) + 0.5, [lvl[:5] + "." if len(lvl) > 7 else lvl for lvl in LEVELS],
                      fontsize=7)
    ladder.set_yticks(np.arange(n) + 0.5, [r["case"] for r in rows], fontsize=7)
    ladder.set_ylim(n, 0)
    ladder.set_xlabel("predicted probability of each rung (%)", fontsize=8)
    ladder.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, fontsize=7)
    _days_panel(days, rows)
    heading(fig, title, subtitle)
    fit(fig)
    return fig


def _days_panel(ax: Any, rows: Sequence[dict[str, Any]]) -> None:
    for i, r in enumerate(rows):
        obs = r["observed_days"]
        if obs is not None:
            lo, hi = max(obs[0], 0.01), max(obs[1], obs[0] * 1.1, 0.012)
            ax.add_patch(Rectangle((lo, i + 0.15), hi - lo, 0.7, color="#BBBBBB", linewidth=0, gid=f"days-{r['case']}"))
        q = r["days"]
        if q["p10"] is not None:
            ax.plot([max(q["p10"], 0.01), max(q["p90"], 0.01)], [i + 0.5, i + 0.5], color=CATEGORY_COLOURS[0], lw=2)
            ax.plot([max(q["p50"], 0.01)], [i + 0.5], "o", color=CATEGORY_COLOURS[0], ms=3.5)
    ax.add_patch(Rectangle((0, 0), 0, 0, color="#BBBBBB", label="observed range"))
    ax.plot([], [], color=CATEGORY_COLOURS[0], lw=2, marker="o", ms=3.5, label="predicted 10-90%, median")
    ax.set_xscale("log")
    ends = [v for r in rows for v in (*(r["observed_days"] or ()), r["days"]["p10"], r["days"]["p90"]) if v is not None]
    ax.set_xlim(0.008, max(10.0, 2 * max(ends, default=10.0)))
    ax.set_ylim(len(rows), 0)
    ax.set_yticks(np.arange(len(rows)) + 0.5, [""] * len(rows))
    ax.set_xlabel("days to decision (log; < 0.01 at 0.01)", fontsize=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, fontsize=7, ncols=1)


def stance_cells(runs: Sequence[RunData]) -> tuple[list[str], list[str], np.ndarray, list[list[str]], np.ndarray]:
    """Cases, members (every member of any case), the share objecting (NaN: not a member of that case's
    organisation), the reason for objecting, and whether the sources record an objection."""
    cases = [r.case_id for r in runs]
    members = sorted({m for r in runs for m in r.members})
    share = np.full((len(cases), len(members)), np.nan)
    reasons = [[""] * len(members) for _ in cases]
    sources = np.zeros(share.shape, dtype=bool)
    for i, run in enumerate(runs):
        recorded = run.observed_record().get("reasons") or {}
        for m in run.members:
            j = members.index(m)
            share[i, j] = float(run.summary["objection_rate"][m])
            reasons[i][j] = run.objecting_reason.get(m) or ""
            sources[i, j] = isinstance(recorded.get(m), dict) and recorded[m].get("stance") == "object"
    return cases, members, share, reasons, sources


def stance_map(cases: list[str], members: list[str], share: np.ndarray, reasons: list[list[str]],
               sources: np.ndarray, title: str, subtitle: str):
    """Cases (rows) x members (columns): the share objecting, each cell annotated with the share and, when at
    least 5%, the reason for objecting; outlined where the sources record an objection."""
    fig, ax = new_figure(height=1.9 + 0.42 * len(cases))
    mesh = ax.pcolormesh(np.arange(len(members) + 1), np.arange(len(cases) + 1), np.ma.masked_invalid(share),
                         cmap="Oranges", vmin=0, vmax=1, gid="stances")
    ax.set_facecolor("#EEEEEE")
    for i in range(len(cases)):
        for j in range(len(members)):
            v = share[i, j]
            if np.isnan(v):
                ax.text(j + 0.5, i + 0.5, "not a member", ha="center", va="center", fontsize=5.5, color="#777777")
                continue
            text = f"{100 * v:.0f}%" + (f"\n{textwrap.fill(reasons[i][j], 11)}" if v >= 0.05 and reasons[i][j] else "")
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=5.5,
                    color="white" if v > 0.6 else "black", gid=f"cell-{cases[i]}-{members[j]}")
            if sources[i, j]:
                ax.add_patch(Rectangle((j + 0.04, i + 0.06), 0.92, 0.88, facecolor="none", edgecolor="black",
                                       linewidth=1.4, linestyle="--", gid=f"source-{cases[i]}-{members[j]}"))
    ax.add_patch(Rectangle((0, 0), 0, 0, facecolor="none", edgecolor="black", linestyle="--", linewidth=1.4,
                           label="the sources record an objection"))
    ax.set_xticks(np.arange(len(members)) + 0.5, members, fontsize=7, rotation=25, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(np.arange(len(cases)) + 0.5, cases, fontsize=7)
    ax.set_ylim(len(cases), 0)
    ax.set_xlabel("member")
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", frameon=False, fontsize=7)
    fig.colorbar(mesh, ax=ax, shrink=0.6, aspect=30, label="share of replications objecting")
    heading(fig, title, subtitle)
    fit(fig, 0.3)
    return fig
