"""The ``csto-sim`` command: a dispatcher over one module per command (SALib's shape).

Each command module has ``cli_parse(subparsers)``, which adds its subcommand(s) with the shared options of
:mod:`.options` and binds ``cli_action(args)``: parse, call one library function, print. The library never
imports this package.

Bad input of any kind ends with one line ``error: WHERE: field: what is wrong (allowed: ...)`` on
standard error and exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import InputError
from . import (
    calibrate,
    discover,
    explain,
    explore,
    forums,
    listing,
    plot,
    power,
    replay,
    run,
    sensitivity,
    sweep,
)
from .common import Parser

#: In the order ``csto-sim --help`` lists them.
COMMANDS = (run, replay, plot, listing, sweep, explore, calibrate, sensitivity, discover, explain, power, forums)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="csto-sim", description="How the CSTO council answers a member's call for help.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.cli_parse(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.cli_action(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        sys.stderr.close()
        return 0
