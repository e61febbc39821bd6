"""``csto-sim plot RESULTS``: draw figures from a saved results folder (never reruns the model)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..ladder import LEVELS
from ..plots import KIND_SOURCES, KINDS
from . import options
from .common import HELP, print_json


def _kinds_text() -> str:
    width = max(map(len, KIND_SOURCES))
    lines = [f"  {k:<{width}}  {what} [{source}]" for k, (source, what) in KIND_SOURCES.items()]
    return "figure kinds (--kind) and the folder each is drawn from:\n" + "\n".join(lines)


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser("plot", help=HELP["plot"], epilog=_kinds_text(),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", type=Path,
                   help="a folder written by 'run --out', 'sweep', 'explain --plot' or 'discover', or a folder of "
                        "run folders")
    p.add_argument("--kind", action="append", choices=KINDS, default=None, metavar="KIND",
                   help="figure to draw (repeatable; default: every figure the folder supports; listed below)")
    p.add_argument("--outcome", choices=[f"p_{lvl}" for lvl in LEVELS], default="p_deployment",
                   help="the sweep column the curves, partial dependence and tornado draw (default p_deployment)")
    options.add_out(p, "folder for the figures (default: RESULTS/figures)", metavar=None)
    options.add_format(p, "png, svg or pdf (default png)")
    options.add_json(p, "print one JSON object: the folder read, the figures folder, the figures written and "
                        "every figure kind with the folder it is drawn from")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    from ..plots.draw import draw_folder

    written = draw_folder(args.results, args.out, args.kind, args.format, args.outcome)
    if args.json:
        out = args.out if args.out is not None else args.results / "figures"
        print_json({"results": str(args.results), "out": str(out), "format": args.format,
                    "figures": [str(p) for p in written],
                    "kinds": {k: {"source": src, "draws": what} for k, (src, what) in KIND_SOURCES.items()}})
        return 0
    for path in written:
        print(path)
    return 0
