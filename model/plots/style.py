"""Where a figure's look is set: a colour-blind-safe palette, sizes legible at README width, and saving
that gives the same bytes for the same data (no timestamps, fixed SVG ids)."""

from __future__ import annotations

import textwrap
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
WIDTH = 7.0  # inches: 1050 px at 150 dpi, a paper's full text width (one column: 3.5)
FORMATS = FIGURE_FORMATS

RC = {
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.spines.top": False, "axes.spines.right": False,
    "svg.hashsalt": "csto-sim", "svg.fonttype": "path", "pdf.compression": 6, "figure.dpi": DPI,
    "axes.grid": False, "image.cmap": "cividis",
}


def line_style(i: int) -> dict[str, Any]:
    """The colour and dash of the i-th line of a figure: the category colours, then again dashed, dotted."""
    return {"color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)],
            "linestyle": ("-", "--", ":")[(i // len(CATEGORY_COLOURS)) % 3]}


def new_figure(height: float = 4.5, width: float = WIDTH, ncols: int = 1, nrows: int = 1, **kw: Any):
    """A figure and its axes with the project's style."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), dpi=DPI, **kw)
    return fig, axes


def wrap(text: str, width_in: float, fontsize: float = 11.0) -> str:
    """``text`` wrapped to lines that fit ``width_in`` inches at ``fontsize`` points (about 0.55 em per
    character), each line of the original wrapped on its own."""
    chars = max(20, int(width_in * 72 / (0.64 * fontsize)))
    return "\n".join(textwrap.fill(line, chars, break_long_words=False) if line else "" for line in text.split("\n"))


def heading(fig: Any, title: str, subtitle: str = "", fontsize: float = 11.0) -> Any:
    """The figure's title and, under it, its caption line, wrapped to the figure's width (never clipped)."""
    width = fig.get_size_inches()[0] - 0.3
    text = wrap(title, width, fontsize) + (f"\n{wrap(subtitle, width, fontsize - 1.5)}" if subtitle else "")
    return fig.suptitle(text, x=0.02, y=1 - 0.04 / fig.get_size_inches()[1], ha="left", va="top", fontsize=fontsize)


def fit(fig: Any, bottom: float = 0.0) -> None:
    """Tight layout under the heading (its wrapped height) and above ``bottom`` inches kept free (for a
    legend under the panels)."""
    fig.tight_layout(rect=(0, bottom / fig.get_size_inches()[1], 1, 1))  # tight_layout makes room for suptitle


def clipped(fig: Any, tolerance: float = 1.0) -> list[str]:
    """The drawn texts of ``fig`` that reach outside it (in pixels, with ``tolerance``): the check that no
    label, tick or title is cut off. Tick labels outside their axis's view limits are not drawn: skipped."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.canvas.get_width_height()
    undrawn = set()
    for ax in fig.axes:
        for axis, k in ((ax.xaxis, 0), (ax.yaxis, 1)):
            lo, hi = sorted(axis.get_view_interval())
            for label in axis.get_ticklabels(minor=False) + axis.get_ticklabels(minor=True):
                if not lo - 1e-9 * abs(hi - lo) <= label.get_position()[k] <= hi + 1e-9 * abs(hi - lo):
                    undrawn.add(id(label))
    out = []
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if id(text) in undrawn or not text.get_visible() or not str(text.get_text()).strip() or not _shown(text):
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -tolerance or box.y0 < -tolerance or box.x1 > width + tolerance or box.y1 > height + tolerance:
            out.append(text.get_text())
    return out


def _shown(text: Any) -> bool:
    ax = getattr(text, "axes", None)
    return ax is None or ax.get_visible()


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
