"""Every parameter does work: it moves some historical case's outcome, days or troops over its range
(``csto-sim reach``, docs/parameters.md), or it acts on the named kind of case its ``acts_on`` gives, shown here
by a what-if: the parameter at its lower and at its upper bound, the same seed, and the measure moves."""

import dataclasses

import numpy as np
import pytest

from model.analysis.reach import idle, parameter_reach, summarise
from model.params import SPECS, Parameters
from model.runs import historical_cases
from model.scenario import load_scenario, with_facts
from model.simulate import simulate_points
from model.statistics import day_quantiles, outcome_shares

KZ_INTERNAL = ("kazakhstan-2022-internal-framing", {}, None)
KZ_NO_VALUE = ("kazakhstan-2022", {"lead_state.strategic_value": 0.0}, None)
KZ_2008 = ("kazakhstan-2022", {}, (2008, 1, 5))
#: parameter -> (case or what-if, facts changed, date moved to (or None), what moves, by at least)
DEMOS = {
    "out_of_region_interest": (*KZ_INTERNAL, "outcome", 0.05),
    "w_border": (*KZ_INTERNAL, "outcome", 0.2),
    "w_spillover": ("kazakhstan-2022", {"request.framing": "internal",
                                        "threat.spillover_to": ["Kyrgyzstan", "Russia", "Belarus", "Armenia",
                                                                "Tajikistan"]}, None, "outcome", 0.2),
    "w_contagion": (*KZ_NO_VALUE, "outcome", 0.5),
    "after_peak_discount": ("kyrgyzstan-2010-06", {"request.timing": "after_peak"}, None, "outcome", 0.2),
    "w_sovereignty": (*KZ_NO_VALUE, "outcome", 0.02),
    "w_cross_pressure": ("armenia-2020-csto-request", {}, None, "outcome", 0.03),
    "capability_cost": (*KZ_2008, "outcome", 0.05),
    "jurisdiction_relief": (*KZ_INTERNAL, "outcome", 0.5),
    "rounds": ("hypothetical-request", {}, None, "outcome", 0.01),
    "delay_days": (*KZ_2008, "days", 0.5),
    "symbolic_share": ("kazakhstan-2022", {"threat.regime_threat": "protests"}, None, "troops", 50.0),
}


def _case(name, facts, date):
    case = load_scenario(name)
    case = with_facts(case, facts) if facts else case
    if date is not None:
        case = dataclasses.replace(case, date=date, roster=tuple(case.organisation.roster(date)))
    return case


def _measure(res, what):
    if what == "outcome":
        return outcome_shares(res.outcome)
    if what == "days":
        return np.array([v or 0.0 for v in day_quantiles(res.days).values()])
    return res.contribution.mean(axis=0)


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_each_documented_parameter_acts_on_its_kind_of_case(name):
    case_id, facts, date, what, least = DEMOS[name]
    case = _case(case_id, facts, date)
    spec = SPECS[name]
    low, high = Parameters().replace(**{name: spec.low}), Parameters().replace(**{name: spec.high})
    a, b = simulate_points(case, 1500, [11, 11], [low, high])
    shift = np.abs(_measure(a, what) - _measure(b, what))
    moved = 0.5 * shift.sum() if what == "outcome" else shift.max()
    assert moved >= least, f"{name} moves {what} of {case_id} by {moved:.3f} only"
    assert spec.acts_on, f"{name} has a demonstration but no acts_on in model/params.py"


def test_every_parameter_moves_a_case_or_names_where_it_acts():
    """The reach over the training cases (a small run): a parameter that moves nothing names its kind of case,
    and that kind has a demonstration above."""
    summary = summarise(parameter_reach(historical_cases(None), replications=300, seed=5, steps=3))
    for name in idle(summary):
        assert SPECS[name].acts_on, f"{name} moves no historical case and has no acts_on"
        assert name in DEMOS, f"{name} moves no historical case and has no demonstration here"
