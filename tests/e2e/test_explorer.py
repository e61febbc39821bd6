"""The explorer (``csto-sim explore``): its model and fields without a browser, and the page end to end in
Debian's Chromium driven headless by Playwright.

The browser test starts ``csto-sim explore --port 0`` from the repository's root, opens the printed
address and clicks through the page: the named tabs, Step and Play (the trace figure changes), a case
chosen, a fact edited (the what-if changes, the Compare tab shows the library's numbers with their
intervals), the approval map of the what-if (its numbers and the cases placed on it), the case file
downloaded and run, a slider moved (its label shows the value), point parameters instead of the posterior,
a bad value. It saves a screenshot into
the test's tmp folder and, when ``CSTO_SIM_SCREENSHOT`` names a file (e.g. ``docs/explorer.png``), there
too. It is skipped only when /usr/bin/chromium or Playwright is missing; ``.ci/run`` installs both, so in
CI it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.cli import explore as explore_cli
from model.cli import main
from model.explorer.explorer import (
    EDITABLE_FACTS,
    MAIN_PARAMETERS,
    OPENING_CASE,
    PARAMETER_CHOICES,
    RUN_FIELDS,
    SETTINGS_HELP,
    ExplorerModel,
    case_file_text,
    case_ids,
    initial_fields,
    model_params,
    parse_number_fact,
    parse_settings,
    value_label,
)
from model.ladder import LEVELS
from model.params import SPECS, ParameterError, Parameters
from model.posterior import load_posterior, run_with
from model.scenario import load_scenario, with_facts
from model.seeds import derive_seed
from model.simulate import simulate
from model.statistics import outcome_intervals, wilson_interval

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 90  # seconds for the server to print its address
UI_TIMEOUT = 30_000  # milliseconds for the page to show a change
VIEWPORT = {"width": 1600, "height": 1000}  # the page's size in the browser (and of docs/explorer.png)


# -- the model and the fields, without a browser ---------------------------------------------------

@pytest.mark.parametrize("case", ["kazakhstan-2022", "kyrgyzstan-2010-06"])  # the second has alternative codings
def test_explorer_model_gives_the_numbers_of_simulate(case):
    model = ExplorerModel(case=case, replications=400, seed="7", influence=0.2, settings="noise=0.5", posterior="none")
    assert model.error is None
    ref = simulate(case, 400, 7, params=Parameters().replace(influence=0.2, noise=0.5), trace=True)
    assert model.result.outcome_probabilities == ref.outcome_probabilities
    np.testing.assert_array_equal(model.result.days, ref.days)
    assert model.result.trace == ref.trace
    assert model.result.members == ref.members
    assert model.summary()["changed"] == {"influence": (0.2, 0.6), "noise": (0.5, 0.2)}
    assert model.posterior is None and model.summary()["posterior"] is None
    # The intervals: the project's one definition over the codings drawn (Monte Carlo only without them).
    assert model.intervals["what-if"] == {k: (v["lo"], v["hi"]) for k, v in outcome_intervals(ref.outcome, ref.draw).items()}
    note = model.interval_notes()["what-if"]
    assert ("2 codings of the facts, point parameters" in note) if ref.case.alternatives else ("Monte Carlo only" in note)


@pytest.mark.parametrize("case", ["kazakhstan-2022", "kyrgyzstan-2010-06"])
def test_by_default_the_explorer_runs_over_the_shipped_posterior_as_csto_sim_run(case):
    from model.cli import build_parser

    assert model_params()["posterior"]["value"] == build_parser().parse_args(["run", case]).posterior == "shipped"
    model = ExplorerModel(case=case, replications=400, seed=7, influence=0.2)
    assert model.error is None and model.over_posterior
    post = load_posterior("shipped")
    ref = run_with(load_scenario(case), 400, 7, post, overrides={"influence": 0.2}, trace=True)
    base = run_with(load_scenario(case), 400, 7, post)
    assert model.result.outcome_probabilities == ref.outcome_probabilities
    assert model.baseline.outcome_probabilities == base.outcome_probabilities
    assert model.result.trace == ref.trace
    assert model.fixed == {"influence": 0.2} and model.summary()["changed"] == {"influence": (0.2, 0.6)}
    for side, res in (("what-if", ref), ("baseline", base)):
        expected = outcome_intervals(res.outcome, res.draw)
        assert model.intervals[side] == {k: (v["lo"], v["hi"]) for k, v in expected.items()}
    assert "posterior sets" in model.interval_notes()["what-if"]
    lo, hi = model.intervals["what-if"]["deployment"]
    assert lo <= model.result.outcome_probabilities["deployment"] <= hi
    # The traced replication (replication 0) ran with the first block's set, the page's influence fixed on it.
    set_id, rows, seed = model.result.blocks[0]
    drawn = post.sets[post.ids.index(set_id)].replace(influence=0.2)
    assert model.trace_set == set_id and model.trace_params == drawn
    alone = simulate(load_scenario(case), rows, seed, params=drawn, trace=True)
    assert alone.trace == model.result.trace and alone.outcome[0] == model.result.outcome[0]
    assert model.rounds == drawn.rounds + 1


def test_the_baseline_is_the_case_as_coded_and_the_what_if_the_pages_settings():
    facts = {"request.framing": "internal", "threat.deaths": (20.0, 100.0)}
    model = ExplorerModel(case="kazakhstan-2022", replications=500, seed=3, rule="simple_majority", influence=0.3,
                          facts=facts, posterior="none")
    assert model.error is None
    base = simulate("kazakhstan-2022", 500, 3)
    case = load_scenario("kazakhstan-2022")
    whatif = simulate(with_facts(case, facts), 500, 3, rule="simple_majority", params=Parameters().replace(influence=0.3))
    assert model.baseline.outcome_probabilities == base.outcome_probabilities
    assert model.baseline.rule == case.organisation.default_rule != "simple_majority"
    assert model.result.outcome_probabilities == whatif.outcome_probabilities
    assert model.result.rule == "simple_majority"
    rows = model.outcome_rows()
    assert [r["outcome"] for r in rows] == list(LEVELS)
    for r in rows:
        assert r["baseline"] == base.outcome_probabilities[r["outcome"]]
        assert r["what-if"] == whatif.outcome_probabilities[r["outcome"]]
        assert r["difference"] == pytest.approx(r["what-if"] - r["baseline"])
        # Kazakhstan 2022 has no alternative codings: at point parameters the interval is Monte Carlo only (Wilson).
        for side, res in (("baseline", base), ("what-if", whatif)):
            n = round(res.outcome_probabilities[r["outcome"]] * 500)
            assert r[f"{side} interval"] == pytest.approx(wilson_interval(n, 500), abs=1e-12)
    assert rows[-1]["difference"] < -0.5  # framed as internal, deployment falls away
    assert model.summary()["facts"] == {"request.framing": ("internal", "external"),
                                        "threat.deaths": ("20 to 100", "20 to 230")}


def test_the_parameters_choice_and_its_text():
    from model.explorer.app import parameters_text

    assert set(PARAMETER_CHOICES) == {"shipped", "none"}
    point = ExplorerModel(case="kazakhstan-2022", replications=100, posterior="none")
    assert parameters_text(point).startswith("Point parameters (no posterior): the defaults and the page's. 90% "
                                              "interval: Monte Carlo only.")
    coded = ExplorerModel(case="kyrgyzstan-2010-06", replications=100, posterior="none")
    assert "90% interval: over the codings of the facts. What-if [90% intervals over 2 codings" in parameters_text(coded)
    drawn = ExplorerModel(case="kazakhstan-2022", replications=100, noise=0.5)
    text = parameters_text(drawn)
    assert text.startswith("Parameters drawn from the shipped posterior (200 sets) for every replication; fixed on "
                           "every set (changed on the page): noise = 0.5. 90% interval over the posterior. What-if "
                           "[90% intervals over ")
    assert "90% interval over the posterior and codings. " in parameters_text(ExplorerModel(replications=100))


def test_the_case_file_runs_and_gives_the_what_if(tmp_path, capsys):
    facts = {"request.framing": "internal", "lead_state.strategic_value": 0.25, "threat.deaths": (40.0, 80.0)}
    model = ExplorerModel(case="kyrgyzstan-2010-06", replications=300, seed=5, rule="simple_majority", w_legal=2.0,
                          facts=facts, posterior="none")
    assert model.error is None
    text = model.case_file()
    data = yaml.safe_load(text)
    assert data["id"] == "kyrgyzstan-2010-06-explorer" and data["kind"] == "what-if" and "observed" not in data
    assert data["facts"]["request"]["framing"]["value"] == "internal"
    assert data["facts"]["lead_state"]["strategic_value"]["value"] == 0.25
    assert data["facts"]["threat"]["deaths"]["range"] == [40.0, 80.0]
    path = tmp_path / "whatif.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.facts["request.framing"].value == "internal"
    assert loaded.alternatives == load_scenario("kyrgyzstan-2010-06").alternatives  # the disputed codings stay
    again = simulate(loaded, 300, 5, rule="simple_majority", params=Parameters().replace(w_legal=2.0))
    assert again.outcome_probabilities == model.result.outcome_probabilities
    command = next(line for line in text.splitlines() if line.startswith("# The page's what-if numbers: "))
    assert command.endswith("csto-sim run FILE --rule simple_majority -n 300 --seed 5 --posterior none --set w_legal=2.0")
    capsys.readouterr()
    assert main(["run", str(path), "--rule", "simple_majority", "-n", "300", "--seed", "5", "--posterior", "none",
                 "--set", "w_legal=2.0", "--json"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert ran["scenario"] == "kyrgyzstan-2010-06-explorer"
    assert ran["outcome_probabilities"] == pytest.approx(model.result.outcome_probabilities, abs=1e-4)


def test_the_case_file_over_the_posterior_gives_the_command_of_the_pages_numbers(tmp_path, capsys):
    model = ExplorerModel(case="kazakhstan-2022", replications=300, seed=5, w_legal=2.0,
                          facts={"request.framing": "internal"})
    text = model.case_file()
    command = next(line for line in text.splitlines() if line.startswith("# The page's what-if numbers: "))
    assert command.endswith("csto-sim run FILE --rule consensus -n 300 --seed 5 --set w_legal=2.0")
    path = tmp_path / "whatif.yaml"
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(path), "-n", "300", "--seed", "5", "--set", "w_legal=2.0", "--json"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert ran["outcome_probabilities"] == pytest.approx(model.result.outcome_probabilities, abs=1e-4)
    page = model.intervals["what-if"]
    for level, (lo, hi) in page.items():
        assert (ran["outcome_intervals"][level]["lo"], ran["outcome_intervals"][level]["hi"]) == pytest.approx(
            (lo, hi), abs=1e-4)


def test_the_case_file_of_the_case_as_coded_runs_as_the_case(tmp_path):
    case = load_scenario("kazakhstan-2022")
    path = tmp_path / "same.yaml"
    path.write_text(case_file_text(case, {}), encoding="utf-8")
    assert simulate(load_scenario(path), 200, 1).outcome_probabilities == \
        simulate(case, 200, 1).outcome_probabilities


def test_numeric_facts_as_typed():
    assert parse_number_fact("threat.deaths", " 150 ") == 150.0
    assert parse_number_fact("threat.deaths", "20 to 230") == (20.0, 230.0)
    assert parse_number_fact("threat.deaths", "20-230") == (20.0, 230.0)
    with pytest.raises(ValueError, match=r"threat.deaths: 'many' is not a number or a range"):
        parse_number_fact("threat.deaths", "many")


def test_value_labels():
    assert value_label("noise", 0.2) == "noise = 0.2"
    assert value_label("replications", 20000) == "replications = 20,000"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"settings": "noise=abc"}, "noise: expected a number, got 'abc'"),
    ({"settings": "noise"}, "settings: 'noise' is not NAME=VALUE"),
    ({"settings": "colour=1"}, "unknown parameter 'colour'"),
    ({"influence": 1.5}, "influence: 1.5 is out of range (allowed: 0 to 1)"),
    ({"seed": "twelve"}, "seed: 'twelve' is not a whole number"),
    ({"seed": "-1"}, "seed: expected a whole number"),
    ({"replications": 0}, "replications: 0 is out of range"),
    ({"case": "atlantis-1999"}, "no such scenario file or case id"),
    ({"rule": "majority-of-one"}, "unknown decision rule 'majority-of-one'"),
    ({"posterior": "maybe"}, "posterior: 'maybe' is not a choice (allowed: shipped, none)"),
    ({"facts": {"request.framing": "sideways"}}, "facts.request.framing.value: 'sideways' is not allowed"),
    ({"facts": {"threat.deaths": (50.0, 10.0)}}, "facts.threat.deaths.range: low 50 is above high 10"),
    ({"facts": {"request.by": None}}, "facts: 'request.by' cannot be edited on the page"),
])
def test_a_bad_value_is_a_message_not_an_exception(kwargs, message):
    model = ExplorerModel(**{"case": "kazakhstan-2022", "replications": 100, **kwargs})
    assert model.result is None and model.p_deployment is None
    assert message in model.error
    assert "\n" not in model.error
    assert model.running is False
    model.step()  # Step in the page after a bad value: nothing happens
    assert model.running is False and model.result is None
    with pytest.raises(ValueError, match="nothing to download"):
        model.case_file()


def test_settings_text():
    assert parse_settings(" noise=0.5, w_legal=2;rounds=3  peer_weight=0.2 ") == {
        "noise": "0.5", "w_legal": "2", "rounds": "3", "peer_weight": "0.2"}
    assert parse_settings("") == {}
    with pytest.raises(ParameterError, match="is not NAME=VALUE"):
        parse_settings("noise=")


def test_the_fields_cover_every_case_and_parameter():
    params = model_params()
    assert params["case"]["values"] == case_ids()
    assert params["case"]["value"] == OPENING_CASE and "kazakhstan-2022" in params["case"]["values"]
    assert set(SPECS) | set(RUN_FIELDS) == set(params) | {"facts"}
    assert list(params)[6:6 + len(MAIN_PARAMETERS)] == list(MAIN_PARAMETERS)
    assert params["posterior"]["values"] == list(PARAMETER_CHOICES) and params["posterior"]["value"] == "shipped"
    defaults = Parameters()
    for name, spec in SPECS.items():
        field = params[name]
        assert field["value"] == getattr(defaults, name)
        assert (field["min"], field["max"]) == (spec.low, spec.high)
        steps = (field["value"] - field["min"]) / field["step"]
        assert abs(steps - round(steps)) < 1e-6, f"{name}: default {field['value']} is off the slider's grid"
    fields = initial_fields(params)
    assert fields["facts"] == {}
    model = ExplorerModel(**fields)
    assert model.error is None and model.summary()["changed"] == {} and model.fields == fields
    # The opening case is informative: its outcomes are spread over more than one rung, not all none.
    p = model.result.outcome_probabilities
    assert p["none"] < 0.9 and sum(v > 0.05 for v in p.values()) >= 2
    assert set(EDITABLE_FACTS) <= set(model.base_case.facts) | {"lead_state.strategic_value"}


def test_step_replays_the_traced_replication():
    model = ExplorerModel(case="kazakhstan-2022", replications=100, seed=1)
    rounds = len(model.result.trace)
    assert rounds == model.trace_params.rounds + 1 == model.rounds
    assert model.shown_rounds == rounds and model.running and model.decided
    probabilities = model.result.outcome_probabilities
    seen = []
    while model.running:
        model.step()
        seen.append((model.shown_rounds, model.decided))
    assert seen == [(k, k == rounds) for k in range(1, rounds + 1)]
    assert model.result.outcome_probabilities == probabilities  # replaying changes nothing
    assert [m for m, _, _ in model.stances()] == model.result.members


def test_the_trace_figure_grows_by_a_round_at_each_step():
    from model.plots.explorer import trace_figure

    model = ExplorerModel(case="kazakhstan-2022", replications=100, seed=1)
    member = model.result.members[0]
    lengths = []
    for shown in range(1, model.rounds + 1):
        fig = trace_figure(model.result, shown)
        line = next(ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == f"trace-{member}-deployment")
        lengths.append(len(line.get_xdata()))
        np.testing.assert_allclose(line.get_ydata(), [r[member][-1] for r in model.result.trace[:shown]])
        fig.clf()
    assert lengths == list(range(1, model.rounds + 1))


# -- the approval map of the what-if -------------------------------------------------------------------

def test_each_legal_situation_has_one_point_and_keeps_the_cases_own_ignored_facts():
    from model.explorer.approval import legal_points
    from model.plots.approval import LEGAL_SITUATIONS, legal_situation

    case = load_scenario("kazakhstan-2022")  # internal unrest framed as external, de jure territory
    points = legal_points(case)
    assert list(points) == list(LEGAL_SITUATIONS)
    for row, (origin, territory, framing) in points.items():
        assert legal_situation(origin, territory, framing) == row
    assert points["internal"] == ("internal", case.value("threat.territory"), "internal")
    assert points["external_contested"] == ("external_state", "contested", case.value("request.framing"))


def _cell_result(model, view, row: str, level: int):
    """What the sweep's point of a cell gives, run alone as ``simulate``/``run_with`` (the cell's point index and
    seed as a sweep's: point i = row x levels + level, seed derive_seed(seed, i))."""
    from model.explorer.approval import legal_points
    from model.plots.approval import X_FACT

    points = legal_points(model.whatif)
    origin, territory, framing = points[row]
    index = list(points).index(row) * len(view.panel.x) + level
    case = with_facts(model.whatif, {"threat.origin": origin, "threat.territory": territory,
                                     "request.framing": framing, X_FACT: float(view.panel.x[level])})
    return run_with(case, view.replications, derive_seed(model.seed, index), model.posterior, rule=model.result.rule,
                    params=Parameters().replace(**model.fixed), overrides=model.fixed)


def test_the_approval_map_of_the_case_at_point_parameters():
    from model.crisis import coded_strategic_value
    from model.explorer import approval
    from model.plots.approval import LEGAL_SITUATIONS, legal_situation

    model = ExplorerModel(case="kazakhstan-2022", replications=100, seed=4, influence=0.4, posterior="none")
    view = model.approval_map()
    case = model.base_case
    assert view.key == ("organisation", case.value("request.measure")) and list(view.data.panels) == [view.key]
    panel = view.panel
    np.testing.assert_allclose(panel.x, np.linspace(0, 1, approval.X_LEVELS))
    assert panel.rows == tuple(LEGAL_SITUATIONS) and panel.p.shape == (6, approval.X_LEVELS)
    # The case placed at its coded strategic value and legal situation, in the colour of its observed outcome.
    (mark,) = view.data.marks
    assert (mark.case_id, mark.kind, mark.observed) == (case.id, "historical", "deployment")
    assert mark.x == pytest.approx(coded_strategic_value(case))
    assert mark.row == legal_situation(case.value("threat.origin"), case.value("threat.territory"),
                                       case.value("request.framing"))
    # Each cell is P(approved) of its point, as the point run alone gives it (the project's sweep code).
    for row, level in (("internal_framed_external", 3), ("external_contested", 8), ("member_state", 10)):
        res = _cell_result(model, view, row, level)
        assert panel.p[panel.rows.index(row), level] == pytest.approx(res.approval, abs=1e-6)
    assert 0.05 < panel.p[panel.rows.index("external_contested"), 8] < 0.95  # a cell that is not all or nothing
    at = view.at(mark)
    i = panel.rows.index(mark.row)
    assert at["p"] == pytest.approx(np.interp(mark.x, panel.x, panel.p[i]))
    assert model.approval_map() is view  # kept per settings
    other = ExplorerModel(case="kazakhstan-2022", replications=100, seed=4, influence=0.5, posterior="none")
    assert approval.cached(other) is None


def test_the_approval_map_over_the_posterior_has_the_band_and_places_the_what_if():
    from model.explorer import approval
    from model.plots.approval import legal_situation

    facts = {"request.framing": "internal"}
    model = ExplorerModel(case="kazakhstan-2022", replications=100, seed=2, facts=facts)
    view = model.approval_map()
    assert view.posterior.endswith("(200 sets)") and view.panel.lo is not None and view.data.band
    whatif, coded = view.data.marks
    assert (whatif.case_id, whatif.kind, whatif.observed) == ("kazakhstan-2022-explorer", "what-if", None)
    assert whatif.row == legal_situation("internal", "de_jure", "internal") == "internal"
    assert (coded.case_id, coded.row) == ("kazakhstan-2022", "internal_framed_external")
    assert view.case is whatif
    panel = view.panel
    for row, level in (("internal", 9), ("external_de_jure", 0)):
        res = _cell_result(model, view, row, level)
        i = panel.rows.index(row)
        assert panel.p[i, level] == pytest.approx(res.approval, abs=1e-6)
        assert (panel.lo[i, level], panel.hi[i, level]) == pytest.approx(
            (res.approval_interval["lo"], res.approval_interval["hi"]), abs=1e-6)
    # The band: where the interval holds 0.5 (approval.band_spans), as the shipped map draws it.
    for row, spans in panel.band.items():
        for lo_x, hi_x in spans:
            i = panel.rows.index(row)
            mid = (lo_x + hi_x) / 2
            assert np.interp(mid, panel.x, panel.lo[i]) <= 0.5 <= np.interp(mid, panel.x, panel.hi[i])
    # A what-if that asks for another measure moves to that panel; the case as coded is then off it.
    asks = ExplorerModel(case="kazakhstan-2022", replications=100, seed=2, posterior="none",
                         facts={"request.measure": "assistance"})
    moved = asks.approval_map()
    assert moved.key == ("organisation", "assistance")
    assert [m.case_id for m in moved.data.off_map] == ["kazakhstan-2022"] and moved.at(moved.data.off_map[0]) is None
    assert approval.cached(asks) is moved


def test_the_approval_figure_draws_the_panel_and_the_case_where_the_data_say():
    from model.explorer.app import approval_rows, placement_text
    from model.plots.explorer import approval_figure

    model = ExplorerModel(case="kazakhstan-2022", replications=100, seed=4, influence=0.4, posterior="none")
    view = model.approval_map()
    fig = approval_figure(view, "t")
    axes = [ax for ax in fig.axes if ax.get_visible() and any(c.get_gid() == "approval-grid" for c in ax.collections)]
    assert len(axes) == 1
    ax = axes[0]
    grid = next(c for c in ax.collections if c.get_gid() == "approval-grid")
    np.testing.assert_allclose(np.asarray(grid.get_array()).reshape(view.panel.p.shape), view.panel.p)
    (mark,) = view.data.marks
    point = next(ln for ln in ax.get_lines() if ln.get_gid() == f"mark-{mark.case_id}")
    assert point.get_xdata()[0] == pytest.approx(mark.x) and point.get_ydata()[0] == view.panel.rows.index(mark.row)
    for row, xs in view.panel.boundary.items():
        drawn = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_gid() == f"boundary-{row}")
        assert drawn == pytest.approx(sorted(xs))
    assert not any(str(c.get_gid()).startswith("band-") for c in ax.collections)  # no band at point parameters
    header, rows = approval_rows(view)
    assert header[0] == "legal situation" and header[-1] == "0.5 at" and len(rows) == 6
    assert rows[0][1:-1] == [f"{p:.2f}" for p in view.panel.p[0]]
    assert placement_text(view, mark).startswith(f"{mark.label} ({mark.case_id}): strategic value {mark.x:.2f}, ")
    fig.clf()


def test_explore_without_the_viz_extra_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(explore_cli, "viz_installed", lambda: False)
    assert main(["explore", "--no-browser"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install -e ".[viz]"' in err[0]


@pytest.mark.parametrize("port", ["http", "70000"])
def test_explore_rejects_a_bad_port(port, capsys):
    assert main(["explore", "--port", port]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: command line: --port:")


def test_explore_reports_a_port_in_use(capsys):
    if not explore_cli.viz_installed():
        pytest.skip("the viz extra is not installed")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["explore", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: command line: --port: cannot listen on 127.0.0.1:{port}")


def test_the_parser_knows_explore():
    from model.cli import build_parser

    args = build_parser().parse_args(["explore", "--port", "0", "--no-browser"])
    assert isinstance(args, argparse.Namespace) and args.port == 0 and args.no_browser and args.host == "127.0.0.1"


# -- the page in a real browser ----------------------------------------------------------------------

def _ensure_assets() -> None:
    """Solara's browser assets in its cache (from the npm registry when missing: no CDN here)."""
    from model.explorer import assets

    if assets.missing():
        try:
            assets.fetch(say=lambda text: None)
        except assets.AssetError as exc:
            pytest.fail(f"Solara's browser assets are missing and could not be fetched: {exc}")


class Server:
    """``csto-sim explore --port 0 --no-browser`` in a subprocess, with its address."""

    def __init__(self, log: Path):
        self.log = log
        self._err = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "model.cli", "explore", "--port", "0", "--no-browser"],
                                     cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=self._err, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stdout], daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        self.url = ""
        while not self.url:
            if self.proc.poll() is not None:
                pytest.fail(f"csto-sim explore exited with {self.proc.returncode}: {self.errors()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"csto-sim explore printed no address within {START_TIMEOUT} s: {self.errors()}")
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if m := re.fullmatch(r"csto-sim explorer at (http://127\.0\.0\.1:\d+/)\s*", line):
                self.url = m.group(1)

    def errors(self) -> str:
        self._err.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]

    def interrupt(self) -> int:
        """Ctrl-C: the server stops within a few seconds."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._err.close()


def _p_deployment(page) -> float:
    text = page.locator(".csto-p-deployment").inner_text()
    m = re.fullmatch(r"P\(deployment\) = ([01]\.\d{3})", text.strip())
    assert m, f"unexpected text {text!r}"
    return float(m.group(1))


def _choose(page, label: str, option: str) -> None:
    """Choose ``option`` in the select labelled ``label``."""
    page.locator(".v-select", has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))).click()
    page.get_by_role("option", name=option, exact=True).click()


def _reset(page) -> None:
    """Press Reset and wait until the page shows the new run alone (while the page re-renders, the old run's
    summary may for a moment stand beside the new one: each carries its run's class csto-run-N)."""
    from playwright.sync_api import expect

    run = re.search(r"csto-run-\d+", page.locator(".csto-summary").get_attribute("class")).group(0)
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(f".csto-summary:not(.{run})")).to_have_count(1)
    expect(page.locator(".csto-summary")).to_have_count(1)


def _loaded(page, image) -> bytes:
    """A screenshot of the figure ``image`` (a locator of an img) once the browser has decoded it."""
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image.screenshot()


def _expected_compare(model: ExplorerModel) -> list[str]:
    """The cells of the Compare tab's table, row by row, as the page must show them for ``model``'s numbers."""
    from model.explorer.explorer import format_difference

    cells = ["outcome", "baseline", "baseline interval", "what-if", "what-if interval", "difference"]
    for r in model.outcome_rows():
        cells += [r["outcome"], f"{r['baseline']:.3f}", "{:.3f} to {:.3f}".format(*r["baseline interval"]),
                  f"{r['what-if']:.3f}", "{:.3f} to {:.3f}".format(*r["what-if interval"]),
                  format_difference(r["difference"])]
    return cells


def _expected_outcomes(model: ExplorerModel) -> list[str]:
    """The cells of the Outcomes tab's table: the what-if's probabilities with their 90% intervals."""
    cells = ["outcome", "probability", "90% interval"]
    for level in LEVELS:
        cells += [level, f"{model.result.outcome_probabilities[level]:.3f}",
                  "{:.3f} to {:.3f}".format(*model.intervals["what-if"][level])]
    return cells


def _expected_approval(view) -> tuple[list[str], list[str]]:
    """The approval map's placement lines and its table's cells, as the page must show them for ``view``."""
    from model.explorer.app import approval_rows, placement_text

    header, rows = approval_rows(view)
    return [placement_text(view, m) for m in view.data.marks], header + [c for row in rows for c in row]


def test_the_page_in_chromium(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason='playwright is not installed (pip install -e ".[test,viz]")')
    if not explore_cli.viz_installed():
        pytest.skip('the viz extra is not installed (pip install -e ".[test,viz]")')
    expect = sync_api.expect
    expect.set_options(timeout=UI_TIMEOUT)
    _ensure_assets()
    server = Server(tmp_path / "server.log")
    shot = tmp_path / "explorer.png"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
            try:
                page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
                page.set_default_timeout(UI_TIMEOUT)
                page.goto(server.url)
                shown = page.locator(".csto-p-deployment")
                expect(shown).to_be_visible(timeout=60_000)
                opening = ExplorerModel(**initial_fields())
                expect(page.locator(".csto-title")).to_have_text(opening.base_case.title)
                expect(page.locator(".csto-observed")).to_contain_text(f"Observed outcome: {opening.baseline.observed}")
                expect(page.locator(".csto-modal")).to_contain_text(f"modal outcome: {opening.result.modal_outcome}")
                # Intervals: over the shipped posterior and the codings by default, as csto-sim run.
                expect(page.locator(".csto-interval-note")).to_contain_text(
                    "Parameters drawn from the shipped posterior (200 sets) for every replication")
                expect(page.locator(".csto-interval-note")).to_contain_text("90% interval over the posterior and codings")
                expect(page.locator(".csto-p-deployment-interval")).to_have_text(
                    "[{:.3f}-{:.3f}]".format(*opening.intervals["what-if"]["deployment"]))
                expect(page.locator(".csto-outcome-table th, .csto-outcome-table td")).to_have_text(
                    _expected_outcomes(opening))

                # Named tabs, each with its content.
                tabs = {"Outcomes": ".csto-outcome-figure img", "Deliberation": ".csto-trace img",
                        "Facts": ".csto-facts", "Compare": ".csto-compare", "Approval map": ".csto-approval-map",
                        "Parameters": ".csto-parameters"}
                for name, content in tabs.items():
                    page.get_by_role("tab", name=name).click()
                    expect(page.locator(content)).to_be_visible()
                expect(page.get_by_role("tab", name=re.compile("^Page"))).to_have_count(0)
                headers = page.locator(".csto-parameters th")
                expect(headers).to_have_text(["parameter", "used", "default", "range", "meaning"])
                expect(page.locator(".csto-parameters tr")).to_have_count(len(SPECS) + 1)
                page.get_by_role("tab", name="Compare").click()
                expect(page.locator(".csto-compare th, .csto-compare td")).to_have_text(_expected_compare(opening))

                # Step replays replication 0: the trace figure changes at each Step; Play runs it to the decision.
                page.get_by_role("tab", name="Deliberation").click()
                stage, trace = page.locator(".csto-stage"), page.locator(".csto-trace img")
                last = opening.rounds - 1
                expect(stage).to_have_text(f"decided after {last} rounds: outcome {opening.summary()['outcome_0']} "
                                           "in replication 0")
                expect(page.locator(".csto-stances tr")).to_have_count(len(opening.result.members) + 1)
                before, before_png = trace.get_attribute("src"), _loaded(page, trace)
                page.get_by_role("button", name="Step").click()
                expect(stage).to_have_text(f"round 0 of {last}: deliberating")
                expect(page.locator(".csto-round-info")).to_have_text(f"replay of replication 0: round 0 of {last}")
                expect(trace).not_to_have_attribute("src", before)
                round0, round0_png = trace.get_attribute("src"), _loaded(page, trace)
                assert round0_png != before_png
                expect(page.locator(".csto-stances")).to_have_count(0)
                page.get_by_role("button", name="Step").click()
                expect(stage).to_have_text(f"round 1 of {last}: deliberating")
                expect(trace).not_to_have_attribute("src", round0)
                assert _loaded(page, trace) != round0_png
                page.get_by_role("button", name="▶").click()
                expect(stage).to_contain_text(f"decided after {last} rounds")
                expect(page.locator(".csto-stances")).to_be_visible()
                expect(page.get_by_role("button", name="Step")).to_be_disabled()

                # Another case: a change waits for Reset, then runs.
                _choose(page, "case", "kazakhstan-2022")
                expect(page.locator(".csto-pending")).to_be_visible()
                _reset(page)
                expect(page.locator(".csto-title")).to_have_text("Kazakhstan, January 2022")
                expect(page.locator(".csto-pending")).to_have_count(0)
                as_coded = _p_deployment(page)
                assert as_coded > 0.95

                # Edit a fact: the what-if changes, the baseline stays; the page shows the library's numbers.
                page.get_by_role("tab", name="Facts").click()
                _choose(page, "request.framing", "internal")
                expect(page.locator(".csto-pending")).to_be_visible()
                deaths = page.get_by_label("threat.deaths")
                expect(deaths).to_have_value("20 to 230")
                deaths.fill("many")
                deaths.press("Enter")
                expect(page.locator(".csto-fact-error")).to_have_text(re.compile(
                    r"^threat.deaths: 'many' is not a number or a range"))
                deaths.fill("50 to 120")
                deaths.press("Enter")
                expect(page.locator(".csto-fact-error")).to_have_count(0)
                _reset(page)
                expect(shown).not_to_have_text(f"P(deployment) = {as_coded:.3f}")
                framed = ExplorerModel(case="kazakhstan-2022", rule=opening.result.rule,
                                       facts={"request.framing": "internal", "threat.deaths": (50.0, 120.0)})
                expect(shown).to_have_text(f"P(deployment) = {framed.p_deployment:.3f}")
                expect(page.locator(".csto-p-baseline")).to_have_text(
                    f"baseline {as_coded:.3f} " + "[{:.3f}-{:.3f}]".format(*framed.intervals["baseline"]["deployment"]))
                page.get_by_role("tab", name="Compare").click()
                expect(page.locator(".csto-baseline")).to_have_text(
                    "baseline: kazakhstan-2022 as coded, parameters drawn from the shipped posterior, rule consensus")
                expect(page.locator(".csto-whatif")).to_contain_text("parameters: the posterior's; rule: consensus")
                expect(page.locator(".csto-whatif")).to_contain_text(
                    "request.framing = internal (coded: external); threat.deaths = 50 to 120 (coded: 20 to 230)")
                expect(page.locator(".csto-compare th, .csto-compare td")).to_have_text(_expected_compare(framed))
                _loaded(page, page.locator(".csto-compare-figure img"))
                page.evaluate("() => { window.scrollTo(0, 0); "
                              "document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); }")
                page.screenshot(path=str(shot))  # the page as docs/explorer.png shows it, from its top
                if target := os.environ.get("CSTO_SIM_SCREENSHOT"):
                    Path(target).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, target)

                # The approval map of the what-if, computed when the tab opens: the case and the what-if placed on
                # it, and its numbers, those of the library's map for the same settings.
                page.get_by_role("tab", name="Approval map").click()
                expect(page.locator(".csto-approval-computing")).to_be_visible()
                view = framed.approval_map()
                placed, cells = _expected_approval(view)
                assert [m.case_id for m in view.data.marks] == ["kazakhstan-2022-explorer", "kazakhstan-2022"]
                _loaded(page, page.locator(".csto-approval-figure img").first)
                expect(page.locator(".csto-approval-computing")).to_have_count(0)
                expect(page.locator(".csto-approval-case")).to_have_text(placed)
                expect(page.locator(".csto-approval-case").first).to_contain_text(
                    "A (kazakhstan-2022-explorer): strategic value ")
                expect(page.locator(".csto-approval-table th, .csto-approval-table td")).to_have_text(cells)
                page.screenshot(path=str(tmp_path / "approval-map.png"))

                # Download the what-if as a case file: it loads and runs, and gives the page's numbers.
                page.get_by_role("tab", name="Facts").click()
                with page.expect_download() as download:
                    page.get_by_role("button", name=re.compile("Download the what-if as a case file")).click()
                case_file = tmp_path / "downloaded.yaml"
                download.value.save_as(case_file)
                assert download.value.suggested_filename == "kazakhstan-2022-explorer.yaml"
                loaded = load_scenario(case_file)
                assert loaded.kind == "what-if" and loaded.facts["request.framing"].value == "internal"
                assert (loaded.facts["threat.deaths"].low, loaded.facts["threat.deaths"].high) == (50, 120)
                again = run_with(loaded, framed.result.replications, framed.result.seed, load_posterior("shipped"),
                                 rule=framed.result.rule)
                assert again.outcome_probabilities == framed.result.outcome_probabilities

                # Back to the facts as coded; take Russia's pull away with the slider (its label shows the value).
                page.get_by_role("button", name="Back to the facts as coded").click()
                slider = page.get_by_role("slider", name="influence (the lead state's pull)")
                expect(page.get_by_text("influence (the lead state's pull) = 0.6", exact=True)).to_be_visible()
                slider.focus()
                slider.press("Home")
                expect(slider).to_have_attribute("aria-valuenow", "0")
                page.locator("body").click(position={"x": 900, "y": 10})  # the slider loses focus: the label stays
                expect(page.get_by_text("influence (the lead state's pull) = 0", exact=True)).to_be_visible()
                _reset(page)
                expect(shown).not_to_have_text(f"P(deployment) = {framed.p_deployment:.3f}")
                after = _p_deployment(page)
                assert after < as_coded - 0.2, (as_coded, after)
                page.get_by_role("tab", name="Outcomes").click()
                expect(page.locator(".csto-changed")).to_contain_text("influence = 0 (default 0.6)")
                page.get_by_role("tab", name="Parameters").click()
                changed_rows = page.locator(".csto-parameters tr.changed td")
                expect(changed_rows.nth(0)).to_have_text("influence")
                expect(page.locator(".csto-parameters tr.changed")).to_have_count(1)

                # A bad value shows a message; the page keeps working.
                settings = page.get_by_label(SETTINGS_HELP)
                settings.fill("noise=abc")
                settings.press("Enter")
                _reset(page)
                expect(page.locator(".csto-error")).to_contain_text("noise: expected a number, got 'abc'")
                settings.fill("")
                settings.press("Enter")
                _reset(page)
                expect(shown).to_have_text(f"P(deployment) = {after:.3f}")

                # Point parameters instead of the posterior: the library's numbers, the intervals Monte Carlo only.
                _choose(page, "parameters", PARAMETER_CHOICES["none"])
                _reset(page)
                point = ExplorerModel(case="kazakhstan-2022", rule=opening.result.rule, influence=0.0, posterior="none")
                note = page.locator(".csto-interval-note")
                expect(note.filter(has_text="Point parameters (no posterior): the defaults and the page's. 90% "
                                            "interval: Monte Carlo only")).to_be_visible()
                expect(note).to_have_count(1)
                expect(shown).to_have_text(f"P(deployment) = {point.p_deployment:.3f}")
                page.get_by_role("tab", name="Outcomes").click()
                expect(page.locator(".csto-outcome-table th, .csto-outcome-table td")).to_have_text(
                    _expected_outcomes(point))
            finally:
                browser.close()
        code = server.interrupt()
    finally:
        server.stop()
    assert code in (0, 130), server.errors()
    assert shot.stat().st_size > 10_000
