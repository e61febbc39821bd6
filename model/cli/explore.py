"""``csto-sim explore [--host 127.0.0.1] [--port 8765] [--no-browser] [--fetch-assets]``: serve the explorer
page on this machine and print its address (:mod:`model.explorer.serve`).

Ctrl-C stops it (one line ``interrupted``, exit status 130). Without the ``viz`` extra it prints one line
saying how to install it and exits with status 2; a port in use is bad input too (status 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..explorer.serve import DEFAULT_HOST, DEFAULT_PORT, INSTALL_HINT, fetch_assets, serve, viz_installed
from . import options
from .common import HELP


def cli_parse(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "explore", help=HELP["explore"],
        description="Serve the explorer page (Mesa SolaraViz): choose a case, the decision rule and the parameters, "
                    "edit the case's facts, run R replications and see the outcomes against the case as coded, the "
                    "days to decision and the members' positions round by round (Step and Play replay them); "
                    "download the edited case as a case file. Ctrl-C stops it.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=options.whole(0, 65535, "0: any free port", thousands=False), default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.add_argument("--fetch-assets", action="store_true",
                   help="fill Solara's asset cache from the npm registry with npm (for machines without internet "
                        "access to the CDN), then exit")
    options.bind(p, cli_action)


def cli_action(args: argparse.Namespace) -> int:
    if not viz_installed():
        print(f"error: csto-sim explore needs Mesa's viz extra (solara), which is not installed: {INSTALL_HINT}",
              file=sys.stderr)
        return 2
    if args.fetch_assets:
        return fetch_assets()
    return serve(args.host, args.port, open_browser=not args.no_browser)
