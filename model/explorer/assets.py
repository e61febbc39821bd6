"""Solara's browser assets on a machine without internet access.

The page's JavaScript and CSS (Solara's Vuetify app, RequireJS, Font Awesome, the draggable grid of
Mesa's SolaraViz) are npm packages that the Solara server fetches from a public CDN on first use and
keeps in its proxy cache (``<venv>/share/solara/cdn``). Where the CDN cannot be reached, the page stays
blank. :func:`fetch` fills that cache from the npm registry with ``npm pack`` instead: each package's
files go to ``CACHE/NAME@VERSION/``, the layout the CDN serves them in. ``csto-sim explore
--fetch-assets`` runs it; the versions are the ones the installed Solara asks for.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

#: What Solara 1.64 asks for, used if its files cannot be read.
FALLBACK = ("@widgetti/solara-vuetify-app@10.1.1", "requirejs@2.3.6", "font-awesome@4.5.0",
            "@widgetti/vue-grid-layout@2.3.13-alpha.2")
_SPEC = re.compile(r"(@widgetti/(?:solara-vuetify3?-app|vue-grid-layout)|requirejs|font-awesome)@(\d[\w.+-]*\w)")
_SOURCES = ("server/templates/solara.html.j2", "server/settings.py", "widgets/vue/gridlayout.vue",
            "widgets/vue/gridlayout_v3.vue")


class AssetError(RuntimeError):
    """The assets could not be fetched; the message says why, on one line."""


def cache_dir() -> Path:
    """Solara's proxy cache (``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or ``<prefix>/share/solara/cdn``)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def needed() -> list[str]:
    """The npm packages (``name@version``) the installed Solara loads in the browser for this page."""
    import solara
    from solara.util import ipyvuetify_major_version

    root = Path(solara.__file__).parent
    found: dict[str, str] = {}
    for rel in _SOURCES:
        path = root / rel
        if path.is_file():
            for name, version in _SPEC.findall(path.read_text(encoding="utf-8", errors="replace")):
                found.setdefault(name, version)
    if not found:
        return list(FALLBACK)
    unused = "@widgetti/solara-vuetify-app" if ipyvuetify_major_version == 3 else "@widgetti/solara-vuetify3-app"
    found.pop(unused, None)
    return [f"{name}@{version}" for name, version in sorted(found.items())]


def missing(cache: Path | None = None) -> list[str]:
    """The needed packages not yet in the cache."""
    cache = cache_dir() if cache is None else cache
    return [spec for spec in needed() if not (cache / spec / "package.json").is_file()]


def fetch(cache: Path | None = None, say=print) -> list[str]:
    """Put every missing package into the cache with ``npm pack``; return those fetched."""
    cache = cache_dir() if cache is None else cache
    todo = missing(cache)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is not installed (needed to fetch Solara's browser assets from the npm registry)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="csto-sim-assets-") as tmp:
        for spec in todo:
            proc = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp], capture_output=True,
                                  text=True, timeout=600, check=False)
            lines = proc.stdout.strip().splitlines()
            if proc.returncode != 0 or not lines:
                reason = (proc.stderr.strip().splitlines() or ["no file"])[-1]
                raise AssetError(f"npm pack {spec} failed: {reason}")
            target = cache / spec
            staging = cache / f".{spec.replace('/', '_')}.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(Path(tmp) / lines[-1]) as tar:
                members = []
                for m in tar.getmembers():
                    head, _, rest = m.name.partition("/")
                    if rest and head == "package":
                        m.name = rest
                        members.append(m)
                tar.extractall(staging, members=members, filter="data")
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            staging.rename(target)
            say(f"fetched {spec} into {target}")
    return todo
