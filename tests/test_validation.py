"""Validation: sources on every fact of the historical record, the baselines, leave-one-out without
leakage, and the validate command's table and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from model import load_scenario
from model.calibrate import baselines
from model.calibrate.abc import Setup, Target
from model.calibrate.validate import validate
from model.cli import main
from model.ladder import LEVELS
from model.params import Parameters
from model.scenario import list_case_files

HISTORICAL = [p for p in list_case_files() if load_scenario(p).kind == "historical"]
TINY = ["--draws", "60", "--replications", "40", "--accept", "0.1", "--seed", "9", "--workers", "1", "-q"]


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


def test_there_are_six_historical_cases():
    assert len(HISTORICAL) == 6


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

def test_base_rate_by_hand():
    p = baselines.base_rate(["none", "none", "assistance", "consultations", "none"])
    np.testing.assert_allclose(p, np.array([4, 2, 1, 2, 1]) / 10)  # add-one smoothing over 5 cases and 5 levels
    np.testing.assert_allclose(baselines.base_rate(["deployment"], pseudocount=0), [0, 0, 0, 0, 1])


def test_compromise_interpolates_between_levels():
    np.testing.assert_allclose(baselines.interpolate_levels(np.array([1.3, 0.0, len(LEVELS) - 1.0])),
                               [[0, 0.7, 0.3, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]])


def test_compromise_without_a_request_is_none():
    case = load_scenario("armenia-2020")  # a bilateral request: nothing for the council to decide
    np.testing.assert_array_equal(baselines.compromise_one(case, Parameters(), 50, 1), [1, 0, 0, 0, 0])


def test_compromise_and_lead_state_alone_are_distributions():
    case = load_scenario("kyrgyzstan-2010-06")
    sets, w = [Parameters(), Parameters().replace(influence=0.2)], np.array([0.5, 0.5])
    for f in (baselines.compromise, baselines.lead_state_alone):
        p = f(case, sets, w, 100, [1, 2])
        assert p.shape == (len(LEVELS),) and p.sum() == pytest.approx(1.0) and (p >= 0).all()
    # the compromise of June 2010 lies between consultations and deployment: the members disagree
    p = baselines.compromise(case, sets, w, 100, [1, 2])
    assert p[0] < 0.05 and p[LEVELS.index("deployment")] < 0.9


# -- leave one out -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("val") / "validation"
    setup = Setup(draws=60, replications=40, accept=0.1, seed=9)
    return out, setup, validate(setup, out, quiet=True)


def test_validate_report_keys_and_shapes(tiny):
    out, setup, report = tiny
    assert report["models"] == ["model", "base_rate", "compromise", "lead_state_alone"]
    assert [r["case"] for r in report["cases"]] == [c.id for c in sorted(
        (load_scenario(p) for p in HISTORICAL), key=lambda c: (c.date, c.id))]
    for r in report["cases"]:
        assert r["accepted"] >= 6
        for m in report["models"]:
            scores = r["models"][m]
            assert 0 <= scores["rps"] <= 1 and 0 <= scores["brier"] <= 1
            assert sum(scores["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
    for m in report["models"]:
        assert report["means"][m]["rps"] == pytest.approx(np.mean([r["models"][m]["rps"] for r in report["cases"]]),
                                                          abs=1e-6)
    assert set(report["winner"]) == {"rps", "brier"} and report["winner"]["rps"] in report["models"]
    assert json.loads((out / "validation.json").read_text()) == report


def test_the_held_out_record_never_enters_its_fold(tiny, monkeypatch):
    """Changing the record of one case changes no forecast of that case (only of the others' folds)."""
    out, setup, report = tiny
    flipped = "kyrgyzstan-2010-06"
    original = Target.from_case

    def fake(case):
        t = original(case)
        return Target(t.case, tuple(float(lvl == "deployment") for lvl in LEVELS), None, None) if case.id == flipped else t

    monkeypatch.setattr(Target, "from_case", staticmethod(fake))
    again = validate(setup, Path(out), quiet=True)  # the prior sample is reused: nothing reruns
    before = {r["case"]: r for r in report["cases"]}
    after = {r["case"]: r for r in again["cases"]}
    assert after[flipped]["models"]["model"]["probabilities"] == before[flipped]["models"]["model"]["probabilities"]
    assert after[flipped]["observed"] == before[flipped]["observed"]  # the score is on the real record
    assert any(after[c]["models"]["model"] != before[c]["models"]["model"] for c in after if c != flipped), \
        "the changed record moves the other folds (so the change did take effect)"


def test_validate_json_from_the_command_line(tiny, capsys):
    out, _, report = tiny
    assert main(["validate", *TINY, "--out", str(out), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["cases"] == report["cases"] and got["means"] == report["means"]
    assert got["command"] == "csto-sim validate --draws 60 --replications 40 --accept 0.1 --seed 9"


def test_validate_table(tiny, capsys):
    out, _, _ = tiny
    assert main(["validate", *TINY, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "held-out case" in text and "base rate" in text and "Russia alone" in text and "compromise" in text
    assert "kazakhstan-2022" in text and "mean" in text and "RPS: best mean" in text and "Brier: best mean" in text
