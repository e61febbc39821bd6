"""Behaviour tables for each mechanism: given these inputs, this quantity (model/mechanisms.py)."""

import numpy as np
import pytest

from model import mechanisms as mech
from model.ladder import Stance
from model.params import Parameters
from model.scenario import load_organisation

P = Parameters()
CSTO_MANDATE = {"external_de_jure": 1.0, "external_contested": 0.4, "external_not_own": 0.0,
                "internal": 0.1, "member_state": 0.0}


@pytest.mark.parametrize(("deaths", "scope", "expected"), [
    (0, "nationwide", 0.0),
    (1000, "nationwide", 1.0),
    (1000, "regional", 0.8),
    (1000, "local", 0.6),
    (10**6, "nationwide", 1.0),  # saturates
    (31, "nationwide", np.log(32) / np.log(1001)),
])
def test_crisis_severity(deaths, scope, expected):
    assert mech.crisis_severity(deaths, scope, 1000.0) == pytest.approx(expected)


def test_severity_grows_with_deaths():
    deaths = np.array([0, 1, 10, 100, 1000])
    assert np.all(np.diff(mech.crisis_severity(deaths, "regional", 1000.0)) > 0)


@pytest.mark.parametrize(("member", "requester", "expected"), [
    (("Central Asia",), ("Central Asia",), 1.0),
    (("Eastern Europe",), ("Central Asia",), 0.3),  # Belarus and Central Asia (S002)
    (("Central Asia", "Eastern Europe", "South Caucasus"), ("South Caucasus",), 1.0),  # Russia: all three
    (("South Caucasus",), (), 0.3),  # no requester: nobody is in its region
])
def test_regional_interest(member, requester, expected):
    assert mech.regional_interest(member, requester, 0.3) == expected


@pytest.mark.parametrize(("origin", "territory", "framing", "expected"), [
    ("external_state", "de_jure", "external", 1.0),  # the core case of Art. 4
    ("external_nonstate", "de_jure", "external", 1.0),
    ("external_state", "contested", "external", 0.4),  # Armenia, May 2021
    ("external_state", "not_own", "external", 0.0),  # Nagorno-Karabakh, 2020
    ("internal", "de_jure", "internal", 0.1),  # Kyrgyzstan, June 2010
    ("internal", "de_jure", "external", 0.1 + 0.65 * 0.9),  # Kazakhstan 2022: the framing credit
    ("member_state", "contested", "external", 0.0),  # forces are not used between members
])
def test_legal_mandate(origin, territory, framing, expected):
    assert mech.legal_mandate(origin, territory, framing, CSTO_MANDATE, 0.65) == pytest.approx(expected)


@pytest.mark.parametrize(("origin", "framing", "expected"), [
    ("internal", "internal", 1.0), ("internal", "external", 0.35), ("external_state", "external", 0.0),
    ("member_state", "internal", 0.0)])
def test_internality(origin, framing, expected):
    assert mech.internality(origin, framing, 0.65) == pytest.approx(expected)


def test_legal_cost_falls_with_mandate_need_and_jurisdiction_agreement():
    full = mech.legal_cost(0.1, 1.0, 0.0, w_legal=3.0, jurisdiction_relief=0.3)
    assert full == pytest.approx(3.0 * 0.9)
    assert mech.legal_cost(1.0, 1.0, 0.0, w_legal=3.0, jurisdiction_relief=0.3) == 0.0  # full mandate
    assert mech.legal_cost(0.1, 0.0, 0.0, w_legal=3.0, jurisdiction_relief=0.3) == 0.0  # measure needs none
    assert mech.legal_cost(0.1, 1.0, 1.0, w_legal=3.0, jurisdiction_relief=0.3) == pytest.approx(0.7 * full)


def test_precedent_cost_is_larger_for_more_independent_members():
    uzbekistan = mech.precedent_cost(0.2, 1.0, 1.0, w_sovereignty=1.0)
    belarus = mech.precedent_cost(0.8, 1.0, 1.0, w_sovereignty=1.0)
    assert uzbekistan == pytest.approx(0.8) and belarus == pytest.approx(0.2)
    assert mech.precedent_cost(0.2, 0.0, 1.0, w_sovereignty=1.0) == 0.0  # not an internal affair


@pytest.mark.parametrize(("tie_adv", "tie_patron", "sidetaking", "expected"), [
    (0.4, 0.5, 1.0, 0.5), (0.4, 0.0, 1.0, 0.4), (0.4, 0.5, 0.1, 0.05), (0.0, 0.0, 1.0, 0.0)])
def test_cross_pressure_uses_the_strongest_tie(tie_adv, tie_patron, sidetaking, expected):
    assert mech.cross_pressure(tie_adv, tie_patron, sidetaking, w_cross_pressure=1.0) == pytest.approx(expected)


@pytest.mark.parametrize(("legitimacy", "regime", "expected"), [
    ("constitutional", "consolidated_autocracy", 0.0),
    ("interim", "consolidated_autocracy", 0.7),
    ("interim", "democratising", 0.7 * 0.2),
])
def test_legitimacy_cost(legitimacy, regime, expected):
    cost = mech.legitimacy_cost(mech.LEGITIMACY_DEFICIT[legitimacy], mech.REGIME_INSECURITY[regime], 1.0,
                                w_legitimacy=1.0)
    assert cost == pytest.approx(expected)


@pytest.mark.parametrize(("relation", "expected"), [("hostile", 0.0), ("neutral", 0.2), ("partner", 0.8),
                                                    ("ally", 1.0)])
def test_adversary_cost_by_relation(relation, expected):
    assert mech.adversary_cost(relation, 1.0, w_adversary=1.0) == pytest.approx(expected)


def test_burden_share():
    assert mech.burden_share(8000, 8000) == 1.0
    assert mech.burden_share(5000, 8000) == pytest.approx(0.625)
    assert mech.burden_share(500, 8000) == 0.1  # the floor: a battalion still costs
    assert mech.burden_share(0, 0) == 1.0


def test_capability_gap_closes_with_a_ready_force():
    assert mech.capability_gap_cost(1.0, 1.0, capability_cost=0.8) == 0.0
    assert mech.capability_gap_cost(0.4, 1.0, capability_cost=0.8) == pytest.approx(0.48)


def test_strategic_value_ranks_kazakhstan_first():
    org = load_organisation("scenarios/organisations/csto.yaml")
    roster = {m.name: m for m in org.roster((2022, 1, 5))}

    def value(name):
        m = roster[name]
        return mech.strategic_value(m.border_with_lead_km, m.lead_installations, m.lead_diaspora_share,
                                    m.economic_weight)

    assert value("Kazakhstan") > 0.8  # S003: border, Baikonur, 18% ethnic Russians; S001: second power
    assert value("Kazakhstan") > value("Kyrgyzstan") > value("Tajikistan")
    assert value("Kazakhstan") > value("Armenia")
    assert all(0.0 <= value(n) <= 1.0 for n in roster if n != "Russia")


@pytest.mark.parametrize(("utility", "stance"), [
    (0.5, Stance.SUPPORT), (0.001, Stance.SUPPORT), (0.0, Stance.ACQUIESCE), (-0.05, Stance.ACQUIESCE),
    (-0.2, Stance.DELAY), (-0.45, Stance.DELAY), (-0.46, Stance.OBJECT), (-3.0, Stance.OBJECT)])
def test_stance_from_utility(utility, stance):
    assert mech.stance_from_utility(np.array([utility]), 0.45, 0.1)[0] == stance


def test_revised_position_is_anchored_and_pulled():
    own, lead, peers = np.array([-1.0]), np.array([2.0]), np.array([0.5])
    assert mech.revised_position(own, lead, peers, 0.0, 0.0)[0] == -1.0  # stubborn
    assert mech.revised_position(own, lead, peers, 0.5, 0.0)[0] == pytest.approx(0.5)  # halfway to the lead
    assert mech.revised_position(own, lead, peers, 0.4, 0.1)[0] == pytest.approx(-0.5 + 0.8 + 0.05)


def test_threat_perception_components_add_up():
    sev = np.array([0.5])
    t = mech.threat_perception(sev, 1.0, True, True, 0.8, 1.0, w_region=1.0, w_border=0.3, w_spillover=0.5,
                               w_contagion=1.0, threat_scale=1.0)
    assert t[0] == pytest.approx(0.5 * (1.0 + 0.3 + 0.5) + 0.8)
    doubled = mech.threat_perception(sev, 1.0, True, True, 0.8, 1.0, w_region=1.0, w_border=0.3,
                                     w_spillover=0.5, w_contagion=1.0, threat_scale=2.0)
    assert doubled[0] == pytest.approx(2 * t[0])
