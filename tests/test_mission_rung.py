"""The neutral mission rung (model/ladder.py) through the model and its analyses: every part that works rung
by rung covers the four rungs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.analysis.explain import contributions
from model.analysis.internals import run_internals
from model.ladder import LEVELS, MEASURES, OLD_LEVELS, Level, to_old_ladder
from model.scenario import load_scenario, with_facts
from model.simulate import simulate

CASE = Path(__file__).resolve().parent.parent / "scenarios" / "historical" / "kazakhstan-2022.yaml"
R = 1000
SEED = 7


@pytest.mark.parametrize(("name", "old"), [
    ("none", "none"), ("consultations", "consultations"), ("mission", "assistance"), ("assistance", "assistance"),
    ("deployment", "deployment"),
])
def test_old_ladder(name, old):
    assert to_old_ladder(name) == old and old in OLD_LEVELS


def test_the_ladder_has_four_measures():
    assert MEASURES == ("consultations", "mission", "assistance", "deployment")
    assert LEVELS.index("mission") == Level.MISSION == 2


def test_a_request_for_a_mission_gets_no_more():
    case = with_facts(load_scenario(CASE), {"request.measure": "mission"})
    run = simulate(case, R, seed=SEED)
    assert np.all(run.outcome <= Level.MISSION)
    assert (run.outcome == Level.MISSION).mean() > 0.5  # Russia keen, a mission takes little side


def test_replacing_a_members_own_assessment_covers_every_rung():
    it = run_internals(load_scenario(CASE), 200, SEED, own={"Belarus": -2.0})
    belarus = next(m for m in it.members if m.name == "Belarus")
    assert belarus.own.shape == (200, len(MEASURES))
    assert np.all(belarus.own == -2.0)


def test_explain_gives_the_stances_on_every_rung():
    c = contributions(run_internals(load_scenario(CASE), 200, SEED))
    for member in c.values():
        assert len(member["own"]) == len(MEASURES)
        assert list(member["stances"]) == list(MEASURES)
