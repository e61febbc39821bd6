"""``csto-sim power CASE``: Shapley-Shubik and Banzhaf indices of each decision rule, next to each member's
effective power in the simulated council."""

from __future__ import annotations

import argparse
from typing import Any

from . import options
from .common import HELP, show


def cli_parse(subparsers: Any) -> None:
    p = options.add_case_command(
        subparsers, "power", help=HELP["power"],
        description="Formal power indices of every decision rule as a simple game over the case's council, and each "
                    "member's effective power in the simulated replications.")
    options.add_rule(p, repeat=True)
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..analysis.power import format_power
    from ..analysis.power_case import case_power
    from ..scenario import load_scenario

    params = options.parameters(args)
    rep = case_power(load_scenario(args.scenario), args.replications, args.seed, params, args.rule)
    return show(rep, args.json, lambda: format_power(rep))
