"""The ``csto-sim explore`` command: serve the explorer page on this machine and print its address.

``csto-sim explore [--host 127.0.0.1] [--port 8765] [--no-browser] [--fetch-assets]``. The page is
Mesa's SolaraViz (:mod:`model.explorer.app`), served by Solara's server under uvicorn in this process,
as Solara documents for self-hosting (``SOLARA_APP=... uvicorn solara.server.starlette:app``).
Ctrl-C stops it (one line ``interrupted``, exit status 130). Without the ``viz`` extra it prints one
line saying how to install it and exits with status 2; a port in use is bad input too (status 2).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import warnings
import webbrowser
from typing import Any

from ..argtypes import whole
from ..errors import InputError

APP = "model.explorer.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
INSTALL_HINT = 'pip install -e ".[viz]"'


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``explore`` subcommand to the ``csto-sim`` parser."""
    p = subparsers.add_parser(
        "explore", help="the interactive explorer in the browser (needs the viz extra)",
        description="Serve the explorer page (Mesa SolaraViz): choose a case, the decision rule and the parameters, "
                    "run R replications and see the outcomes, the days to decision and the members' positions round "
                    "by round. Ctrl-C stops it.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=whole(0, 65535, "0: any free port", thousands=False), default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.add_argument("--fetch-assets", action="store_true",
                   help="fill Solara's asset cache from the npm registry with npm (for machines without internet "
                        "access to the CDN), then exit")
    return p


def viz_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("solara", "uvicorn", "altair"))


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError("command line", "--host", f"{host}: {exc.strerror}", "an address of this machine") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        field, allowed = ("--port", "a free port, or 0 for any") if port else ("--host", "an address of this machine")
        raise InputError("command line", field, f"cannot listen on {host}:{port}: {exc.strerror}", allowed) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run(args: argparse.Namespace) -> int:
    if not viz_installed():
        print(f"error: csto-sim explore needs Mesa's viz extra (solara), which is not installed: {INSTALL_HINT}",
              file=sys.stderr)
        return 2
    if args.fetch_assets:
        return _fetch_assets()
    sock = _bind(args.host, args.port)
    url = _url(args.host, sock.getsockname()[1])

    # Before Solara is imported: which app, no usage reports, production mode (no auto-reload).
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_MODE", "production")
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    import uvicorn
    from solara.server import settings

    from . import assets

    settings.main.mode = "production"
    lacking = assets.missing()
    if lacking:
        print(f"note: Solara's browser assets ({', '.join(lacking)}) are not in {assets.cache_dir()}; on a machine "
              "without internet access the page stays blank until 'csto-sim explore --fetch-assets' has run",
              file=sys.stderr)
    config = uvicorn.Config("solara.server.starlette:app", log_level="error", access_log=False,
                            timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            print(f"csto-sim explorer at {url}", flush=True)
            if not args.no_browser:
                with contextlib.suppress(webbrowser.Error, OSError):  # no browser: the address is printed
                    webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])  # Ctrl-C: uvicorn shuts down, then raises KeyboardInterrupt (exit 130)
    finally:
        sock.close()
    if not server.started:
        print(f"error: csto-sim explore: the server at {url} did not start (see the messages above)", file=sys.stderr)
        return 1
    return 0


def _fetch_assets() -> int:
    from . import assets

    try:
        fetched = assets.fetch(say=lambda text: print(text, file=sys.stderr))
    except (assets.AssetError, OSError, subprocess.SubprocessError) as exc:
        print(f"error: csto-sim explore --fetch-assets: {exc}", file=sys.stderr)
        return 1
    cache = assets.cache_dir()
    print(f"Solara's browser assets are in {cache}" + ("" if fetched else " (nothing to fetch)"))
    return 0
