"""Which figures a results folder gets, and drawing them to files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..ladder import LEVELS, Level
from ..params import SPECS, Parameters
from . import KINDS as KINDS
from . import RUN_KINDS
from . import figures as F
from .approval import approval_available, approval_map_data, approval_map_figure, caption_note
from .data import RunData, SweepData, load
from .style import caption, save


def check_figure_dir(folder: Path) -> None:
    """Check that ``folder`` can take figures: a folder, or a path that can become one."""
    if folder.exists() and not folder.is_dir():
        raise InputError("command line", "--plot", f"{folder}: exists and is not a folder", "a folder for figures")
    existing = folder.parent if str(folder.parent) else Path(".")
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError("command line", "--plot", f"{folder}: {existing} is not a folder", "a path under a folder")


def draw_folder(results: Path, out: Path | None = None, kinds: Sequence[str] | None = None,
                fmt: str = "png") -> list[Path]:
    """Draw the figures of a saved results folder (a run's or a sweep's) into ``out`` (default:
    RESULTS/figures); never reruns the model."""
    data = load(results)
    out = out if out is not None else results / "figures"
    check_figure_dir(out)
    if isinstance(data, RunData):
        return draw_run(data, out, kinds, fmt)
    return draw_sweep(data, out, kinds, fmt)


def draw_run(run: RunData, out: Path, kinds: Sequence[str] | None = None, fmt: str = "png") -> list[Path]:
    """The figures of one case's run."""
    s = run.summary
    kinds = list(kinds or RUN_KINDS)
    _check_kinds(kinds, RUN_KINDS, "a run folder")
    title = f"{s['title']} [{s['scenario']}]"
    sub = caption(s["replications"], s["seed"], f"rule {s['rule']}")
    paths = []
    out.mkdir(parents=True, exist_ok=True)
    observed = run.observed or {}
    for kind in kinds:
        if kind == "outcomes":
            fig = F.outcome_bars([s["scenario"]], [s["outcome_probabilities"]], [s.get("observed")],
                                 f"Outcome distribution: {s['title']}", sub)
        elif kind == "days":
            fig = F.days_distribution(run.days, f"Days to decision: {title}", sub, observed.get("days"))
        elif kind == "troops":
            deployed = run.outcome == Level.DEPLOYMENT
            fig = F.troops_by_member(run.members, run.troops[deployed], f"Troops by member on deployment: {title}",
                                     caption(int(deployed.sum()), s["seed"], "replications that deployed"),
                                     observed.get("troops"))
        elif kind == "objections":
            fig = F.objections_by_member(run.members, s["objection_rate"], s.get("dominant_reason", {}),
                                         f"Objections and their dominant reasons: {title}", sub)
        else:  # trace
            if not run.trace:
                raise InputError(str(run.folder), "trace.json", "missing: this run recorded no trace",
                                 "a folder written by 'csto-sim run --out' of this version")
            params = s.get("parameters", {})
            defaults = Parameters()
            fig = F.decision_trace(run.members, run.trace, f"Decision trace: {title}",
                                   f"replication 0 of {s['replications']:,}, seed {s['seed']}, rule {s['rule']}",
                                   params.get("objection_threshold", defaults.objection_threshold),
                                   params.get("delay_threshold", defaults.delay_threshold))
        paths.append(save(fig, out / kind, fmt))
    return paths


def draw_replay(summaries: Sequence[dict[str, Any]], out: Path, fmt: str = "png") -> list[Path]:
    """All historical cases side by side: their outcome distributions and the observed outcomes."""
    out.mkdir(parents=True, exist_ok=True)
    s0 = summaries[0]
    fig = F.outcome_bars([s["scenario"] for s in summaries], [s["outcome_probabilities"] for s in summaries],
                         [s["observed"] for s in summaries], "Replay of the historical cases: modelled against observed",
                         caption(s0["replications"], s0["seed"], f"rule {s0['rule']}, default parameters"))
    return [save(fig, out / "replay-outcomes", fmt)]


# -- sweeps -----------------------------------------------------------------------------------------

def _numeric_factors(sweep: SweepData) -> list[dict[str, Any]]:
    return [f for f in sweep.factors if f["kind"] in ("real", "integer") and f["name"] in sweep.table.column_names]


def _rule_factor(sweep: SweepData) -> bool:
    return any(f["target"] == "rule" for f in sweep.factors)


def _subtitle(sweep: SweepData, extra: str = "") -> str:
    m = sweep.manifest
    text = f"per point; experiment {m['experiment']['name']}" + (f"; {extra}" if extra else "")
    return caption(m.get("replications"), m.get("seeds", {}).get("seed"), text)


def _ok(sweep: SweepData) -> np.ndarray:
    if "error" in sweep.table.column_names:
        return np.array([e is None for e in sweep.table.column("error").to_pylist()])
    return np.ones(sweep.table.num_rows, dtype=bool)


def probability_grid(x: np.ndarray, y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of ``p`` on the grid of the distinct values of ``x`` and ``y`` (rows: y, columns: x)."""
    xs, ys = np.unique(x), np.unique(y)
    total = np.zeros((len(ys), len(xs)))
    count = np.zeros((len(ys), len(xs)))
    np.add.at(total, (np.searchsorted(ys, y), np.searchsorted(xs, x)), p)
    np.add.at(count, (np.searchsorted(ys, y), np.searchsorted(xs, x)), 1)
    with np.errstate(invalid="ignore"):
        return xs, ys, np.where(count > 0, total / np.maximum(count, 1), np.nan)


def draw_sweep(sweep: SweepData, out: Path, kinds: Sequence[str] | None = None, fmt: str = "png") -> list[Path]:
    """The figures a sweep supports: by default every kind its design allows."""
    numeric = _numeric_factors(sweep)
    available = ["outcomes"]
    if approval_available(sweep):
        available.append("approval-map")
    if numeric:
        available.append("oat")
    if _rule_factor(sweep):
        available.append("rules")
    kinds = list(kinds or available)
    if "approval-map" in kinds and "approval-map" not in available:
        approval_map_data(sweep)  # says what the sweep lacks, in one line
    _check_kinds(kinds, tuple(available), "this sweep")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    name = sweep.manifest["experiment"]["name"]
    ok = _ok(sweep)
    scenarios = sweep.column("scenario")
    for kind in kinds:
        if kind == "outcomes":
            cases = list(dict.fromkeys(scenarios[ok]))
            probs = [{lvl: float(np.nanmean(sweep.column(f"p_{lvl}")[ok & (scenarios == c)])) for lvl in LEVELS}
                     for c in cases]
            fig = F.outcome_bars(cases, probs, [None] * len(cases), f"Outcome distribution averaged over the sweep: {name}",
                                 _subtitle(sweep))
        elif kind == "approval-map":
            data = approval_map_data(sweep)
            fig = approval_map_figure(data, "When does the CSTO approve the measure requested? P(approved)",
                                      _subtitle(sweep, caption_note(data)))
        elif kind == "oat":
            fig = _oat_figure(sweep, [f["name"] for f in numeric], ok, scenarios, name)
        else:  # rules
            rules = list(dict.fromkeys(sweep.column("rule")[ok]))
            cases = list(dict.fromkeys(scenarios[ok]))
            rule_col = sweep.column("rule")
            probs = {(c, r): {lvl: float(np.nanmean(sweep.column(f"p_{lvl}")[ok & (scenarios == c) & (rule_col == r)]))
                              for lvl in LEVELS} for c in cases for r in rules}
            fig = F.rule_comparison(cases, rules, probs, {c: sweep.observed_outcome(c) for c in cases},
                                    f"Outcome by decision rule: {name}", _subtitle(sweep))
        paths.append(save(fig, out / kind, fmt))
    return paths


def _oat_figure(sweep: SweepData, factors: Sequence[str], ok: np.ndarray, scenarios: np.ndarray, name: str):
    """Each numeric factor against the outcome probabilities, averaged over the other factors (in a
    one-at-a-time design the others sit at their baseline)."""
    panels: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    columns = {f: sweep.column(f) for f in factors}
    one_at_a_time = sweep.manifest.get("design", {}).get("method") == "one_at_a_time"
    # In a one-at-a-time design every factor sits at its baseline, its most frequent value, in the rows
    # that vary another factor: a factor's line uses only the rows where all the others are at baseline.
    baseline = {f: _mode(v[~np.isnan(v)]) for f, v in columns.items()}
    for factor in factors:
        x = columns[factor]
        sel = ok & ~np.isnan(x)
        if one_at_a_time:
            for other in factors:
                if other != factor:
                    sel &= columns[other] == baseline[other]
        cases = list(dict.fromkeys(scenarios[sel]))
        series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if len(cases) == 1:
            for lvl in LEVELS:
                xs, _, grid = probability_grid(x[sel], np.zeros(sel.sum()), sweep.column(f"p_{lvl}")[sel])
                series[lvl] = (xs, grid[0])
        else:
            for c in cases:
                s2 = sel & (scenarios == c)
                xs, _, grid = probability_grid(x[s2], np.zeros(s2.sum()), sweep.column("p_deployment")[s2])
                series[f"{c}: deployment"] = (xs, grid[0])
        panels[factor] = series
    defaults = Parameters()
    baselines = {f: float(getattr(defaults, f)) if f in SPECS else None for f in factors}
    return F.oat_lines(panels, int(sweep.manifest.get("replications") or 1),
                       f"One factor at a time: {name}", _subtitle(sweep), baselines)


def _mode(values: np.ndarray) -> float:
    if values.size == 0:
        return float("nan")
    uniq, counts = np.unique(values, return_counts=True)
    return float(uniq[np.argmax(counts)])


def _check_kinds(kinds: Sequence[str], allowed: tuple[str, ...], what: str) -> None:
    for k in kinds:
        if k not in allowed:
            raise InputError("command line", "--kind", f"{k!r} is not a figure of {what}", ", ".join(allowed))
