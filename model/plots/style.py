"""Where a figure's look is set: a colour-blind-safe palette, sizes legible at README width, and saving
that gives the same bytes for the same data (no timestamps, fixed SVG ids)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402

from ..files.atomic import write_atomic  # noqa: E402
from ..files.formats import FIGURE_FORMATS  # noqa: E402

#: Okabe & Ito (2008) [@okabe-ito-2008] colour-blind-safe palette; one colour per rung of the ladder.
LEVEL_COLOURS = {"none": "#BBBBBB", "consultations": "#56B4E9", "mission": "#009E73", "assistance": "#E69F00",
                 "deployment": "#D55E00"}
#: For members and other categories (Okabe & Ito again, then greys).
CATEGORY_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999",
                    "#F0E442", "#666666"]
DPI = 150
WIDTH = 8.0  # inches: 1200 px at 150 dpi
FORMATS = FIGURE_FORMATS

RC = {
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "csto-sim", "svg.fonttype": "path", "pdf.compression": 6, "figure.dpi": DPI,
    "axes.grid": False, "image.cmap": "cividis",
}


def new_figure(height: float = 4.5, width: float = WIDTH, ncols: int = 1, nrows: int = 1, **kw: Any):
    """A figure and its axes with the project's style."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), dpi=DPI, **kw)
    return fig, axes


def caption(replications: int | None, seed: int | None, extra: str = "") -> str:
    """The line naming the number of replications and the seed, put under every title."""
    parts = []
    if replications is not None:
        parts.append(f"{replications:,} replications")
    if seed is not None:
        parts.append(f"seed {seed}")
    if extra:
        parts.append(extra)
    return ", ".join(parts)


def save(fig: Any, path: Path, fmt: str = "png") -> Path:
    """Save ``fig`` as ``path`` (suffix set from ``fmt``) atomically, without timestamps, and close it."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} (allowed: {', '.join(FORMATS)})")
    path = Path(path).with_suffix(f".{fmt}")
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}}[fmt]
    try:
        with plt.rc_context(RC):
            write_atomic(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=DPI, metadata=metadata))
    finally:
        plt.close(fig)
    return path
