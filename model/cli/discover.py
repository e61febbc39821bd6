"""``csto-sim discover RESULTS``: scenario discovery (PRIM) on a sweep's results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import options
from .common import HELP, show


def cli_parse(subparsers: Any) -> None:
    from ..analysis.discover import OUTCOME_COLUMNS

    p = subparsers.add_parser(
        "discover", help=HELP["discover"],
        description="Find boxes of the sweep's factors in which the event (OUTCOME >= THRESHOLD at a point) is "
                    "frequent; print them as rules with coverage, density, mass and the quasi-p-value of each limit; "
                    "write prim.json and the peeling trade-off plot.")
    p.add_argument("results", type=Path, help="a folder written by 'csto-sim sweep'")
    p.add_argument("--outcome", choices=OUTCOME_COLUMNS, default="p_deployment",
                   help="the column defining the event (default p_deployment)")
    p.add_argument("--threshold", type=options.fraction(0.0, 1.0, open_low=True), default=0.5,
                   help="the event: OUTCOME >= THRESHOLD (default 0.5)")
    p.add_argument("--below", action="store_true",
                   help="the event is OUTCOME < THRESHOLD instead (when does it fail?)")
    p.add_argument("--scenario", default=None, help="only the points of this case (default: all, the case a dimension)")
    p.add_argument("--alpha", type=options.fraction(0.0, 0.5, open_low=True), default=0.05,
                   help="share of the box's points peeled per step (default 0.05)")
    p.add_argument("--min-density", type=options.fraction(0.0, 1.0), default=0.8,
                   help="density a selected box must reach (default 0.8); a first box that pruning takes below "
                        "it is flagged, a later one is not reported")
    p.add_argument("--max-boxes", type=options.whole(1, 20), default=3, help="boxes found by covering (default 3)")
    p.add_argument("--no-paste", action="store_true", help="do not paste after peeling")
    options.add_out(p, "output folder (default: RESULTS/discover)")
    options.add_format(p)
    p.add_argument("--plot", type=Path, default=None, metavar="DIR",
                   help="also draw the boxes on a scatter of the two factors they restrict into DIR "
                        "(prim-boxes; 'csto-sim plot' on the output folder draws the same)")
    options.add_json(p, "print the boxes as one JSON object")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..analysis.discover import discover, format_discover

    if args.plot is not None:
        from ..plots.draw import check_figure_dir

        check_figure_dir(args.plot)
    report, written = discover(args.results, args.outcome, args.threshold, args.below, args.scenario, args.alpha,
                               args.min_density, args.max_boxes, not args.no_paste, args.out, args.format)
    if args.plot is not None and report["boxes"]:
        from ..plots import data as plot_data
        from ..plots.draw import draw_prim_boxes

        written = [*written, draw_prim_boxes(report, plot_data.load(args.results), args.plot, args.format)]
    return show(report, args.json, lambda: format_discover(report), written)
