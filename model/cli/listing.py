"""``csto-sim list``: the cases, the decision rules and the parameters."""

from __future__ import annotations

import argparse
from typing import Any

from . import options
from .common import HELP, print_json


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser("list", help=HELP["list"])
    options.add_scenarios_folder(p)
    options.add_json(p, "print one JSON object: the cases, the rules, the parameters with defaults and bounds")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..runs import catalogue, catalogue_data

    if args.json:
        print_json(catalogue_data(args.scenarios))
        return 0
    for line in catalogue(args.scenarios):
        print(line)
    return 0
