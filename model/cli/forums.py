"""``csto-sim compare-forums CASE``: the same request put to every organisation the requester belongs to."""

from __future__ import annotations

import argparse
from typing import Any

from ..analysis.forums import compare_forums, format_forums
from ..scenario import load_scenario
from . import options
from .common import show


def cli_parse(subparsers: Any) -> None:
    p = options.add_case_command(
        subparsers, "compare-forums", help="the same request put to every organisation the requester belongs to",
        description="Run the case's facts against each organisation file beside its own whose roster holds the "
                    "requester at the case's date; print each organisation's answer and the reasons.")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    params = options.parameters(args)
    rep = compare_forums(load_scenario(args.scenario), args.replications, args.seed, params)
    return show(rep, args.json, lambda: format_forums(rep))
