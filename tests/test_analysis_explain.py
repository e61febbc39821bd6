"""Explanation and counterfactuals (``csto-sim explain``): contributions that add up, pivotal members, and
flips of the training cases that the mechanisms make plausible (pinned; see docs/analysis.md)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from model.analysis.explain import DELIBERATION_TERMS, EXTRA_TERMS, counterfactuals, explain, fact_changes
from model.cli import main
from model.ladder import MEASURES
from model.scenario import load_scenario
from model.simulate import simulate
from model.terms import BENEFIT_REASONS, COST_REASONS

R = 1000


@pytest.fixture(scope="module")
def kazakhstan():
    return explain(load_scenario("kazakhstan-2022"), R, 1)


def _flip(rep, label):
    found = [e for e in rep["counterfactuals"]["flips"] if e["changes"][0]["label"] == label]
    assert found, f"{label} is not among the flips"
    return found[0]


def test_contributions_add_up_to_the_final_position(kazakhstan):
    for name, c in kazakhstan["contributions"].items():
        assert list(c["terms"]) == [*BENEFIT_REASONS, *EXTRA_TERMS, *COST_REASONS, *DELIBERATION_TERMS]
        total = np.sum([v for v in c["terms"].values()], axis=0)
        np.testing.assert_allclose(total, c["final"], atol=1e-5, err_msg=name)
        own = total - np.sum([c["terms"][t] for t in DELIBERATION_TERMS[1:]], axis=0)
        np.testing.assert_allclose(own, c["own"], atol=1e-5, err_msg=name)


def test_the_mechanisms_behind_kazakhstan_2022(kazakhstan):
    c = kazakhstan["contributions"]
    russia = c["Russia"]["terms"]
    d = MEASURES.index("deployment")
    # Russia's stake in a strategically vital neighbour is the largest single term of its deployment utility
    assert russia["strategic value"][d] == max(v[d] for v in russia.values())
    # Belarus and Armenia, outside Central Asia, support a deployment because Russia pulls them
    for member in ("Belarus", "Armenia"):
        terms = c[member]["terms"]
        own = c[member]["own"][d]
        assert terms["lead state's pull"][d] > 0.5 and c[member]["final"][d] > 0 and own < 0.1
    pv = kazakhstan["pivotal"]
    assert pv["position"]["Russia"] == 1.0
    assert all(v == 0.0 for m, v in pv["position"].items() if m != "Russia")
    assert all(a["kept_off"] == 0.0 for a in pv["agenda"])  # Russia tabled everything asked for


def test_internal_framing_would_have_stopped_the_kazakhstan_deployment(kazakhstan):
    flip = _flip(kazakhstan, "request.framing internal")
    assert flip["modal"] == "assistance" and flip["probability"] >= 0.99 and flip["distance"] == 1.0
    # the same as the what-if file that codes it by hand
    whatif = simulate(load_scenario("kazakhstan-2022-internal-framing"), R, 1)
    assert whatif.modal_outcome == "assistance" and whatif.outcome_probabilities["assistance"] >= 0.99
    # and so would a Russia that saw much less at stake, or an inter-member conflict (no Art. 4 mandate)
    assert _flip(kazakhstan, "threat.origin member_state")["modal"] == "assistance"
    assert _flip(kazakhstan, "Russia's stake -2")["modal"] == "assistance"


def test_an_external_origin_would_have_made_june_2010_a_deployment():
    """An Art. 4 case (a threat from abroad) is the one change that makes a deployment modal; it stays under 0.5
    because the case's alternative coding of the request as bilateral, to Moscow only (weight 0.35, S001), tables
    nothing. The framing alone does not do it: internal unrest framed as external keeps the sovereignty and
    legitimacy costs of an interim government."""
    cf = counterfactuals(load_scenario("kyrgyzstan-2010-06"), R, 1, target="deployment")
    best = cf["flips"][0]
    assert best["changes"][0]["name"] == "threat.origin"
    assert best["changes"][0]["value"] in ("external_state", "external_nonstate")
    assert best["modal"] == "deployment" and 0.3 < best["probability"] < 0.5 and best["distance"] == 1.0
    assert not any(e["changes"][0]["label"] == "request.framing external" for e in cf["flips"])


@pytest.fixture(scope="module")
def armenia_2021():
    return explain(load_scenario("armenia-2021-05"), R, 1)


def _change(rep, label):
    """The counterfactual with this one change, among the flips or the movers (None: neither)."""
    cf = rep["counterfactuals"]
    return next((e for e in [*cf["flips"], *cf["movers"]] if e["changes"][0]["label"] == label), None)


def test_armenia_2021_russias_stake_lifts_it_to_a_mission_a_hostile_russia_only_moves_the_odds(armenia_2021):
    """Russia seeing a little more at stake (+0.5) is the smallest flip, to a mission; a Russia hostile to
    Azerbaijan raises a mission to about 0.3 without changing the modal outcome; assistance stays out of reach."""
    rep = armenia_2021
    assert rep["modal"] == "consultations"
    first = rep["counterfactuals"]["flips"][0]
    assert first["changes"][0]["label"] == "Russia's stake +0.5" and first["modal"] == "mission"
    hostile = _change(rep, "adversary.lead_state_relation hostile")
    assert hostile is not None and hostile not in rep["counterfactuals"]["flips"]
    assert 0.2 < hostile["outcome_probabilities"]["mission"] < 0.5
    assert hostile["outcome_probabilities"]["assistance"] < 0.05
    assert rep["outcome_probabilities"]["assistance"] < 0.01


def test_armenia_2020_no_single_change_or_pair_reaches_a_deployment():
    """The bilateral channel, Russia's own track and its ties to Baku: no single change or pair reaches a
    deployment, and the greedy path, which starts by putting a request for troops to the organisation, stops short."""
    cf = counterfactuals(load_scenario("armenia-2020"), 500, 1, target="deployment")
    assert cf["flips"] == []
    path = cf["greedy_path"]
    assert not path["reached"]
    assert path["changes"][:2] == ["request.channel organisation", "request.measure deployment"]


def test_april_2010_an_armed_clash_with_a_member_would_have_put_consultations_on_the_table():
    """Nobody asked the organisation; with a threat from outside the country (an armed clash), an organ convenes
    consultations with the lead state's support. An external framing moves only the replications of S001's
    recoding of Bakiyev's request (weight 0.15)."""
    cf = counterfactuals(load_scenario("kyrgyzstan-2010-04"), 300, 1)
    origin = [e for e in cf["flips"] if e["changes"][0]["name"] == "threat.origin"]
    assert origin and all(e["modal"] == "consultations" for e in origin)
    framing = _change({"counterfactuals": cf}, "request.framing external")
    assert framing is not None and 0.1 < framing["outcome_probabilities"]["deployment"] < 0.2


def test_the_search_ranks_by_distance():
    case = load_scenario("kazakhstan-2022")
    changes = {c.label: c for c in fact_changes(case, 0.96)}
    assert changes["threat.scope local"].distance == 2.0  # nationwide -> regional -> local
    assert changes["request.framing internal"].distance == 1.0
    assert changes["threat.deaths x10 (1,250)"].distance == pytest.approx(np.log10(1251 / 126), abs=1e-9)
    cf = counterfactuals(case, 300, 1)
    distances = [e["distance"] for e in cf["flips"]]
    assert distances == sorted(distances)


def test_explain_command(capsys):
    assert main(["explain", "kazakhstan-2022", "-n", "300", "--json", "--no-search"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["modal"] == "deployment" and "counterfactuals" not in rep
    assert rep["intervals"]["posterior_sets"] > 1  # over the shipped posterior by default, with intervals
    assert main(["explain", "kazakhstan-2022", "-n", "300", "--top", "3", "--posterior", "none"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"kazakhstan-2022: with request\.framing internal -> assistance \(P 1\.00 \[0\.\d\d-1\.00\]\)", text)
    assert "Monte Carlo only" in text
    assert "Pivotal members" in text and "lead state's pull" in text
    for bad in (["explain", "nowhere"], ["explain", "kazakhstan-2022", "--target", "war"],
                ["explain", "kazakhstan-2022", "--set", "influence=2"]):
        assert main(bad) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err
