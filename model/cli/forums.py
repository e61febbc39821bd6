"""``csto-sim compare-forums CASE``: the same request put to every organisation the requester belongs to."""

from __future__ import annotations

import argparse
from typing import Any

from . import options
from .common import HELP, show


def cli_parse(subparsers: Any) -> None:
    p = options.add_case_command(
        subparsers, "compare-forums", help=HELP["compare-forums"],
        description="Run the case's facts against each organisation file beside its own whose roster holds the "
                    "requester at the case's date; print each organisation's answer and the reasons.")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..analysis.forums import compare_forums, format_forums
    from ..scenario import load_scenario

    params = options.parameters(args)
    rep = compare_forums(load_scenario(args.scenario), args.replications, args.seed, params)
    return show(rep, args.json, lambda: format_forums(rep))
