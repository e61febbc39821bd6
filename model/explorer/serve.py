"""Serving the explorer page on this machine (``csto-sim explore``) and printing its address.

The page is Mesa's SolaraViz (:mod:`model.explorer.app`), served by Solara's server under uvicorn in this
process, as Solara documents for self-hosting (``SOLARA_APP=... uvicorn solara.server.starlette:app``).
An address or a port that cannot be listened on is bad input (:class:`~model.errors.InputError`).
"""

from __future__ import annotations

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

from ..errors import InputError

APP = "model.explorer.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
INSTALL_HINT = 'pip install -e ".[viz]"'


def viz_installed() -> bool:
    """Whether the ``viz`` extra (Solara, uvicorn, Altair) is installed."""
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


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = True) -> int:
    """Serve the page at ``host:port`` (port 0: any free port) until Ctrl-C; 1 if the server did not start.
    Needs the ``viz`` extra (:func:`viz_installed`)."""
    sock = _bind(host, port)
    url = _url(host, sock.getsockname()[1])

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
            if open_browser:
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


def fetch_assets() -> int:
    """Fill Solara's asset cache from the npm registry with npm; 1 if that failed."""
    from . import assets

    try:
        fetched = assets.fetch(say=lambda text: print(text, file=sys.stderr))
    except (assets.AssetError, OSError, subprocess.SubprocessError) as exc:
        print(f"error: csto-sim explore --fetch-assets: {exc}", file=sys.stderr)
        return 1
    cache = assets.cache_dir()
    print(f"Solara's browser assets are in {cache}" + ("" if fetched else " (nothing to fetch)"))
    return 0
