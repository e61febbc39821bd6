"""The figure kinds of issue 13 and their fixes: each test checks the data behind the marks against a value
computed independently from the saved results (not only that a file exists)."""

import json
import re
from collections import Counter

import matplotlib.image as mpimg
import numpy as np
import pyarrow.parquet as pq
import pytest

from model import simulate
from model.cli import main
from model.files.runfolder import write_run
from model.ladder import LEVELS
from model.plots import KIND_SOURCES, KINDS
from model.plots import cases as C
from model.plots import data as D
from model.plots import explain as X
from model.plots import figures as F
from model.plots import sweeps as S
from model.plots.draw import _sweep_figure, sweep_kinds
from model.plots.style import clipped, new_figure, save
from model.statistics import MIN_DEPLOYED as MIN_DEPLOYED_REPLICATIONS
from model.terms import REASONS


def _sweep(tmp_path_factory, name, text):
    root = tmp_path_factory.mktemp(name)
    (root / "e.yaml").write_text(text)
    assert main(["sweep", str(root / "e.yaml"), "--out", str(root / "out"), "--workers", "1", "--quiet"]) == 0
    return D.load(root / "out")


@pytest.fixture(scope="module")
def framing(tmp_path_factory):
    return _sweep(tmp_path_factory, "framing", """format: csto-sim/experiment-1
name: framing-small
scenarios: [scenarios/whatif/hypothetical-request.yaml]
vary:
  request.framing: {values: [external, internal]}
  lead_state.strategic_value: {values: [0.0, 0.5, 1.0]}
  influence: {values: [0.2, 0.8]}
design: full_factorial
replications: 200
seed: 3
""")


@pytest.fixture(scope="module")
def oat(tmp_path_factory):
    return _sweep(tmp_path_factory, "oat", """format: csto-sim/experiment-1
name: oat-small
scenarios: [kazakhstan-2022]
vary:
  threat_scale: {range: {low: 0.0, high: 3.0, steps: 4}}
  framing_credit: {range: {low: 0.0, high: 1.0, steps: 4}}
  w_legal: {range: {low: 0.0, high: 6.0, steps: 3}}
design: one_at_a_time
replications: 200
seed: 4
""")


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory):
    return _sweep(tmp_path_factory, "sobol", """format: csto-sim/experiment-1
name: sobol-small
scenarios: [kazakhstan-2022]
vary:
  threat_scale: {range: bounds}
  framing_credit: {range: bounds}
  w_legal: {range: bounds}
design: {method: sobol, n: 16}
replications: 100
seed: 5
""")


@pytest.fixture(scope="module")
def lhs(tmp_path_factory):
    return _sweep(tmp_path_factory, "lhs", """format: csto-sim/experiment-1
name: lhs-small
scenarios: [kazakhstan-2022]
vary:
  threat_scale: {range: bounds}
  framing_credit: {range: bounds}
design: {method: latin_hypercube, n: 60}
replications: 100
seed: 6
""")


@pytest.fixture(scope="module")
def cases_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("cases")
    for case in ("kazakhstan-2022", "armenia-2021-05", "kyrgyzstan-2010-06"):
        write_run(simulate(case, 600, 2), root / case)
    return root


def _table(sweep):
    return pq.read_table(sweep.folder / "results.parquet").to_pylist()


# --- the fixes ----------------------------------------------------------------------------------------------

def test_objections_are_labelled_with_the_reason_for_objecting(tmp_path):
    res = simulate("kazakhstan-2022-internal-framing", 2000, 1)
    write_run(res, tmp_path / "run")
    run = D.load(tmp_path / "run")
    i = res.members.index("Russia")
    objected = res.objected[:, i]
    assert objected.any()
    counts = Counter(REASONS[c] for c in res.reason[objected, i])
    expected, n = counts.most_common(1)[0]
    assert run.objecting_reason["Russia"] == expected
    assert run.objecting_share["Russia"] == pytest.approx(n / objected.sum())
    assert expected != res.dominant_reason["Russia"]  # the old label: the most frequent over all stances
    assert main(["plot", str(tmp_path / "run"), "--kind", "objections", "--out", str(tmp_path / "f")]) == 0
    fig = F.objections_by_member(run.members, res.objection_rate, run.objecting_reason, "t", "s", run.objecting_share)
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts}
    assert labels["reason-Russia"].startswith(expected)
    for m in run.members:  # a member that never objected gets no label
        if res.objection_rate[m] == 0:
            assert labels[f"reason-{m}"] == ""


def test_categorical_factors_are_split_not_averaged(framing):
    panels = S.curve_panels(framing)
    assert set(panels) == {"lead_state.strategic_value", "influence"}
    series = panels["lead_state.strategic_value"]
    assert set(series) == {"request.framing=external", "request.framing=internal"}
    rows = _table(framing)
    for label, (xs, p, count) in series.items():
        level = label.split("=")[1]
        for x, value, k in zip(xs, p, count, strict=True):
            mine = [r["p_deployment"] for r in rows
                    if r["request.framing"] == level and r["lead_state.strategic_value"] == x]
            assert value == pytest.approx(np.mean(mine)) and k == len(mine) == 2  # the two influences
    fig = _sweep_figure(framing, "curves", "p_deployment")
    assert fig._suptitle.get_text().startswith("Full factorial")
    assert "one line per request.framing" in fig._suptitle.get_text().replace("\n", " ")
    lines = {ln.get_gid(): ln for ax in fig.axes for ln in ax.lines if ln.get_gid()}
    xs, p, _ = series["request.framing=internal"]
    np.testing.assert_allclose(lines["line-lead_state.strategic_value-request.framing=internal"].get_ydata(), p)


def test_sampled_designs_get_partial_dependence_not_maps_or_curves(lhs):
    kinds = sweep_kinds(lhs)
    assert "pdp" in kinds and "approval-map" not in kinds and "curves" not in kinds
    panels = S.pdp_panels(lhs)
    rows = [r for r in _table(lhs) if r["error"] is None]
    x = np.array([r["threat_scale"] for r in rows])
    y = np.array([r["p_deployment"] for r in rows])
    d = panels["threat_scale"]["kazakhstan-2022"]
    edges = np.linspace(x.min(), x.max(), 11)
    for b in range(10):
        inside = (x >= edges[b]) & ((x < edges[b + 1]) if b < 9 else (x <= edges[b + 1]))
        assert d["count"][b] == inside.sum()
        assert d["mean"][b] == pytest.approx(y[inside].mean())
        half = 1.96 * y[inside].std(ddof=1) / np.sqrt(inside.sum())
        assert d["high"][b] - d["mean"][b] == pytest.approx(half)
    fig = _sweep_figure(lhs, "pdp", "p_deployment")
    line = next(ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == "pdp-threat_scale-kazakhstan-2022")
    np.testing.assert_allclose(line.get_ydata(), d["mean"])
    assert clipped(fig) == []


def test_panels_wrap_in_at_most_three_columns_and_twelve_panels():
    series = {f"f{i}": {"a": (np.array([0.0, 1.0]), np.array([0.1, 0.1 + i / 40]), np.array([1.0, 1.0]))}
              for i in range(20)}
    fig = S.curves_figure(series, 100, "t", "s", "p_deployment")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == S.MAX_PANELS
    assert {ax.get_xlabel() for ax in shown} == {f"f{i}" for i in range(8, 20)}  # those that move most
    assert len({round(ax.get_position().x0, 3) for ax in shown}) == 3
    assert "8 factors that move it less not shown" in fig._suptitle.get_text().replace("\n", " ")


def test_long_titles_are_wrapped_and_nothing_is_clipped(framing):
    fig = F.outcome_bars(["a"], [dict.fromkeys(LEVELS, 0.2)], [None], "a very long title " * 12, "caption " * 30)
    assert clipped(fig) == []
    assert fig._suptitle.get_text().count("\n") >= 3
    fig, ax = new_figure(width=3.5)  # the check itself finds text that runs off the figure
    ax.text(0.9, 0.5, "a label that runs off the right edge of the figure", transform=ax.transAxes)
    assert clipped(fig)


def test_rules_by_case_has_an_x_label():
    probs = {(c, r): dict(zip(LEVELS, (0.5, 0.5, 0, 0, 0), strict=True)) for c in ("a", "b") for r in ("x", "y")}
    fig = F.rule_comparison(["a", "b"], ["x", "y"], probs, {"a": "none", "b": None}, "t", "s")
    assert all(ax.get_xlabel() for ax in fig.axes if ax.get_visible())
    assert clipped(fig) == []


def test_troops_withheld_below_the_minimum_and_counted():
    troops = np.ones((MIN_DEPLOYED_REPLICATIONS - 1, 2))
    fig = F.troops_by_member(["A", "B"], troops, "t", "s", None, 1000)
    ax = fig.axes[0]
    assert not ax.patches and [t for t in ax.texts if t.get_gid() == "withheld"]
    text = fig._suptitle.get_text().replace("\n", " ")
    assert f"{MIN_DEPLOYED_REPLICATIONS - 1:,} of 1,000 replications deployed" in text
    assert f"from {MIN_DEPLOYED_REPLICATIONS} deploying replications" in text
    fig = F.troops_by_member(["A", "B"], np.ones((MIN_DEPLOYED_REPLICATIONS, 2)), "t", "s", None, 1000)
    assert fig.axes[0].patches and not [t for t in fig.axes[0].texts if t.get_gid() == "withheld"]


def test_the_morris_legend_sits_outside_the_panels():
    from model.plots.analysis import sensitivity_bars

    rows = [{"factor": f, "level": lvl, "mu_star": 0.2, "mu_star_conf": 0.05, "sigma": 0.1}
            for f in ("a", "b") for lvl in ("external", "internal")]
    report = {"method": "morris", "factors": [{"name": "a", "kind": "real"}, {"name": "b", "kind": "real"}],
              "cases": [{"scenario": "c", "outputs": {"p_deployment": {"rows": rows, "notes": []}}}],
              "experiment": {"name": "e"}, "points": 10, "replications": 10, "seed": 1}
    fig = sensitivity_bars(report)
    assert all(ax.get_legend() is None for ax in fig.axes) and fig.legends
    legend = fig.legends[0].get_window_extent(fig.canvas.get_renderer())
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent(fig.canvas.get_renderer()))


def test_the_posterior_figure_is_sized_and_marks_the_defaults(tmp_path):
    from model.plots.posterior import draw_posterior

    names = ["threat_scale", "w_legal", "influence"]
    rng = np.random.default_rng(0)
    values = rng.uniform(size=(50, 3)) * [3, 6, 1]
    summary = {n: {"prior": [0.0, hi], "contraction": c} for n, hi, c in zip(names, (3, 6, 1), (0.3, 0.2, 0.1),
                                                                               strict=True)}
    path = draw_posterior(values, np.full(50, 1 / 50), names, summary, tmp_path / "post.png", "t", "s")
    assert mpimg.imread(path).shape[0] < 1200
    import matplotlib.pyplot as plt

    plt.close("all")


# --- the new kinds ------------------------------------------------------------------------------------------

def test_the_oat_tornado_draws_the_swings_sorted(oat):
    rows = [r for r in _table(oat) if r["error"] is None]
    factors = ["threat_scale", "framing_credit", "w_legal"]
    base = {f: Counter(r[f] for r in rows).most_common(1)[0][0] for f in factors}
    swing = {}
    for f in factors:
        ys = [r["p_deployment"] for r in rows if all(r[g] == base[g] for g in factors if g != f)]
        swing[f] = (min(ys), max(ys))
    order = sorted(factors, key=lambda f: (-(swing[f][1] - swing[f][0]), f))
    fig = _sweep_figure(oat, "tornado", "p_deployment")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_gid() == "swing"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ys = [p.get_y() + p.get_height() / 2 for p in bars]
    drawn = [labels[list(ax.get_yticks()).index(y)] for y in ys]
    assert drawn == order  # largest first, at the top
    for f, patch in zip(drawn, bars, strict=True):
        assert patch.get_x() == pytest.approx(swing[f][0])
        assert patch.get_width() == pytest.approx(swing[f][1] - swing[f][0])
    assert "tornado" in sweep_kinds(oat) and clipped(fig) == []


def test_the_sobol_tornado_draws_salib_indices_sorted_by_st(sobol_sweep):
    from SALib.analyze import sobol

    y = np.array([r["p_deployment"] for r in _table(sobol_sweep)])
    names = ["threat_scale", "framing_credit", "w_legal"]
    problem = {"num_vars": 3, "names": names, "bounds": [[0, 1]] * 3}
    res = sobol.analyze(problem, y, calc_second_order=True, num_resamples=1000, conf_level=0.95, seed=5)
    order = sorted(range(3), key=lambda k: -res["ST"][k])
    fig = _sweep_figure(sobol_sweep, "tornado", "p_deployment")
    ax = fig.axes[0]
    st = [p for p in ax.patches if p.get_gid() == "sobol-ST"]
    s1 = [p for p in ax.patches if p.get_gid() == "sobol-S1"]
    np.testing.assert_allclose([p.get_width() for p in st], [res["ST"][k] for k in order])
    np.testing.assert_allclose([p.get_width() for p in s1], [res["S1"][k] for k in order])
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True), reverse=True)
    assert [name for _, name in ticks] == [names[k] for k in order]  # largest at the top


def test_the_ppc_outlines_the_observed_rung_and_shows_the_predicted_ladder(cases_folder, tmp_path):
    data = D.load(cases_folder)
    assert isinstance(data, D.CasesData) and len(data.runs) == 3
    rows = C.ppc_rows(data.runs)
    fig = C.ppc_figure(rows, "t", "s")
    ladder = fig.axes[0]
    mesh = next(c for c in ladder.collections if c.get_gid() == "ppc-ladder")
    grid = np.asarray(mesh.get_array()).reshape(len(rows), len(LEVELS))
    for i, run in enumerate(data.runs):
        summary = json.loads((run.folder / "summary.json").read_text())
        np.testing.assert_allclose(grid[i], [summary["outcome_probabilities"][lvl] for lvl in LEVELS])
        rect = next(p for p in ladder.patches if p.get_gid() == f"observed-{run.case_id}")
        assert int(rect.get_x()) == LEVELS.index(summary["observed"]) and int(rect.get_y()) == i
        obs_days = run.observed["days"]
        band = next((p for p in fig.axes[1].patches if p.get_gid() == f"days-{run.case_id}"), None)
        assert (band is None) == (obs_days is None)
        if band is not None:
            assert band.get_x() == pytest.approx(max(obs_days[0], 0.01))
    assert clipped(fig) == []
    assert main(["plot", str(cases_folder), "--out", str(tmp_path / "f")]) == 0
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["ppc.png", "stances.png"]


def test_the_stance_map_shows_objection_shares_and_reasons_for_objecting(cases_folder):
    data = D.load(cases_folder)
    cases, members, share, reasons, sources = C.stance_cells(data.runs)
    fig = C.stance_map(cases, members, share, reasons, sources, "t", "s")
    mesh = next(c for c in fig.axes[0].collections if c.get_gid() == "stances")
    drawn = np.ma.filled(np.asarray(mesh.get_array()).reshape(share.shape).astype(float), np.nan) \
        if np.ma.isMaskedArray(mesh.get_array()) else np.asarray(mesh.get_array()).reshape(share.shape)
    texts = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    for i, run in enumerate(data.runs):
        table = pq.read_table(run.folder / "replications.parquet")
        for m in run.members:
            j = members.index(m)
            objected = np.array(table.column(f"objected.{m}").to_pylist())
            assert drawn[i, j] == pytest.approx(objected.mean())
            if objected.mean() >= 0.05:
                given = [r for r, o in zip(table.column(f"reason.{m}").to_pylist(), objected, strict=True) if o]
                top = Counter(given).most_common(1)[0][0]
                assert texts[f"cell-{cases[i]}-{m}"].replace("\n", " ").endswith(top)
    assert clipped(fig) == []


def test_the_waterfall_steps_sum_to_the_final_position(tmp_path, capsys):
    assert main(["explain", "kazakhstan-2022", "-n", "200", "--no-search", "--plot", str(tmp_path / "x")]) == 0
    report = json.loads((tmp_path / "x" / "explain.json").read_text())
    assert (tmp_path / "x" / "waterfall.png").is_file()
    k = report["measures"].index(report["pivotal"]["requested"])
    steps = {m: X.waterfall_steps(c, k) for m, c in report["contributions"].items()}
    fig = X.waterfall(steps, "t", "s", report["pivotal"]["requested"])
    for ax in fig.axes:
        patches = [p for p in ax.patches if (p.get_gid() or "").startswith("waterfall-")]
        member = patches[0].get_gid().removeprefix("waterfall-")
        widths = [p.get_width() for p in patches]
        final = report["contributions"][member]["final"][k]
        assert sum(widths[:-1]) == pytest.approx(final, abs=1e-4)
        assert widths[-1] == pytest.approx(final, abs=1e-4)
        lefts = [p.get_x() for p in patches]
        np.testing.assert_allclose(lefts[1:-1], np.cumsum(widths[:-2]), atol=1e-9)  # each step starts where the last ended
    assert clipped(fig) == []
    assert main(["plot", str(tmp_path / "x"), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "waterfall.png").read_bytes() == (tmp_path / "x" / "waterfall.png").read_bytes()


def test_prim_boxes_are_drawn_at_their_limits_on_the_points(lhs, tmp_path, capsys):
    assert main(["discover", str(lhs.folder), "--threshold", "0.5", "--min-density", "0.5", "--out",
                 str(tmp_path / "d"), "--plot", str(tmp_path / "p")]) == 0
    report = json.loads((tmp_path / "d" / "prim.json").read_text())
    if not report["boxes"]:
        pytest.skip("no box found on this small sweep")
    from model.plots.analysis import prim_boxes, prim_points

    points = prim_points(report, lhs)
    assert len(points["x"]) == report["points"] and points["event"].sum() == report["events"]
    fig = prim_boxes(points, report["boxes"], "t", "s")
    ax = fig.axes[0]
    for k, box in enumerate(report["boxes"]):
        rect = next(p for p in ax.patches if p.get_gid() == f"box-{k + 1}")
        in_rect = ((points["x"] >= rect.get_x()) & (points["x"] <= rect.get_x() + rect.get_width())
                   & (points["y"] >= rect.get_y()) & (points["y"] <= rect.get_y() + rect.get_height()))
        in_limits = np.ones_like(in_rect)
        for axis in ("x", "y"):
            lo, hi = box["limits"].get(points[f"{axis}_name"], (-np.inf, np.inf))
            in_limits &= (points[axis] >= lo) & (points[axis] <= hi)
        np.testing.assert_array_equal(in_rect, in_limits)  # the rectangle holds exactly the points in the box
    assert (tmp_path / "p" / "prim-boxes.png").is_file()
    assert main(["plot", str(tmp_path / "d"), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "prim-boxes.png").is_file()


# --- the command line and the files -------------------------------------------------------------------------

def test_plot_lists_every_kind_with_its_source(framing, tmp_path, capsys):
    assert set(KIND_SOURCES) == set(KINDS)
    assert main(["plot", str(framing.folder), "--out", str(tmp_path / "f"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["kinds"]) == set(KINDS)
    with pytest.raises(SystemExit):
        main(["plot", "--help"])
    text = capsys.readouterr().out
    assert all(k in text for k in KINDS)


def test_a_kind_the_design_does_not_support_is_one_line_and_exit_2(framing, tmp_path, capsys):
    assert main(["plot", str(framing.folder), "--kind", "tornado", "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "full factorial" in err[0] and "curves" in err[0]


def test_new_kinds_give_the_same_bytes_twice(oat, tmp_path):
    a = save(_sweep_figure(oat, "tornado", "p_deployment"), tmp_path / "a", "png").read_bytes()
    b = save(_sweep_figure(oat, "tornado", "p_deployment"), tmp_path / "b", "png").read_bytes()
    assert a == b


def test_the_readme_gallery_shows_every_kind_and_every_gallery_file():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Figures"):readme.index("## Performance")]
    for kind in KINDS:
        assert f"`{kind}`" in section, kind
    shown = set(re.findall(r"\]\(docs/gallery/([^)]+)\)", section))
    on_disk = {p.name for p in (root / "docs" / "gallery").glob("*.png")}
    assert shown == on_disk
    make = (root / "docs" / "gallery" / "make.sh").read_text(encoding="utf-8")
    assert all(f'$out/{name}"' in make for name in on_disk)


def test_no_text_runs_off_any_figure_of_a_run_or_a_sweep(cases_folder, framing, oat, sobol_sweep, lhs):
    import matplotlib.pyplot as plt

    from model.plots.draw import run_figure

    run = D.load(cases_folder / "kyrgyzstan-2010-06")
    for kind in ("outcomes", "days", "troops", "objections"):
        assert clipped(run_figure(run, kind)) == [], kind
        plt.close("all")
    for sweep in (framing, oat, sobol_sweep, lhs):
        for kind in sweep_kinds(sweep):
            assert clipped(_sweep_figure(sweep, kind, "p_deployment")) == [], (sweep.method, kind)
            plt.close("all")


def test_plot_draws_a_calibrations_posterior_as_calibrate_does(tmp_path):
    """`csto-sim plot calibration` redraws the shipped posterior's figure from its folder, byte for byte the one
    in it (calibrate draws it with the same function), from the accepted sets and their weights."""
    from pathlib import Path

    from model.cli import main
    from model.plots.data import CalibrationData, load

    root = Path(__file__).resolve().parent.parent / "calibration"
    data = load(root)
    assert isinstance(data, CalibrationData)
    assert data.values().shape == (len(data.weights()), len(data.calibrated)) and np.isclose(data.weights().sum(), 1)
    assert main(["plot", str(root), "--kind", "posterior", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "posterior.png").read_bytes() == (root / "posterior.png").read_bytes()
    assert main(["plot", str(root), "--kind", "pdp", "--out", str(tmp_path / "x")]) == 2
