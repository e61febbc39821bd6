"""Which figures a results folder gets, and drawing them to files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..ladder import LEVELS, Level
from ..params import Parameters
from ..statistics import MIN_DEPLOYED
from . import CALIBRATION_KINDS, DISCOVER_KINDS, EXPLAIN_KINDS, RUN_KINDS
from . import KINDS as KINDS
from . import data as data_mod
from . import figures as F
from . import sweeps as S
from .approval import approval_available, approval_map_data, approval_map_figure, caption_note
from .data import EXPLAIN_REPORT, CalibrationData, CasesData, ExplainData, RunData, SweepData, load
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
                fmt: str = "png", outcome: str = "p_deployment") -> list[Path]:
    """Draw the figures of a saved results folder (a run's, a sweep's, a folder of runs, an explanation's or
    a scenario discovery's) into ``out`` (default: RESULTS/figures); never reruns the model. ``outcome``:
    the sweep column the curves, partial dependence and tornado draw."""
    data = load(results)
    out = out if out is not None else results / "figures"
    check_figure_dir(out)
    if isinstance(data, RunData):
        return draw_run(data, out, kinds, fmt)
    if isinstance(data, SweepData):
        return draw_sweep(data, out, kinds, fmt, outcome)
    from . import cases as C

    if isinstance(data, CasesData):
        return C.draw_cases(data, out, kinds, fmt)
    if isinstance(data, ExplainData):
        _check_kinds(list(kinds or EXPLAIN_KINDS), EXPLAIN_KINDS, "an explanation's folder")
        return [draw_explain(data.report, out, fmt)]
    if isinstance(data, CalibrationData):
        _check_kinds(list(kinds or CALIBRATION_KINDS), CALIBRATION_KINDS, "a calibration's folder")
        return [draw_calibration(data, out)]
    _check_kinds(list(kinds or DISCOVER_KINDS), DISCOVER_KINDS, "a discovery's folder")
    return [draw_prim_boxes(data.report, data.sweep, out, fmt)]


def draw_calibration(data: CalibrationData, out: Path) -> Path:
    """The posterior figure of a calibration's folder, as ``csto-sim calibrate`` draws it (``posterior.png``)."""
    from .posterior import draw_posterior, posterior_heading

    rec = data.record
    out.mkdir(parents=True, exist_ok=True)
    title, subtitle = posterior_heading(len(data.calibrated), rec["accepted"], rec["draws"], rec["acceptance_rate"],
                                        rec["replications"], rec["seed"])
    return draw_posterior(data.values(), data.weights(), data.calibrated, rec["posterior"], out / "posterior.png",
                          title=title, subtitle=subtitle)


def write_explain(report: dict[str, Any], out: Path, fmt: str = "png") -> list[Path]:
    """``csto-sim explain --plot DIR``: the report as ``DIR/explain.json`` (which ``csto-sim plot DIR`` redraws
    from) and the waterfall."""
    from ..files.atomic import json_text, write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(json_text(report, default=_plain), out / EXPLAIN_REPORT)
    return [out / EXPLAIN_REPORT, draw_explain(report, out, fmt)]


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (set, frozenset, tuple)):
        return list(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def draw_explain(report: dict[str, Any], out: Path, fmt: str = "png") -> Path:
    """The waterfall of an explanation's mechanism contributions (``csto-sim explain --plot``)."""
    from .explain import waterfall, waterfall_steps

    out.mkdir(parents=True, exist_ok=True)
    rung = report.get("pivotal", {}).get("requested") or report["modal"]
    if rung == "none":
        rung = report["measures"][-1]
    steps = {m: waterfall_steps(c, report["measures"].index(rung)) for m, c in report["contributions"].items()}
    fig = waterfall(steps, f"What moves each member's position on {rung}: {report['title']} [{report['scenario']}]",
                    caption(report["replications"], report["seed"], f"rule {report['rule']}; mean over replications"),
                    rung)
    return save(fig, out / "waterfall", fmt)


def draw_prim_boxes(report: dict[str, Any], sweep: SweepData, out: Path, fmt: str = "png") -> Path:
    """The boxes of a scenario discovery drawn on a scatter of the sweep's points over the two numeric
    factors the first box restricts (``csto-sim discover --plot``, or ``plot`` on its folder)."""
    from .analysis import prim_boxes, prim_points

    out.mkdir(parents=True, exist_ok=True)
    points = prim_points(report, sweep)
    fig = prim_boxes(points, report["boxes"], f"PRIM boxes: {report['event']}",
                     f"{report['experiment']}: {report['points']:,} points, {report['events']:,} with the event")
    return save(fig, out / "prim-boxes", fmt)


def draw_run(run: RunData, out: Path, kinds: Sequence[str] | None = None, fmt: str = "png") -> list[Path]:
    """The figures of one case's run."""
    kinds = list(kinds or RUN_KINDS)
    _check_kinds(kinds, RUN_KINDS, "a run folder")
    if "trace" in kinds and not run.trace:
        raise InputError(str(run.folder), "trace.json", "missing: this run recorded no trace",
                         "a folder written by 'csto-sim run --out' of this version")
    out.mkdir(parents=True, exist_ok=True)
    return [save(run_figure(run, kind), out / kind, fmt) for kind in kinds]


def run_figure(run: RunData, kind: str) -> Any:
    """One figure of a run's folder."""
    s = run.summary
    title = f"{s['title']} [{s['scenario']}]"
    sub = caption(s["replications"], s["seed"], f"rule {s['rule']}")
    observed = run.observed or {}
    if kind == "outcomes":
        return F.outcome_bars([s["scenario"]], [s["outcome_probabilities"]], [s.get("observed")],
                              f"Outcome distribution: {s['title']}", sub)
    if kind == "days":
        return F.days_distribution(run.days, f"Days to decision: {title}", sub, observed.get("days"))
    if kind == "troops":
        deployed = run.outcome == Level.DEPLOYMENT
        return F.troops_by_member(run.members, run.troops[deployed], f"Troops by member on deployment: {title}",
                                  caption(None, s["seed"], f"rule {s['rule']}"), observed.get("troops"),
                                  s["replications"], MIN_DEPLOYED)
    if kind == "objections":
        return F.objections_by_member(run.members, s["objection_rate"], run.objecting_reason,
                                      f"Objections and the reasons for objecting: {title}", sub, run.objecting_share)
    params = s.get("parameters", {})
    defaults = Parameters()
    return F.decision_trace(run.members, run.trace, f"Decision trace: {title}",
                            f"replication 0 of {s['replications']:,}, seed {s['seed']}, rule {s['rule']}",
                            params.get("objection_threshold", defaults.objection_threshold),
                            params.get("delay_threshold", defaults.delay_threshold))


def draw_replay(summaries: Sequence[dict[str, Any]], out: Path, fmt: str = "png") -> list[Path]:
    """All historical cases side by side: their outcome distributions and the observed outcomes."""
    out.mkdir(parents=True, exist_ok=True)
    s0 = summaries[0]
    fig = F.outcome_bars([s["scenario"] for s in summaries], [s["outcome_probabilities"] for s in summaries],
                         [s["observed"] for s in summaries], "Replay of the historical cases: modelled against observed",
                         caption(s0["replications"], s0["seed"], f"rule {s0['rule']}; observed: each case file's "
                                                                 "observed outcome and its sources (docs/cases/)"))
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


def sweep_kinds(sweep: SweepData) -> list[str]:
    """The figures a sweep's design supports."""
    numeric = _numeric_factors(sweep)
    available = ["outcomes"]
    sampled = sweep.method in S.SAMPLED
    if approval_available(sweep):
        available.append("approval-map")
    if numeric:
        available.append("pdp" if sampled else "curves")
    if sweep.method in ("one_at_a_time", "sobol"):
        available.append("tornado")
    if _rule_factor(sweep):
        available.append("rules")
    return available


def draw_sweep(sweep: SweepData, out: Path, kinds: Sequence[str] | None = None, fmt: str = "png",
               outcome: str = "p_deployment") -> list[Path]:
    """The figures a sweep supports: by default every kind its design allows."""
    available = sweep_kinds(sweep)
    kinds = list(kinds or available)
    if "approval-map" in kinds and "approval-map" not in available:
        approval_map_data(sweep)  # says what the sweep lacks, in one line
    _check_kinds(kinds, tuple(available), f"this sweep ({S.design_name(sweep)} design)")
    out.mkdir(parents=True, exist_ok=True)
    return [save(_sweep_figure(sweep, kind, outcome), out / kind, fmt) for kind in kinds]


def _sweep_figure(sweep: SweepData, kind: str, outcome: str) -> Any:
    name = sweep.manifest["experiment"]["name"]
    ok = _ok(sweep)
    scenarios = sweep.column("scenario")
    design = S.design_name(sweep)
    if kind == "outcomes":
        cases = list(dict.fromkeys(scenarios[ok]))
        probs = [{lvl: float(np.nanmean(sweep.column(f"p_{lvl}")[ok & (scenarios == c)])) for lvl in LEVELS}
                 for c in cases]
        return F.outcome_bars(cases, probs, [sweep.observed_outcome(c) for c in cases],
                              f"Outcome distribution averaged over the sweep: {name}", _subtitle(sweep))
    if kind == "approval-map":
        data = approval_map_data(sweep)
        return approval_map_figure(data, "When does the CSTO approve the measure requested? P(approved)",
                                   _subtitle(sweep, caption_note(data)))
    if kind == "curves":
        panels = S.curve_panels(sweep, outcome)
        split = sweep.categorical()
        how = ("other factors at baseline" if sweep.method == "one_at_a_time"
               else "other numeric factors averaged over their grid")
        by = f"one line per {' x '.join(split)}" if split else "one line per rung"
        label = outcome if split else "probability of each rung"
        return S.curves_figure(panels, int(sweep.manifest.get("replications") or 1),
                               f"{design.capitalize()}: {label} against each factor ({name})",
                               _subtitle(sweep, f"{by}; {how}"), label)
    if kind == "pdp":
        return S.pdp_figure(S.pdp_panels(sweep, outcome), f"Partial dependence of {outcome} ({design}, {name})",
                            _subtitle(sweep, "one line per case; the other factors vary over the sample"), outcome)
    if kind == "tornado":
        if sweep.method == "sobol":
            bars = data_mod.sobol_indices(sweep, outcome)
            title = f"Sobol' indices of {outcome}, largest total order first ({name})"
        else:
            bars = data_mod.swings(sweep, outcome)
            title = f"Swing of {outcome} per factor, largest first ({design}, {name})"
        return S.tornado_figure(bars, sweep.method, title, _subtitle(sweep), outcome)
    rules = list(dict.fromkeys(sweep.column("rule")[ok]))
    cases = list(dict.fromkeys(scenarios[ok]))
    rule_col = sweep.column("rule")
    probs = {(c, r): {lvl: float(np.nanmean(sweep.column(f"p_{lvl}")[ok & (scenarios == c) & (rule_col == r)]))
                      for lvl in LEVELS} for c in cases for r in rules}
    return F.rule_comparison(cases, rules, probs, {c: sweep.observed_outcome(c) for c in cases},
                             f"Outcome by decision rule: {name}", _subtitle(sweep))


def _check_kinds(kinds: Sequence[str], allowed: tuple[str, ...], what: str) -> None:
    for k in kinds:
        if k not in allowed:
            raise InputError("command line", "--kind", f"{k!r} is not a figure of {what}", ", ".join(allowed))
