"""Calibration: priors in their one typed place, scores against hand-computed values, the distance, the
acceptance, parameter recovery, the calibrate command and runs with --posterior."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from model import load_scenario, simulate
from model.calibrate import abc
from model.calibrate.abc import Setup, Target, accept, calibrate, observed_share, weighted_quantile
from model.calibrate.posterior import read_posterior, simulate_posterior
from model.calibrate.scores import brier_deployment, rps
from model.cli import main
from model.ladder import LEVELS, OLD_LEVELS
from model.params import SPECS, Parameters

# -- priors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_every_parameter_has_a_prior_inside_its_bounds_with_a_reason(name):
    spec = SPECS[name]
    lo, hi = spec.prior
    assert spec.low <= lo < hi <= spec.high
    assert lo <= getattr(Parameters(), name) <= hi, "the default lies inside the prior"
    assert spec.prior_reason and spec.prior_reason != "the parameter's full admissible range"
    if spec.kind is int:
        assert lo == int(lo) and hi == int(hi)


# -- scores, by hand ---------------------------------------------------------------------------------

@pytest.mark.parametrize("observed", LEVELS)
def test_a_perfect_forecast_scores_zero(observed):
    p = {observed: 1.0}
    assert rps(p, observed) == 0.0 and brier_deployment(p, observed) == 0.0


def test_uniform_forecast_by_hand():
    assert len(LEVELS) == 5  # none, consultations, mission, assistance, deployment
    u = [0.2] * 5
    # observed none: cumulative forecast (.2, .4, .6, .8) against (1, 1, 1, 1)
    assert rps(u, "none") == pytest.approx((0.8**2 + 0.6**2 + 0.4**2 + 0.2**2) / 4) == pytest.approx(0.3, abs=1e-6)
    # observed assistance: (.2, .4, .6, .8) against (0, 0, 0, 1)
    assert rps(u, "assistance") == pytest.approx((0.2**2 + 0.4**2 + 0.6**2 + 0.2**2) / 4)
    assert brier_deployment(u, "none") == pytest.approx(0.04)
    assert brier_deployment(u, "deployment") == pytest.approx(0.64)
    u = [0.25] * 4  # on the four-level ladder
    # observed none: cumulative forecast (.25, .5, .75) against (1, 1, 1)
    assert rps(u, "none", OLD_LEVELS) == pytest.approx((0.75**2 + 0.5**2 + 0.25**2) / 3) == pytest.approx(0.291667,
                                                                                                        abs=1e-6)
    # observed assistance: (.25, .5, .75) against (0, 0, 1)
    assert rps(u, "assistance", OLD_LEVELS) == pytest.approx((0.25**2 + 0.5**2 + 0.25**2) / 3)
    q = dict.fromkeys(OLD_LEVELS, 0.25)
    assert brier_deployment(q, "none") == pytest.approx(0.0625)
    assert brier_deployment(q, "deployment") == pytest.approx(0.5625)


def test_worst_forecast_and_distance_on_the_ladder():
    assert rps({"deployment": 1.0}, "none") == 1.0
    assert brier_deployment({"deployment": 1.0}, "none") == 1.0
    # one rung off costs a quarter (of the four steps of the ladder), two rungs a half
    assert rps({"consultations": 1.0}, "none") == pytest.approx(1 / 4)
    assert rps({"mission": 1.0}, "none") == pytest.approx(2 / 4)
    # a 70/30 forecast on two neighbouring rungs, by hand: F = (0, .7, 1, 1) against observed mission (0, 0, 1, 1)
    assert rps({"consultations": 0.7, "mission": 0.3}, "mission") == pytest.approx(0.49 / 4)
    # one rung off costs a third, two rungs two thirds (four rungs)
    assert rps([0, 1, 0, 0], "none", OLD_LEVELS) == pytest.approx(1 / 3)
    assert rps([0, 0, 1, 0], "none", OLD_LEVELS) == pytest.approx(2 / 3)
    # a 70/30 forecast, by hand: F = (0, .7, 1) against observed assistance (0, 0, 1)
    assert rps([0, 0.7, 0.3, 0], "assistance", OLD_LEVELS) == pytest.approx(0.49 / 3)


def test_scores_refuse_what_is_not_a_forecast():
    with pytest.raises(ValueError):
        rps([0.5, 0.5, 0.5, 0.0], "none")
    with pytest.raises(ValueError):
        rps({"war": 1.0}, "none")
    with pytest.raises(ValueError):
        brier_deployment([1, 0, 0, 0], "victory")


# -- distance and acceptance -------------------------------------------------------------------------

def test_targets_from_the_record():
    kz = Target.from_case(load_scenario("kazakhstan-2022"))
    assert kz.levels == tuple(float(lvl == "deployment") for lvl in LEVELS) and kz.days == (0.1, 0.5)
    # Russia 1,850-3,000 of the troops; the others 200-500, 200, 150, 70-100
    assert kz.share == (round(1850 / (1850 + 500 + 200 + 150 + 100), 6), round(3000 / (3000 + 200 + 200 + 150 + 70), 6))
    assert observed_share(load_scenario("kyrgyzstan-2010-06")) is None
    with pytest.raises(ValueError):
        Target.from_case(load_scenario("hypothetical-request"))


def test_distance_terms_by_hand():
    # outcome: -log of the smoothed probability of the observed level ((200 p + 0.5) / (200 + 5 * 0.5))
    assert abc.outcome_term(np.array([0.0, 0.0, 0.0, 0.0, 1.0]), [0, 0, 0, 0, 1], 200) == pytest.approx(
        -math.log(200.5 / 202.5))
    assert abc.outcome_term(np.array([1.0, 0.0, 0.0, 0.0, 0.0]), [0, 0, 0, 0, 1], 200) == pytest.approx(
        -math.log(0.5 / 202.5))
    # days: zero inside the observed range, log-distance outside, capped; the cap when no measure passed
    assert abc.days_term(np.array([0.3, 1.0, np.nan, 1e6]), (0.1, 0.5)).tolist() == pytest.approx(
        [0.0, math.log(2.0), abc.TERM_CAP, abc.TERM_CAP])
    assert abc.share_term(np.array([0.7, 0.6, 0.9, np.nan]), (0.66, 0.83)).tolist() == pytest.approx(
        [0.0, 0.6, 0.7, abc.TERM_CAP])


@pytest.mark.parametrize("case_id", [
    "kazakhstan-2022",
    pytest.param("kyrgyzstan-2010-06", marks=pytest.mark.xfail(
        reason="issue 12: distance 0.511 at the defaults (400 replications, seed 3): the case's alternative coding "
               "'a bilateral request to Moscow only' (weight 0.35) tables nothing, so none about 0.35 against the "
               "recorded assistance", strict=True)),
    "armenia-2021-05",
])
def test_the_defaults_are_close_to_the_record(case_id):
    """Each case's distance at the defaults is small: the defaults reproduce the record."""
    case = load_scenario(case_id)
    d = abc.case_distance(simulate(case, 400, 3), Target.from_case(case))
    assert 0 <= d < 0.5, case_id


def test_accept_takes_the_closest_with_epanechnikov_weights():
    d = np.array([5.0, 0.0, 1.0, np.inf, 2.0, 3.0])
    acc = accept(d, 0.5)  # 3 of 6
    assert acc.index.tolist() == [1, 2, 4]
    h = 3.0  # the first rejected
    w = np.array([1.0, 1 - (1 / h) ** 2, 1 - (2 / h) ** 2])
    np.testing.assert_allclose(acc.weights, w / w.sum())
    assert acc.epsilon == 2.0 and acc.rate == 0.5
    assert accept(np.array([np.inf, 1.0, 2.0]), 0.01).index.tolist() == [1, 2]  # at least two
    tied = accept(np.array([0.5, 0.5, 0.5, 0.5, 2.0]), 0.4)  # 2 of 5, but four are tied: all four
    assert tied.index.tolist() == [0, 1, 2, 3] and tied.epsilon == 0.5 and tied.bandwidth == 2.0
    np.testing.assert_allclose(tied.weights, 0.25)
    assert accept(np.array([1.0, 1.0, 1.0]), 0.5).weights.tolist() == pytest.approx([1 / 3] * 3)  # none rejected
    with pytest.raises(RuntimeError):
        accept(np.array([np.inf, np.inf]), 0.5)


def test_weighted_quantile():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(x, np.ones(4), [0.5])[0] == pytest.approx(2.5)
    assert weighted_quantile(x, np.array([0, 0, 1.0, 0]), [0.05, 0.95]).tolist() == [3.0, 3.0]


def test_setup_checks_and_experiment():
    with pytest.raises(ValueError, match="draws"):
        Setup(draws=5)
    with pytest.raises(ValueError, match="accept"):
        Setup(accept=0.0)
    with pytest.raises(ValueError, match="unknown parameter"):
        Setup(parameters=("nonsense",))
    s = Setup(draws=50, parameters=("noise", "influence"), fixed=(("rounds", 6),))
    assert s.calibrated == ("influence", "noise")
    text = s.experiment_text()
    assert "influence: {range: {low: 0.2, high: 1.0}}" in text and "rounds: {values: [6]}" in text
    assert "latin_hypercube, n: 50" in text


def test_the_prior_sample_is_built_in_code_and_its_file_reads_back_as_the_same_experiment(tmp_path):
    """The experiment is built in code (no YAML text parsed back); DIR/experiment.yaml, the copy that
    'csto-sim sweep' reruns, describes exactly that experiment."""
    import dataclasses

    from model.sweep import load_experiment

    s = Setup(draws=50, parameters=("noise", "influence", "rounds"), fixed=(("threat_scale", 1.3),))
    built = abc.build_experiment(s, tmp_path / "cal")
    assert built.path == str(tmp_path / "cal" / "experiment.yaml") and built.text == s.experiment_text()
    assert [f.name for f in built.factors] == ["influence", "rounds", "noise", "threat_scale"]
    assert built.design.method == "latin_hypercube" and built.design_points == 50
    (tmp_path / "prior.yaml").write_text(s.experiment_text())
    read = load_experiment(tmp_path / "prior.yaml")
    assert dataclasses.replace(read, path=built.path) == built and read.fingerprint == built.fingerprint


# -- parameter recovery ------------------------------------------------------------------------------

TRUTH = {"threat_scale": 1.4, "noise": 0.35}
RECOVERY_CASES = ("hypothetical-request", "armenia-2020-csto-request", "kazakhstan-2022-internal-framing",
                  "kyrgyzstan-2010-06-uzbekistan-no-stake")


def test_parameter_recovery(tmp_path):
    """Outcome frequencies generated under known parameters are calibrated back to a posterior whose
    central 90% interval covers the true values (two free parameters, the others at their defaults)."""
    params = Parameters().replace(**TRUTH)
    targets = {}
    for k, case_id in enumerate(RECOVERY_CASES):
        res = simulate(case_id, 20_000, 100 + k, params=params)
        freq = np.bincount(res.outcome, minlength=len(LEVELS)) / res.replications
        targets[load_scenario(case_id).id] = Target(case_id, tuple(float(x) for x in freq))
    setup = Setup(draws=400, replications=300, seed=11, accept=0.05, scenarios=RECOVERY_CASES,
                  parameters=tuple(TRUTH), name="recovery")
    cal = calibrate(setup, tmp_path / "rec", workers=1, quiet=True, targets=targets, figure=False)
    for name, true in TRUTH.items():
        s = cal.summary[name]
        assert s["q05"] <= true <= s["q95"], (name, s)
        assert s["contraction"] > 0.3, (name, s)  # the data say something about it
    rec = json.loads((tmp_path / "rec" / "calibration.json").read_text())
    assert rec["accepted"] >= 20 and rec["parameters"]["calibrated"] == ["threat_scale", "noise"]


# -- the calibrate command and --posterior ------------------------------------------------------------

@pytest.fixture(scope="module")
def posterior_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "calibration"
    assert main(["calibrate", "--draws", "120", "--replications", "60", "--accept", "0.1", "--seed", "5",
                 "--workers", "1", "--out", str(out), "--quiet"]) == 0
    return out


def test_calibrate_writes_the_posterior_and_the_sweep(posterior_dir):
    for name in ("posterior.parquet", "calibration.json", "posterior.png", "manifest.json", "results.parquet",
                 "experiment.yaml"):
        assert (posterior_dir / name).is_file(), name
    rec = json.loads((posterior_dir / "calibration.json").read_text())
    assert rec["format"] == "csto-sim/calibration-1"
    assert rec["command"] == f"csto-sim calibrate --draws 120 --replications 60 --accept 0.1 --seed 5 --out {posterior_dir}"
    assert rec["accepted"] >= 12 and rec["acceptance_rate"] == pytest.approx(rec["accepted"] / 120)
    assert rec["seed"] == 5 and "KL" in rec["distance"]["definition"]
    assert set(rec["posterior"]) == set(SPECS) and len(rec["most_constrained"]) == 6
    table = pq.read_table(posterior_dir / "posterior.parquet")
    assert table.num_rows == rec["accepted"] and {"weight", "distance", *SPECS} <= set(table.column_names)
    assert sum(table.column("weight").to_pylist()) == pytest.approx(1.0)
    d = table.column("distance").to_pylist()
    assert d == sorted(d) and d[-1] == pytest.approx(rec["epsilon"])
    sweep = json.loads((posterior_dir / "manifest.json").read_text())
    assert sweep["format"] == "csto-sim/sweep-1" and sweep["status"] == "complete"
    historical = len(list(Path(__file__).resolve().parent.parent.joinpath("scenarios", "historical").glob("*.yaml")))
    assert historical >= 14 and sweep["design"]["points"] == 120 * historical  # every historical case


def test_calibrate_again_resumes_the_sweep(posterior_dir, capsys):
    before = (posterior_dir / "posterior.parquet").read_bytes()
    assert main(["calibrate", "--draws", "120", "--replications", "60", "--accept", "0.1", "--seed", "5",
                 "--workers", "1", "--out", str(posterior_dir), "--json", "-q"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["seconds"]["resumed_chunks"] >= 1
    assert (posterior_dir / "posterior.parquet").read_bytes() == before


def test_posterior_run_is_reproducible_and_recorded(posterior_dir, tmp_path, capsys):
    post = read_posterior(posterior_dir)
    case = load_scenario("kyrgyzstan-2010-06")
    a = simulate_posterior(case, post, 3000, 17)
    b = simulate_posterior(case, post, 3000, 17)
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.days, b.days)
    assert a.replications == 3000 and a.seed == 17
    c = simulate_posterior(case, post, 3000, 18)
    assert not np.array_equal(a.days, c.days)
    out = tmp_path / "run"
    assert main(["run", "kyrgyzstan-2010-06", "-n", "500", "--seed", "4", "--posterior", str(posterior_dir),
                 "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["posterior"]["sha256"] == post.sha256 and summary["replications"] == 500
    assert json.loads((out / "manifest.json").read_text())["posterior"]["folder"] == str(posterior_dir)


def test_a_wide_posterior_changes_the_predictive_distribution(tmp_path):
    """A posterior spread over noise moves a case whose outcome depends on it, away from the defaults' run."""
    setup = Setup(draws=40, replications=20, seed=3, accept=1.0, scenarios=("hypothetical-request",),
                  parameters=("noise",), priors=(("noise", 1.0, 2.0),), name="wide")
    case = load_scenario("hypothetical-request")
    calibrate(setup, tmp_path / "wide", quiet=True, targets={case.id: Target(case.id, (1 / len(LEVELS),) * len(LEVELS))},
              figure=False)
    post = simulate_posterior(case, tmp_path / "wide", 4000, 1)
    plain = simulate(case, 4000, 1)
    p, q = post.outcome_probabilities, plain.outcome_probabilities
    assert max(abs(p[k] - q[k]) for k in p) > 0.1, (p, q)
    assert post.posterior["sets_drawn"] > 10


def test_overrides_apply_on_top_of_the_drawn_sets(posterior_dir):
    case = load_scenario("kazakhstan-2022")
    res = simulate_posterior(case, posterior_dir, 500, 2, overrides={"influence": "0.9"})
    assert res.params.influence == 0.9 and "influence" not in res.posterior["drawn"]


# -- bad input: one line, exit 2, nothing written ----------------------------------------------------

def _fails(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and fragment in err, err


@pytest.mark.parametrize("argv, fragment", [
    (["calibrate", "--draws", "0"], "--draws: 0 is out of range (allowed: 10 to 200,000)"),
    (["calibrate", "--draws", "many"], "--draws: 'many' is not a whole number"),
    (["calibrate", "--draws", "9999999"], "--draws: 9,999,999 is out of range"),
    (["calibrate", "--accept", "0"], "--accept: 0 is out of range"),
    (["calibrate", "--accept", "x"], "--accept: 'x' is not a number"),
    (["calibrate", "--replications", "0"], "--replications: 0 is out of range"),
])
def test_bad_arguments(capsys, tmp_path, argv, fragment):
    out = tmp_path / "never"
    _fails(capsys, [*argv, "--out", str(out)], fragment)
    assert not out.exists()


def test_out_holding_something_else(capsys, tmp_path):
    (tmp_path / "other.txt").write_text("mine")
    _fails(capsys, ["calibrate", "--draws", "10", "--out", str(tmp_path)], "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


def test_posterior_folder_missing_or_not_a_posterior(capsys, tmp_path, posterior_dir):
    out = tmp_path / "run"
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(tmp_path / "nope"), "--out", str(out)],
           "--posterior: " + str(tmp_path / "nope") + ": no such folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(empty), "--out", str(out)],
           "is not a posterior folder (no posterior.parquet or calibration.json)")
    (empty / "posterior.parquet").write_bytes(b"not parquet")
    (empty / "calibration.json").write_text(json.dumps({"format": "csto-sim/calibration-1"}))
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(empty)], "posterior.parquet cannot be read")
    (empty / "calibration.json").write_text("[1, 2")
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(empty)], "calibration.json cannot be read")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(a_file)], "is not a folder")
    sweep_only = tmp_path / "sweep"
    sweep_only.mkdir()
    (sweep_only / "calibration.json").write_text(json.dumps({"format": "csto-sim/sweep-1"}))
    (sweep_only / "posterior.parquet").write_bytes((posterior_dir / "posterior.parquet").read_bytes())
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(sweep_only)], "is not of format csto-sim/calibration-1")
    assert not out.exists()


def test_posterior_with_a_value_out_of_bounds(capsys, tmp_path, posterior_dir):
    import pyarrow as pa

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "calibration.json").write_bytes((posterior_dir / "calibration.json").read_bytes())
    table = pq.read_table(posterior_dir / "posterior.parquet")
    i = table.column_names.index("influence")
    table = table.set_column(i, "influence", pa.array([5.0] * table.num_rows))
    pq.write_table(table, bad / "posterior.parquet")
    _fails(capsys, ["run", "kazakhstan-2022", "--posterior", str(bad)], "influence: 5 is out of range")


def test_posterior_run_text_says_where_the_parameters_came_from(posterior_dir, capsys):
    assert main(["run", "kazakhstan-2022", "-n", "200", "--posterior", str(posterior_dir)]) == 0
    out = capsys.readouterr().out
    assert f"parameters drawn per replication from the posterior in {posterior_dir}" in out


def test_draws_that_fail_are_left_out_and_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CSTO_SIM_FAIL_POINTS", "3")  # the sweep's testing hook: point 3 raises
    out = tmp_path / "cal"
    assert main(["calibrate", "--draws", "20", "--replications", "10", "--accept", "1", "--workers", "1",
                 "--out", str(out), "--json", "-q"]) == 1
    captured = capsys.readouterr()
    rec = json.loads(captured.out)
    assert rec["failed_draws"] == 1 and rec["accepted"] == 19
    assert 3 not in pq.read_table(out / "posterior.parquet").column("draw").to_pylist()
    assert "failed: 1 draws of the prior sample raised" in captured.err and "--retry-failed" in captured.err
