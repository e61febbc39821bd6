"""``csto-sim plot RESULTS``: draw figures from a saved results folder (never reruns the model)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..plots import KINDS
from . import options
from .common import HELP, print_json


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser("plot", help=HELP["plot"])
    p.add_argument("results", type=Path, help="a folder written by 'run --out' or by 'sweep'")
    p.add_argument("--kind", action="append", choices=KINDS, default=None,
                   help="figure to draw (repeatable; default: every figure the folder supports)")
    options.add_out(p, "folder for the figures (default: RESULTS/figures)", metavar=None)
    options.add_format(p, "png, svg or pdf (default png)")
    options.add_json(p, "print one JSON object: the folder read, the figures folder and the figures written")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..plots.draw import draw_folder

    written = draw_folder(args.results, args.out, args.kind, args.format)
    if args.json:
        out = args.out if args.out is not None else args.results / "figures"
        print_json({"results": str(args.results), "out": str(out), "format": args.format,
                    "figures": [str(p) for p in written]})
        return 0
    for path in written:
        print(path)
    return 0
