"""The run statistics (model/statistics.py): each defined once, reported by the result, recorded by sweeps."""

from __future__ import annotations

import numpy as np
import pytest

from model import simulate
from model.ladder import LEVELS, Level
from model.statistics import (
    DEFAULT_SWEEP_STATISTICS,
    STATISTICS,
    SWEEP_STATISTICS,
    day_quantiles,
    expected_level,
    modal_level,
    outcome_probabilities,
    rounded,
)
from model.sweep.experiment import DEFAULT_FIGURES, FIGURES


def test_every_statistic_has_a_meaning_and_a_function():
    for name, stat in STATISTICS.items():
        assert stat.name == name and stat.meaning.strip() and callable(stat.compute)


def test_sweeps_record_the_registered_statistics_in_registry_order():
    assert FIGURES == SWEEP_STATISTICS == ("outcome_probabilities", "outcome_intervals", "modal_outcome",
                                           "days_to_decision", "objection_rate", "lead_state_share",
                                           "mean_contribution", "undecided", "approval", "approval_interval")
    assert DEFAULT_FIGURES == DEFAULT_SWEEP_STATISTICS == tuple(
        s for s in SWEEP_STATISTICS if s not in ("mean_contribution", "outcome_intervals", "approval",
                                                 "approval_interval"))


def test_the_result_reports_each_statistic_rounded():
    res = simulate("kazakhstan-2022", 400, 3)
    for name, stat in STATISTICS.items():
        assert getattr(res, name) == rounded(stat.compute(res), stat.digits)
    assert type(res).outcome_probabilities.__doc__ == STATISTICS["outcome_probabilities"].meaning


def test_sweep_columns_of_a_statistic():
    res = simulate("kyrgyzstan-2010-06", 200, 4)
    members = ["Russia", "Nowhere"]
    assert STATISTICS["outcome_probabilities"].columns(members) == [f"p_{lvl}" for lvl in LEVELS]
    assert STATISTICS["days_to_decision"].columns(members) == ["days_p10", "days_p50", "days_p90"]
    assert STATISTICS["objection_rate"].columns(members) == ["objection_rate.Russia", "objection_rate.Nowhere"]
    assert STATISTICS["mean_contribution"].columns(members) == ["mean_troops.Russia", "mean_troops.Nowhere"]
    assert STATISTICS["modal_outcome"].columns(members) == ["modal_outcome"]
    assert STATISTICS["dominant_reason"].columns(members) == []
    row = STATISTICS["objection_rate"].row(STATISTICS["objection_rate"].compute(res))
    assert set(row) == {f"objection_rate.{m}" for m in res.members}


def test_modal_outcome_takes_the_lower_rung_on_a_tie():
    assert modal_level(np.array([1, 2, 2, 1], dtype=np.int8)) == 1
    assert modal_level(np.array([3, 3, 0], dtype=np.int8)) == 3


def test_outcome_probabilities_and_expected_level():
    probs = outcome_probabilities(np.array([Level.NONE, Level.DEPLOYMENT, Level.DEPLOYMENT, Level.CONSULTATIONS],
                                           dtype=np.int8))
    assert probs == {"none": 0.25, "consultations": 0.25, "mission": 0.0, "assistance": 0.0, "deployment": 0.5}
    assert list(probs) == list(LEVELS)
    assert expected_level(probs) == pytest.approx(0.25 * Level.CONSULTATIONS + 0.5 * Level.DEPLOYMENT)


def test_days_quantiles_over_the_replications_that_decided():
    assert day_quantiles(np.array([np.nan, np.nan])) == {"p10": None, "p50": None, "p90": None}
    q = day_quantiles(np.array([1.0, np.nan, 3.0]))
    assert q["p50"] == 2.0 and q["p10"] == pytest.approx(1.2)
