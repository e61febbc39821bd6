"""Alternative codings (model/codings.py): a case whose facts carry weighted alternatives runs each replication
under one coding drawn for it; a joint ``set`` is drawn together; the file is refused when the weights leave
nothing to the main coding or an alternative has no disagreements entry."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.codings import coding_choices, coding_groups
from model.errors import InputError
from model.ladder import Level
from model.scenario import load_scenario, with_facts
from model.simulate import simulate

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
CASE = SCENARIOS / "historical" / "kazakhstan-2022.yaml"
R = 4000
SEED = 424242

#: Kazakhstan 2022 with three disputed codings: the request may have been for consultations only (0.3); the
#: deaths at the request may have been many more (0.2); and, jointly, the framing internal with Russia neutral
#: toward the 'terrorists' (0.25, set "domestic").
ALTERNATIVES = {
    ("request", "measure"): [{"value": "consultations", "weight": 0.3, "source": "S000"}],
    ("threat", "deaths"): [{"range": [500, 1000], "weight": 0.2, "source": "S003"}],
    ("request", "framing"): [{"value": "internal", "weight": 0.25, "set": "domestic", "source": "S002"}],
    ("adversary", "lead_state_relation"): [{"value": "neutral", "weight": 0.25, "set": "domestic",
                                            "source": "S002"}],
}


def case_data(alternatives=ALTERNATIVES, disputed=None) -> dict:
    data = yaml.load(CASE.read_text(encoding="utf-8"), Loader=LOADER)  # noqa: S506 - a safe loader
    for (group, key), alts in alternatives.items():
        data["facts"][group][key]["alternatives"] = copy.deepcopy(alts)
    for group, key in (alternatives if disputed is None else disputed):
        data["disagreements"].append({"field": f"facts.{group}.{key}", "note": "an alternative coding (test)",
                                      "source": "S002"})
    return data


def write(tmp_path: Path, data: dict, name: str = "kazakhstan-2022-alternatives.yaml") -> Path:
    """The case in ``tmp_path/historical/`` beside a copy of its organisation folder."""
    (tmp_path / "organisations").mkdir(exist_ok=True)
    shutil.copy(SCENARIOS / "organisations" / "csto.yaml", tmp_path / "organisations" / "csto.yaml")
    path = tmp_path / "historical" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def coded(tmp_path):
    return load_scenario(write(tmp_path, case_data()))


def within_binomial(count: int, n: int, p: float, sigmas: float = 4.5) -> bool:
    return abs(count / n - p) <= sigmas * np.sqrt(p * (1 - p) / n)


def test_the_case_lists_its_alternatives(coded):
    assert set(coded.alternatives) == {"request.measure", "threat.deaths", "request.framing",
                                       "adversary.lead_state_relation"}
    draws = dict(coding_choices(coded))
    assert [w for w, _ in draws[("request.measure",)]] == pytest.approx([0.7, 0.3])  # the main coding first
    assert [w for w, _ in draws[("threat.deaths",)]] == pytest.approx([0.8, 0.2])
    joint = draws[("adversary.lead_state_relation", "request.framing")]
    assert [w for w, _ in joint] == pytest.approx([0.75, 0.25])
    assert {n: f.value for n, f in joint[1][1].items()} == {"adversary.lead_state_relation": "neutral",
                                                             "request.framing": "internal"}


def test_codings_drawn_with_their_weights(coded):
    groups = coding_groups(coded, R, SEED)
    rows = np.concatenate([r for _, _, r in groups])
    assert np.array_equal(np.sort(rows), np.arange(R))  # every replication once
    assert 0 in groups[0][2]
    count = {"consultations": 0, "many deaths": 0, "domestic": 0}
    for _, c, r in groups:
        count["consultations"] += len(r) * (c.value("request.measure") == "consultations")
        count["many deaths"] += len(r) * (c.facts["threat.deaths"].bounds == [500, 1000])
        count["domestic"] += len(r) * (c.value("request.framing") == "internal")
        assert not c.alternatives  # each group runs one coding
    assert within_binomial(count["consultations"], R, 0.3)
    assert within_binomial(count["many deaths"], R, 0.2)
    assert within_binomial(count["domestic"], R, 0.25)


def test_a_joint_set_is_drawn_together(coded):
    for _, c, _ in coding_groups(coded, R, SEED):
        assert (c.value("request.framing") == "internal") == (c.value("adversary.lead_state_relation") == "neutral")
    combos = {(c.value("request.framing"), c.value("adversary.lead_state_relation")) for _, c, _ in
              coding_groups(coded, R, SEED)}
    assert combos == {("external", "hostile"), ("internal", "neutral")}


def test_outcomes_follow_the_codings_shares(coded):
    """Under the consultations coding nothing more is asked for; under the main coding Kazakhstan gets troops:
    the outcomes' shares follow the weights."""
    run = simulate(coded, R, seed=SEED)
    consultations = int((run.outcome == Level.CONSULTATIONS).sum())
    assert within_binomial(consultations, R, 0.3)
    assert (run.outcome == Level.DEPLOYMENT).mean() > 0.3
    assert np.all(run.outcome <= Level.DEPLOYMENT)


def test_same_seed_same_results(coded):
    a, b = simulate(coded, R, seed=SEED), simulate(coded, R, seed=SEED)
    for name in ("outcome", "stance", "reason", "contribution", "pending"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.days, b.days, equal_nan=True)
    other = simulate(coded, R, seed=SEED + 1)
    assert not np.array_equal(a.outcome, other.outcome)


def test_results_do_not_depend_on_the_order_of_facts(tmp_path, coded):
    data = case_data()
    data["facts"] = {group: dict(reversed(list(facts.items()))) for group, facts in reversed(data["facts"].items())}
    data["disagreements"] = list(reversed(data["disagreements"]))
    reordered = load_scenario(write(tmp_path, data, "reordered.yaml"))
    assert list(reordered.facts) != list(coded.facts)
    a, b = simulate(coded, R, seed=SEED), simulate(reordered, R, seed=SEED)
    assert np.array_equal(a.outcome, b.outcome)
    assert np.array_equal(a.days, b.days, equal_nan=True)
    assert np.array_equal(a.contribution, b.contribution)


def test_a_case_without_alternatives_is_one_group():
    case = load_scenario(CASE)
    assert case.alternatives == {} and coding_choices(case) == []
    (key, only, rows), = coding_groups(case, 100, SEED)
    assert key == ()
    assert only is case and np.array_equal(rows, np.arange(100))


def test_a_what_if_keeps_the_alternatives_of_facts_it_leaves(coded):
    changed = with_facts(coded, {"request.measure": "deployment"})
    assert "request.measure" not in changed.alternatives
    assert set(changed.alternatives) == {"threat.deaths", "request.framing", "adversary.lead_state_relation"}


# --- refused -------------------------------------------------------------------------------------------

def refused(path: Path, field: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(path))
    assert f"{field}:" in text and fragment in text, text


@pytest.mark.parametrize("weights", [[0.6, 0.4], [0.5, 0.7]])
def test_weights_summing_to_one_are_refused(tmp_path, weights):
    alts = {("request", "measure"): [{"value": v, "weight": w, "source": "S000"}
                                     for v, w in zip(("consultations", "assistance"), weights, strict=True)]}
    path = write(tmp_path, case_data(alts))
    refused(path, "facts.request.measure.alternatives", "weights sum to")


@pytest.mark.parametrize("weight", [1.0, 0.0])
def test_a_weight_outside_the_open_interval_is_refused(tmp_path, weight):
    alts = {("request", "measure"): [{"value": "consultations", "weight": weight, "source": "S000"}]}
    refused(write(tmp_path, case_data(alts)), "facts.request.measure.alternatives[0].weight", "not allowed")


def test_an_alternative_without_a_disagreements_entry_is_refused(tmp_path):
    path = write(tmp_path, case_data(disputed=[k for k in ALTERNATIVES if k != ("threat", "deaths")]))
    refused(path, "facts.threat.deaths.alternatives", "no disagreements entry")


def test_an_alternative_is_checked_like_the_fact(tmp_path):
    alts = {("request", "measure"): [{"value": "invasion", "weight": 0.3, "source": "S000"}]}
    refused(write(tmp_path, case_data(alts)), "facts.request.measure.alternatives[0].value", "invasion")


def test_derived_facts_follow_each_coding(tmp_path):
    """An alternative channel (Tokayev asking Moscow, not the organisation): the derived request.channels
    follow the coding drawn, and nothing reaches the organisation's table in those replications."""
    alts = {("request", "channel"): [{"value": "bilateral", "weight": 0.4, "source": "S002"}]}
    data = case_data(alts)
    del data["facts"]["request"]["channels"]  # the case now records its channels; here they are derived
    case = load_scenario(write(tmp_path, data))
    for _, c, _ in coding_groups(case, R, SEED):
        expected = {"organisation": "organisation", "bilateral": "lead_state"}[c.value("request.channel")]
        assert c.value("request.channels") == [{"to": expected}]
    run = simulate(case, R, seed=SEED)
    unasked = run.stance[:, 0] == -1
    assert within_binomial(int(unasked.sum()), R, 0.4)
    assert np.all(run.outcome[unasked] == Level.NONE)


def test_a_joint_recoding_takes_precedence_over_a_facts_own_draw(tmp_path):
    """A fact with an independent alternative (partner, 0.3) and one in a joint set (neutral, 0.25): the joint
    recoding, when drawn, takes precedence over the fact's independent draw, so the independent alternative's
    share is its weight times one minus the set's weight (0.3 * 0.75) and the main coding's 0.7 * 0.75."""
    alts = {("adversary", "lead_state_relation"): [
        {"value": "partner", "weight": 0.3, "source": "S002"},
        {"value": "neutral", "weight": 0.25, "set": "domestic", "source": "S002"}],
        ("request", "framing"): [{"value": "internal", "weight": 0.25, "set": "domestic", "source": "S002"}]}
    case = load_scenario(write(tmp_path, case_data(alts)))
    n = 20_000
    count: dict[str, int] = {}
    for _, c, rows in coding_groups(case, n, SEED):
        key = c.value("adversary.lead_state_relation")
        count[key] = count.get(key, 0) + len(rows)
        assert (key == "neutral") == (c.value("request.framing") == "internal")  # the set drawn together
    assert within_binomial(count["neutral"], n, 0.25)
    assert within_binomial(count["partner"], n, 0.3 * 0.75)
    assert within_binomial(count["hostile"], n, 0.7 * 0.75)


def test_a_set_with_different_weights_is_refused(tmp_path):
    """A joint recoding has one weight: a set whose facts give it different weights is refused (one line)."""
    alts = {("adversary", "lead_state_relation"): [{"value": "neutral", "weight": 0.1, "set": "s", "source": "S002"}],
            ("request", "framing"): [{"value": "internal", "weight": 0.6, "set": "s", "source": "S002"}]}
    with pytest.raises(InputError) as info:
        load_scenario(write(tmp_path, case_data(alts)))
    assert "\n" not in str(info.value) and "set" in str(info.value)


@pytest.mark.parametrize("case_id", ["armenia-2021-05", "kyrgyzstan-2010-04", "armenia-2020", "kazakhstan-2022"])
def test_coding_passes_are_the_groups_of_each_run_gathered_by_coding(case_id):
    """Many runs' groups of codings found at once (a sweep's chunk) are, run by run, those of ``coding_groups``
    with the seeds of ``group_seed``, gathered by coding in the order of their first row."""
    from model.codings import coding_passes, group_seed

    case = load_scenario(case_id)
    rng = np.random.default_rng(1)
    rows = [int(x) for x in rng.integers(1, 60, 40)]
    seeds = [int(x) for x in rng.integers(0, 2**63, 40)]
    starts = np.concatenate(([0], np.cumsum(rows)))
    expected: dict[tuple[int, ...], list] = {}
    for i, (n, seed) in enumerate(zip(rows, seeds, strict=True)):
        for k, (key, coded, idx) in enumerate(coding_groups(case, n, seed)):
            expected.setdefault(key, []).append((i, len(idx), group_seed(seed, k), starts[i] + idx, coded))
    passes = coding_passes(case, rows, seeds)
    assert [p.key for p in passes] == list(expected)
    for p in passes:
        e = expected[p.key]
        assert p.blocks.tolist() == [x[0] for x in e] and p.rows.tolist() == [x[1] for x in e]
        assert p.seeds == [x[2] for x in e]
        assert np.array_equal(p.dest, np.concatenate([x[3] for x in e])) and p.case is e[0][4]
