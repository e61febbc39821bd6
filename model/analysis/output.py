"""An analysis's output folder (``csto-sim sensitivity`` and ``discover``): checked before the analysis
runs, written to a temporary folder that replaces it only once complete, with a manifest."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

ANALYSIS_FORMAT = "csto-sim/analysis-1"


def prepare_out(out: Path) -> None:
    """Check that ``out`` can take an analysis: new, empty, or an earlier analysis folder (replaced)."""
    def fail(problem: str, allowed: str) -> InputError:
        return InputError("command line", "--out", f"{out}: {problem}", allowed)

    if out.is_symlink() and not out.exists():
        raise fail("is a broken symbolic link", "a new folder or an earlier analysis folder")
    if out.exists():
        if not out.is_dir():
            raise fail("exists and is not a folder", "a new folder or an earlier analysis folder")
        try:
            names = {p.name for p in out.iterdir()}
        except OSError as exc:
            raise fail(f"cannot be read ({exc.strerror})", "a readable folder") from None
        if names:
            try:
                manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = None
            if not isinstance(manifest, dict) or manifest.get("format") != ANALYSIS_FORMAT:
                raise fail("is a non-empty folder that holds other files than an analysis",
                           "a new or empty folder, or an earlier analysis folder")
    existing = out.parent if str(out.parent) else Path(".")
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise fail(f"{existing} is not a writable folder", "a path under a writable folder")


def write_out(out: Path, files: dict[str, Any], figure: Any, figure_name: str, fmt: str) -> list[Path]:
    """Write ``files`` (name -> text, bytes or a pyarrow Table) and the figure into ``out``, atomically."""
    from ..plots.style import save
    from ..results import replace_dir

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = []
        for name, content in files.items():
            path = tmp / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                import pyarrow.parquet as pq

                pq.write_table(content, path, compression="zstd")
            written.append(out / name)
        if figure is not None:
            written.append(out / save(figure, tmp / figure_name, fmt).name)
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def manifest(kind: str, **fields: Any) -> str:
    """The text of an analysis folder's ``manifest.json``."""
    from ..results import code_version

    return json.dumps({"format": ANALYSIS_FORMAT, "analysis": kind, **fields, "code_version": code_version()},
                      indent=2) + "\n"


def jsonable(x: Any) -> Any:
    """``json.dumps``'s ``default`` for what an analysis's report holds: numpy numbers, sets and tuples."""
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (set, frozenset, tuple)):
        return list(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")
