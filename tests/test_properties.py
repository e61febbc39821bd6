"""Invariants that must hold for any parameters, case and seed (Hypothesis property tests)."""

import tempfile
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import CouncilModel, Level, Parameters, Stance, load_scenario, simulate
from model.params import SPECS
from model.scenario import list_case_files, with_facts

CASES = [p.stem for p in list_case_files()]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def parameters(draw, exclude=()):
    """Any admissible global parameters."""
    values = {}
    for spec in SPECS.values():
        if spec.name in exclude:
            continue
        if spec.kind is int:
            values[spec.name] = draw(st.integers(int(spec.low), min(int(spec.high), 8)))
        else:
            values[spec.name] = draw(st.floats(spec.low, spec.high, allow_nan=False))
    return Parameters().replace(**values)


@SETTINGS
@given(case_id=st.sampled_from(CASES), params=parameters(), seed=st.integers(0, 2**32))
def test_under_consensus_no_measure_passes_over_an_objection(case_id, params, seed):
    model = CouncilModel(load_scenario(case_id), params, replications=64, rng=seed)
    decision = model.run_model()
    for level in (Level.CONSULTATIONS, Level.ASSISTANCE, Level.DEPLOYMENT):
        passed = decision.outcome == level
        stances = np.stack([m.stances(level) for m in model.members], axis=1)
        assert not np.any(stances[passed] == Stance.OBJECT)


@SETTINGS
@given(case_id=st.sampled_from(CASES), params=parameters(exclude=("threat_scale",)), seed=st.integers(0, 2**32),
       scales=st.tuples(st.floats(0, 3), st.floats(0, 3)).map(sorted))
def test_more_threat_never_lowers_a_members_support(case_id, params, seed, scales):
    case = load_scenario(case_id)
    low, high = (CouncilModel(case, params.replace(threat_scale=s), replications=32, rng=seed) for s in scales)
    low.run_model()
    high.run_model()
    for a, b in zip(low.members, high.members, strict=True):
        assert a.name == b.name
        assert np.all(b.position >= a.position - 1e-9)
        for level in (1, 2, 3):
            assert np.all(b.stances(level) >= a.stances(level))


@SETTINGS
@given(case_id=st.sampled_from(CASES), deaths=st.tuples(st.floats(0, 1e5), st.floats(0, 1e5)).map(sorted),
       seed=st.integers(0, 2**32))
def test_more_deaths_never_lower_a_members_support(case_id, deaths, seed):
    case = load_scenario(case_id)
    models = [CouncilModel(with_facts(case, {"threat.deaths": d}), replications=16, rng=seed) for d in deaths]
    for m in models:
        m.run_model()
    for a, b in zip(*(m.members for m in models), strict=True):
        assert np.all(b.position >= a.position - 1e-9)


@SETTINGS
@given(case_id=st.sampled_from(CASES), params=parameters(), seed=st.integers(0, 2**32),
       rule=st.sampled_from(["consensus", "consensus_excluding_parties", "simple_majority",
                             "qualified_majority_budget", "lead_state_alone"]))
def test_results_are_well_formed(case_id, params, seed, rule):
    res = simulate(case_id, 50, seed, rule=rule, params=params)
    assert abs(sum(res.outcome_probabilities.values()) - 1.0) < 1e-9
    decided = res.outcome > 0
    assert np.all(np.isnan(res.days[~decided])) and np.all(res.days[decided] >= 0)
    assert np.all(res.contribution >= 0)
    assert np.all(res.contribution[res.outcome != Level.DEPLOYMENT] == 0)
    if res.lead_state_share is not None:
        assert 0.0 <= res.lead_state_share <= 1.0
    assert all(0.0 <= r <= 1.0 for r in res.objection_rate.values())


# --- renaming or reordering members changes nothing -----------------------------------------------

def renamed_copy(folder: Path, case_id: str, mapping: dict[str, str], order: list[int]) -> Path:
    """Write the organisation and one case with members renamed by ``mapping`` and listed in ``order``."""
    def rename(x):
        if isinstance(x, str):
            return mapping.get(x, x)
        if isinstance(x, list):
            return [rename(v) for v in x]
        if isinstance(x, dict):
            return {rename(k) if k in mapping else k: rename(v) for k, v in x.items()}
        return x

    org = yaml.safe_load(Path("scenarios/organisations/csto.yaml").read_text())
    members = list(org["members"].items())
    org["members"] = {mapping.get(k, k): rename(v) for k, v in (members[i] for i in order)}
    org["lead_state"]["value"] = rename(org["lead_state"]["value"])
    if "chair" in org:
        org["chair"]["by_year"] = rename(org["chair"]["by_year"])  # the rotation names members
    case_path = next(p for p in list_case_files() if p.stem == case_id)
    case = rename(yaml.safe_load(case_path.read_text()))
    (folder / "organisations").mkdir(parents=True, exist_ok=True)
    (folder / "cases").mkdir(exist_ok=True)
    (folder / "organisations" / "csto.yaml").write_text(yaml.safe_dump(org, sort_keys=False))
    out = folder / "cases" / f"{case_id}.yaml"
    out.write_text(yaml.safe_dump(case, sort_keys=False))
    return out


MEMBER_NAMES = ["Armenia", "Azerbaijan", "Belarus", "Georgia", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan",
                "Uzbekistan"]


@settings(max_examples=12, deadline=None)
@given(case_id=st.sampled_from(["kazakhstan-2022", "kyrgyzstan-2010-06", "armenia-2021-05",
                                 "kyrgyzstan-tajikistan-2021", "armenia-2020"]),
       new_names=st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8), min_size=9, max_size=9,
                          unique=True),
       order=st.permutations(list(range(9))), seed=st.integers(0, 2**32))
def test_renaming_or_reordering_members_changes_nothing(case_id, new_names, order, seed):
    mapping = {old: "X" + new.capitalize() for old, new in zip(MEMBER_NAMES, new_names, strict=True)}
    original = simulate(case_id, 200, seed)
    with tempfile.TemporaryDirectory() as tmp:
        renamed = simulate(load_scenario(renamed_copy(Path(tmp), case_id, mapping, order)), 200, seed)
    np.testing.assert_array_equal(original.outcome, renamed.outcome)
    np.testing.assert_array_equal(original.days, renamed.days)
    for stat in ("objection_rate", "mean_contribution", "dominant_reason", "stance_rates"):
        before, after = getattr(original, stat), getattr(renamed, stat)
        assert {mapping[m]: v for m, v in before.items()} == after, stat
