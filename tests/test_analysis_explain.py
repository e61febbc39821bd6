"""Explanation and counterfactuals (``csto-sim explain``): contributions that add up, pivotal members, and
flips of the training cases that the mechanisms make plausible (pinned; see docs/analysis.md)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from model.analysis.explain import DELIBERATION_TERMS, EXTRA_TERMS, counterfactuals, explain, fact_changes
from model.cli import main
from model.ladder import MEASURES, to_old_ladder
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


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason=("issue 12: the best flip (threat.origin external) reaches a modal deployment of only 0.352 "
                           "(R as here, seed 1): the case's alternative coding of a bilateral request to Moscow only "
                           "(weight 0.35) tables nothing"))
def test_an_external_origin_would_have_made_june_2010_a_deployment():
    cf = counterfactuals(load_scenario("kyrgyzstan-2010-06"), R, 1, target="deployment")
    best = cf["flips"][0]
    assert best["changes"][0]["name"] == "threat.origin"
    assert best["changes"][0]["value"] in ("external_state", "external_nonstate")
    assert best["modal"] == "deployment" and best["probability"] > 0.5 and best["distance"] == 1.0
    # the framing alone is not enough: internal unrest framed as external keeps the sovereignty and
    # legitimacy costs of an interim government
    assert not any(e["changes"][0]["label"] == "request.framing external" for e in cf["flips"])


@pytest.fixture(scope="module")
def armenia_2021():
    return explain(load_scenario("armenia-2021-05"), R, 1)


def _change(rep, label):
    """The counterfactual with this one change, among the flips or the movers (None: neither)."""
    cf = rep["counterfactuals"]
    return next((e for e in [*cf["flips"], *cf["movers"]] if e["changes"][0]["label"] == label), None)


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason=("issue 12: a hostile Russia now leaves Armenia 2021 at consultations 0.688 with assistance "
                           "0.007 (from > 0.3): Armenia, allowed to call, gets an extraordinary session on "
                           "consultations before assistance is tabled"))
def test_armenia_2021_a_hostile_russia_raises_assistance_and_russia_holds_the_agenda(armenia_2021):
    """What still holds of the test below on the five-rung ladder (issue 12)."""
    rep = armenia_2021
    assert rep["modal"] == "consultations"
    hostile = _change(rep, "adversary.lead_state_relation hostile")
    assert hostile and hostile["outcome_probabilities"]["assistance"] > 0.3  # from about 0 in the case itself
    assert rep["outcome_probabilities"]["assistance"] < 0.01
    # Russia seeing more at stake flips it up the ladder (old ladder: assistance), by tabling (its agenda power)
    up = next(e for e in rep["counterfactuals"]["flips"] if e["changes"][0]["label"].startswith("Russia's stake +"))
    assert to_old_ladder(up["modal"]) == "assistance"
    assert rep["pivotal"]["up"]["members"]["Russia"] > 0.5
    agenda = {a["rung"]: a for a in rep["pivotal"]["agenda"]}
    assert agenda["assistance"]["kept_off"] > 0.99 and agenda["assistance"]["would_have_passed"] > 0.3


@pytest.mark.xfail(reason="issue 12: a hostile Russia now flips Armenia 2021 (R 1000, seed 1): modal assistance "
                          "0.466 (mission 0.291, consultations 0.161, none 0.082) at distance 2, against consultations "
                          "0.531 in the case; and Russia's stake +0.25 already flips it (to mission 0.537), so "
                          "'Russia's stake +1' is no longer the smallest flip", strict=True)
def test_a_hostile_russia_raises_but_does_not_flip_armenia_2021(armenia_2021):
    rep = armenia_2021
    cf = rep["counterfactuals"]
    assert rep["modal"] == "consultations"
    assert not any(e["changes"][0]["label"] == "adversary.lead_state_relation hostile" for e in cf["flips"])
    mover = [e for e in cf["movers"] if e["changes"][0]["label"] == "adversary.lead_state_relation hostile"]
    assert mover and mover[0]["outcome_probabilities"]["assistance"] > 0.3  # from about 0 in the case itself
    assert rep["outcome_probabilities"]["assistance"] < 0.01
    # what does flip it: Russia seeing more at stake, which tables assistance (its agenda power)
    assert _flip(rep, "Russia's stake +1")["modal"] == "assistance"
    assert rep["pivotal"]["up"]["members"]["Russia"] > 0.5
    agenda = {a["rung"]: a for a in rep["pivotal"]["agenda"]}
    assert agenda["assistance"]["kept_off"] > 0.99 and agenda["assistance"]["would_have_passed"] > 0.3


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason=("issue 12: with S001's recoding (a request to the organisation for troops, weight 0.15) and"
                           " Russia's own track the counterfactual search no longer finds the documented path (500 "
                           "replications, seed 1)"))
def test_armenia_2020_needs_several_changes_to_become_a_deployment():
    cf = counterfactuals(load_scenario("armenia-2020"), 500, 1, target="deployment")
    assert cf["flips"] == []  # no single change, and no pair of distance <= 3
    path = cf["greedy_path"]
    assert path["reached"] and path["modal"] == "deployment"
    # a request to the CSTO for troops, for Armenia's own territory (Art. 4 applies) ...
    assert path["changes"][:2] == ["request.channel organisation", "request.measure deployment"]
    assert "threat.territory de_jure" in path["changes"]
    # ... against an adversary Russia does not court
    assert {"no adversary named", "adversary.lead_state_relation hostile"} & set(path["changes"])


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason=("issue 12: no single flip 'a request by Kyrgyzstan to the organisation' (300 replications, "
                           "seed 1): the case already carries S001's recoding of Bakiyev's request (weight 0.15)"))
def test_a_request_is_what_april_2010_lacked():
    cf = counterfactuals(load_scenario("kyrgyzstan-2010-04"), 300, 1)
    kyrgyz = [e for e in cf["flips"] if e["changes"][0]["label"] == "a request by Kyrgyzstan to the organisation"]
    assert kyrgyz and kyrgyz[0]["modal"] == "consultations"


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
