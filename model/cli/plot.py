"""``csto-sim plot RESULTS``: draw figures from a saved results folder (never reruns the model)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..plots import KINDS
from . import options
from .common import HELP


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser("plot", help=HELP["plot"])
    p.add_argument("results", type=Path, help="a folder written by 'run --out' or by 'sweep'")
    p.add_argument("--kind", action="append", choices=KINDS, default=None,
                   help="figure to draw (repeatable; default: every figure the folder supports)")
    options.add_out(p, "folder for the figures (default: RESULTS/figures)", metavar=None)
    options.add_format(p, "png, svg or pdf (default png)")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..plots.draw import draw_folder

    for path in draw_folder(args.results, args.out, args.kind, args.format):
        print(path)
    return 0
