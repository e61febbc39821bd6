"""``csto-sim run CASE``: run one case, print its outcome distribution and members; write its files
(``--out``) and figures (``--plot``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from . import options
from .common import HELP


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser("run", help=HELP["run"])
    options.add_model_options(p, json_help="print JSON instead of tables", per_case=True)
    options.add_case(p)
    options.add_rule(p)
    options.add_out(p, "write per-replication results and a manifest here", metavar=None)
    p.add_argument("--trace", action="store_true", help="print the first replication round by round")
    p.add_argument("--plot", type=Path, default=None, metavar="DIR", help="draw this run's figures into DIR")
    options.add_format(p, "figure format for --plot (default png)")
    options.add_posterior(p, default_on=True)
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..calibrate.posterior import format_posterior
    from ..runs import format_run, format_trace, run_case, run_record

    params = options.parameters(args)
    done = run_case(args.scenario, args.replications, args.seed, rule=args.rule, params=params,
                    overrides=dict(args.settings), out=args.out, plot=args.plot, fmt=args.format,
                    posterior=args.posterior)
    res = done.result
    if args.json:
        print(json.dumps(run_record(done, args.trace), indent=2))
        return 0
    print(format_run(res))
    print(format_posterior(getattr(res, "posterior", None)))
    if args.trace:
        print(format_trace(res))
    if args.out is not None:
        print(f"\nwrote {args.out}/replications.parquet, summary.json, trace.json, manifest.json")
    if args.plot is not None:
        print(f"drew {', '.join(str(p) for p in done.figures)}")
    return 0
