"""The approval map: the numbers behind its marks (grid, boundary, band, cases), on synthetic sweeps with a
known answer and on a tiny experiment run end to end through the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.colors import to_hex

from model import load_scenario, simulate
from model.cli import main
from model.crisis import coded_strategic_value
from model.errors import InputError
from model.ladder import LEVELS
from model.plots import data as plot_data
from model.plots.approval import (
    LEGAL_SITUATIONS,
    QUANTITY,
    X_FACT,
    approval_map_data,
    approval_map_figure,
    band_spans,
    caption_note,
    crossings,
    legal_situation,
    short_label,
    shown_panels,
)
from model.plots.data import SweepData
from model.plots.style import LEVEL_COLOURS
from model.statistics import STATISTICS

XS = np.linspace(0.0, 1.0, 11)
#: The legal situations of the synthetic sweep and the strategic value where P(approved) crosses 0.5 in each.
KNOWN = {("external_state", "de_jure", "external"): 0.25, ("internal", "de_jure", "external"): 0.55,
         ("internal", "de_jure", "internal"): 0.85}


def _p(x: np.ndarray, cross: float) -> np.ndarray:
    """A P(approved) that rises linearly through 0.5 at ``cross`` (slope 1, clipped to [0, 1])."""
    return np.clip(0.5 + (x - cross), 0.0, 1.0)


def _marked(case_id: str, outcome: str | None, sv: float, origin: str, framing: str, channels: list[str],
            measure: str = "deployment") -> tuple[dict, dict]:
    record = {"id": case_id, "observed": {"outcome": outcome} if outcome else None, "coded": {}}
    facts = {"threat.origin": origin, "threat.territory": "de_jure", "request.framing": framing,
             "request.channel": "organisation" if "organisation" in channels else "bilateral",
             "request.measure": measure, "request.channels": channels, X_FACT: sv}
    return record, facts


MARKS = [
    _marked("kazakhstan-2022", "deployment", 0.96, "internal", "external", ["organisation"]),
    _marked("kyrgyzstan-2010-06", "assistance", 0.36, "internal", "internal", ["lead_state", "organisation"]),
    _marked("armenia-2021-11", "none", 0.148, "external_state", "external", ["lead_state", "un"], "assistance"),
    _marked("hypothetical-request", None, 0.5, "external_nonstate", "external", ["organisation"]),
]


def synthetic_sweep(tmp_path: Path, interval: str | None = None, measures=("deployment",),
                    duplicate_framing: bool = False) -> SweepData:
    """A sweep table as ``csto-sim sweep`` writes one, with P(approved) known in every cell. ``interval``:
    'own' adds p_approved_lo/_hi (p -/+ 0.1), 'rungs' adds p_deployment_lo/_hi only, None adds none."""
    rows = []
    situations = dict(KNOWN)
    if duplicate_framing:  # the framing of an external attack does not change its legal situation
        situations[("external_state", "de_jure", "internal")] = KNOWN[("external_state", "de_jure", "external")]
    for channel in ("organisation", "bilateral"):
        for measure in measures:
            for (origin, territory, framing), cross in situations.items():
                shift = 0.0 if channel == "organisation" else 0.3
                for x, p in zip(XS, _p(XS, cross + shift), strict=True):
                    if duplicate_framing and framing == "internal" and origin != "internal":
                        p = min(1.0, p + 0.02)  # a second point of the same cell: the cell is their mean
                    row = {"point": len(rows), "scenario": "approval-base", "request.channel": channel,
                           "request.measure": measure, "threat.origin": origin, "threat.territory": territory,
                           "request.framing": framing, X_FACT: float(x), QUANTITY: float(p), "error": None}
                    for lvl in LEVELS:
                        row[f"p_{lvl}"] = float(p) if lvl == measure else 0.0
                    if interval == "own":
                        row[f"{QUANTITY}_lo"], row[f"{QUANTITY}_hi"] = max(0.0, p - 0.1), min(1.0, p + 0.1)
                    if interval == "rungs":
                        row["p_deployment_lo"], row["p_deployment_hi"] = max(0.0, p - 0.1), min(1.0, p + 0.1)
                    rows.append(row)
    manifest = {"experiment": {"name": "synthetic"}, "replications": 100, "seeds": {"seed": 1},
                "marked": [r for r, _ in MARKS], "case_facts": {r["id"]: f for r, f in MARKS}}
    return SweepData(tmp_path, manifest, pa.Table.from_pylist(rows), [], {})


# --- the pieces ---------------------------------------------------------------------------------------------------

def test_crossings_are_where_the_line_crosses_the_level():
    assert crossings(XS, _p(XS, 0.55)) == pytest.approx([0.55])
    assert crossings(np.array([0.0, 1.0]), np.array([0.2, 0.4])) == []
    assert crossings(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0])) == pytest.approx([0.5, 1.5])
    assert crossings(np.array([0.0, 1.0, 2.0]), np.array([0.2, 0.5, 0.9])) == pytest.approx([1.0])  # touches once
    assert crossings(np.array([0.0, 1.0, 2.0]), np.array([0.2, np.nan, 0.9])) == []  # no line through a gap


def test_band_is_where_the_interval_holds_one_half():
    p = _p(XS, 0.55)
    (span,) = band_spans(XS, np.clip(p - 0.1, 0, 1), np.clip(p + 0.1, 0, 1))
    assert span == pytest.approx((0.45, 0.65), abs=0.003)
    assert band_spans(XS, np.full(11, 0.6), np.full(11, 0.9)) == []


def test_legal_situations_follow_the_mandate_reading():
    assert legal_situation("external_state", "de_jure", "internal") == "external_de_jure"  # framing ignored
    assert legal_situation("external_nonstate", "contested", "external") == "external_contested"
    assert legal_situation("external_state", "not_own", "external") == "external_not_own"
    assert legal_situation("internal", "not_own", "external") == "internal_framed_external"  # territory ignored
    assert legal_situation("internal", "de_jure", "internal") == "internal"
    assert legal_situation("member_state", "contested", "external") == "member_state"
    assert short_label("kyrgyzstan-tajikistan-2022-01") == "KG-TJ 2022-01"
    assert short_label("kazakhstan-2022-internal-framing") == "KZ 2022 internal framing"


def test_the_approval_statistic_is_the_share_at_or_above_the_measure_requested():
    run = simulate(load_scenario("kyrgyzstan-2010-06"), replications=400, seed=3)
    requested = LEVELS.index("deployment")
    assert STATISTICS["approval"].compute(run) == pytest.approx(np.mean(run.outcome >= requested))
    assert STATISTICS["approval"].columns([]) == [QUANTITY]


# --- the data behind the marks, on a synthetic sweep ---------------------------------------------------------------

def test_grid_values_are_the_sweeps_column_values(tmp_path):
    sweep = synthetic_sweep(tmp_path, measures=("assistance", "deployment"))
    data = approval_map_data(sweep)
    assert list(data.panels) == [("organisation", "assistance"), ("organisation", "deployment"),
                                 ("other", "assistance"), ("other", "deployment")]
    table = sweep.table.to_pylist()
    for row in table:
        group = "organisation" if row["request.channel"] == "organisation" else "other"
        panel = data.panels[(group, row["request.measure"])]
        i = panel.rows.index(legal_situation(row["threat.origin"], row["threat.territory"], row["request.framing"]))
        j = list(panel.x).index(row[X_FACT])
        assert panel.p[i, j] == row[QUANTITY]
    assert data.panels[("organisation", "deployment")].rows == (
        "external_de_jure", "internal_framed_external", "internal")


def test_points_of_one_cell_are_averaged(tmp_path):
    data = approval_map_data(synthetic_sweep(tmp_path, duplicate_framing=True))
    panel = data.panels[("organisation", "deployment")]
    base = _p(XS, KNOWN[("external_state", "de_jure", "external")])
    np.testing.assert_allclose(panel.p[panel.rows.index("external_de_jure")], (base + np.minimum(1, base + 0.02)) / 2)


def test_the_boundary_is_where_p_crosses_one_half(tmp_path):
    data = approval_map_data(synthetic_sweep(tmp_path))
    panel = data.panels[("organisation", "deployment")]
    for (origin, territory, framing), cross in KNOWN.items():
        assert panel.boundary[legal_situation(origin, territory, framing)] == pytest.approx([cross])
    other = data.panels[("other", "deployment")]  # shifted by 0.3: the last crosses beyond 1, so not at all
    assert other.boundary["external_de_jure"] == pytest.approx([0.55])
    assert other.boundary["internal"] == []
    fig = approval_map_figure(data, "t", caption_note(data))
    ax = next(a for a in fig.axes if a.get_title().endswith("deployment requested") and "to the CSTO:" in a.get_title()
              and not a.get_title().startswith("not"))
    drawn = sorted(float(line.get_xdata()[0]) for line in ax.lines if str(line.get_gid()).startswith("boundary-"))
    assert drawn == pytest.approx(sorted(KNOWN.values()))


def test_each_case_sits_at_its_coded_facts_in_its_outcomes_colour(tmp_path):
    data = approval_map_data(synthetic_sweep(tmp_path, measures=("assistance", "deployment")))
    marks = {m.case_id: m for m in data.marks}
    kz = marks["kazakhstan-2022"]
    assert (kz.x, kz.row, kz.channel, kz.measure, kz.observed) == (
        0.96, "internal_framed_external", "organisation", "deployment", "deployment")
    assert marks["kyrgyzstan-2010-06"].row == "internal" and marks["kyrgyzstan-2010-06"].channel == "organisation"
    assert marks["armenia-2021-11"].panel == ("other", "assistance")
    assert marks["hypothetical-request"].kind == "what-if" and marks["hypothetical-request"].label == "A"
    fig = approval_map_figure(data, "t", "s")
    drawn = {}
    for ax in fig.axes:
        for line in ax.lines:
            gid = str(line.get_gid())
            if gid.startswith("mark-"):
                drawn[gid[5:]] = (ax, line)
    assert set(drawn) == set(marks)
    for case_id, (ax, line) in drawn.items():
        m = marks[case_id]
        panel = data.panels[m.panel]
        assert line.get_xdata()[0] == pytest.approx(m.x)
        assert abs(line.get_ydata()[0] - panel.rows.index(m.row)) < 0.5  # inside its row
        face = to_hex(line.get_markerfacecolor())
        assert face == (LEVEL_COLOURS[m.observed].lower() if m.observed else "#ffffff")
        title = ax.get_title()
        assert title.startswith("to the CSTO" if m.channel == "organisation" else "not to the CSTO")
        assert title.endswith(f"{m.measure} requested")


def test_band_is_drawn_iff_interval_columns_are_present(tmp_path):
    without = approval_map_data(synthetic_sweep(tmp_path))
    assert not without.band and all(p.lo is None and not p.band for p in without.panels.values())
    assert "not drawn" in caption_note(without)
    fig = approval_map_figure(without, "t", "s")
    assert not [c for ax in fig.axes for c in ax.collections if str(c.get_gid()).startswith("band-")]

    own = approval_map_data(synthetic_sweep(tmp_path, interval="own"))
    panel = own.panels[("organisation", "deployment")]
    assert own.band and not own.band_missing
    for (origin, territory, framing), cross in KNOWN.items():
        (span,) = panel.band[legal_situation(origin, territory, framing)]
        assert span == pytest.approx((cross - 0.1, cross + 0.1), abs=0.003)
    fig = approval_map_figure(own, "t", "s")
    assert [c for ax in fig.axes for c in ax.collections if str(c.get_gid()).startswith("band-")]

    # Only the rung's columns: valid where P(approved) is that rung's probability (deployment), not elsewhere.
    rungs = approval_map_data(synthetic_sweep(tmp_path, interval="rungs", measures=("assistance", "deployment")))
    assert rungs.panels[("organisation", "deployment")].lo is not None
    assert rungs.panels[("organisation", "assistance")].lo is None
    assert ("organisation", "assistance") in rungs.band_missing


def test_uniform_panels_without_cases_are_named_not_drawn(tmp_path):
    sweep = synthetic_sweep(tmp_path, measures=("consultations", "deployment"))
    table = sweep.table.to_pylist()
    for row in table:  # consultations: always approved
        if row["request.measure"] == "consultations":
            row[QUANTITY] = 1.0
    data = approval_map_data(SweepData(tmp_path, sweep.manifest, pa.Table.from_pylist(table), [], {}))
    shown, omitted = shown_panels(data)
    assert ("organisation", "consultations", "> 0.95") in omitted and ("organisation", "deployment") in shown


def test_a_sweep_without_the_strategic_value_or_p_approved_is_one_error(tmp_path):
    sweep = synthetic_sweep(tmp_path)
    with pytest.raises(InputError, match=X_FACT):
        approval_map_data(SweepData(tmp_path, sweep.manifest, sweep.table.drop_columns([X_FACT]), [], {}))
    with pytest.raises(InputError, match="approval statistic"):
        approval_map_data(SweepData(tmp_path, sweep.manifest, sweep.table.drop_columns([QUANTITY]), [], {}))


# --- end to end: a tiny experiment through the command line ------------------------------------------------------

TINY = """format: csto-sim/experiment-1
name: tiny-approval
scenarios: [scenarios/whatif/approval-base.yaml]
mark: [kazakhstan-2022, kyrgyzstan-2010-06, scenarios/whatif/hypothetical-request.yaml]
vary:
  request.measure: {values: [assistance, deployment]}
  threat.origin: {values: [external_state, internal]}
  request.framing: {values: [external, internal]}
  lead_state.strategic_value: {values: [0.0, 0.5, 1.0]}
design: full_factorial
replications: 60
seed: 11
record: [outcome_probabilities, approval]
"""


def test_a_tiny_experiment_end_to_end(tmp_path, capsys):
    root = Path(__file__).resolve().parent.parent
    exp = tmp_path / "tiny.yaml"
    exp.write_text(TINY.replace("scenarios/whatif/", f"{root}/scenarios/whatif/"))
    out = tmp_path / "out"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["plot", str(out), "--kind", "approval-map", "--out", str(tmp_path / "figs")]) == 0
    assert (tmp_path / "figs" / "approval-map.png").stat().st_size > 10_000
    table = pq.read_table(out / "results.parquet").to_pylist()
    for row in table:  # P(approved) is the share at or above the measure requested
        at_least = sum(row[f"p_{lvl}"] for lvl in LEVELS[LEVELS.index(row["request.measure"]):])
        assert row[QUANTITY] == pytest.approx(at_least, abs=1e-9)
    data = approval_map_data(plot_data.load(out))
    assert set(data.panels) == {("organisation", "assistance"), ("organisation", "deployment")}
    for row in table:
        panel = data.panels[("organisation", row["request.measure"])]
        i = panel.rows.index(legal_situation(row["threat.origin"], "de_jure", row["request.framing"]))
        j = list(panel.x).index(row[X_FACT])
        cell = [r[QUANTITY] for r in table if r["request.measure"] == row["request.measure"]
                and legal_situation(r["threat.origin"], "de_jure", r["request.framing"]) == panel.rows[i]
                and r[X_FACT] == row[X_FACT]]
        assert panel.p[i, j] == pytest.approx(np.mean(cell))
    marks = {m.case_id: m for m in data.marks}
    kz = load_scenario("kazakhstan-2022")
    assert marks["kazakhstan-2022"].x == pytest.approx(coded_strategic_value(kz))
    assert marks["kazakhstan-2022"].row == "internal_framed_external"
    assert marks["kazakhstan-2022"].observed == "deployment"
    # nothing of the figure (its long caption, the legal situations, the legend) is cut off at a paper's width
    from model.plots.approval import approval_map_figure, caption_note
    from model.plots.style import clipped

    fig = approval_map_figure(data, "When does the CSTO approve the measure requested? P(approved)",
                              "a subtitle as long as the gallery's: " + caption_note(data) * 3)
    assert clipped(fig) == []
    assert marks["kyrgyzstan-2010-06"].observed == "assistance" and marks["kyrgyzstan-2010-06"].row == "internal"
    assert marks["hypothetical-request"].kind == "what-if" and marks["hypothetical-request"].x == 0.5
    assert not data.band  # no posterior, no interval columns
    assert set(LEGAL_SITUATIONS) >= set(data.panels[("organisation", "deployment")].rows)


def test_plotting_an_approval_map_of_another_sweep_is_one_error_line(tmp_path, capsys):
    exp = tmp_path / "other.yaml"
    exp.write_text("format: csto-sim/experiment-1\nname: other\nscenarios: [kazakhstan-2022]\n"
                   "vary:\n  influence: {values: [0.2, 0.8]}\ndesign: full_factorial\nreplications: 20\nseed: 1\n")
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o"), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "o"), "--kind", "approval-map", "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "approval-map" in err[0]


def test_a_bad_mark_entry_is_one_error_naming_it(tmp_path, capsys):
    exp = tmp_path / "bad.yaml"
    exp.write_text(TINY.replace("mark: [kazakhstan-2022,", "mark: [kazakstan-2022,"))
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mark[0]" in err[0] and "kazakhstan-2022" in err[0]
    assert not (tmp_path / "o").exists()
