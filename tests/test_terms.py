"""The registry of benefit and cost terms (model/terms.py): every term sourced, the reason codes derived
from it (and pinned: results files store the codes), the agents computing their terms from it."""

from __future__ import annotations

import numpy as np
import pytest

from model import CouncilModel, load_scenario
from model import mechanisms as mech
from model.crisis import ROLES
from model.terms import BENEFIT_REASONS, BENEFITS, COST_REASONS, COSTS, KINDS, REASON_CODE, REASONS, TERMS, register

#: The reason codes written in results (``reason.*`` columns, summaries): they must never change.
PINNED_REASONS = (
    "requester", "party to the conflict", "lead state's influence",
    "regional threat", "shared border", "spillover", "regime contagion", "treaty obligation", "strategic value",
    "cost of action", "no legal mandate", "sovereignty precedent", "cross-pressure",
    "doubtful legitimacy", "no ready force", "courted adversary", "competing commitments",
    # issue 12: appended, so that the codes above keep their numbers
    "own track", "ally of the requester",
)


def test_every_term_is_registered_with_its_kind_bearer_and_source():
    assert TERMS
    for term in TERMS.values():
        assert term.kind in KINDS
        assert term.source.strip() and term.bearer.strip()
        assert term.roles and term.roles <= set(ROLES)
        assert callable(term.compute) if term.kind != "role" else term.compute is None


def test_reason_codes_match_the_registry():
    assert REASONS == tuple(TERMS) == PINNED_REASONS
    assert {name: i for i, name in enumerate(TERMS)} == REASON_CODE
    assert BENEFIT_REASONS == tuple(t.name for t in TERMS.values() if t.kind == "benefit") == tuple(
        t.name for t in BENEFITS)
    assert COST_REASONS == tuple(t.name for t in TERMS.values() if t.kind == "cost") == tuple(t.name for t in COSTS)
    assert set(REASONS) == {t.name for t in TERMS.values()}


def test_a_term_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        register("spillover", kind="benefit", source="x")(lambda s: 0.0)
    assert len(TERMS) == len(PINNED_REASONS)


def test_agents_compute_every_registered_term_their_role_bears():
    model = CouncilModel(load_scenario("kazakhstan-2022"), replications=20, rng=2)
    measures = model.case.organisation.measures
    for m in model.members:
        assert list(m.benefit_terms) == list(BENEFIT_REASONS)
        assert m.cost_terms.shape == (len(measures), len(COSTS))
        for t in BENEFITS:
            if m.role not in t.roles:
                assert np.all(m.benefit_terms[t.name] == 0.0)
        for k, t in enumerate(COSTS):
            if m.role not in t.roles:
                assert np.all(m.cost_terms[:, k] == 0.0)
    by_role = {m.role: m for m in model.members}
    russia = by_role["lead"]
    assert russia.benefit_terms["strategic value"].mean() > 0  # the lead state alone values the requester
    assert russia.cost_terms[:, COST_REASONS.index("sovereignty precedent")].sum() == 0.0


def test_threat_components_are_the_four_registered_threat_terms():
    sev = np.array([0.2, 0.9])
    kw = dict(w_region=1.0, w_border=0.3, w_spillover=0.5, w_contagion=0.4, threat_scale=1.5)
    parts = mech.threat_components(sev, 0.3, True, False, 0.8, 1.0, **kw)
    assert list(parts) == list(BENEFIT_REASONS[:4])
    np.testing.assert_array_equal(parts["regional threat"], 1.5 * sev * 1.0 * 0.3)
    np.testing.assert_array_equal(parts["spillover"], np.zeros(2))
    np.testing.assert_array_equal(parts["regime contagion"], np.full(2, 1.5 * 0.4 * 0.8 * 1.0 * 0.3))


@pytest.mark.parametrize("case_id", ["kazakhstan-2022", "armenia-2021-05"])
def test_a_members_reason_on_any_measure_is_its_largest_term_there(case_id):
    """The council reads the reasons on the measure asked for (kept from the assessment); a reason on another
    measure, or on a different measure in each replication, is computed again from the same facts: either way the
    largest cost term where the member does not support it, the largest benefit term where it does."""
    from model.agents import _terms_of
    from model.ladder import Stance
    from model.terms import Situation

    model = CouncilModel(load_scenario(case_id), replications=40, rng=3)
    R, K = model.replications, len(model.case.organisation.measures)
    mixed = np.arange(R) % K + 1
    for m in (m for m in model.members if m.role in ("member", "lead")):
        situation = Situation(model.crisis, model.params, m.profile, m.interest, model.burden[m.name])
        largest = np.stack([np.broadcast_to(np.argmax(_terms_of(m.role, situation, ms), axis=-1), (R,))
                            for ms in model.case.organisation.measures], axis=1)  # (R, measures)
        for level in [*(np.full(R, k + 1) for k in range(K)), mixed]:
            objecting = np.full(R, Stance.OBJECT, dtype=np.int8)
            got = m.reasons(level, objecting)
            expected = np.array([REASON_CODE[COST_REASONS[largest[r, level[r] - 1]]] for r in range(R)])
            influenced = got == REASON_CODE["lead state's influence"]
            assert np.array_equal(got[~influenced], expected[~influenced])


class _PerRow:
    """A crisis fact that differs between replications, standing in for it: any use of it raises."""

    def _refuse(self, *args, **kwargs):
        raise AssertionError("a cost term read a fact that differs between replications")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __neg__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __bool__ = __float__ = __array__ = __hash__ = _refuse
    __array_ufunc__ = None  # numpy hands every operation back to the methods above


@pytest.mark.parametrize("case_id", ["kazakhstan-2022", "armenia-2020", "kyrgyzstan-2010-06", "armenia-2021-05"])
def test_cost_terms_read_no_fact_that_differs_between_replications_but_those_named(case_id):
    """Points run side by side compute the cost terms once a point (agents._costs) when the facts the terms read
    that may differ between replications (agents.ROW_FACTS_OF_COSTS) do not: so no cost term may read another
    such fact (the severity, the lead state's resolve, the requester's value drawn per replication)."""
    import dataclasses

    from model.agents import ROW_FACTS_OF_COSTS
    from model.terms import Situation

    model = CouncilModel(load_scenario(case_id), replications=8, rng=1)
    per_row = {f.name for f in dataclasses.fields(model.crisis) if isinstance(getattr(model.crisis, f.name), np.ndarray)}
    assert per_row >= {"severity"}
    guarded = (per_row | {"resolve", "strategic_value"}) - set(ROW_FACTS_OF_COSTS)  # drawn per replication or not
    crisis = dataclasses.replace(model.crisis, **{f: _PerRow() for f in guarded})
    for m in model.members:
        situation = Situation(crisis, model.params, m.profile, m.interest, model.burden[m.name])
        for measure in model.case.organisation.measures:
            for term in COSTS:
                term.compute(situation, measure)
