"""The historical record with default parameters, and the command line that replays it."""

import json

import pyarrow.parquet as pq
import pytest

from model import load_scenario, simulate
from model.cli import main
from model.ladder import LEVELS
from model.scenario import list_case_files

HISTORICAL = [p.stem for p in list_case_files() if load_scenario(p).kind == "historical"]
N, SEED = 20_000, 1


@pytest.fixture(scope="module")
def replay():
    return {case_id: simulate(case_id, N, SEED) for case_id in HISTORICAL}


def test_the_historical_cases_are_there():
    """The six training cases and the newer ones: at least fourteen in all."""
    assert len(HISTORICAL) >= 14
    assert {"kyrgyzstan-2010-04", "kyrgyzstan-2010-06", "armenia-2020", "armenia-2021-05",
            "kyrgyzstan-tajikistan-2021", "kazakhstan-2022"} <= set(HISTORICAL)


@pytest.mark.parametrize("case_id", sorted(HISTORICAL))
def test_modal_outcome_equals_the_observed_one(replay, case_id):
    res = replay[case_id]
    assert res.modal_outcome == res.observed


def test_kazakhstan_2022_is_a_quick_russian_led_deployment(replay):
    res = replay["kazakhstan-2022"]
    assert res.outcome_probabilities["deployment"] >= 0.8
    assert res.days_to_decision["p50"] <= 1.0
    assert 0.6 <= res.lead_state_share <= 0.9  # S002: about 75%; S003: 3,000 of 3,920


@pytest.mark.parametrize("case_id", ["kyrgyzstan-2010-06", "armenia-2020"])
def test_no_deployment_where_none_came(replay, case_id):
    assert replay[case_id].outcome_probabilities["deployment"] <= 0.1


def test_replay_json_lists_every_case_with_match(capsys):
    assert main(["replay", "-n", "500", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert sorted(r["scenario"] for r in runs) == sorted(HISTORICAL)
    assert all(isinstance(r["match"], bool) for r in runs)


def test_replay_table(capsys):
    assert main(["replay", "-n", "500"]) == 0
    out = capsys.readouterr().out
    assert "kazakhstan-2022" in out and "modal outcomes match" in out


def test_run_json_has_the_documented_keys(capsys):
    assert main(["run", "kazakhstan-2022", "-n", "300", "--seed", "3", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert {"scenario", "replications", "seed", "rule", "outcome_probabilities", "modal_outcome", "observed",
            "days_to_decision", "objection_rate", "mean_contribution"} <= set(run)
    assert set(run["outcome_probabilities"]) == set(LEVELS)
    assert set(run["days_to_decision"]) == {"p10", "p50", "p90"}
    assert run["seed"] == 3 and run["replications"] == 300 and run["observed"] == "deployment"


def test_run_json_observed_is_null_for_a_what_if(capsys):
    assert main(["run", "kazakhstan-2022-internal-framing", "-n", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["observed"] is None


def test_run_text_trace_and_settings(capsys):
    assert main(["run", "kyrgyzstan-2010-06", "-n", "200", "--trace", "--set", "influence=0.2",
                 "--rule", "simple_majority"]) == 0
    out = capsys.readouterr().out
    assert "round 0 (own assessment)" in out and "Uzbekistan" in out and "rule simple_majority" in out


def test_run_out_writes_per_replication_rows_and_manifest(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "kazakhstan-2022", "-n", "250", "--seed", "4", "--out", str(out)]) == 0
    table = pq.read_table(out / "replications.parquet")
    assert table.num_rows == 250 and "stance.Russia" in table.column_names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["parameters"]["influence"] == 0.6
    assert manifest["code_version"] and manifest["scenario"]["id"] == "kazakhstan-2022"
    assert main(["run", "kazakhstan-2022", "-n", "100", "--seed", "4", "--out", str(out)]) == 0  # replaces it
    assert pq.read_table(out / "replications.parquet").num_rows == 100


def test_list_shows_cases_rules_and_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "kazakhstan-2022" in out and "consensus_excluding_parties" in out and "influence" in out


def test_out_creates_missing_parent_folders(tmp_path, capsys):
    out = tmp_path / "no" / "such" / "folder" / "out"
    assert main(["run", "kazakhstan-2022", "-n", "50", "--out", str(out)]) == 0
    assert (out / "manifest.json").is_file() and (out / "trace.json").is_file()
