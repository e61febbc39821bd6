"""``csto-sim sensitivity EXPERIMENT``: Sobol' or Morris indices of P(deployment) and days to decision."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import options
from .common import HELP, show


def cli_parse(subparsers: Any) -> None:
    from ..analysis.sensitivity import DEFAULT_LEVELS, DEFAULT_RESAMPLES, METHODS

    p = subparsers.add_parser(
        "sensitivity", help=HELP["sensitivity"],
        description="Sample the factors of an experiment file with SALib, evaluate every point with the sweep engine, "
                    "and print the indices; write indices.csv, indices.json, points.parquet and a bar plot to DIR.")
    options.add_experiment(p)
    p.add_argument("--method", choices=METHODS, default=None,
                   help="sobol or morris (default: sobol for a sobol design, morris for one_at_a_time)")
    p.add_argument("--n", type=options.whole(2, 1_000_000), default=None, metavar="N",
                   help="Sobol': base sample size, a power of 2 (default: the design's n); "
                        "Morris: trajectories (default 20)")
    p.add_argument("--levels", type=options.whole(2, 100), default=None, metavar="P",
                   help=f"Morris grid levels (default: the factors' common number of steps, else {DEFAULT_LEVELS})")
    p.add_argument("--resamples", type=options.whole(10, 100_000), default=DEFAULT_RESAMPLES, metavar="B",
                   help=f"bootstrap resamples for the confidence intervals (default {DEFAULT_RESAMPLES:,})")
    options.add_out(p, "output folder (default: results/sensitivity/<experiment>-<method>)")
    options.add_workers(p)
    options.add_format(p)
    options.add_json(p, "print the indices as one JSON object")
    options.add_quiet(p)
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..analysis.sensitivity import format_report
    from ..analysis.sensitivity_study import sensitivity_study

    report, written = sensitivity_study(args.experiment, args.method, args.n, args.levels, args.resamples,
                                        args.workers, args.out, args.format, quiet=args.quiet or args.json,
                                        stream=sys.stderr)
    return show(report, args.json, lambda: format_report(report), written)
