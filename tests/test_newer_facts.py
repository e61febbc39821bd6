"""The newer facts of a case and what they do: their derived defaults (old case files load unchanged), the
lead state's resolve and its own track in runs of the shipped cases, a request after the peak, allies of the
requester, the sources' reasons and the 'no decision yet' of the observed record."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import main_coding

from model.council import seats
from model.crisis import member_role, sample_crisis
from model.errors import InputError
from model.ladder import Level, Stance
from model.model import CouncilModel
from model.params import Parameters
from model.scenario import load_scenario, with_facts
from model.scenario.case import NEWER_FACTS
from model.simulate import simulate
from model.statistics import STATISTICS
from model.terms import COST_REASONS, REASONS

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
HISTORICAL = SCENARIOS / "historical"
WHATIF_FILES = sorted((SCENARIOS / "whatif").glob("*.yaml"))
CASE_FILES = sorted(HISTORICAL.glob("*.yaml")) + WHATIF_FILES
R = 2000
SEED = 90210
P = Parameters()


def load(name: str):
    return load_scenario(HISTORICAL / f"{name}.yaml")


def raw_facts(path: Path) -> dict:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)  # noqa: S506 - a safe loader
    return {f"{group}.{key}": node for group, facts in data["facts"].items() for key, node in facts.items()}


# --- old case files: unchanged, with the documented defaults -------------------------------------------

@pytest.mark.parametrize("path", WHATIF_FILES, ids=lambda p: p.stem)
def test_old_case_files_load_unchanged_with_the_defaults(path):
    given = raw_facts(path)
    assert not set(given) & set(NEWER_FACTS)  # these files predate the newer facts
    case = load_scenario(path)
    for name, node in given.items():  # every fact as the file gives it
        fact = case.facts[name]
        if "range" in node:
            assert [fact.low, fact.high] == node["range"], name
        else:
            assert fact.value == node["value"], name
        assert fact.source == node["source"] and not fact.alternatives
    channel = given["request.channel"]["value"]
    origin, adversary = given["threat.origin"]["value"], given["adversary.name"]["value"]
    expected = {
        "request.channels": {"organisation": [{"to": "organisation"}], "bilateral": [{"to": "lead_state"}],
                             "none": []}[channel],
        "request.timing": "at_peak",
        "threat.allies": [],
        "threat.massing": False,
        "lead_state.options": [],
        "adversary.kind": "none" if adversary is None else
        "state" if origin in ("external_state", "member_state") else "armed_group",
        "agenda.chair": case.organisation.chair_at(case.date),  # the organisation file's rotation at the date
        "agenda.deciding_body": "organisation",
    }
    assert set(expected) == set(NEWER_FACTS)
    assert expected["agenda.chair"] is not None  # the shipped file's rotation covers these dates
    for name, value in expected.items():
        assert case.facts[name].value == value, name
        assert case.facts[name].source == "default", name


@pytest.mark.parametrize(("origin", "adversary", "kind"), [
    ("external_nonstate", "an armed group", "armed_group"),
    ("external_state", "Azerbaijan", "state"),
    ("member_state", "Tajikistan", "state"),
    ("internal", "domestic rioters", "armed_group"),
    ("external_state", None, "none"),  # no adversary named: none, whatever the origin
    ("internal", None, "none"),
])
def test_adversary_kind_derived_from_the_origin(origin, adversary, kind):
    case = load_scenario(SCENARIOS / "whatif" / "hypothetical-request.yaml")
    changed = with_facts(case, {"threat.origin": origin, "adversary.name": adversary})
    assert changed.value("adversary.kind") == kind
    assert changed.facts["adversary.kind"].source == "default"


@pytest.mark.parametrize(("changes", "channels"), [
    ({}, [{"to": "organisation"}]),
    ({"request.channel": "bilateral"}, [{"to": "lead_state"}]),
    ({"request.by": None, "request.channel": "none"}, []),
])
def test_channels_derived_from_the_channel(changes, channels):
    """A case that predates request.channels (the historical cases now record theirs)."""
    case = with_facts(load_scenario(SCENARIOS / "whatif" / "hypothetical-request.yaml"), changes)
    assert case.value("request.channels") == channels


def test_a_stated_newer_fact_is_kept():
    case = with_facts(load("kazakhstan-2022"), {"adversary.kind": "state", "request.timing": "before_peak"})
    assert case.value("adversary.kind") == "state" and case.value("request.timing") == "before_peak"
    assert case.facts["adversary.kind"].source == "what-if"


@pytest.mark.parametrize(("channel", "channels"), [
    ("organisation", [{"to": "lead_state"}]),  # the organisation not among the channels
    ("bilateral", [{"to": "organisation"}]),
    ("bilateral", []),
])
def test_channels_disagreeing_with_the_channel_are_refused(channel, channels):
    with pytest.raises(InputError) as info:
        with_facts(load("kazakhstan-2022"), {"request.channel": channel, "request.channels": channels})
    assert "facts.request.channels.value" in str(info.value) and "disagrees" in str(info.value)


# --- the crisis as the model sees the newer facts ------------------------------------------------------

def crisis_of(case, replications=64, seed=SEED):
    return sample_crisis(case, P, replications, np.random.default_rng(seed))


@pytest.mark.parametrize(("name", "changes", "to_organisation", "options"), [
    ("kazakhstan-2022", {}, True, 0),
    ("kazakhstan-2022", {"lead_state.options": ["mediation"]}, True, 1),
    # a request to the lead state is not a track by itself (7.23: the tracks the sources show it had)
    ("kazakhstan-2022", {"request.channels": [{"to": "organisation"}, {"to": "lead_state"}]}, True, 0),
    ("armenia-2020", {}, False, 3),  # its bilateral talks, mediation and own peacekeepers, as recorded
    ("armenia-2020", {"lead_state.options": ["mediation", "own_peacekeepers"]}, False, 2),
    ("armenia-2020", {"lead_state.options": ["bilateral"]}, False, 1),  # counted once
    ("kyrgyzstan-2010-04", {}, False, 0),  # nobody asked anyone
])
def test_the_lead_states_tracks_and_the_request(name, changes, to_organisation, options):
    crisis = crisis_of(with_facts(load(name), changes))
    assert crisis.to_organisation is to_organisation
    assert crisis.lead_options == options


def test_after_the_peak_the_crisis_weighs_less():
    case = load("kazakhstan-2022")
    at = crisis_of(case)
    after = crisis_of(with_facts(case, {"request.timing": "after_peak"}))
    assert after.severity == pytest.approx(at.severity * (1 - P.after_peak_discount))
    assert crisis_of(with_facts(case, {"request.timing": "before_peak"})).severity == pytest.approx(at.severity)


@pytest.mark.parametrize(("name", "changes", "clash"), [
    ("armenia-2020", {}, True),  # an attack with thousands killed
    ("armenia-2021-05", {}, False),  # nobody killed, nothing massing
    ("armenia-2021-05", {"threat.massing": True}, True),  # troops massing at the border
    ("kyrgyzstan-tajikistan-2021", {}, True),  # fighting between members
    ("kazakhstan-2022", {}, False),  # internal unrest is no armed clash
])
def test_armed_clash(name, changes, clash):
    assert crisis_of(with_facts(load(name), changes)).armed_clash is clash


def test_the_framing_stretches_the_mandate_as_far_as_the_lead_state_wants():
    """Kazakhstan 2022: the same framing, a requester of no value to Russia: less resolve, less mandate."""
    case = load("kazakhstan-2022")
    keen = crisis_of(with_facts(case, {"lead_state.strategic_value": 1.0}))
    indifferent = crisis_of(with_facts(case, {"lead_state.strategic_value": 0.0}))
    assert np.all(indifferent.resolve <= keen.resolve) and np.all(keen.resolve > 0.5)
    assert np.all(indifferent.mandate <= keen.mandate)
    assert np.all(indifferent.internality >= keen.internality)
    internal = crisis_of(with_facts(case, {"request.framing": "internal", "lead_state.strategic_value": 1.0}))
    assert internal.mandate == pytest.approx(0.1) and internal.internality == pytest.approx(1.0)
    # the mandate: the internal one plus framing_credit * resolve of the gap to the external one
    assert keen.mandate == pytest.approx(0.1 + P.framing_credit * keen.resolve * 0.9)


# --- runs of the shipped cases -------------------------------------------------------------------------

def deploys(run) -> float:
    return float((run.outcome == Level.DEPLOYMENT).mean())


def test_kazakhstan_without_strategic_value_does_not_deploy():
    """The framing is the justification, not the cause: with Kazakhstan of no value to Russia the same
    external framing no longer gets troops in most replications."""
    case = load("kazakhstan-2022")
    assert deploys(simulate(case, R, seed=SEED)) > 0.9
    assert deploys(simulate(with_facts(case, {"lead_state.strategic_value": 0.0}), R, seed=SEED)) < 0.5


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_a_lead_state_with_a_track_of_its_own_never_gives_more(path):
    case = load_scenario(path)
    with_track = with_facts(case, {"lead_state.options": ["mediation"]})
    before, after = simulate(case, R, seed=SEED), simulate(with_track, R, seed=SEED)
    assert (after.outcome >= Level.ASSISTANCE).mean() <= (before.outcome >= Level.ASSISTANCE).mean()
    assert deploys(after) <= deploys(before)


def test_mediation_lowers_aid_to_kyrgyzstan_2010():
    """The track matters where Russia's support decides: Kyrgyzstan, June 2010."""
    case = load("kyrgyzstan-2010-06")
    before = simulate(case, R, seed=SEED)
    after = simulate(with_facts(case, {"lead_state.options": ["mediation"]}), R, seed=SEED)
    assert (after.outcome >= Level.ASSISTANCE).mean() < (before.outcome >= Level.ASSISTANCE).mean() - 0.2


@pytest.mark.parametrize(("options", "expected"), [
    ([], [0.0, 0.0, 0.0, 0.0]),
    (["mediation"], [0.8 * 0.1, 0.8 * 0.2, 0.8 * 0.6, 0.8 * 1.0]),  # w_own_track times each rung's side-taking
    (["bilateral", "own_peacekeepers"], [0.8 * 0.1, 0.8 * 0.2, 0.8 * 0.6, 0.8 * 1.0]),
])
def test_own_track_is_a_cost_of_the_lead_state_alone(options, expected):
    model = CouncilModel(with_facts(load("kazakhstan-2022"), {"lead_state.options": options}), replications=8, rng=1)
    column = COST_REASONS.index("own track")
    assert model.lead.cost_terms[:, column] == pytest.approx(expected)
    for member in model.members:
        if member is not model.lead:
            assert np.all(member.cost_terms[:, column] == 0.0), member.name


@pytest.mark.parametrize("path", sorted(HISTORICAL.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_request_after_the_peak_never_gets_more(path):
    case = load_scenario(path)
    at = simulate(case, R, seed=SEED)
    after = simulate(with_facts(case, {"request.timing": "after_peak"}), R, seed=SEED)
    assert (after.outcome >= Level.ASSISTANCE).mean() <= (at.outcome >= Level.ASSISTANCE).mean()
    assert deploys(after) <= deploys(at)


def test_kyrgyzstan_2010_after_the_peak_gets_less():
    """Osh, June 2010: the council met as the violence subsided; after the peak, less aid in the model."""
    case = load("kyrgyzstan-2010-06")
    at = simulate(case, R, seed=SEED)
    after = simulate(with_facts(case, {"request.timing": "after_peak"}), R, seed=SEED)
    assert (after.outcome >= Level.ASSISTANCE).mean() < (at.outcome >= Level.ASSISTANCE).mean() - 0.2


# --- allies of the requester ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def allied():
    return with_facts(load("armenia-2021-05"), {"threat.allies": ["Belarus"]})


def test_an_ally_has_the_role_ally(allied):
    assert member_role("Belarus", allied) == "ally"
    assert member_role("Armenia", allied) == "requester"
    assert member_role("Russia", allied) == "lead"
    assert member_role("Belarus", load("armenia-2021-05")) == "member"


def test_an_ally_supports_what_was_asked_for_and_says_why(allied):
    run = simulate(allied, R, seed=SEED)
    i = run.members.index("Belarus")
    assert np.all(run.stance[:, i] == Stance.SUPPORT)
    assert np.all(run.reason[:, i] == REASONS.index("ally of the requester"))
    assert not run.objected[:, i].any()


def test_an_ally_is_no_party_to_the_conflict(allied):
    model = CouncilModel(allied, replications=8, rng=1)
    _, _, is_party = seats(model.members, model.lead_index)
    parties = {m.name for m, party in zip(model.members, is_party, strict=True) if party}
    assert parties == {"Armenia"}  # the requester; its ally keeps its seat as a member that may be counted


def test_an_ally_must_be_a_member():
    with pytest.raises(InputError) as info:
        with_facts(load("armenia-2021-05"), {"threat.allies": ["Azerbaijan"]})
    assert "facts.threat.allies.value" in str(info.value)


# --- the observed record: decided, convened_by, reasons ------------------------------------------------


def write_case(tmp_path: Path, observed_changes: dict, name: str = "kazakhstan-2022.yaml", *,
               main_only: bool = False, callers: list[str] | None = None) -> Path:
    """The case with changes to its observed record (``main_only``: without its alternative codings) beside the
    organisation file (``callers``: who may call an extraordinary session instead of the file's, and no organ
    opening a measure by itself)."""
    text = (HISTORICAL / name).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=LOADER)  # noqa: S506 - a safe loader
    if main_only:
        data = main_coding(data)
    data["observed"].update(observed_changes)
    data["observed"] = {k: v for k, v in data["observed"].items() if v is not None}
    (tmp_path / "organisations").mkdir(exist_ok=True)
    shutil.copy(SCENARIOS / "organisations" / "csto.yaml", tmp_path / "organisations" / "csto.yaml")
    if callers is not None:
        org_path = tmp_path / "organisations" / "csto.yaml"
        org = yaml.load(org_path.read_text(encoding="utf-8"), Loader=LOADER)  # noqa: S506 - a safe loader
        org["extraordinary_session"]["who_may_call"] = callers
        for organ in org["organs"]:  # and no standing organ opens emergency consultations on the appeal
            organ.pop("convenes", None)
        org_path.write_text(yaml.dump(org, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "historical" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


REASONS_GIVEN = {"Kazakhstan": {"stance": "support", "reason": "requester", "source": "S000"},
                 "Russia": {"stance": "support", "source": "S003"}}


def test_observed_reasons_decided_and_convened_by(tmp_path):
    case = load_scenario(write_case(tmp_path, {"convened_by": {"value": "chair", "source": "S003"},
                                               "reasons": REASONS_GIVEN}))
    obs = case.observed
    assert obs.decided is True and obs.convened_by == "chair"
    assert obs.reasons["Kazakhstan"].reason == "requester" and obs.reasons["Russia"].reason is None
    assert obs.as_dict()["reasons"] == {"Kazakhstan": {"stance": "support", "reason": "requester"},
                                        "Russia": {"stance": "support", "reason": None}}
    run = simulate(case, R, seed=SEED)
    assert STATISTICS["reason_agreement"].compute(run) == 1.0  # the model's Kazakhstan: 'requester'
    assert STATISTICS["stance_agreement"].compute(run) == 1.0
    assert STATISTICS["days_covered"].compute(run) is True  # hours, as observed
    assert STATISTICS["undecided"].compute(run) == 0.0


def test_reason_agreement_counts_disagreement(tmp_path):
    reasons = {**REASONS_GIVEN, "Belarus": {"stance": "support", "reason": "requester", "source": "S002"}}
    run = simulate(load_scenario(write_case(tmp_path, {"reasons": reasons})), R, seed=SEED)
    assert STATISTICS["reason_agreement"].compute(run) == 0.5  # Belarus's reason is not 'requester'


def test_undecided_is_the_share_pending(tmp_path):
    """Armenia 2021 where only the lead state may call an extraordinary session (the shipped file lets Armenia,
    asking, call one: never undecided)."""
    run = simulate(load_scenario(write_case(tmp_path, {}, "armenia-2021-05.yaml", callers=["lead_state"])), R,
                   seed=SEED)
    assert STATISTICS["undecided"].compute(run) == pytest.approx(run.pending.mean())
    assert run.pending.any()


def test_a_request_not_decided(tmp_path):
    path = write_case(tmp_path, {"outcome": {"value": "none", "source": "S002"}, "days_to_decision": None,
                                 "contributions": None, "decided": {"value": False, "source": "S002"}})
    obs = load_scenario(path).observed
    assert obs.decided is False and obs.as_dict()["decided"] is False


@pytest.mark.parametrize(("changes", "field"), [
    ({"decided": {"value": False, "source": "S002"}}, "observed.decided.value"),  # yet troops were sent
    ({"decided": {"value": "no", "source": "S002"}}, "observed.decided.value"),
    ({"convened_by": {"value": "the press", "source": "S002"}}, "observed.convened_by.value"),
    ({"reasons": {"Kazakhstan": {"stance": "support", "reason": "greed", "source": "S000"}}},
     "observed.reasons.Kazakhstan.reason"),
    ({"reasons": {"Kazakhstan": {"stance": "cheer", "source": "S000"}}}, "observed.reasons.Kazakhstan.stance"),
    ({"reasons": {"Atlantis": {"stance": "support", "source": "S000"}}}, "observed.reasons"),
])
def test_a_bad_observed_record_is_refused(tmp_path, changes, field):
    path = write_case(tmp_path, changes)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "\n" not in text and text.startswith(str(path)) and f"{field}" in text, text


def test_reasons_when_nobody_asked_the_organisation(tmp_path):
    """Armenia 2020 turned to Russia alone (the main coding: S001's request to the organisation left out): nothing
    on the table (the secretary general may convene consultations on the armed clash, but Russia, with tracks
    of its own, does not support them), yet each member has the reason of the stance it would take; the
    sources' 'absent' matches a request never made."""
    reasons = {"Russia": {"stance": "absent", "source": "S002"}, "Belarus": {"stance": "absent", "source": "S002"}}
    path = write_case(tmp_path, {"reasons": reasons}, "armenia-2020.yaml", main_only=True)
    run = simulate(load_scenario(path), R, seed=SEED)
    assert np.all(run.stance == Stance.ABSENT)
    dominant = STATISTICS["dominant_reason"].compute(run)
    assert dominant["Armenia"] == "requester"
    assert all(reason is not None for reason in dominant.values())
    assert STATISTICS["stance_agreement"].compute(run) == 1.0
    assert STATISTICS["reason_agreement"].compute(run) is None  # the sources give no reason
    assert STATISTICS["days_covered"].compute(run) is None  # no days observed, none decided
    assert STATISTICS["undecided"].compute(run) == 0.0
