"""The organisation file's newer parts: the chair's rotation, the organs (from when, their calendar, what they
decide and convene), who may call an extraordinary session; and what the model takes from them."""

from __future__ import annotations

import copy
import functools
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import main_coding

from model.crisis import sample_crisis
from model.errors import InputError
from model.ladder import Level
from model.params import Parameters
from model.scenario import load_organisation, load_scenario, with_facts
from model.scenario.types import DEFAULT_ORGANS
from model.simulate import simulate

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
ORGANISATION = SCENARIOS / "organisations" / "csto.yaml"
R = 2000
SEED = 31337

CHAIR = {"by_year": [["2021-09", "Armenia"], ["2019-11", "Kyrgyzstan"], ["2020-12", "Russia"]],  # out of order
         "source": "csto-charter-2002"}
ORGANS = [
    {"name": "collective_security_council", "from": "2002-10", "meets_every_days": 365,
     "decides": ["consultations", "mission", "assistance", "deployment"], "source": "csto-charter-2002"},
    {"name": "permanent_council", "from": "2004-01", "meets_every_days": 30, "decides": ["consultations"],
     "convenes": ["consultations"], "source": "csto-charter-2002"},
    {"name": "foreign_ministers", "from": "2002-10", "meets_every_days": 180, "decides": ["mission", "consultations"],
     "source": "csto-charter-2002"},
]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _shipped() -> dict:
    return yaml.load(ORGANISATION.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader


def organisation_data(**changes) -> dict:
    data = copy.deepcopy(_shipped())
    data.update(changes)
    return data


def older_organisation_data() -> dict:
    """The shipped file without its newer parts (the chair's rotation, the organs, who may call)."""
    data = organisation_data()
    for key in ("chair", "organs", "extraordinary_session"):
        del data[key]
    return data



def write_organisation(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "organisations" / "csto.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def case_beside(tmp_path: Path, name: str, drop: tuple[str, ...] = (), main_only: bool = False):
    """A shipped case copied into ``tmp_path/historical/``, reading the organisation file written there; ``drop``:
    facts left out (their defaults then apply), ``main_only``: without its alternative codings."""
    (tmp_path / "historical").mkdir(exist_ok=True)
    if not drop and not main_only:
        return load_scenario(shutil.copy(SCENARIOS / "historical" / f"{name}.yaml", tmp_path / "historical"))
    data = yaml.load((SCENARIOS / "historical" / f"{name}.yaml").read_text(encoding="utf-8"),
                     Loader=_LOADER)  # noqa: S506 - a safe loader
    if main_only:
        data = main_coding(data)
    for fact in drop:
        group, key = fact.split(".")
        data["facts"].get(group, {}).pop(key, None)
    path = tmp_path / "historical" / f"{name}.yaml"
    path.write_text(yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def organisation(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rotation")
    return load_organisation(write_organisation(folder, organisation_data(chair=CHAIR, organs=ORGANS)))


# --- chair_at, organs_at -------------------------------------------------------------------------------

@pytest.mark.parametrize(("date", "chair"), [
    ((2019, 10, 31), None),  # before the rotation the file gives
    ((2019, 11, 1), "Kyrgyzstan"),
    ((2020, 6, 15), "Kyrgyzstan"),
    ((2020, 12, 1), "Russia"),  # from the first of the month given
    ((2021, 8, 31), "Russia"),
    ((2021, 9, 1), "Armenia"),
    ((2022, 1, 5), "Armenia"),  # Pashinyan announced the council's agreement on Kazakhstan
])
def test_chair_at(organisation, date, chair):
    assert organisation.chair_at(date) == chair


def test_no_rotation_no_chair(tmp_path):
    assert load_organisation(write_organisation(tmp_path, older_organisation_data())).chair_at((2022, 1, 5)) is None
    assert load_organisation(ORGANISATION).chair_at((2022, 1, 5)) == "Armenia"  # the shipped file's rotation


@pytest.mark.parametrize(("date", "names"), [
    ((2002, 9, 30), ()),
    ((2002, 10, 1), ("collective_security_council", "foreign_ministers")),
    ((2003, 12, 31), ("collective_security_council", "foreign_ministers")),
    ((2004, 1, 1), ("collective_security_council", "permanent_council", "foreign_ministers")),
    ((2022, 1, 5), ("collective_security_council", "permanent_council", "foreign_ministers")),
])
def test_organs_at(organisation, date, names):
    assert tuple(o.name for o in organisation.organs_at(date)) == names


def test_organs_read(organisation):
    council, permanent, ministers = organisation.organs
    assert council.decides == (1, 2, 3, 4) and council.convenes == () and council.meets_every_days == 365
    assert permanent.decides == (1,) and permanent.convenes == (1,) and permanent.start == (2004, 1, 1)
    assert ministers.decides == (1, 2)  # sorted by level


def test_defaults_of_an_older_organisation_file(tmp_path):
    org = load_organisation(write_organisation(tmp_path, older_organisation_data()))
    assert org.organs == DEFAULT_ORGANS
    assert org.extraordinary_callers == ("chair", "lead_state")
    mission = org.measure(int(Level.MISSION))  # the file leaves the new rung out: its documented properties
    assert (mission.name, mission.benefit, mission.intrusiveness, mission.legal_need, mission.sidetaking) == (
        "mission", 0.45, 0.1, 0.0, 0.2)
    consultations, assistance = org.measure(1), org.measure(3)
    assert consultations.sidetaking < mission.sidetaking < assistance.sidetaking


# --- refused -------------------------------------------------------------------------------------------

def refused(tmp_path: Path, data: dict, field: str, fragment: str) -> None:
    path = write_organisation(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_organisation(path)
    text = str(info.value)
    assert "\n" not in text and text.startswith(str(path)), text
    assert f"{field}:" in text and fragment in text, text


def bad_organ(**changes) -> list:
    organs = [dict(o) for o in ORGANS]
    organs[1].update(changes)
    return organs


@pytest.mark.parametrize(("organs", "field", "fragment"), [
    (bad_organ(decides=["consultations", "invasion"]), "organs[1].decides", "invasion"),
    (bad_organ(convenes=["sanctions"]), "organs[1].convenes", "sanctions"),
    (bad_organ(decides="consultations"), "organs[1].decides", "expected a list"),
    (bad_organ(meets_every_days=0), "organs[1].meets_every_days", ""),
    (bad_organ(**{"from": "someday"}), "organs[1].from", ""),
    (bad_organ(colour="blue"), "organs[1].colour", "unknown key"),
    ([{k: v for k, v in ORGANS[0].items() if k != "source"}], "organs[0].source", "missing"),
    ([{**ORGANS[1], "decides": []}], "organs", "no organ decides"),
    ([], "organs", "expected a list"),
])
def test_a_bad_organs_entry_is_refused(tmp_path, organs, field, fragment):
    refused(tmp_path, organisation_data(organs=organs), field, fragment)


@pytest.mark.parametrize(("chair", "field", "fragment"), [
    ({"by_year": [["2019-11", "Atlantis"]], "source": "S001"}, "chair.by_year[0][1]", "Atlantis"),
    ({"by_year": [["2019-11"]], "source": "S001"}, "chair.by_year[0]", "expected [date, member]"),
    ({"by_year": [], "source": "S001"}, "chair.by_year", "expected a list"),
    ({"by_year": [["2019-11", "Russia"]]}, "chair.source", "missing"),
])
def test_a_bad_chair_is_refused(tmp_path, chair, field, fragment):
    refused(tmp_path, organisation_data(chair=chair), field, fragment)


def test_an_unknown_caller_is_refused(tmp_path):
    data = organisation_data(extraordinary_session={"who_may_call": ["lead_state", "the press"], "source": "S001"})
    refused(tmp_path, data, "extraordinary_session.who_may_call", "the press")


# --- what the model takes from them --------------------------------------------------------------------

def crisis_of(case):
    return sample_crisis(case, Parameters(), 16, np.random.default_rng(SEED))


def test_the_chair_of_the_day_is_the_cases_chair(tmp_path):
    write_organisation(tmp_path, organisation_data(chair=CHAIR, organs=ORGANS))
    case = case_beside(tmp_path, "kazakhstan-2022", drop=("agenda.chair",))  # the case records its chair
    assert case.value("agenda.chair") == "Armenia" and case.facts["agenda.chair"].source == "default"
    assert case.value("agenda.deciding_body") == "organisation"  # an organ convenes: standing organs
    assert crisis_of(case).chair == "Armenia"
    assert case_beside(tmp_path, "kyrgyzstan-tajikistan-2021", drop=("agenda.chair",)).value("agenda.chair") == "Russia"


def test_the_quickest_competent_body_sets_the_calendar(tmp_path):
    write_organisation(tmp_path, organisation_data(organs=ORGANS))
    # per rung: consultations (permanent council, 30 days), mission (ministers, 180), assistance, deployment (365)
    assert crisis_of(case_beside(tmp_path, "armenia-2021-05")).regular_days == (30.0, 180.0, 365.0, 365.0)
    # the shipped file: consultations (the ministers' councils, 180 days), mission (the Council, 365), assistance
    # (the security-council secretaries, 180), deployment (365)
    shipped = crisis_of(load_scenario(SCENARIOS / "historical" / "armenia-2021-05.yaml"))
    assert shipped.regular_days == (180.0, 365.0, 180.0, 365.0)
    assert crisis_of(case_beside(tmp_path, "armenia-2021-05")).convenable == (1,)


def test_without_standing_organs_the_treaty_states_decide(tmp_path):
    """A chair but no organ that convenes: the Treaty's states, with no permanent council to table anything."""
    write_organisation(tmp_path, organisation_data(chair=CHAIR, organs=[ORGANS[0], ORGANS[2]]))
    case = case_beside(tmp_path, "armenia-2020")
    assert case.value("agenda.deciding_body") == "treaty_states"
    assert crisis_of(case).convenable == ()


def test_treaty_states_leave_out_the_convening_organs(tmp_path):
    write_organisation(tmp_path, organisation_data(organs=ORGANS))
    case = with_facts(case_beside(tmp_path, "armenia-2020", main_only=True), {"agenda.deciding_body": "treaty_states"})
    crisis = crisis_of(case)
    assert crisis.convenable == () and crisis.regular_days[0] == 180.0  # the ministers, not the permanent council
    assert np.all(simulate(case, R, seed=SEED).outcome == Level.NONE)  # nobody tables Armenia's war


NOT_KEEN = {"request.measure": "consultations", "lead_state.strategic_value": 0.0,
            "adversary.lead_state_relation": "ally", "agenda.chair": "Armenia"}


@pytest.mark.parametrize(("callers", "waits"), [
    (["chair", "lead_state"], False),  # Armenia, asking and chairing, calls an extraordinary session
    (["lead_state"], True),  # only the lead state may, and it does not push: the regular session
])
def test_who_may_call_an_extraordinary_session(tmp_path, callers, waits):
    organs = [{k: v for k, v in o.items() if k != "convenes"} for o in _shipped()["organs"]]  # none opens it alone
    write_organisation(tmp_path, organisation_data(extraordinary_session={"who_may_call": callers,
                                                                          "source": "csto-charter-2002"},
                                                   organs=organs))
    run = simulate(with_facts(case_beside(tmp_path, "armenia-2021-05"), NOT_KEEN), R, seed=SEED)
    decided = run.outcome > Level.NONE
    slow = bool(np.median(np.where(decided, run.days, np.inf)) > 2 * Parameters().base_days)
    assert slow is waits
    assert bool(run.pending.any()) is waits


def test_any_member_may_call_when_the_file_says_so(tmp_path):
    write_organisation(tmp_path, organisation_data(extraordinary_session={"who_may_call": ["member"],
                                                                          "source": "csto-charter-2002"}))
    case = with_facts(case_beside(tmp_path, "armenia-2021-05"), {**NOT_KEEN, "agenda.chair": None})
    run = simulate(case, R, seed=SEED)
    assert not run.pending.any()  # Armenia, a member asking, pushes: an extraordinary session
    assert np.nanmax(run.days) < 45
