"""The approval map: when the council approves the measure requested, in the space of the case facts an
analyst reasons in, with every historical case and what-if placed on it.

**What is plotted.** P(approved), the sweep column ``p_approved`` of the statistic ``approval``
(``model/statistics.py``): the share of a point's replications in which the council settled on the measure
requested or a higher rung. Its axes are two facts of the case:

- x: ``lead_state.strategic_value``, the requester's value to Russia (0..1; for a historical case the value the
  model derives from the requester's border, bases, diaspora and economy, 0 when nobody requested);
- y: the legal situation, ordered by how well it fits the collective-defence clause (Treaty Art. 4; the
  organisation file's ``mandate``), from ``threat.origin``, ``threat.territory`` and ``request.framing``
  (:data:`LEGAL_SITUATIONS`).

Panels: where the request went (to the organisation, or not: to Russia alone or nowhere) by the measure
requested. Every other fact is the base case's (the sweep's case, a what-if). The 0.5 boundary in each row is
where P(approved) crosses 0.5 (linear interpolation between the sweep's levels); over a posterior, the band is
where the 90% interval of P(approved) over the posterior (columns ``<column>_lo``/``<column>_hi``) holds 0.5.

The cases placed on it are the experiment's ``mark:`` cases, at the facts they code (the manifest's
``case_facts``, written when the sweep ran: the case files are never re-opened), in the colour of their
observed outcome (what-ifs hollow). A point's colour is what happened with all of its own facts; the
background is the base case with the point's strategic value, legal situation, channel and measure.

:func:`approval_map_data` gives the numbers behind the marks (the explorer reuses it);
:func:`approval_map_figure` draws them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..ladder import LEVELS
from .data import SweepData
from .style import LEVEL_COLOURS, new_figure, wrap

#: The column plotted (the ``approval`` statistic) and the probability the boundary is drawn at.
QUANTITY = "p_approved"
THRESHOLD = 0.5
#: The x axis: a numeric case fact.
X_FACT = "lead_state.strategic_value"
#: The legal situations, from the best fit with the collective-defence clause to the worst (the CSTO file's
#: mandate: external_de_jure 1.0, external_contested 0.4, internal 0.1 (an external framing regains part of
#: the gap), external_not_own 0.0, member_state 0.0): key -> label.
LEGAL_SITUATIONS: dict[str, str] = {
    "external_de_jure": "external attack,\nits own territory",
    "external_contested": "external attack,\ncontested border",
    "internal_framed_external": "internal unrest\nframed as external",
    "internal": "internal unrest\nframed as internal",
    "external_not_own": "fighting outside its\nde jure territory",
    "member_state": "clash with\nanother member",
}
#: Where a request went: to the organisation (among its channels), or not (to Russia alone, or no request).
CHANNEL_GROUPS: dict[str, str] = {"organisation": "request to the CSTO",
                                  "other": "no request to the CSTO\n(to Russia alone, or none)"}
#: Facts that place a point (besides x): read from the sweep's columns when varied, else from the base case.
PLACING = ("threat.origin", "threat.territory", "request.framing", "request.channel", "request.measure")
_COUNTRIES = {"kyrgyzstan-tajikistan": "KG-TJ", "armenia": "AM", "kazakhstan": "KZ", "kyrgyzstan": "KG",
              "tajikistan": "TJ", "belarus": "BY", "russia": "RU", "uzbekistan": "UZ"}


def legal_situation(origin: str, territory: str, framing: str) -> str:
    """The key of :data:`LEGAL_SITUATIONS` of a case's origin, territory and framing (as
    ``mechanisms.legal_mandate`` reads them: an internal threat's territory does not matter, nor an external
    one's framing)."""
    if origin == "member_state":
        return "member_state"
    if origin == "internal":
        return "internal_framed_external" if framing == "external" else "internal"
    return {"de_jure": "external_de_jure", "contested": "external_contested"}.get(territory, "external_not_own")


def channel_group(channels: Sequence[str]) -> str:
    """``organisation`` when the request went to the organisation (among its channels), else ``other``."""
    return "organisation" if "organisation" in channels else "other"


def short_label(case_id: str) -> str:
    """A case id made short for a label: countries as ISO codes, the rest as words
    (``kyrgyzstan-2010-06`` -> ``KG 2010-06``, ``kyrgyzstan-tajikistan-2021`` -> ``KG-TJ 2021``)."""
    head, rest = "", case_id
    for name, code in _COUNTRIES.items():
        if case_id == name or case_id.startswith(name + "-"):
            head, rest = code, case_id[len(name) + 1:]
            break
    parts = [p for p in rest.split("-") if p]
    date = []
    while parts and parts[0].isdigit() and len(date) < 2:
        date.append(parts.pop(0))
    return " ".join(w for w in [head, "-".join(date), *parts] if w)


def crossings(x: np.ndarray, p: np.ndarray, level: float = THRESHOLD) -> list[float]:
    """Where ``p`` (over increasing ``x``) crosses ``level``, by linear interpolation between neighbours (a
    value equal to ``level`` is a crossing at its ``x``; NaN values break the line)."""
    x, d = np.asarray(x, dtype=float), np.asarray(p, dtype=float) - level
    out: list[float] = []
    for i in range(len(x) - 1):
        a, b = d[i], d[i + 1]
        if np.isnan(a) or np.isnan(b):
            continue
        if a == 0 and (i == 0 or np.isnan(d[i - 1]) or d[i - 1] != 0):
            out.append(float(x[i]))
        elif a * b < 0:
            out.append(float(x[i] + (x[i + 1] - x[i]) * a / (a - b)))
    if len(x) and d[-1] == 0 and (len(x) == 1 or d[-2] != 0):
        out.append(float(x[-1]))
    return out


def band_spans(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float = THRESHOLD,
               resolution: int = 401) -> list[tuple[float, float]]:
    """The x intervals where the interval [lo, hi] holds ``level`` (linearly interpolated on a fine grid): the
    band between the ``level`` crossings of ``lo`` and of ``hi``."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return []
    fine = np.linspace(x[0], x[-1], resolution)
    lo_f, hi_f = np.interp(fine, x, lo), np.interp(fine, x, hi)
    inside = (lo_f <= level) & (hi_f >= level) & ~np.isnan(lo_f) & ~np.isnan(hi_f)
    spans, start = [], None
    for i, flag in enumerate(inside):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == len(inside) - 1):
            end = i if flag else i - 1
            spans.append((float(fine[start]), float(fine[end])))
            start = None
    return spans


@dataclass(frozen=True)
class Panel:
    """One panel: a channel group and a measure requested; P(approved) on rows (legal situations) x levels of
    the strategic value, the 0.5 crossings per row and, over a posterior, the band per row."""

    channel: str
    measure: str
    x: np.ndarray  # the strategic value's levels
    rows: tuple[str, ...]  # legal situations present, in LEGAL_SITUATIONS order
    p: np.ndarray  # (rows, x): mean P(approved) of the sweep's points in each cell
    lo: np.ndarray | None = None  # (rows, x) the 90% interval over the posterior, when recorded
    hi: np.ndarray | None = None
    boundary: dict[str, list[float]] = field(default_factory=dict)  # row -> x where p crosses 0.5
    band: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # row -> x spans where lo <= 0.5 <= hi


@dataclass(frozen=True)
class Mark:
    """A case placed on the map at its coded facts."""

    case_id: str
    label: str  # drawn beside the point: a historical case's short name; a what-if's letter (named in the key)
    kind: str  # historical | what-if
    observed: str | None  # the observed outcome (None for a what-if)
    x: float
    row: str
    channel: str
    measure: str

    @property
    def panel(self) -> tuple[str, str]:
        return (self.channel, self.measure)


@dataclass(frozen=True)
class ApprovalMap:
    """The approval map's data: its panels (by channel group and measure, in reading order), the cases on it,
    whether the boundary's band over the posterior is drawn, and what the background holds fixed."""

    panels: dict[tuple[str, str], Panel]
    marks: tuple[Mark, ...]
    base: tuple[str, ...]  # the sweep's case(s): the facts the background holds fixed
    band: bool  # a band in at least one panel
    band_missing: tuple[tuple[str, str], ...]  # panels without one (no interval columns for their quantity)
    quantity: str = QUANTITY
    posterior: str | None = None  # the posterior the points' parameters were drawn from (None: the defaults)

    @property
    def off_map(self) -> tuple[Mark, ...]:
        """Marked cases whose channel and measure have no panel (the sweep did not vary into them)."""
        return tuple(m for m in self.marks if m.panel not in self.panels)


def _fail(sweep: SweepData, problem: str) -> InputError:
    return InputError(str(sweep.folder), "approval-map", problem,
                      f"a sweep like experiments/approval-map.yaml: {X_FACT} varied, record: [..., approval]")


def _placing(sweep: SweepData, name: str, scenarios: np.ndarray) -> np.ndarray:
    """A placing fact per row: its column when the sweep varies it, else the base case's coded value."""
    if name in sweep.table.column_names:
        return sweep.column(name)
    facts = sweep.manifest.get("case_facts") or {}
    values = [(facts.get(s) or {}).get(name) for s in scenarios]
    if any(v is None for v in values):
        raise _fail(sweep, f"{name} is neither varied nor recorded for the sweep's case (a sweep of an older version)")
    return np.array(values, dtype=object)


def _interval_columns(sweep: SweepData, measure: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The 90% interval of P(approved) over the posterior for the rows asking ``measure``: the quantity's own
    ``_lo``/``_hi`` columns; else, where P(approved) is one rung's probability or its complement, that rung's
    (P(at least the top rung) is p_top; P(at least the first rung above none) is 1 - p_none, whose interval is
    [1 - hi, 1 - lo] of p_none's); else None (a sum of rungs' bounds is not its interval's bound)."""
    names = sweep.table.column_names
    if f"{QUANTITY}_lo" in names and f"{QUANTITY}_hi" in names:
        return sweep.column(f"{QUANTITY}_lo"), sweep.column(f"{QUANTITY}_hi")
    if measure == LEVELS[-1] and f"p_{measure}_lo" in names and f"p_{measure}_hi" in names:
        return sweep.column(f"p_{measure}_lo"), sweep.column(f"p_{measure}_hi")
    if measure == LEVELS[1] and "p_none_lo" in names and "p_none_hi" in names:
        return 1.0 - sweep.column("p_none_hi"), 1.0 - sweep.column("p_none_lo")
    return None


def _cell_means(values: np.ndarray, row_idx: np.ndarray, x_idx: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    total, count = np.zeros(shape), np.zeros(shape)
    ok = ~np.isnan(values)
    np.add.at(total, (row_idx[ok], x_idx[ok]), values[ok])
    np.add.at(count, (row_idx[ok], x_idx[ok]), 1)
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def approval_map_data(sweep: SweepData) -> ApprovalMap:
    """The numbers behind the approval map of a sweep (see the module's docstring); InputError (one line) when
    the sweep cannot give one. A cell is the mean of the sweep's points with its legal situation, channel group,
    measure and strategic value (points that differ only in facts the legal situation ignores are averaged)."""
    names = sweep.table.column_names
    if X_FACT not in names:
        raise _fail(sweep, f"the sweep does not vary {X_FACT}")
    if QUANTITY not in names:
        raise _fail(sweep, f"the results have no {QUANTITY} column (the approval statistic was not recorded)")
    ok = np.ones(sweep.table.num_rows, dtype=bool)
    if "error" in names:
        ok = np.array([e is None for e in sweep.table.column("error").to_pylist()])
    scenarios = sweep.column("scenario")
    x, p = sweep.column(X_FACT), sweep.column(QUANTITY)
    origin, territory, framing, channel, measure = (_placing(sweep, n, scenarios) for n in PLACING)
    rows = np.array([legal_situation(o, t, f) for o, t, f in zip(origin, territory, framing, strict=True)])
    groups = np.array(["organisation" if c == "organisation" else "other" for c in channel])
    ok &= ~(np.isnan(x) | np.isnan(p))
    panels: dict[tuple[str, str], Panel] = {}
    band_missing = []
    for group in CHANNEL_GROUPS:
        for level in LEVELS[1:]:
            sel = ok & (groups == group) & (measure == level)
            if not sel.any():
                continue
            panel = _panel(sweep, group, level, sel, x, p, rows)
            panels[(group, level)] = panel
            if panel.lo is None:
                band_missing.append((group, level))
    post = sweep.manifest.get("posterior")
    return ApprovalMap(panels=panels, marks=_marks(sweep), base=tuple(dict.fromkeys(scenarios)),
                       band=any(pn.lo is not None for pn in panels.values()), band_missing=tuple(band_missing),
                       posterior=f"{post.get('folder')} ({post.get('sets')} sets)" if isinstance(post, dict) else None)


def _panel(sweep: SweepData, group: str, level: str, sel: np.ndarray, x: np.ndarray, p: np.ndarray,
           rows: np.ndarray) -> Panel:
    xs = np.unique(x[sel])
    present = tuple(k for k in LEGAL_SITUATIONS if (rows[sel] == k).any())
    row_idx = np.array([present.index(r) if r in present else -1 for r in rows])
    x_idx = np.searchsorted(xs, x)
    shape = (len(present), len(xs))
    grid = _cell_means(p[sel], row_idx[sel], x_idx[sel], shape)
    interval = _interval_columns(sweep, level)
    lo = hi = None
    band: dict[str, list[tuple[float, float]]] = {}
    if interval is not None:
        lo = _cell_means(interval[0][sel], row_idx[sel], x_idx[sel], shape)
        hi = _cell_means(interval[1][sel], row_idx[sel], x_idx[sel], shape)
        band = {r: band_spans(xs, lo[i], hi[i]) for i, r in enumerate(present)}
    boundary = {r: crossings(xs, grid[i]) for i, r in enumerate(present)}
    return Panel(group, level, xs, present, grid, lo, hi, boundary, band)


def _marks(sweep: SweepData) -> tuple[Mark, ...]:
    """The experiment's ``mark:`` cases at their coded facts (the manifest's ``case_facts``)."""
    facts = sweep.manifest.get("case_facts") or {}
    out: list[Mark] = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for record in sweep.manifest.get("marked") or []:
        case_id = str(record.get("id"))
        f = facts.get(case_id)
        if not isinstance(f, dict):
            continue
        observed = record.get("observed")
        label = short_label(case_id) if observed else next(letters, "?")
        out.append(Mark(
            case_id=case_id, label=label, kind="historical" if observed else "what-if",
            observed=observed.get("outcome") if isinstance(observed, dict) else None,
            x=float(f[X_FACT]), row=legal_situation(f["threat.origin"], f["threat.territory"], f["request.framing"]),
            channel=channel_group(f.get("request.channels") or []), measure=str(f["request.measure"])))
    return tuple(out)


# --- the figure ---------------------------------------------------------------------------------------------

def _background():
    """A light sequential grey (white = never approved, dark grey = always), so that the points' Okabe-Ito
    colours stay legible on it."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("approval", ["#FFFFFF", "#7A7A7A"])


def _clusters(marks: Sequence[Mark], width: float = 0.06) -> list[list[Mark]]:
    """Marks of one row of one panel grouped when they sit within ``width`` of each other and look the same
    (outcome and kind): one point, one label listing them."""
    groups: list[list[Mark]] = []
    for m in sorted(marks, key=lambda m: (m.observed or "", m.kind, m.x, m.label)):
        last = groups[-1] if groups else None
        if last and last[0].observed == m.observed and last[0].kind == m.kind and abs(m.x - last[-1].x) <= width:
            last.append(m)
        else:
            groups.append([m])
    return groups


def _draw_marks(ax: Any, panel: Panel, marks: Sequence[Mark]) -> None:
    by_row: dict[str, list[Mark]] = {}
    for m in marks:
        if m.row in panel.rows:
            by_row.setdefault(m.row, []).append(m)
    for row, ms in by_row.items():
        y0 = panel.rows.index(row)
        clusters = _clusters(ms)
        offsets = np.linspace(-0.28, 0.28, len(clusters)) if len(clusters) > 1 else [0.0]
        for dy, cluster in zip(offsets, clusters, strict=True):
            first = cluster[0]
            cx = float(np.mean([m.x for m in cluster]))
            colour = LEVEL_COLOURS.get(first.observed or "", "black")
            hollow = first.kind != "historical"
            ax.plot([cx], [y0 + dy], marker="o", markersize=6.5, linestyle="none",
                    markerfacecolor="white" if hollow else colour, markeredgecolor="black" if not hollow else "#333333",
                    markeredgewidth=0.9, zorder=5, gid=f"mark-{'+'.join(m.case_id for m in cluster)}")
            text = "\n".join(textwrap.wrap(", ".join(m.label for m in cluster), 26))
            right = cx < 0.55
            ax.annotate(text, (cx, y0 + dy), xytext=(5 if right else -5, 0), textcoords="offset points",
                        ha="left" if right else "right", va="center", fontsize=6, zorder=6,
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})


#: A panel is left out of the figure (and named in its caption) when no case sits in it and P(approved) is below
#: the first bound or above the second everywhere: it says one thing, which the caption says.
UNIFORM = (0.05, 0.95)
CHANNEL_SHORT = {"organisation": "to the CSTO", "other": "not to the CSTO"}


def shown_panels(data: ApprovalMap) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The panels the figure draws (in reading order) and those it leaves out, each with what it holds
    everywhere ("< 0.05" or "> 0.95"): a panel is left out when no case sits in it and it is uniform."""
    shown, omitted = [], []
    occupied = {m.panel for m in data.marks}
    for key, panel in data.panels.items():
        finite = panel.p[~np.isnan(panel.p)]
        low, high = UNIFORM
        if key not in occupied and finite.size and (finite < low).all():
            omitted.append((*key, f"< {low}"))
        elif key not in occupied and finite.size and (finite > high).all():
            omitted.append((*key, f"> {high}"))
        else:
            shown.append(key)
    return shown, omitted


def approval_map_figure(data: ApprovalMap, title: str, subtitle: str):
    """The approval map (see the module's docstring): one panel per channel group and measure requested that
    holds a case or a boundary (:func:`shown_panels`); P(approved) as a grey scale, its 0.5 boundary as black
    segments, the band over the posterior hatched, the cases as points in the colour of their observed outcome
    (what-ifs hollow, lettered, named in the key)."""
    shown, omitted = shown_panels(data)
    ncols = min(3, max(1, len(shown)))
    nrows = max(1, -(-len(shown) // ncols))
    fig, axes = new_figure(ncols=ncols, nrows=nrows, height=3.1 * nrows + 2.4, squeeze=False, sharey=True)
    cmap = _background()
    mesh = None
    for k, ax in enumerate(axes.flat):
        if k >= len(shown):
            ax.set_visible(False)
            continue
        key = shown[k]
        panel = data.panels[key]
        mesh = _draw_panel(ax, panel, cmap)
        _draw_marks(ax, panel, [m for m in data.marks if m.panel == key])
        ax.set_title(f"{CHANNEL_SHORT[key[0]]}:\n{key[1]} requested", fontsize=8.5)
        if k % ncols == 0:
            ax.set_yticks(range(len(panel.rows)), [LEGAL_SITUATIONS[r] for r in panel.rows], fontsize=7)
            ax.set_ylabel("legal situation (best fit with Treaty Art. 4 at the top)", fontsize=7.5)
        ax.set_xlabel("Russia's stake: the requester's\nstrategic value to it (0-1)", fontsize=7.5)
    notes = [subtitle]
    if omitted:
        notes.append("Not drawn (no case in them): " + "; ".join(
            f"{CHANNEL_SHORT[g]}, {m} requested: P(approved) {v} everywhere" for g, m, v in omitted) + ".")
    whatifs = [m for m in data.marks if m.kind != "historical"]
    if whatifs:
        notes.append("What-ifs: " + "; ".join(f"{m.label} {short_label(m.case_id)}" for m in whatifs) + ".")
    width = fig.get_size_inches()[0] - 0.3
    lines = [title, *(line for n in notes for line in wrap(n, width, 8.5).split("\n"))]
    fig.suptitle("\n".join(lines), x=0.01, ha="left", fontsize=8.5)
    _legend(fig, data, mesh)
    height = fig.get_size_inches()[1]
    top = 1 - (0.5 + 0.16 * len(lines)) / height
    fig.subplots_adjust(left=0.22, right=0.98, top=top, bottom=1.35 / height, wspace=0.08, hspace=0.35)
    return fig


def _draw_panel(ax: Any, panel: Panel, cmap: Any) -> Any:
    x = panel.x
    edges = np.concatenate([[x[0] - (x[1] - x[0]) / 2 if len(x) > 1 else x[0] - 0.5],
                            (x[:-1] + x[1:]) / 2, [x[-1] + (x[-1] - x[-2]) / 2 if len(x) > 1 else x[0] + 0.5]])
    mesh = ax.pcolormesh(edges, np.arange(len(panel.rows) + 1) - 0.5, panel.p, cmap=cmap, vmin=0, vmax=1,
                         shading="flat", gid="approval-grid")
    for i, row in enumerate(panel.rows):
        for lo_x, hi_x in panel.band.get(row, []):
            ax.fill_between([lo_x, hi_x], i - 0.5, i + 0.5, facecolor="none", edgecolor="#0072B2", hatch="////",
                            linewidth=0, zorder=3, gid=f"band-{row}")
        for bx in panel.boundary.get(row, []):
            ax.plot([bx, bx], [i - 0.5, i + 0.5], color="black", linewidth=2.0, zorder=4, gid=f"boundary-{row}")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(len(panel.rows) - 0.5, -0.5)
    ax.tick_params(labelsize=7)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(True)
    return mesh


def _legend(fig: Any, data: ApprovalMap, mesh: Any) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    seen = {m.observed for m in data.marks}
    handles = [Line2D([], [], marker="o", linestyle="none", markerfacecolor=LEVEL_COLOURS[lv], markeredgecolor="black",
                      markersize=6, label=f"observed: {lv}") for lv in LEVELS if lv in seen]
    handles += [Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor="#333333",
                       markersize=6, label="what-if (no outcome)"),
                Line2D([], [], color="black", linewidth=2, label="P(approved) = 0.5")]
    if data.band:
        handles.append(Patch(facecolor="none", edgecolor="#0072B2", hatch="////",
                             label="90% interval over the posterior holds 0.5"))
    fig.legend(handles=handles, loc="lower left", ncols=2, fontsize=6.5, frameon=False, bbox_to_anchor=(0.0, 0.0))
    if mesh is not None:
        height = fig.get_size_inches()[1]
        cax = fig.add_axes((0.70, 0.42 / height, 0.27, 0.12 / height))
        bar = fig.colorbar(mesh, cax=cax, orientation="horizontal")
        bar.ax.set_title("P(approved): the measure requested or more", fontsize=6.5)
        bar.ax.tick_params(labelsize=6)


def caption_note(data: ApprovalMap) -> str:
    """What the subtitle says of the parameters, of the band and of what the background holds fixed."""
    params = f"parameters drawn from the posterior in {data.posterior}" if data.posterior else "default parameters"
    if not data.band:
        band = "no interval columns over the posterior: band not drawn"
    elif data.band_missing:
        band = "band where the interval is recorded (not: " + ", ".join(
            f"{m} {CHANNEL_SHORT[g]}" for g, m in data.band_missing) + ")"
    else:
        band = "hatched: the 90% interval over the posterior holds 0.5"
    return f"{params}; other facts as in {', '.join(data.base)}; {band}"


def approval_available(sweep: SweepData) -> bool:
    """Whether a sweep gives an approval map: it varies the strategic value and records P(approved)."""
    return X_FACT in sweep.table.column_names and QUANTITY in sweep.table.column_names
