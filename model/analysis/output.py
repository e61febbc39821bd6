"""An analysis's output folder (``csto-sim sensitivity`` and ``discover``): checked before the analysis
runs (``files.outdir``), written to a temporary folder that replaces it only once complete
(``files.atomic``), with a manifest (``files.manifest``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..files.atomic import staged_folder, write_file
from ..files.formats import ANALYSIS_FORMAT
from ..files.manifest import manifest_text, new_manifest
from ..files.outdir import ANALYSIS, check_out_dir

__all__ = ["ANALYSIS_FORMAT", "jsonable", "manifest", "prepare_out", "write_out"]


def prepare_out(out: Path) -> None:
    """Check that ``out`` can take an analysis: new, empty, or an earlier analysis folder (replaced)."""
    check_out_dir(out, ANALYSIS)


def write_out(out: Path, files: dict[str, Any], figure: Any, figure_name: str, fmt: str) -> list[Path]:
    """Write ``files`` (name -> text, bytes or a pyarrow Table) and the figure into ``out``, atomically."""
    from ..plots.style import save

    written = []
    with staged_folder(out) as tmp:
        for name, content in files.items():
            write_file(tmp / name, content)
            written.append(out / name)
        if figure is not None:
            written.append(out / save(figure, tmp / figure_name, fmt).name)
    return written


def manifest(kind: str, **fields: Any) -> str:
    """The text of an analysis folder's ``manifest.json``."""
    return manifest_text(new_manifest(ANALYSIS_FORMAT, analysis=kind, **fields))


def jsonable(x: Any) -> Any:
    """``json.dumps``'s ``default`` for what an analysis's report holds: numpy numbers, sets and tuples."""
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (set, frozenset, tuple)):
        return list(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")
