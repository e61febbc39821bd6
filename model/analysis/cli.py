"""The analysis commands: ``sensitivity``, ``discover``, ``explain``, ``power`` and ``compare-forums``.

``add_parser(subparsers)`` adds them to the ``csto-sim`` parser; ``COMMANDS`` maps each to its function.
Bad input of any kind ends with one line ``error: WHERE: field: problem (allowed: ...)`` and exit status 2,
before anything is written (``model/cli.py`` prints it). Files are written to a temporary folder that
replaces the output folder only once complete.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..argtypes import whole
from ..errors import InputError
from ..ladder import LEVELS

ANALYSIS_FORMAT = "csto-sim/analysis-1"
OUTCOME_COLUMNS = tuple(f"p_{lvl}" for lvl in LEVELS)


# --------------------------------------------------------------------------------------------------
# Argument types and shared options
# --------------------------------------------------------------------------------------------------

def _fraction(low: float, high: float, open_low: bool = False) -> Any:
    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: {low:g} to {high:g})") from None
        if not np.isfinite(x) or x > high or x < low or (open_low and x == low):
            bound = f"above {low:g}" if open_low else f"{low:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range (allowed: {bound} to {high:g})")
        return x
    return parse


def _model_options(p: argparse.ArgumentParser, replications: int) -> None:
    from .. import cli as main_cli

    p.add_argument("--replications", "-n", type=main_cli._replications, default=replications,
                   help=f"replications (default {replications:,})")
    p.add_argument("--seed", type=main_cli._seed, default=main_cli.DEFAULT_SEED,
                   help=f"seed (default {main_cli.DEFAULT_SEED})")
    p.add_argument("--set", dest="settings", type=main_cli._setting, action="append", default=[], metavar="NAME=VALUE",
                   help="set a global parameter (see 'csto-sim list')")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def add_parser(subparsers: Any) -> None:
    """Add the analysis subcommands to the ``csto-sim`` parser."""
    from .. import cli as main_cli
    from ..plots.style import FORMATS
    from ..sweep.cli import default_workers
    from .sensitivity import DEFAULT_LEVELS, DEFAULT_RESAMPLES, METHODS

    p = subparsers.add_parser(
        "sensitivity", help="Sobol' or Morris indices of P(deployment) and days to decision (SALib)",
        description="Sample the factors of an experiment file with SALib, evaluate every point with the sweep engine, "
                    "and print the indices; write indices.csv, indices.json, points.parquet and a bar plot to DIR.")
    p.add_argument("experiment", help="an experiment file, or the name of one under experiments/")
    p.add_argument("--method", choices=METHODS, default=None,
                   help="sobol or morris (default: sobol for a sobol design, morris for one_at_a_time)")
    p.add_argument("--n", type=whole(2, 1_000_000), default=None, metavar="N",
                   help="Sobol': base sample size, a power of 2 (default: the design's n); "
                        "Morris: trajectories (default 20)")
    p.add_argument("--levels", type=whole(2, 100), default=None, metavar="P",
                   help=f"Morris grid levels (default: the factors' common number of steps, else {DEFAULT_LEVELS})")
    p.add_argument("--resamples", type=whole(10, 100_000), default=DEFAULT_RESAMPLES, metavar="B",
                   help=f"bootstrap resamples for the confidence intervals (default {DEFAULT_RESAMPLES:,})")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default: results/sensitivity/<experiment>-<method>)")
    p.add_argument("--workers", "-w", type=whole(1, 1024, thousands=False), default=None, metavar="N",
                   help=f"worker processes (default: the cores, here {default_workers()})")
    p.add_argument("--format", choices=FORMATS, default="png", help="figure format (default png)")
    p.add_argument("--json", action="store_true", help="print the indices as one JSON object")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on standard error")

    p = subparsers.add_parser(
        "discover", help="scenario discovery (PRIM) on a sweep's results: when is a deployment approved?",
        description="Find boxes of the sweep's factors in which the event (OUTCOME >= THRESHOLD at a point) is "
                    "frequent; print them as rules with coverage and density; write prim.json and the peeling "
                    "trade-off plot.")
    p.add_argument("results", type=Path, help="a folder written by 'csto-sim sweep'")
    p.add_argument("--outcome", choices=OUTCOME_COLUMNS, default="p_deployment",
                   help="the column defining the event (default p_deployment)")
    p.add_argument("--threshold", type=_fraction(0.0, 1.0, open_low=True), default=0.5,
                   help="the event: OUTCOME >= THRESHOLD (default 0.5)")
    p.add_argument("--below", action="store_true",
                   help="the event is OUTCOME < THRESHOLD instead (when does it fail?)")
    p.add_argument("--scenario", default=None, help="only the points of this case (default: all, the case a dimension)")
    p.add_argument("--alpha", type=_fraction(0.0, 0.5, open_low=True), default=0.05,
                   help="share of the box's points peeled per step (default 0.05)")
    p.add_argument("--min-density", type=_fraction(0.0, 1.0), default=0.8,
                   help="density a selected box must reach (default 0.8)")
    p.add_argument("--max-boxes", type=whole(1, 20), default=3, help="boxes found by covering (default 3)")
    p.add_argument("--no-paste", action="store_true", help="do not paste after peeling")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: RESULTS/discover)")
    p.add_argument("--format", choices=FORMATS, default="png", help="figure format (default png)")
    p.add_argument("--json", action="store_true", help="print the boxes as one JSON object")

    p = subparsers.add_parser(
        "explain", help="one case: mechanism contributions, pivotal members, the smallest changes that flip it",
        description="Mean contribution of each mechanism to each member's position, who is pivotal (and the lead "
                    "state's agenda power), and a counterfactual search over single changes of the case.")
    p.add_argument("scenario", help="a case file, or the id of a case under scenarios/")
    _model_options(p, 2000)
    p.add_argument("--rule", type=main_cli._rule, default=None, help="decision rule (default: the organisation's)")
    p.add_argument("--target", choices=LEVELS, default=None,
                   help="look for the changes that reach this outcome (default: any change of the modal outcome)")
    p.add_argument("--top", type=whole(1, 1000), default=8, help="changes printed (default 8)")
    p.add_argument("--no-search", action="store_true", help="skip the counterfactual search")

    p = subparsers.add_parser(
        "power", help="Shapley-Shubik and Banzhaf indices of each rule, next to each member's effective power",
        description="Formal power indices of every decision rule as a simple game over the case's council, and each "
                    "member's effective power in the simulated replications.")
    p.add_argument("scenario", help="a case file, or the id of a case under scenarios/")
    _model_options(p, 10_000)
    p.add_argument("--rule", type=main_cli._rule, action="append", default=None,
                   help="only this rule (repeatable; default: every rule)")

    p = subparsers.add_parser(
        "compare-forums", help="the same request put to every organisation the requester belongs to",
        description="Run the case's facts against each organisation file beside its own whose roster holds the "
                    "requester at the case's date; print each organisation's answer and the reasons.")
    p.add_argument("scenario", help="a case file, or the id of a case under scenarios/")
    _model_options(p, 10_000)


# --------------------------------------------------------------------------------------------------
# Output folders
# --------------------------------------------------------------------------------------------------

def prepare_out(out: Path) -> None:
    """Check that ``out`` can take an analysis: new, empty, or an earlier analysis folder (replaced)."""
    def fail(problem: str, allowed: str) -> InputError:
        return InputError("command line", "--out", f"{out}: {problem}", allowed)

    if out.is_symlink() and not out.exists():
        raise fail("is a broken symbolic link", "a new folder or an earlier analysis folder")
    if out.exists():
        if not out.is_dir():
            raise fail("exists and is not a folder", "a new folder or an earlier analysis folder")
        try:
            names = {p.name for p in out.iterdir()}
        except OSError as exc:
            raise fail(f"cannot be read ({exc.strerror})", "a readable folder") from None
        if names:
            try:
                manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = None
            if not isinstance(manifest, dict) or manifest.get("format") != ANALYSIS_FORMAT:
                raise fail("is a non-empty folder that holds other files than an analysis",
                           "a new or empty folder, or an earlier analysis folder")
    existing = out.parent if str(out.parent) else Path(".")
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise fail(f"{existing} is not a writable folder", "a path under a writable folder")


def write_out(out: Path, files: dict[str, Any], figure: Any, figure_name: str, fmt: str) -> list[Path]:
    """Write ``files`` (name -> text, bytes or a pyarrow Table) and the figure into ``out``, atomically."""
    from ..plots.style import save
    from ..results import replace_dir

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = []
        for name, content in files.items():
            path = tmp / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                import pyarrow.parquet as pq

                pq.write_table(content, path, compression="zstd")
            written.append(out / name)
        if figure is not None:
            written.append(out / save(figure, tmp / figure_name, fmt).name)
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _manifest(kind: str, **fields: Any) -> str:
    from ..results import code_version

    return json.dumps({"format": ANALYSIS_FORMAT, "analysis": kind, **fields, "code_version": code_version()},
                      indent=2) + "\n"


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=_jsonable))


def _jsonable(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (set, frozenset, tuple)):
        return list(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def _params(args: argparse.Namespace) -> Any:
    from .. import cli as main_cli

    return main_cli._params(args.settings)


# --------------------------------------------------------------------------------------------------
# sensitivity
# --------------------------------------------------------------------------------------------------

def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ..plots.analysis import sensitivity_bars
    from ..sweep.cli import default_workers
    from ..sweep.experiment import load_experiment
    from .sensitivity import DEFAULT_LEVELS, DEFAULT_TRAJECTORIES, format_report, run_sensitivity, table_rows

    exp = load_experiment(args.experiment)
    method = args.method
    if method is None:
        method = {"sobol": "sobol", "one_at_a_time": "morris"}.get(exp.design.method)
        if method is None:
            raise InputError("command line", "--method", f"missing: the experiment's design is {exp.design.method}",
                             "sobol, morris")
    if method == "sobol":
        n = args.n if args.n is not None else (exp.design.n if exp.design.method == "sobol" else None)
        if n is None:
            raise InputError("command line", "--n", "missing: the experiment's design has no Sobol' n",
                             "a power of 2, e.g. --n 256")
        if n & (n - 1):
            raise InputError("command line", "--n", f"{n:,} is not a power of 2", "64, 128, 256, ...")
        levels = None
    else:
        n = args.n if args.n is not None else DEFAULT_TRAJECTORIES
        numeric = [f for f in exp.factors if f.kind != "categorical"]
        if not numeric:
            raise InputError(exp.path, "vary", "a Morris analysis needs at least one numeric factor",
                             "global parameters or numeric case facts")
        steps = {len(f.values) for f in numeric if f.values is not None}
        levels = args.levels or (steps.pop() if len(steps) == 1 and all(f.values is not None for f in numeric)
                                 else DEFAULT_LEVELS)
        combos = int(np.prod([len(f.values) for f in exp.factors if f.kind == "categorical"]))
        from .sensitivity import MAX_COMBINATIONS

        if combos > MAX_COMBINATIONS:
            raise InputError(exp.path, "vary", f"{combos} combinations of categorical levels to condition on",
                             f"at most {MAX_COMBINATIONS}")
    if not exp.factors:
        raise InputError(exp.path, "vary", "no factors to analyse", "at least one factor")
    out = args.out if args.out is not None else Path("results") / "sensitivity" / f"{exp.name}-{method}"
    prepare_out(out)
    report, table = run_sensitivity(exp, method, n, levels or DEFAULT_LEVELS, args.workers or default_workers(),
                                    args.resamples, sys.stderr, quiet=args.quiet or args.json)
    rows = table_rows(report)
    buf = io.StringIO()
    columns = list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    files = {"indices.csv": buf.getvalue(), "indices.json": json.dumps(report, indent=2) + "\n",
             "points.parquet": table,
             "manifest.json": _manifest("sensitivity", experiment=report["experiment"], method=method, n=n,
                                        levels=report["levels"], seed=exp.seed, replications=exp.replications,
                                        resamples=args.resamples,
                                        files=["indices.csv", "indices.json", "points.parquet",
                                               f"sensitivity.{args.format}"])}
    written = write_out(out, files, sensitivity_bars(report), "sensitivity", args.format)
    if args.json:
        _print_json(report)
    else:
        print(format_report(report))
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0


# --------------------------------------------------------------------------------------------------
# discover
# --------------------------------------------------------------------------------------------------

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


def cmd_discover(args: argparse.Namespace) -> int:
    from ..plots.analysis import peeling_tradeoff
    from .prim import prim

    x, values, numeric, categorical, manifest = load_sweep_for_prim(args.results, args.outcome, args.scenario)
    out = args.out if args.out is not None else args.results / "discover"
    prepare_out(out)
    event = values < args.threshold if args.below else values >= args.threshold
    relation = "<" if args.below else ">="
    boxes = prim(x, event, numeric, categorical, alpha=args.alpha, min_density=args.min_density,
                 max_boxes=args.max_boxes, pasting=not args.no_paste) if event.any() else []
    name = manifest.get("experiment", {}).get("name", args.results.name) if isinstance(manifest, dict) else args.results.name
    report = {
        "results": str(args.results), "experiment": name, "outcome": args.outcome, "threshold": args.threshold,
        "below": args.below,
        "event": f"{args.outcome} {relation} {args.threshold:g}", "points": int(len(event)), "events": int(event.sum()),
        "base_density": float(event.mean()), "scenario": args.scenario,
        "dimensions": {"numeric": numeric, "categorical": categorical},
        "settings": {"alpha": args.alpha, "mass_min": 0.05, "min_density": args.min_density,
                     "max_boxes": args.max_boxes, "objective": "lenient1", "pasting": not args.no_paste},
        "boxes": [{
            "rule": b.rule, "coverage": b.coverage, "density": b.density, "mass": b.mass, "points": b.n_points,
            "events": b.n_events, "restricted": b.restricted,
            "limits": {**{k: list(v) for k, v in b.box.numeric.items() if k in b.restricted},
                       **{k: sorted(map(str, v)) for k, v in b.box.categorical.items() if k in b.restricted}},
            "selected": b.selected,
            "peeled": {"coverage": b.peeled.coverage, "density": b.peeled.density, "mass": b.peeled.mass,
                       "restricted": b.peeled.restricted},
            "trajectory": [{"coverage": p.coverage, "density": p.density, "mass": p.mass, "restricted": p.restricted}
                           for p in b.trajectory],
        } for b in boxes],
    }
    figure = None
    if boxes:
        figure = peeling_tradeoff([b["trajectory"] for b in report["boxes"]], [b["selected"] for b in report["boxes"]],
                                  [(b["coverage"], b["density"]) for b in report["boxes"]],
                                  f"PRIM peeling trajectory: {report['event']}",
                                  f"{name}: {report['points']:,} points, {report['events']:,} with the event")
    files = {"prim.json": json.dumps(report, indent=2, default=_jsonable) + "\n",
             "manifest.json": _manifest("discover", results=str(args.results), event=report["event"],
                                        settings=report["settings"],
                                        files=["prim.json"] + ([f"prim-trajectory.{args.format}"] if boxes else []))}
    written = write_out(out, files, figure, "prim-trajectory", args.format)
    if args.json:
        _print_json(report)
        return 0
    print(f"Scenario discovery (PRIM) on {args.results}: event {report['event']}")
    print(f"{report['points']:,} points, {report['events']:,} with the event (base density {report['base_density']:.3f}); "
          f"dimensions: {', '.join(numeric + categorical)}")
    if not boxes:
        print("no box: the event never happens at these points")
    for k, b in enumerate(report["boxes"], 1):
        print(f"\nbox {k}: {b['rule']}")
        if b["peeled"]["density"] < args.min_density:
            print(f"  (no box on the peeling trajectory reaches density {args.min_density:g}: this is the best "
                  "trade-off, the largest coverage x density)")
        print(f"  coverage {b['coverage']:.3f}  density {b['density']:.3f}  mass {b['mass']:.3f}  "
              f"({b['events']:,} events in {b['points']:,} points)")
        p = b["peeled"]
        print(f"  peeling step {b['selected']} of {len(b['trajectory']) - 1}: coverage {p['coverage']:.3f}, density "
              f"{p['density']:.3f}, {p['restricted']} restricted; then pruned to {len(b['restricted'])} restrictions"
              + ("" if args.no_paste else " and pasted"))
    print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0


# --------------------------------------------------------------------------------------------------
# explain, power, compare-forums
# --------------------------------------------------------------------------------------------------

def cmd_explain(args: argparse.Namespace) -> int:
    from ..scenario import load_scenario
    from .explain import explain, format_explain

    params = _params(args)
    case = load_scenario(args.scenario)
    rep = explain(case, args.replications, args.seed, args.rule, params, args.target, search=not args.no_search)
    if args.json:
        _print_json(rep)
    else:
        print(format_explain(rep, args.top))
    return 0


def cmd_power(args: argparse.Namespace) -> int:
    from ..scenario import load_scenario
    from .power import MAX_PLAYERS, format_power, power_report

    params = _params(args)
    case = load_scenario(args.scenario)
    if len(case.roster) > MAX_PLAYERS:
        raise InputError(case.path, "date", f"{len(case.roster)} members on the council", f"at most {MAX_PLAYERS}")
    rep = power_report(case, args.replications, args.seed, params, list(dict.fromkeys(args.rule)) if args.rule else None)
    if args.json:
        _print_json(rep)
    else:
        print(format_power(rep))
    return 0


def cmd_compare_forums(args: argparse.Namespace) -> int:
    from ..scenario import load_scenario
    from .forums import compare_forums, format_forums

    params = _params(args)
    case = load_scenario(args.scenario)
    rep = compare_forums(case, args.replications, args.seed, params)
    if args.json:
        _print_json(rep)
    else:
        print(format_forums(rep))
    return 0


COMMANDS = {"sensitivity": cmd_sensitivity, "discover": cmd_discover, "explain": cmd_explain, "power": cmd_power,
            "compare-forums": cmd_compare_forums}
