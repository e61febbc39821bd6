"""``csto-sim validate``: leave-one-case-out validation of the model against baselines on the historical cases
(``model/calibrate/validate.py``); ``--report PATH.md`` writes the page (``docs/validation.md`` is one) and its
figure next to it.

Exit status: 0 done; 2 bad input (one line naming the file or option, nothing written); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..calibrate import DEFAULT_SEED, MAX_DRAWS, MIN_DRAWS, VALIDATE_ACCEPT, VALIDATE_DRAWS, VALIDATE_REPLICATIONS
from . import options
from .common import HELP


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate", help=HELP["validate"],
        description="For each historical case: calibrate the model on the other cases (one prior sample, reweighted "
                    "per fold), forecast the held-out case, and score the forecast (RPS on the ladder and on the old "
                    "four-level ladder, CRPS of the days, Brier score of recorded stances) beside a channel-aware base "
                    "rate, the best three-fact lookup rule and the lead state deciding alone, learned on the same folds.")
    p.add_argument("--draws", type=options.whole(MIN_DRAWS, MAX_DRAWS), default=VALIDATE_DRAWS, metavar="N",
                   help=f"parameter sets drawn from the priors ({MIN_DRAWS} to {MAX_DRAWS:,}; default {VALIDATE_DRAWS:,})")
    options.add_replications(p, VALIDATE_REPLICATIONS,
                             f"replications per set and case (default {VALIDATE_REPLICATIONS})", metavar="R")
    p.add_argument("--accept", type=options.fraction(0.0, 1.0, open_low=True, allowed="above 0, at most 1"),
                   default=VALIDATE_ACCEPT, metavar="Q",
                   help=f"share of the sets kept per fold, the closest to its training cases (default {VALIDATE_ACCEPT:g})")
    options.add_seed(p, DEFAULT_SEED)
    options.add_workers(p)
    options.add_scenarios_folder(p)
    p.add_argument("--report", type=Path, default=None, metavar="PATH.md",
                   help="also write the page (markdown) to PATH.md and its figure to PATH.png")
    options.add_quiet(p, "no progress (errors and the result only)")
    options.add_json(p, "print the whole report as JSON instead of the table")
    options.bind(p, cli_action)


def command_line(args: argparse.Namespace) -> str:
    """The command that gives these results: the options that differ from their defaults, and ``--report``."""
    parts = ["csto-sim validate"]
    for flag, value, default in (("--draws", args.draws, VALIDATE_DRAWS),
                                 ("--replications", args.replications, VALIDATE_REPLICATIONS),
                                 ("--accept", args.accept, VALIDATE_ACCEPT), ("--seed", args.seed, DEFAULT_SEED)):
        if value != default:
            parts.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    if args.scenarios is not None:
        parts.append(f"--scenarios {args.scenarios}")
    if args.report is not None:
        parts.append(f"--report {args.report}")
    return " ".join(parts)


def cli_action(args: argparse.Namespace) -> int:
    from ..calibrate.report import check_report_path

    if args.report is not None:
        check_report_path(args.report)
    from ..calibrate.abc import Setup
    from ..calibrate.report import format_table, write_page
    from ..calibrate.validate import validate
    from ..runs import historical_cases

    cases = historical_cases(args.scenarios)
    setup = Setup(draws=args.draws, replications=args.replications, seed=args.seed, accept=args.accept)
    command = command_line(args)
    report = validate(cases, setup, options.workers(args), None if args.quiet else sys.stderr, command)
    written = write_page(report, args.report, command) if args.report is not None else []
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    if written and not args.json:
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0
