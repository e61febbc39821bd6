"""The lead state's resolve and what it moves (model/mechanisms.py): its net stake, its resolve, the framing
credit it lends the mandate and internality, the cost of its own track, and severity after the peak.

Behaviour tables computed by hand, then properties (Hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import mechanisms as mech

CSTO_MANDATE = {"external_de_jure": 1.0, "external_contested": 0.4, "external_not_own": 0.0,
                "internal": 0.1, "member_state": 0.0}
#: An organisation without a collective-defence clause: nothing for the framing to borrow.
NO_CLAUSE = {"external_de_jure": 0.0, "external_contested": 0.0, "external_not_own": 0.0,
             "internal": 0.0, "member_state": 0.0}
WEIGHTS = {"w_strategic": 1.0, "w_contagion": 1.0, "w_adversary": 1.0, "w_commitments": 0.5}
SETTINGS = settings(max_examples=60, deadline=None)


# --- lead_net_stake ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "severity", "regime", "insecurity", "relation", "has_adversary", "commitments",
                          "expected"), [
    # 1 * 0.8 * (1.0 + 0.8) + 1 * 0.8 * 1.0 = 1.44 + 0.8; a hostile adversary costs nothing
    (0.8, 1.0, 0.8, 1.0, "hostile", True, "none", 2.24),
    (0.8, 1.0, 0.8, 1.0, "hostile", True, "moderate", 2.24 - 0.25),  # committed elsewhere: 0.5 * 0.5
    (0.8, 1.0, 0.8, 1.0, "hostile", True, "major", 2.24 - 0.5),
    (0.5, 0.5, 0.0, 1.0, "partner", True, "none", 0.25 - 0.8),  # a partner adversary: reluctance 0.8
    (0.5, 0.5, 0.0, 1.0, "ally", True, "none", 0.25 - 1.0),
    (0.5, 0.5, 0.0, 1.0, "neutral", True, "none", 0.25 - 0.2),
    (0.5, 0.5, 0.0, 1.0, "ally", False, "none", 0.25),  # no adversary: the relation does not count
    (0.0, 1.0, 0.8, 1.0, "hostile", True, "none", 0.8),  # no strategic value: the fear of contagion alone
    (0.0, 1.0, 0.8, 0.2, "hostile", True, "none", 0.16),  # a democratising lead state fears it less
    (0.0, 1.0, 0.0, 1.0, "hostile", False, "major", -0.5),  # nothing at stake, committed elsewhere
    (1.0, 0.0, 0.0, 1.0, "hostile", False, "none", 0.0),  # nothing at risk: no stake whatever the value
])
def test_lead_net_stake(value, severity, regime, insecurity, relation, has_adversary, commitments, expected):
    got = mech.lead_net_stake(value, np.array([severity]), regime, insecurity, relation, has_adversary, commitments,
                              **WEIGHTS)
    assert got == pytest.approx([expected])


def test_lead_net_stake_over_replications():
    severity = np.array([0.0, 0.5, 1.0])
    got = mech.lead_net_stake(np.array([1.0, 1.0, 0.5]), severity, 0.4, 0.5, "neutral", True, "none", **WEIGHTS)
    # value * (severity + 0.4) + 0.4 * 0.5 - 0.2
    assert got == pytest.approx([0.4, 0.9, 0.7])


# --- lead_resolve --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("net", "scale", "expected"), [
    (-1.0, 0.5, 0.0),  # a negative net stake: no resolve
    (0.0, 0.5, 0.0),
    (0.5, 0.5, 1.0 - np.exp(-1.0)),  # at the scale: 63%
    (1.0, 0.5, 1.0 - np.exp(-2.0)),
    (1.0, 1.0, 1.0 - np.exp(-1.0)),
    (0.05, 0.05, 1.0 - np.exp(-1.0)),
    (3.0, 0.5, 1.0 - np.exp(-6.0)),
])
def test_lead_resolve(net, scale, expected):
    assert mech.lead_resolve(np.array([net]), resolve_scale=scale) == pytest.approx([expected])


@SETTINGS
@given(net=st.floats(-10, 30), scale=st.floats(0.05, 3.0))
def test_lead_resolve_in_unit_interval(net, scale):
    r = float(mech.lead_resolve(np.array([net]), resolve_scale=scale)[0])
    assert 0.0 <= r < 1.0 or (r == 1.0 and net / scale > 30)  # 1 only by rounding, far past the scale


@SETTINGS
@given(a=st.floats(-5, 5), b=st.floats(-5, 5), scale=st.floats(0.05, 3.0))
def test_lead_resolve_monotone_in_net_stake(a, b, scale):
    low, high = sorted((a, b))
    r = mech.lead_resolve(np.array([low, high]), resolve_scale=scale)
    assert r[0] <= r[1]


@SETTINGS
@given(net=st.floats(-1e6, 0.0), scale=st.floats(0.05, 3.0))
def test_lead_resolve_zero_without_positive_stake(net, scale):
    assert mech.lead_resolve(np.array([net]), resolve_scale=scale)[0] == 0.0


@SETTINGS
@given(value=st.floats(0, 1), severity=st.floats(0, 1), regime=st.sampled_from(sorted(mech.REGIME_THREAT.values())),
       insecurity=st.sampled_from(sorted(mech.REGIME_INSECURITY.values())),
       relation=st.sampled_from(sorted(mech.ADVERSARY_RELUCTANCE)), has_adversary=st.booleans(),
       commitments=st.sampled_from(sorted(mech.COMMITMENTS)), scale=st.floats(0.05, 3.0))
def test_resolve_grows_with_strategic_value(value, severity, regime, insecurity, relation, has_adversary, commitments,
                                            scale):
    """More strategic value never lowers the lead state's resolve (the rest equal)."""
    nets = [mech.lead_net_stake(v, np.array([severity]), regime, insecurity, relation, has_adversary, commitments,
                                **WEIGHTS) for v in (value, min(value + 0.3, 1.0))]
    low, high = (float(mech.lead_resolve(n, resolve_scale=scale)[0]) for n in nets)
    assert low <= high


# --- the framing credit: resolve times the framing's share ---------------------------------------------

@pytest.mark.parametrize(("origin", "territory", "framing", "credit", "mandate", "expected"), [
    ("internal", "de_jure", "external", 0.0, CSTO_MANDATE, 0.1),  # a lead state without resolve: no stretch
    ("internal", "de_jure", "external", 0.65, CSTO_MANDATE, 0.1 + 0.65 * 0.9),
    ("internal", "de_jure", "external", 1.0, CSTO_MANDATE, 1.0),  # all the way to an external attack
    ("internal", "de_jure", "internal", 1.0, CSTO_MANDATE, 0.1),  # framed as internal: nothing to stretch
    ("internal", "de_jure", "external", 0.65, NO_CLAUSE, 0.0),  # no clause to borrow from
    ("external_state", "de_jure", "external", 0.0, CSTO_MANDATE, 1.0),  # a real attack needs no resolve
    ("external_state", "contested", "external", 1.0, CSTO_MANDATE, 0.4),
    ("member_state", "contested", "external", 1.0, CSTO_MANDATE, 0.0),  # never between members
])
def test_legal_mandate_with_framing_credit(origin, territory, framing, credit, mandate, expected):
    assert mech.legal_mandate(origin, territory, framing, mandate, credit) == pytest.approx(expected)


def test_legal_mandate_over_replications():
    credit = 0.65 * np.array([0.0, 0.5, 1.0])  # framing_credit times three resolves
    got = mech.legal_mandate("internal", "de_jure", "external", CSTO_MANDATE, credit)
    assert got == pytest.approx([0.1, 0.1 + 0.325 * 0.9, 0.1 + 0.65 * 0.9])


@pytest.mark.parametrize(("origin", "framing", "credit", "expected"), [
    ("internal", "external", 0.0, 1.0),  # framed as external but nobody stretches: wholly internal
    ("internal", "external", 0.65, 0.35),
    ("internal", "external", 1.0, 0.0),
    ("internal", "internal", 0.65, 1.0),
    ("external_state", "external", 0.0, 0.0),
    ("external_nonstate", "internal", 1.0, 0.0),
    ("member_state", "external", 0.5, 0.0),
])
def test_internality_with_framing_credit(origin, framing, credit, expected):
    assert mech.internality(origin, framing, credit) == pytest.approx(expected)


@SETTINGS
@given(internal=st.floats(0, 1), external=st.floats(0, 1), share=st.floats(0, 1),
       resolves=st.lists(st.floats(0, 0.999), min_size=2, max_size=6))
def test_framed_mandate_between_internal_and_external_and_monotone_in_resolve(internal, external, share, resolves):
    mandate = {**CSTO_MANDATE, "internal": internal, "external_de_jure": external}
    resolve = np.sort(np.array(resolves))
    got = mech.legal_mandate("internal", "de_jure", "external", mandate, share * resolve)
    assert np.all(got >= internal - 1e-12)
    assert np.all(got <= max(internal, external) + 1e-12)
    assert np.all(np.diff(got) >= -1e-12)
    inside = mech.internality("internal", "external", share * resolve)
    assert np.all((inside >= 0.0) & (inside <= 1.0)) and np.all(np.diff(inside) <= 1e-12)


# --- own track -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "sidetaking", "weight", "expected"), [
    (0, 1.0, 0.8, 0.0),  # no track of its own: no cost
    (0, 0.2, 3.0, 0.0),
    (1, 1.0, 0.8, 0.8),
    (3, 1.0, 0.8, 0.8),  # more tracks cost no more than one
    (1, 0.2, 0.8, 0.16),  # a neutral mission takes little side
    (2, 0.1, 1.0, 0.1),
    (2, 0.0, 2.0, 0.0),  # a measure taking no side costs nothing
    (1, 0.6, 0.0, 0.0),  # weight 0 switches the term off
])
def test_own_track_cost(options, sidetaking, weight, expected):
    assert mech.own_track_cost(options, sidetaking, w_own_track=weight) == pytest.approx(expected)


@SETTINGS
@given(options=st.integers(0, 3), a=st.floats(0, 1), b=st.floats(0, 1), weight=st.floats(0, 3))
def test_own_track_cost_monotone_in_sidetaking(options, a, b, weight):
    low, high = sorted((a, b))
    lo, hi = (mech.own_track_cost(options, s, w_own_track=weight) for s in (low, high))
    assert 0.0 <= lo <= hi
    assert mech.own_track_cost(0, high, w_own_track=weight) == 0.0


# --- after the peak ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("timing", "discount", "expected"), [
    ("at_peak", 0.5, [0.2, 0.8]),
    ("before_peak", 0.5, [0.2, 0.8]),  # only a request after the peak is discounted
    ("after_peak", 0.5, [0.1, 0.4]),
    ("after_peak", 0.0, [0.2, 0.8]),
    ("after_peak", 1.0, [0.0, 0.0]),
])
def test_after_peak_severity(timing, discount, expected):
    got = mech.after_peak_severity(np.array([0.2, 0.8]), timing, after_peak_discount=discount)
    assert got == pytest.approx(expected)


@SETTINGS
@given(severity=st.floats(0, 1), discount=st.floats(0, 1))
def test_after_peak_never_weighs_more(severity, discount):
    after = mech.after_peak_severity(np.array([severity]), "after_peak", after_peak_discount=discount)[0]
    at = mech.after_peak_severity(np.array([severity]), "at_peak", after_peak_discount=discount)[0]
    assert 0.0 <= after <= at == severity
