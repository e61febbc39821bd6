"""``csto-sim replay``: run every historical case and compare the modal outcomes with the observed ones."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from . import options
from .common import HELP


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser("replay", help=HELP["replay"])
    options.add_model_options(p, json_help="print JSON instead of tables", per_case=True)
    options.add_scenarios_folder(p)
    p.add_argument("--plot", type=Path, default=None, metavar="DIR", help="draw all cases side by side into DIR")
    options.add_format(p, "figure format for --plot (default png)")
    options.add_posterior(p, default_on=True)
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..calibrate.posterior import format_posterior
    from ..runs import format_replay, replay

    results, figures = replay(args.scenarios, args.replications, args.seed, options.parameters(args), args.plot,
                              args.format, posterior=args.posterior, overrides=dict(args.settings))
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
        return 0
    print(format_replay(results))
    info = getattr(results[0], "posterior", None)  # the sets each case drew are in --json
    print(format_posterior({k: v for k, v in info.items() if k != "sets_drawn"} if info else None))
    for p in figures:
        print(f"drew {p}")
    return 0
