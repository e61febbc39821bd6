"""The ``csto-sim`` command: a dispatcher over one module per command (SALib's shape).

Each command module has ``cli_parse(subparsers)``, which adds its subcommand(s) with the shared options of
:mod:`.options` and binds ``cli_action(args)``: parse, call one library function, print. The library never
imports this package.

Bad input of any kind ends with one line ``error: WHERE: field: what is wrong (allowed: ...)`` on
standard error and exit status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Collection, Sequence
from importlib import import_module

from .. import __version__
from ..errors import InputError
from .common import COMMANDS, Parser


def build_parser(full: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``full``, only those commands in full and the others by name and help
    line, so that a command imports only its own module (and the library only when it runs)."""
    parser = Parser(prog="csto-sim", description="How the CSTO council answers a member's call for help.")
    parser.add_argument("--version", action="version", version=f"csto-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    wanted = {module for name, module, _ in COMMANDS if full is None or name in full}
    parsed: set[str] = set()
    for name, module, line in COMMANDS:
        if module not in wanted:
            sub.add_parser(name, help=line)
        elif module not in parsed:
            import_module(f".{module}", __name__).cli_parse(sub)  # all the commands of that module
            parsed.add(module)
    return parser


def console() -> None:
    """The ``csto-sim`` program: :func:`main`, then the process ends at once with its status. Once a command has
    returned, every file it wrote is closed and renamed into place, its pool shut down and its output flushed
    below; what the interpreter's teardown would add is freeing memory the process is about to give back (numba's
    compiled code, matplotlib's and Arrow's state), about half a second after any simulation, so it is skipped."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe: nothing more can be said on it
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        if not argv:  # bare csto-sim: the help, not an error
            build_parser(full=[]).print_help()
            return 0
        command = next((a for a in argv if not a.startswith("-")), None)  # the top level has only -h and --version
        args = build_parser(full=[command] if command else []).parse_args(argv)
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
