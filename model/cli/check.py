"""``csto-sim check FILE``: check a case file as every command reads it, and list the newer facts it lacks
(``model/scenario/newer.py``), one per line with the default each takes.

Exit status: 0 the file is valid (whatever it lacks); 2 it is not (one line: file, field, what is wrong,
what is allowed).
"""

from __future__ import annotations

import argparse
from typing import Any

from . import options
from .common import HELP, print_json


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check", help=HELP["check"],
        description="Check a case file (errors as every command reports them, exit 2), then list the newer facts it "
                    "lacks (request.channels, request.timing, threat.allies, ..., alternatives), one per line with the "
                    "default each takes (docs/scenario-format.md).")
    p.add_argument("scenario", help="a case file, or the id of a case under scenarios/")
    options.add_json(p, "print one JSON object: the file, the case, and each fact it lacks with its default")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..scenario import load_scenario
    from ..scenario.newer import NEWER_FACTS, missing_in_file

    case = load_scenario(args.scenario)
    missing = missing_in_file(case.path)
    if args.json:
        print_json({"file": case.path, "scenario": case.id, "valid": True, "newer_facts": len(NEWER_FACTS),
                    "missing": [m.as_dict() for m in missing]})
        return 0
    if not missing:
        print(f"{case.path}: valid; it has every newer fact")
        return 0
    print(f"{case.path}: valid; it lacks {len(missing)} newer fact(s), each of which takes its default:")
    width = max(len(m.name) for m in missing)
    for m in missing:
        print(f"  {m.name:<{width}}  default: {m.default}")
    return 0
