"""A sensitivity study as ``csto-sim sensitivity`` runs it: choose the method and its sample size for an
experiment file, check that the experiment allows them, run :func:`.sensitivity.run_sensitivity` and write
``indices.csv``, ``indices.json``, ``points.parquet``, the bar plot and a manifest."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..errors import InputError
from ..sweep.experiment import Experiment, load_experiment
from .output import manifest, prepare_out, write_out
from .sensitivity import (
    DEFAULT_LEVELS,
    DEFAULT_TRAJECTORIES,
    MAX_COMBINATIONS,
    run_sensitivity,
    table_rows,
)


@dataclass(frozen=True)
class Plan:
    """The method, its sample size (Sobol' base sample or Morris trajectories) and Morris's grid levels."""

    method: str
    n: int
    levels: int | None


def plan(exp: Experiment, method: str | None = None, n: int | None = None, levels: int | None = None) -> Plan:
    """Fill in what was not given from the experiment's design, and check that it fits the experiment."""
    if method is None:
        method = {"sobol": "sobol", "one_at_a_time": "morris"}.get(exp.design.method)
        if method is None:
            raise InputError("command line", "--method", f"missing: the experiment's design is {exp.design.method}",
                             "sobol, morris")
    if method == "sobol":
        n = n if n is not None else (exp.design.n if exp.design.method == "sobol" else None)
        if n is None:
            raise InputError("command line", "--n", "missing: the experiment's design has no Sobol' n",
                             "a power of 2, e.g. --n 256")
        if n & (n - 1):
            raise InputError("command line", "--n", f"{n:,} is not a power of 2", "64, 128, 256, ...")
        levels = None
    else:
        n = n if n is not None else DEFAULT_TRAJECTORIES
        numeric = [f for f in exp.factors if f.kind != "categorical"]
        if not numeric:
            raise InputError(exp.path, "vary", "a Morris analysis needs at least one numeric factor",
                             "global parameters or numeric case facts")
        steps = {len(f.values) for f in numeric if f.values is not None}
        levels = levels or (steps.pop() if len(steps) == 1 and all(f.values is not None for f in numeric)
                            else DEFAULT_LEVELS)
        combos = int(np.prod([len(f.values) for f in exp.factors if f.kind == "categorical"]))
        if combos > MAX_COMBINATIONS:
            raise InputError(exp.path, "vary", f"{combos} combinations of categorical levels to condition on",
                             f"at most {MAX_COMBINATIONS}")
    if not exp.factors:
        raise InputError(exp.path, "vary", "no factors to analyse", "at least one factor")
    return Plan(method, n, levels)


def _indices_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    columns = list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def sensitivity_study(experiment: str, method: str | None = None, n: int | None = None, levels: int | None = None,
                      resamples: int = 1000, workers: int | None = None, out: Path | None = None, fmt: str = "png",
                      quiet: bool = False, stream: TextIO | None = None) -> tuple[dict[str, Any], list[Path]]:
    """Sobol' or Morris indices of an experiment file's factors (default out:
    results/sensitivity/<experiment>-<method>). Returns the report and the files written."""
    from ..plots.analysis import sensitivity_bars
    from ..sweep.backends import default_workers

    exp = load_experiment(experiment)
    p = plan(exp, method, n, levels)
    out = out if out is not None else Path("results") / "sensitivity" / f"{exp.name}-{p.method}"
    prepare_out(out)
    report, table = run_sensitivity(exp, p.method, p.n, p.levels or DEFAULT_LEVELS, workers or default_workers(),
                                    resamples, stream or sys.stderr, quiet=quiet)
    names = ["indices.csv", "indices.json", "points.parquet", f"sensitivity.{fmt}"]
    files = {"indices.csv": _indices_csv(table_rows(report)), "indices.json": json.dumps(report, indent=2) + "\n",
             "points.parquet": table,
             "manifest.json": manifest("sensitivity", experiment=report["experiment"], method=p.method, n=p.n,
                                       levels=report["levels"], seed=exp.seed, replications=exp.replications,
                                       resamples=resamples, files=names)}
    return report, write_out(out, files, sensitivity_bars(report), "sensitivity", fmt)
