"""``csto-sim explain CASE``: mechanism contributions, pivotal members and the smallest changes that flip
the case's outcome."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..ladder import LEVELS
from . import options
from .common import HELP, show


def cli_parse(subparsers: Any) -> None:
    p = options.add_case_command(
        subparsers, "explain", help=HELP["explain"],
        description="Mean contribution of each mechanism to each member's position, who is pivotal (and the lead "
                    "state's agenda power), and a counterfactual search over single changes of the case.",
        default_replications=2000)
    options.add_rule(p)
    p.add_argument("--target", choices=LEVELS, default=None,
                   help="look for the changes that reach this outcome (default: any change of the modal outcome)")
    p.add_argument("--top", type=options.whole(1, 1000), default=8, help="changes printed (default 8)")
    p.add_argument("--no-search", action="store_true", help="skip the counterfactual search")
    options.add_posterior(p, default_on=True)
    p.add_argument("--plot", type=Path, default=None, metavar="DIR",
                   help="also write the report (explain.json) and the waterfall of mechanism contributions into DIR")
    options.add_format(p, "figure format for --plot (default png)")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..analysis.explain import explain, format_explain
    from ..calibrate.posterior import format_posterior, load_posterior
    from ..scenario import load_scenario

    if args.plot is not None:
        from ..plots.draw import check_figure_dir

        check_figure_dir(args.plot)
    params = options.parameters(args)
    case = load_scenario(args.scenario)
    post = load_posterior(args.posterior)
    rep = explain(case, args.replications, args.seed, args.rule, params, args.target, search=not args.no_search,
                  posterior=post)
    if args.plot is not None:
        from ..plots.draw import write_explain

        write_explain(rep, args.plot, args.format)
    return show(rep, args.json, lambda: f"{format_explain(rep, args.top)}\n\n{format_posterior(rep.get('posterior'))}")
