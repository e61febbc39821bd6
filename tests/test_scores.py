"""The validation's scores: behaviour tables (the RPS on any ladder, the old four-level ladder and its mapping,
the CRPS, the Brier score) and properties (Hypothesis): the RPS lies in [0, 1] and is 0 exactly for a point
mass on the observed rung."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.calibrate.scores import brier, crps, rps, rps_old, to_old, weighted_quantiles
from model.ladder import LEVELS, OLD_LEVELS, OLD_RUNG_OF, to_old_ladder

FIVE = ("none", "consultations", "mission", "assistance", "deployment")


# -- behaviour tables ----------------------------------------------------------------------------------

@pytest.mark.parametrize("levels, forecast, observed, expected", [
    (OLD_LEVELS, [1, 0, 0, 0], "none", 0.0),
    (OLD_LEVELS, [0, 0, 0, 1], "none", 1.0),
    (OLD_LEVELS, [0, 1, 0, 0], "none", 1 / 3),
    (OLD_LEVELS, [0.25] * 4, "none", (0.75**2 + 0.5**2 + 0.25**2) / 3),
    (OLD_LEVELS, [0, 0.7, 0.3, 0], "assistance", 0.49 / 3),
    (FIVE, [0, 0, 1, 0, 0], "mission", 0.0),
    (FIVE, [1, 0, 0, 0, 0], "deployment", 1.0),
    (FIVE, [0, 0, 1, 0, 0], "assistance", 1 / 4),  # one rung off on five rungs: a quarter
    (FIVE, [0.2] * 5, "mission", (0.2**2 + 0.4**2 + 0.4**2 + 0.2**2) / 4),
    (("no", "yes"), [0.3, 0.7], "no", 0.49),
])
def test_rps_by_hand(levels, forecast, observed, expected):
    assert rps(forecast, observed, levels) == pytest.approx(expected)


@pytest.mark.parametrize("rung, old", [("none", "none"), ("consultations", "consultations"), ("mission", "assistance"),
                                       ("assistance", "assistance"), ("deployment", "deployment")])
def test_the_old_ladder_mapping(rung, old):
    assert to_old_ladder(rung) == old


def test_the_old_ladder_refuses_an_unknown_rung():
    with pytest.raises(ValueError, match="unknown rung 'war'"):
        to_old_ladder("war")


def test_every_rung_of_the_ladder_has_an_old_rung():
    assert {to_old_ladder(lvl) for lvl in LEVELS} <= set(OLD_LEVELS)
    assert set(OLD_RUNG_OF.values()) <= set(OLD_LEVELS)


def test_to_old_moves_each_rung_s_probability_to_its_old_rung():
    p = np.arange(1, len(LEVELS) + 1, dtype=float)
    p /= p.sum()
    old = to_old(p)
    assert old.sum() == pytest.approx(1.0)
    for k, lvl in enumerate(OLD_LEVELS):
        assert old[k] == pytest.approx(sum(x for rung, x in zip(LEVELS, p, strict=True) if to_old_ladder(rung) == lvl))
    assert rps_old(p, LEVELS[0]) == pytest.approx(rps(old, to_old_ladder(LEVELS[0]), OLD_LEVELS))


@pytest.mark.parametrize("values, weights, y, expected", [
    ([3.0], None, 3.0, 0.0),
    ([3.0], None, 1.0, 2.0),
    ([0.0, 1.0], None, 0.0, 0.25),  # E|X - 0| = 1/2, E|X - X'| / 2 = 1/4
    ([0.0, 1.0], [3.0, 1.0], 1.0, 0.75 - 0.1875),  # 3/4 - (2 * 3/4 * 1/4) / 2
    ([0.0, np.nan, 1.0], None, 0.0, 0.25),  # a replication with no decision is left out
])
def test_crps_by_hand(values, weights, y, expected):
    assert crps(np.array(values), None if weights is None else np.array(weights), y) == pytest.approx(expected)


def test_crps_of_a_uniform_sample_approaches_the_closed_form():
    x = (np.arange(10_000) + 0.5) / 10_000  # U(0, 1): CRPS at 1/2 is 1/4 - 1/6
    assert crps(x, None, 0.5) == pytest.approx(1 / 4 - 1 / 6, abs=1e-6)


def test_weighted_quantiles_by_hand():
    np.testing.assert_array_equal(weighted_quantiles(np.array([1.0, 2.0, 3.0, 4.0]), None, [0.1, 0.5, 0.9]),
                                  [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(weighted_quantiles(np.array([1.0, 2.0]), np.array([0.95, 0.05]), [0.5, 0.99]),
                                  [1.0, 2.0])


@pytest.mark.parametrize("forecast, observed, expected", [
    ([1, 0, 0, 0, 0], 0, 0.0), ([0, 1, 0, 0, 0], 0, 1.0), ([0.2] * 5, 2, (0.8**2 + 4 * 0.2**2) / 2)])
def test_brier_by_hand(forecast, observed, expected):
    assert brier(forecast, observed) == pytest.approx(expected)


def test_scores_refuse_what_is_not_a_forecast():
    with pytest.raises(ValueError):
        rps([0.5, 0.5, 0.5, 0.0], "none", OLD_LEVELS)
    with pytest.raises(ValueError):
        rps([1, 0, 0, 0], "mission", OLD_LEVELS)
    with pytest.raises(ValueError):
        brier([0.5, 0.6], 0)
    with pytest.raises(ValueError):
        crps(np.array([np.nan]), None, 1.0)


# -- properties --------------------------------------------------------------------------------------------

def forecasts(k: int):
    """A forecast over k rungs from whole-number weights (so that a point mass is exact)."""
    return st.lists(st.integers(0, 20), min_size=k, max_size=k).filter(lambda w: sum(w) > 0).map(
        lambda w: np.array(w, dtype=float) / sum(w))


@st.composite
def ladder_cases(draw):
    levels = draw(st.sampled_from([LEVELS, OLD_LEVELS, FIVE, ("a", "b"), ("a", "b", "c")]))
    return levels, draw(forecasts(len(levels))), draw(st.integers(0, len(levels) - 1))


@given(ladder_cases())
@settings(max_examples=300, deadline=None)
def test_rps_lies_in_0_1_and_is_0_exactly_for_a_point_mass_on_the_observed_rung(case):
    levels, p, obs = case
    score = rps(p, levels[obs], levels)
    assert 0.0 <= score <= 1.0
    assert (score == 0.0) == (p[obs] == 1.0)


@given(forecasts(len(LEVELS)), st.sampled_from(LEVELS))
@settings(max_examples=200, deadline=None)
def test_rps_on_the_old_ladder_lies_in_0_1_and_is_0_for_a_point_mass_on_the_old_rung(p, observed):
    score = rps_old(p, observed)
    assert 0.0 <= score <= 1.0
    mass = sum(x for lvl, x in zip(LEVELS, p, strict=True) if to_old_ladder(lvl) == to_old_ladder(observed))
    assert (score == 0.0) == (mass == pytest.approx(1.0, abs=1e-12))


@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.floats(0, 100))
@settings(max_examples=200, deadline=None)
def test_crps_is_non_negative_and_at_most_the_mean_absolute_error(values, y):
    x = np.array(values)
    score = crps(x, None, y)
    assert -1e-9 <= score <= np.mean(np.abs(x - y)) + 1e-9
