"""The one manifest writer: what a results folder holds, how it was made, and by which code.

Every results folder (a run, a sweep, a calibration, a validation, an analysis) has a JSON record whose
``format`` names its kind (:mod:`model.files.formats`) and whose ``code_version`` names the code.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from .atomic import json_text, write_text_atomic
from .formats import MANIFEST, VERSION

#: The checkout this package runs from (for the commit in :func:`code_version`).
_CHECKOUT = Path(__file__).resolve().parent.parent.parent


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version, with the git commit when run from a checkout."""
    try:
        sha = subprocess.run(["git", "-C", str(_CHECKOUT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        return f"{VERSION}+g{sha}" if sha else VERSION
    except (OSError, subprocess.SubprocessError):
        return VERSION


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes (recorded for every input a result depends on)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def new_manifest(fmt: str, **fields: Any) -> dict[str, Any]:
    """A manifest of format ``fmt``: ``format`` first, then ``fields``, then ``code_version``."""
    return {"format": fmt, **fields, "code_version": code_version()}


def manifest_text(manifest: dict[str, Any]) -> str:
    return json_text(manifest)


def write_manifest(manifest: dict[str, Any], folder: str | os.PathLike[str], name: str = MANIFEST) -> Path:
    """Write ``manifest`` as ``folder/name`` (``manifest.json`` by default), atomically."""
    return write_text_atomic(manifest_text(manifest), Path(folder) / name)


def read_manifest(folder: str | os.PathLike[str], name: str = MANIFEST) -> dict[str, Any] | None:
    """The manifest in ``folder``: None when there is none; ValueError when it is not a JSON object;
    OSError when it cannot be read."""
    path = Path(folder) / name
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    if not isinstance(manifest, dict):
        raise ValueError("not a JSON object")
    return manifest
