"""Scenario discovery on a sweep's results (``csto-sim discover``): read the sweep's factors and an outcome
column, run PRIM (:mod:`.prim`) on the event ``OUTCOME >= THRESHOLD`` (or ``<``), and write ``prim.json``,
the peeling trade-off figure and a manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..ladder import LEVELS
from .output import jsonable, manifest, prepare_out, write_out
from .prim import prim

OUTCOME_COLUMNS = tuple(f"p_{lvl}" for lvl in LEVELS)


def load_sweep_for_prim(folder: Path, outcome: str, scenario: str | None) -> tuple[dict[str, np.ndarray], np.ndarray,
                                                                                 list[str], list[str], dict[str, Any]]:
    """The factor columns (numeric and categorical), the outcome column and the manifest of a sweep folder."""
    from ..plots import data as plot_data

    data = plot_data.load(folder)
    where = str(folder)
    if not isinstance(data, plot_data.SweepData):
        raise InputError(where, "", "is a single run's folder, not a sweep", "a folder written by 'csto-sim sweep'")
    table = data.table
    factors = data.factors
    if not isinstance(factors, list) or not all(isinstance(f, dict) and "name" in f for f in factors):
        raise InputError(where, "manifest.json: design.factors", "is not a list of factors (corrupt or another version)",
                         "a complete sweep folder")
    if outcome not in table.column_names:
        raise InputError(where, "results.parquet", f"has no column {outcome}", "a sweep recording outcome_probabilities")
    keep = np.array([e is None for e in table.column("error").to_pylist()]) if "error" in table.column_names \
        else np.ones(table.num_rows, dtype=bool)
    scenarios = np.array(table.column("scenario").to_pylist(), dtype=object)
    if scenario is not None:
        known = sorted(set(scenarios.tolist()))
        if scenario not in known:
            raise InputError("command line", "--scenario", f"{scenario!r} is not a case of this sweep", ", ".join(known))
        keep &= scenarios == scenario
    y = np.array(table.column(outcome).to_pylist(), dtype=float)
    keep &= ~np.isnan(y)
    x: dict[str, np.ndarray] = {}
    numeric, categorical = [], []
    for f in factors:
        column = "rule" if f.get("target") == "rule" else f["name"]
        if column not in table.column_names:
            raise InputError(where, "results.parquet", f"has no column {column} for factor {f['name']}",
                             "a complete sweep folder")
        values = table.column(column).to_pylist()
        if f.get("kind") == "categorical" or f.get("target") == "rule":
            x[column] = np.array(["-" if v is None else str(v) for v in values], dtype=object)
            categorical.append(column)
        else:
            col = np.array([np.nan if v is None else v for v in values], dtype=float)
            keep &= ~np.isnan(col)
            x[column] = col
            numeric.append(column)
    if scenario is None and len(set(scenarios[keep].tolist())) > 1:
        x["scenario"] = scenarios
        categorical.append("scenario")
    if not numeric and not categorical:
        raise InputError(where, "manifest.json: design.factors", "the sweep varies nothing", "a sweep with factors")
    if not keep.any():
        raise InputError(where, "results.parquet", "has no usable point (every point failed or has no value)",
                         "a sweep with completed points")
    return {k: v[keep] for k, v in x.items()}, y[keep], numeric, categorical, data.manifest


def _box_record(b: Any) -> dict[str, Any]:
    return {
        "rule": b.rule, "coverage": b.coverage, "density": b.density, "mass": b.mass, "points": b.n_points,
        "events": b.n_events, "restricted": b.restricted,
        "limits": {**{k: list(v) for k, v in b.box.numeric.items() if k in b.restricted},
                   **{k: sorted(map(str, v)) for k, v in b.box.categorical.items() if k in b.restricted}},
        "quasi_p": b.quasi_p, "below_min_density": b.below_min_density,
        "selected": b.selected,
        "peeled": {"coverage": b.peeled.coverage, "density": b.peeled.density, "mass": b.peeled.mass,
                   "restricted": b.peeled.restricted},
        "trajectory": [{"coverage": p.coverage, "density": p.density, "mass": p.mass, "restricted": p.restricted}
                       for p in b.trajectory],
    }


def _figure(report: dict[str, Any]) -> Any:
    from ..plots.analysis import peeling_tradeoff

    boxes = report["boxes"]
    return peeling_tradeoff([b["trajectory"] for b in boxes], [b["selected"] for b in boxes],
                            [(b["coverage"], b["density"]) for b in boxes], f"PRIM peeling trajectory: {report['event']}",
                            f"{report['experiment']}: {report['points']:,} points, {report['events']:,} with the event")


def discover(results: Path, outcome: str = "p_deployment", threshold: float = 0.5, below: bool = False,
             scenario: str | None = None, alpha: float = 0.05, min_density: float = 0.8, max_boxes: int = 3,
             pasting: bool = True, out: Path | None = None, fmt: str = "png") -> tuple[dict[str, Any], list[Path]]:
    """Find the boxes of a sweep's factors where the event is frequent; write them into ``out`` (default:
    RESULTS/discover). Returns the report (as ``prim.json``) and the files written."""
    x, values, numeric, categorical, mf = load_sweep_for_prim(results, outcome, scenario)
    out = out if out is not None else results / "discover"
    prepare_out(out)
    event = values < threshold if below else values >= threshold
    boxes = prim(x, event, numeric, categorical, alpha=alpha, min_density=min_density, max_boxes=max_boxes,
                 pasting=pasting) if event.any() else []
    name = mf.get("experiment", {}).get("name", results.name) if isinstance(mf, dict) else results.name
    report = {
        "results": str(results), "experiment": name, "outcome": outcome, "threshold": threshold, "below": below,
        "event": f"{outcome} {'<' if below else '>='} {threshold:g}", "points": int(len(event)),
        "events": int(event.sum()), "base_density": float(event.mean()), "scenario": scenario,
        "dimensions": {"numeric": numeric, "categorical": categorical},
        "settings": {"alpha": alpha, "mass_min": 0.05, "min_density": min_density, "max_boxes": max_boxes,
                     "objective": "lenient1", "pasting": pasting, "significance": 0.05, "min_coverage": 0.05},
        "boxes": [_box_record(b) for b in boxes],
    }
    files = {"prim.json": json.dumps(report, indent=2, default=jsonable) + "\n",
             "manifest.json": manifest("discover", results=str(results), event=report["event"],
                                       settings=report["settings"],
                                       files=["prim.json"] + ([f"prim-trajectory.{fmt}"] if boxes else []))}
    written = write_out(out, files, _figure(report) if boxes else None, "prim-trajectory", fmt)
    return report, written


def _limit_text(name: str, side: str, limits: Any) -> str:
    if side == "levels":
        return f"{name} in {{{', '.join(limits)}}}"
    lo, hi = limits
    return f"{name} >= {lo:.3g}" if side == "low" else f"{name} <= {hi:.3g}"


def format_quasi_p(b: dict[str, Any]) -> str:
    """The quasi-p-value of each limit of a box record, one limit at a time: "x1 >= 0.6 p=1e-40, ..."."""
    parts = [f"{_limit_text(name, side, b['limits'][name])} p={p:.2g}"
             for name, sides in b["quasi_p"].items() for side, p in sides.items() if p is not None]
    return ", ".join(parts) if parts else "(no limit)"


def _density_note(b: dict[str, Any], floor: float) -> str | None:
    if b["peeled"]["density"] < floor:
        return (f"  (no box on the peeling trajectory reaches density {floor:g}: this is the best trade-off, the "
                "largest coverage x density)")
    if b["below_min_density"]:
        return (f"  BELOW THE DENSITY FLOOR: density {b['density']:.3f} < --min-density {floor:g} after pruning "
                f"(the peeled box had {b['peeled']['density']:.3f}): limits without support were dropped")
    return None


def format_discover(report: dict[str, Any]) -> str:
    """The boxes as rules with their coverage, density, mass, quasi-p-values and peeling step."""
    dims = report["dimensions"]
    settings = report["settings"]
    lines = [f"Scenario discovery (PRIM) on {report['results']}: event {report['event']}",
             f"{report['points']:,} points, {report['events']:,} with the event (base density "
             f"{report['base_density']:.3f}); dimensions: {', '.join(dims['numeric'] + dims['categorical'])}"]
    if not report["boxes"]:
        lines.append("no box: the event never happens at these points")
    for k, b in enumerate(report["boxes"], 1):
        lines.append(f"\nbox {k}: {b['rule']}")
        note = _density_note(b, settings["min_density"])
        if note:
            lines.append(note)
        lines.append(f"  coverage {b['coverage']:.3f}  density {b['density']:.3f}  mass {b['mass']:.3f}  "
                     f"({b['events']:,} events in {b['points']:,} points)")
        lines.append(f"  quasi-p per limit: {format_quasi_p(b)}")
        p = b["peeled"]
        lines.append(f"  peeling step {b['selected']} of {len(b['trajectory']) - 1}: coverage {p['coverage']:.3f}, "
                     f"density {p['density']:.3f}, mass {p['mass']:.3f}, {p['restricted']} restricted; then pruned "
                     f"to {len(b['restricted'])} restrictions" + ("" if not settings["pasting"] else " and pasted"))
    return "\n".join(lines)
