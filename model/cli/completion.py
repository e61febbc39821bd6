"""``csto-sim completion bash|zsh|tcsh``: print a shell completion script for every command and option (shtab
reads the parser), e.g. ``csto-sim completion bash > ~/.local/share/bash-completion/completions/csto-sim``."""

from __future__ import annotations

import argparse
from typing import Any

from . import options
from .common import HELP

#: The shells shtab writes a script for (fixed here, so that --help and bad input never import it).
SHELLS = ("bash", "zsh", "tcsh")


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "completion", help=HELP["completion"],
        description="Print a completion script for SHELL on standard output: commands, options and their choices. "
                    "bash: 'eval \"$(csto-sim completion bash)\"' in ~/.bashrc; zsh: save it as _csto-sim in a folder "
                    "of $fpath.")
    p.add_argument("shell", choices=SHELLS, help="the shell: " + ", ".join(SHELLS))
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    import shtab

    from . import build_parser  # every command in full: the script completes their options too

    print(shtab.complete(build_parser(), shell=args.shell), end="")
    return 0
