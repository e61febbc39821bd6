"""Validation: sources on every fact of the historical record; the scores (behaviour tables and properties);
the baselines; leave-one-out without leakage; reproducibility; the validate command's table, JSON, page and bad
input."""

from __future__ import annotations

import dataclasses
import json
import re
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import load_scenario
from model.calibrate import baselines
from model.calibrate.abc import Setup
from model.calibrate.validate import MODELS, validate
from model.cli import main
from model.ladder import LEVELS
from model.runs import historical_cases
from model.scenario import CATEGORIES, Case, list_case_files
from model.scenario.types import Fact

HISTORICAL = [p for p in list_case_files() if load_scenario(p).kind == "historical"]
TINY = ["--draws", "40", "--replications", "20", "--accept", "0.25", "--seed", "9", "--workers", "1", "-q"]


# -- every fact carries a source ---------------------------------------------------------------------

def read_yaml_file(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def facts_without_source(data: Any) -> list[str]:
    """Paths of the facts lacking a non-empty source: every mapping with a ``value`` or a ``range`` (the
    facts, the observed outcome, days and contributions), and every disagreement."""
    missing: list[str] = []

    def check(node: dict[str, Any], path: str) -> None:
        source = node.get("source")
        if not isinstance(source, str) or not source.strip():
            missing.append(path)

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "value" in node or "range" in node:
                check(node, path)
                return
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]")

    walk({k: v for k, v in data.items() if k != "disagreements"}, "")
    for i, d in enumerate(data.get("disagreements") or []):
        check(d, f"disagreements[{i}]")
    return missing


def count_facts(node: Any) -> int:
    if isinstance(node, dict):
        return 1 if "value" in node or "range" in node else sum(count_facts(v) for v in node.values())
    if isinstance(node, list):
        return sum(count_facts(v) for v in node)
    return 0


def test_there_are_historical_cases_to_validate_on():
    assert len(HISTORICAL) >= 6


@pytest.mark.parametrize("path", HISTORICAL, ids=lambda p: p.stem)
def test_every_fact_of_a_historical_case_carries_a_source(path):
    data = read_yaml_file(path)
    assert facts_without_source(data) == []
    assert count_facts(data) >= 15  # the walk does reach the facts


@pytest.mark.parametrize("where", [
    ("facts", "threat", "deaths"),
    ("observed", "outcome"),
    ("observed", "contributions", "Russia"),
    ("observed", "days_to_decision"),
])
@pytest.mark.parametrize("how", ["drop", "empty"])
def test_the_walk_catches_a_fact_without_a_source(case_data, where, how):
    node = case_data
    for key in where:
        node = node[key]
    if how == "drop":
        del node["source"]
    else:
        node["source"] = "  "
    assert facts_without_source(case_data) == [".".join(where)]


def test_the_walk_catches_a_disagreement_without_a_source(case_data):
    del case_data["disagreements"][1]["source"]
    assert facts_without_source(case_data) == ["disagreements[1]"]


# -- baselines ---------------------------------------------------------------------------------------

def _case(base: Case, outcome: str, **facts: str) -> Case:
    """``base`` with its observed outcome and some categorical facts replaced (a synthetic training case)."""
    new = dict(base.facts)
    for name, value in facts.items():
        new[name.replace("__", ".")] = Fact(value, None, None, "what-if")
    return dataclasses.replace(base, id=f"{base.id}-{outcome}-{len(facts)}", facts=new,
                               observed=dataclasses.replace(base.observed, outcome=outcome))


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return historical_cases(None)


def test_channel_base_rate_by_hand(cases):
    by_id = {c.id: c for c in cases}
    train = [c for c in cases if c.id != "kazakhstan-2022"]
    k = len(LEVELS)
    same = [c for c in train if baselines.channel(c) == "organisation"]
    expected = np.array([sum(c.observed.outcome == lvl for c in same) + 1 for lvl in LEVELS]) / (len(same) + k)
    np.testing.assert_allclose(baselines.base_rate(train, by_id["kazakhstan-2022"]), expected)
    # no training case shares the channel: every training case counts
    lone = [c for c in train if baselines.channel(c) != "organisation"]
    expected = np.array([sum(c.observed.outcome == lvl for c in lone) + 1 for lvl in LEVELS]) / (len(lone) + k)
    np.testing.assert_allclose(baselines.base_rate(lone, by_id["kazakhstan-2022"]), expected)


def test_frequencies_without_smoothing():
    p = baselines.frequencies(["none", "none", "deployment", "none"], pseudocount=0)
    assert p[LEVELS.index("none")] == 0.75 and p[LEVELS.index("deployment")] == 0.25 and p.sum() == 1


def test_lookup_empty_cell_falls_back_to_the_base_rate(cases):
    base = cases[-1]
    train = [_case(base, "none", threat__scope="local"), _case(base, "deployment", threat__scope="nationwide")]
    rule = baselines.Lookup(("request.channel", "threat.scope", "requester"), tuple(train))
    held = _case(base, "consultations", threat__scope="regional")
    assert rule.members(held) == []
    np.testing.assert_allclose(rule.forecast(held), baselines.base_rate(train, held))


FACT_VALUES = {name: values for name, values in CATEGORIES.items() if name != "request.channel"}


@st.composite
def training_sets(draw):
    """3 to 7 synthetic training cases differing in three facts and their outcomes."""
    names = draw(st.permutations(sorted(FACT_VALUES)).map(lambda xs: tuple(xs[:3])))
    n = draw(st.integers(3, 7))
    rows = [(draw(st.sampled_from(LEVELS)), {f: draw(st.sampled_from(FACT_VALUES[f][:2])) for f in names})
            for _ in range(n)]
    return names, rows


@given(training_sets())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_lookup_reproduces_its_training_cell_frequencies(cases, data):
    names, rows = data
    base = cases[-1]
    train = [_case(base, outcome, **{k.replace(".", "__"): v for k, v in facts.items()}) for outcome, facts in rows]
    rule = baselines.Lookup(names, tuple(train), pseudocount=0.0)
    smoothed = baselines.Lookup(names, tuple(train))
    for c in train:
        cell = [o for o, facts in rows if tuple(facts[f] for f in names) == rule.cell(c)]
        counts = np.array([cell.count(lvl) for lvl in LEVELS], dtype=float)
        np.testing.assert_allclose(rule.forecast(c), counts / len(cell))
        np.testing.assert_allclose(smoothed.forecast(c), (counts + baselines.base_rate(train, c)) / (len(cell) + 1))
    best = baselines.best_lookup(train)
    assert best.in_sample_rps() == pytest.approx(min(baselines.Lookup(t, tuple(train)).in_sample_rps()
                                                     for t in combinations(baselines.FACTS, 3)))
    assert best.in_sample_rps() <= min(baselines.Lookup(t, tuple(train)).in_sample_rps()
                                       for t in [("request.channel", "request.framing", "requester"), rule.facts]) + 1e-12


def test_days_baselines_spread_the_recorded_days(cases):
    with_days = [c for c in cases if baselines.observed_days(c) is not None]
    sample = baselines.days_sample(with_days)
    assert sample.size == len(with_days) * baselines.DAYS_GRID**2 and (sample > 0).all()
    assert baselines.days_sample([c for c in cases if baselines.observed_days(c) is None]) is None
    lo, hi = baselines.observed_days(with_days[0])
    one = baselines.days_sample(with_days[:1])
    assert lo / 3 < np.median(one) < hi * 3


def test_stance_base_rate_counts_recorded_stances(cases):
    base = cases[-1]
    obs = dataclasses.replace(base.observed, reasons={
        "Belarus": SimpleNamespace(stance="delay", reason="cost of action"), "Russia": {"stance": "support"},
        "Armenia": SimpleNamespace(stance="unheard-of", reason="")})
    case = dataclasses.replace(base, observed=obs)
    assert baselines.recorded_stances(case) == {"Belarus": "delay", "Russia": "support"}
    # a case with no recorded stances adds nothing (the cases now record theirs: here left out)
    silent = dataclasses.replace(cases[0], observed=dataclasses.replace(cases[0].observed, reasons={}))
    p = baselines.stance_base_rate([case, silent])
    np.testing.assert_allclose(p, np.array([1, 1, 2, 1, 2]) / 7)  # absent, object, delay, acquiesce, support
    # with its two recorded 'absent' stances: 3, 1, 2, 1, 2 of 9
    np.testing.assert_allclose(baselines.stance_base_rate([case, cases[0]]), np.array([3, 1, 2, 1, 2]) / 9)


# -- leave one out -----------------------------------------------------------------------------------

SMALL = Setup(draws=40, replications=20, accept=0.25, seed=9)


@pytest.fixture(scope="module")
def tiny(cases):
    return validate(cases, SMALL)


def test_validate_report_keys_and_shapes(tiny, cases):
    report = tiny
    assert report["models"] == list(MODELS) and report["seed"] == 9 and report["levels"] == list(LEVELS)
    assert [r["case"] for r in report["cases"]] == [c.id for c in cases]
    for r in report["cases"]:
        assert r["fit"]["model"]["accepted"] >= 10
        for m in MODELS:
            scores = r["models"][m]
            assert 0 <= scores["rps"] <= 1 and 0 <= scores["rps_old"] <= 1
            assert sum(scores["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert (r["days"] is None) == (r["days_observed"] is None)
    for m in MODELS:
        assert report["means"][m]["rps"] == pytest.approx(np.mean([r["models"][m]["rps"] for r in report["cases"]]),
                                                          abs=1e-6)
    assert report["decided_cases"] == sum(1 for c in cases if baselines.observed_days(c) is not None)


def _flip(case: Case, days: bool) -> Case:
    """The case with another observed outcome; with ``days``, other recorded days (else none)."""
    other = next(lvl for lvl in reversed(LEVELS) if lvl != case.observed.outcome)
    recorded = Fact(None, 40.0, 60.0, "what-if") if days else None
    return dataclasses.replace(case, observed=dataclasses.replace(case.observed, outcome=other,
                                                                  days_to_decision=recorded))


@pytest.mark.parametrize("held, days", [("kyrgyzstan-2010-06", False), ("kyrgyzstan-2010-06", True),
                                        ("kazakhstan-2022", True), ("armenia-2020", False)])
def test_the_held_out_record_never_enters_its_fold(tiny, cases, held, days):
    """Changing the held-out case's record (its outcome, its days) changes none of its forecasts: only its
    scores, and the other folds' forecasts."""
    k = [c.id for c in cases].index(held)
    changed = [_flip(c, days) if i == k else c for i, c in enumerate(cases)]
    again = validate(changed, SMALL)
    before, after = tiny["cases"][k], again["cases"][k]
    for m in MODELS:
        assert after["models"][m]["probabilities"] == before["models"][m]["probabilities"], m
        if days and before["days"]:
            for q in ("p10", "p50", "p90"):
                assert after["days"][m][q] == before["days"][m][q], (m, q)
    assert after["observed"] != before["observed"]  # the score is against the changed record
    assert any(again["cases"][i]["models"][m]["probabilities"] != tiny["cases"][i]["models"][m]["probabilities"]
               for i in range(len(cases)) if i != k for m in MODELS), "the change moves the other folds"


def test_the_same_seed_gives_the_same_report_whatever_the_workers(tiny, cases):
    assert validate(cases, SMALL, workers=2) == tiny
    assert validate(cases, dataclasses.replace(SMALL, seed=10)) != tiny


def test_recorded_stances_are_scored(cases):
    k = [c.id for c in cases].index("kazakhstan-2022")
    base = cases[k]
    obs = dataclasses.replace(base.observed, reasons={
        "Belarus": SimpleNamespace(stance="acquiesce", reason="lead state's influence"),
        "Nowhere": SimpleNamespace(stance="object", reason="")})
    # the other cases' recorded stances left out (the cases now record theirs): only these two are counted
    with_reasons = [dataclasses.replace(c, observed=obs if i == k else dataclasses.replace(c.observed, reasons={}))
                    for i, c in enumerate(cases)]
    report = validate(with_reasons, SMALL)
    stances = report["cases"][k]["stances"]
    assert set(stances) == {"Belarus", "Nowhere"} and stances["Belarus"]["observed"] == "acquiesce"
    for name in ("model", "lead_state_alone", "base_rate"):
        assert 0 <= stances["Belarus"][name] <= 1
    assert stances["Nowhere"]["model"] is None  # not a member in that year: the model says nothing of it
    assert report["recorded_stances"] == 2 and report["scored_stances"] == 1
    for name in ("model", "lead_state_alone", "base_rate"):  # the means are over the stances every forecaster scored
        assert report["means"][name]["stance_brier"] == stances["Belarus"][name]


# -- the command ---------------------------------------------------------------------------------------

def test_validate_json_from_the_command_line(tiny, capsys):
    assert main(["validate", *TINY, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["cases"] == tiny["cases"] and got["means"] == tiny["means"]
    assert got["command"] == "csto-sim validate --draws 40 --replications 20 --accept 0.25 --seed 9"


def test_validate_table_and_page(capsys, tmp_path):
    page = tmp_path / "v.md"
    assert main(["validate", *TINY, "--report", str(page)]) == 0
    text = capsys.readouterr().out
    for label in ("held-out case", "base rate", "lead alone", "lookup", "kazakhstan-2022", "mean RPS", "old four-level"):
        assert label in text
    first = page.read_bytes(), page.with_suffix(".png").read_bytes()
    assert first[0].decode().startswith("# Validation") and first[1].startswith(b"\x89PNG")
    assert f"csto-sim validate --draws 40 --replications 20 --accept 0.25 --seed 9 --report {page}" in first[0].decode()
    assert main(["validate", *TINY, "--report", str(page)]) == 0
    assert (page.read_bytes(), page.with_suffix(".png").read_bytes()) == first  # byte-reproducible


@pytest.mark.parametrize("where", ["missing/v.md", "v.txt", "folder.md", "/proc/v.md"])
def test_a_report_that_cannot_be_written(capsys, tmp_path, where):
    (tmp_path / "folder.md").mkdir()
    path = where if where.startswith("/") else str(tmp_path / where)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["validate", *TINY, "--report", path]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error: command line: --report: ") and path in err and "\n" not in err, err
    assert "Traceback" not in captured.err and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_page_says_the_one_command_that_writes_it(cases):
    page = Path(__file__).resolve().parent.parent / "docs" / "validation.md"
    text = page.read_text(encoding="utf-8")
    assert "csto-sim validate --report docs/validation.md" in text.split("\n", 12)[:12]
    assert (page.with_suffix(".png")).exists()
    outcomes = text[text.index("## Outcomes"):text.index("\n## ", text.index("## Outcomes"))]
    held_out = re.findall(r"^\| ([a-z0-9]+-[a-z0-9-]+) \| [a-z]+ \| ", outcomes, re.M)
    assert held_out == [c.id for c in cases], "the page is stale: run csto-sim validate --report docs/validation.md"


def test_the_validation_draws_the_calibration_s_parameter_sets():
    from model.calibrate.prior_runs import draw_sets
    from model.sweep.design import LatinHypercube

    setup = Setup(draws=25, seed=3)
    columns = LatinHypercube(setup.factors(), setup.draws, setup.seed).columns  # what calibrate's sweep runs
    sets = draw_sets(setup)
    for k, f in enumerate(setup.factors()):
        assert [getattr(p, f.name) for p in sets] == columns[k]


def test_the_validation_figure_draws_the_report_and_nothing_is_cut_off(tiny, tmp_path, monkeypatch):
    """The figure's bars are the report's RPS, one per case and model, and no text runs off it."""
    from model.calibrate.report import LABELS
    from model.plots import validation as V
    from model.plots.style import clipped

    drawn = []
    monkeypatch.setattr(V, "save", lambda fig, path, fmt: drawn.append(fig) or path)
    V.draw_validation(tiny, tmp_path / "v.png", list(MODELS), LABELS)
    fig = drawn[0]
    assert clipped(fig) == []
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 9) for p in ax.patches)
    expected = sorted(round(r["models"][m]["rps"], 9) for r in tiny["cases"] for m in MODELS)
    assert widths == expected
