"""``csto-sim reach``: which parameters do work; each moved over its range on every historical case."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import options
from .common import HELP


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "reach", help=HELP["reach"],
        description="Move each global parameter over its whole range, the others at their defaults, on every "
                    "historical case; say which cases each moves (outcome, days, troops) and flips, and where the "
                    "others act (model/params.py, acts_on). With --report, write that page (docs/parameters.md).")
    p.add_argument("--replications", type=options.whole(100, 100_000), default=1000, metavar="R",
                   help="replications per point (default 1,000)")
    p.add_argument("--seed", type=options.whole(0, 2**63 - 1), default=1, metavar="S", help="seed (default 1)")
    p.add_argument("--report", type=Path, default=None, metavar="PATH.md", help="write the page here")
    options.add_scenarios_folder(p)
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..analysis.reach import format_reach, parameter_reach, summarise
    from ..errors import InputError
    from ..files.atomic import write_text_atomic
    from ..runs import historical_cases

    if args.report is not None and (args.report.suffix != ".md" or not args.report.parent.is_dir()):
        raise InputError("command line", "--report", f"{args.report}: not a .md file in an existing folder",
                         "PATH.md in an existing folder")
    cases = historical_cases(args.scenarios)
    command = f"csto-sim reach --replications {args.replications} --seed {args.seed}" + (
        f" --report {args.report}" if args.report else "")
    page = format_reach(summarise(parameter_reach(cases, args.replications, args.seed)), command, len(cases),
                        args.replications, args.seed)
    if args.report is not None:
        write_text_atomic(page, args.report)
        print(f"wrote {args.report}")
    else:
        print(page)
    return 0
