"""Uncertainty in every answer: the outcome probabilities' intervals (model/statistics.py outcome_intervals) are
right where the truth is known, each replication's epistemic draw is recorded, and run, replay, explain, sweeps
and their --json carry the intervals."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binomtest

from model.cli import main
from model.codings import coding_groups
from model.ladder import LEVELS, Level
from model.params import Parameters
from model.posterior import Posterior, load_posterior, simulate_posterior
from model.runs import format_run
from model.scenario import load_scenario
from model.simulate import simulate
from model.statistics import (
    INTERVAL_LEVEL,
    MIN_DEPLOYED,
    STATISTICS,
    interval_bounds,
    outcome_intervals,
    sweep_figures,
    wilson_interval,
)
from model.tables import text_table, with_interval

DEPLOY = int(Level.DEPLOYMENT)


def _synthetic(p_groups, n, seed=3):
    """Replications in groups of ``n``, group g deploying with probability p_groups[g] (else none)."""
    rng = np.random.default_rng(seed)
    outcome = np.concatenate([np.where(rng.random(n) < p, DEPLOY, 0) for p in p_groups])
    return outcome, np.repeat(np.arange(len(p_groups)), n)


# --- the statistic, against known truth -------------------------------------------------------------------

def test_wilson_interval_is_the_wilson_score_interval():
    for x, n in ((0, 50), (7, 50), (31, 40), (100, 100), (3, 100_000)):
        ci = binomtest(x, n).proportion_ci(confidence_level=INTERVAL_LEVEL, method="wilson")
        assert wilson_interval(x, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_one_group_is_the_monte_carlo_interval():
    outcome, _ = _synthetic([0.3], 2000)
    lo, hi = interval_bounds(outcome)
    w = wilson_interval(int((outcome == DEPLOY).sum()), outcome.size)
    assert (lo[DEPLOY], hi[DEPLOY]) == pytest.approx(w, abs=1e-12)
    assert interval_bounds(outcome, np.zeros(outcome.size, int))[0][DEPLOY] == pytest.approx(w[0], abs=1e-12)


def test_spread_between_groups_is_recovered_with_the_binomial_noise_removed():
    """200 groups of 50 replications with known probabilities from Beta(4, 6): the interval is their 5th-95th
    percentile, not the (wider) spread of the noisy per-group shares."""
    truth = np.random.default_rng(11).beta(4, 6, 200)
    outcome, draw = _synthetic(truth, 50)
    lo, hi = interval_bounds(outcome, draw)
    true_lo, true_hi = np.quantile(truth, [0.05, 0.95])
    assert lo[DEPLOY] == pytest.approx(true_lo, abs=0.04)
    assert hi[DEPLOY] == pytest.approx(true_hi, abs=0.04)
    shares = np.array([(outcome[draw == g] == DEPLOY).mean() for g in range(200)])
    naive_lo, naive_hi = np.quantile(shares, [0.05, 0.95])
    assert hi[DEPLOY] - lo[DEPLOY] < naive_hi - naive_lo


def test_no_spread_between_groups_gives_about_the_monte_carlo_interval():
    """Every group at 0.3: the per-group shares spread by +-0.1 from noise alone; the interval stays near the
    Monte Carlo interval of the whole run."""
    outcome, draw = _synthetic([0.3] * 200, 50, seed=5)
    lo, hi = interval_bounds(outcome, draw)
    w_lo, w_hi = wilson_interval(int((outcome == DEPLOY).sum()), outcome.size)
    assert lo[DEPLOY] <= 0.3 <= hi[DEPLOY]
    assert hi[DEPLOY] - lo[DEPLOY] < 3 * (w_hi - w_lo) < 0.1


def test_two_codings_far_apart_give_an_interval_that_spans_them():
    """A coding of weight 0.7 at p = 0.1 and one of 0.3 at p = 0.9: the 5th percentile is the first, the 95th the
    second (the distribution over codings is what the interval reports, not a mean and its noise)."""
    rng = np.random.default_rng(2)
    outcome = np.concatenate([np.where(rng.random(7000) < 0.1, DEPLOY, 0), np.where(rng.random(3000) < 0.9, DEPLOY, 0)])
    draw = np.repeat([0, 1], [7000, 3000])
    lo, hi = interval_bounds(outcome, draw)
    assert lo[DEPLOY] == pytest.approx(0.1, abs=0.02) and hi[DEPLOY] == pytest.approx(0.9, abs=0.02)


def test_every_rung_has_an_interval_around_its_probability():
    truth = np.random.default_rng(4).uniform(0, 1, 100)
    outcome, draw = _synthetic(truth, 30)
    iv = outcome_intervals(outcome, draw)
    shares = np.bincount(outcome, minlength=len(LEVELS)) / outcome.size
    assert list(iv) == list(LEVELS)
    for lvl, p in zip(LEVELS, shares, strict=True):
        assert 0 <= iv[lvl]["lo"] <= p <= iv[lvl]["hi"] <= 1


# --- the draws a result records -----------------------------------------------------------------------------

def test_a_posterior_of_one_set_collapses_to_the_monte_carlo_interval():
    case = load_scenario("hypothetical-request")
    assert not case.alternatives
    one = Posterior(path=Path("one-set"), sha256="", sets=(Parameters(),), weights=np.array([1.0]),
                    calibrated=("influence",), record={}, ids=(7,))
    res = simulate_posterior(case, one, 3000, 5)
    assert res.draw.shape == (3000,)  # found when first asked for, from the blocks' sets and seeds
    assert res.draw_groups == [{"set": 7, "coding": []}]
    deployed = int((res.outcome == DEPLOY).sum())
    assert 0 < deployed < res.replications
    iv = res.outcome_intervals["deployment"]
    assert (iv["lo"], iv["hi"]) == pytest.approx(wilson_interval(deployed, 3000), abs=1e-6)
    assert res.uncertainty["posterior_sets"] == 1 and res.uncertainty["draws"] == 1


def test_a_posterior_run_records_each_replications_set():
    post = load_posterior("shipped")
    res = simulate_posterior(load_scenario("hypothetical-request"), post, 2000, 3)
    per_set = res.posterior["replications_per_set"]
    assert res.draw_groups is None and res.draw.shape == (2000,)
    assert len(res.draw_groups) == len(per_set)
    counts = np.bincount(res.draw, minlength=len(res.draw_groups))
    assert {str(g["set"]): int(c) for g, c in zip(res.draw_groups, counts, strict=True)} == per_set
    assert res.uncertainty["posterior_sets"] == len(per_set)
    assert res.to_dict()["outcome_intervals"] == res.outcome_intervals


def test_codings_are_the_draws_of_a_run_without_posterior():
    case = load_scenario("armenia-2020")
    assert case.alternatives
    res = simulate(case, 4000, 9)
    groups = coding_groups(case, 4000, 9)
    assert res.draw_groups is None  # found when first asked for (the draws simulate made, from the case and seed)
    assert res.draw.shape == (4000,)
    assert len(res.draw_groups) == len(groups) > 1
    for g, (key, _, idx) in enumerate(groups):
        assert res.draw_groups[g]["coding"] == list(key)
        assert np.array_equal(np.flatnonzero(res.draw == g), np.sort(idx))
    assert res.uncertainty["over"] == "codings of the facts"
    # the interval spans the codings' own probabilities (each group's share, up to noise)
    shares = [float(np.mean(res.outcome[res.draw == g] == Level.MISSION)) for g in range(len(groups))]
    iv = res.outcome_intervals["mission"]
    assert iv["lo"] <= min(shares) + 0.02 and iv["hi"] >= max(shares) - 0.05


# --- sweeps -----------------------------------------------------------------------------------------------------

def test_sweep_records_interval_columns_when_uncertain(tmp_path):
    from model.sweep import factors
    from model.sweep.experiment import Experiment
    from model.sweep.runner import SweepOptions, run_sweep
    from model.sweep.store import read_results

    figures = ("outcome_probabilities", "modal_outcome")
    assert sweep_figures(figures, None, [load_scenario("hypothetical-request")]) == figures
    assert sweep_figures(figures, None, [load_scenario("armenia-2020")])[1] == "outcome_intervals"
    exp = Experiment.build(scenarios=[load_scenario("hypothetical-request")], design="full_factorial",
                           factors=[factors.levels("influence", [0.2, 0.8])], replications=400, seed=3,
                           figures=figures, posterior="shipped", name="intervals")
    assert run_sweep(exp, SweepOptions(out=tmp_path / "out", quiet=True)).status == "complete"
    table = read_results(tmp_path / "out").to_pylist()
    assert len(table) == 2
    for row in table:
        for lvl in LEVELS:
            assert row[f"p_{lvl}_lo"] <= row[f"p_{lvl}"] <= row[f"p_{lvl}_hi"]
    assert STATISTICS["outcome_intervals"].columns([]) == [f"p_{lvl}_{b}" for lvl in LEVELS for b in ("lo", "hi")]


# --- what the commands print ----------------------------------------------------------------------------------

def test_replay_json_carries_intervals(capsys):
    assert main(["replay", "-n", "300", "--json"]) == 0
    cases = json.loads(capsys.readouterr().out)
    assert len(cases) == 15
    for c in cases:
        assert c["intervals"]["posterior_sets"] > 1 and c["intervals"]["level"] == INTERVAL_LEVEL
        for lvl in LEVELS:
            iv = c["outcome_intervals"][lvl]
            assert iv["lo"] <= c["outcome_probabilities"][lvl] <= iv["hi"]


def test_run_prints_intervals_and_point_parameters_are_monte_carlo(capsys):
    assert main(["run", "hypothetical-request", "-n", "500", "--posterior", "none", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["intervals"]["draws"] == 1 and rec["intervals"]["over"] == "Monte Carlo noise only"
    x = round(rec["outcome_probabilities"]["deployment"] * 500)
    assert (rec["outcome_intervals"]["deployment"]["lo"], rec["outcome_intervals"]["deployment"]["hi"]) == \
        pytest.approx(wilson_interval(x, 500), abs=1e-6)
    assert main(["run", "hypothetical-request", "-n", "500"]) == 0  # over the posterior by default
    out = capsys.readouterr().out
    p, iv = None, None
    for line in out.splitlines():
        if line.strip().startswith("deployment"):
            p, iv = line.split()[1], line.split()[2]
    assert p is not None and iv.startswith("[") and "posterior sets" in out


def test_explain_json_carries_intervals(capsys):
    assert main(["explain", "kazakhstan-2022", "-n", "300", "--json", "--posterior", "none"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert set(rep["outcome_intervals"]) == set(LEVELS)
    for e in rep["counterfactuals"]["flips"]:
        assert e["interval"]["lo"] <= e["probability"] <= e["interval"]["hi"]


def _member_table(text):
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("member"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("("))
    return lines[start:end]


def test_troop_figures_are_withheld_below_the_minimum_and_say_from_how_many():
    res = simulate(load_scenario("kazakhstan-2022"), 2000, 1)
    shown = format_run(res)
    assert f"over the {res.deployed_replications:,} of 2,000 replications that deployed" in shown
    few = res.outcome.copy()
    few[few == DEPLOY] = 0
    few[: MIN_DEPLOYED - 1] = DEPLOY
    text = format_run(dataclasses.replace(res, outcome=few))
    assert f"withheld: {MIN_DEPLOYED - 1} of 2,000 replications deployed" in text
    assert "Russia's share of the troops deployed: - (" in text
    rows = _member_table(text)[1:]
    assert rows and all(row.split()[-1] == "-" for row in rows)


def test_member_table_heads_line_up_with_their_columns():
    res = simulate(load_scenario("kazakhstan-2022"), 500, 1)
    head, *rows = _member_table(format_run(res))
    for name in ("support", "acquiesce", "delay", "object", "mean troops"):  # right-aligned: the ends line up
        end = head.index(name) + len(name)
        assert all(len(row) >= end and row[end - 1] != " " and (len(row) == end or row[end] == " ") for row in rows)
    start = head.index("dominant reason")  # left-aligned: the starts line up
    assert all(row[start] != " " and row[start - 1] == " " for row in rows)


def test_text_table_and_interval_format():
    lines = text_table(["a", "long head"], [["xx", 1], ["y", 22]], "<>")
    assert lines == ["a   long head", "xx          1", "y          22"]
    assert with_interval(0.6234, {"lo": 0.48, "hi": 0.771}) == "0.62 [0.48-0.77]"
    with pytest.raises(ValueError):
        text_table(["a"], [["x", "y"]])


def test_the_recorded_codings_are_those_the_replications_ran_under():
    """armenia-2020 at the defaults: no replication under the main coding of the request (to the lead state) ends
    in a mission; under the recoding that puts it to the organisation most do. The draws a result records (with
    and without a posterior) must sort the replications accordingly."""
    case = load_scenario("armenia-2020")
    two = Posterior(path=Path("two-sets"), sha256="", sets=(Parameters(), Parameters()), weights=np.array([0.5, 0.5]),
                    calibrated=("influence",), record={}, ids=(1, 2))
    for res in (simulate(case, 3000, 2), simulate_posterior(case, two, 3000, 2)):
        draw = res.draw
        to_org = np.array([g["coding"][1] == 1 for g in res.draw_groups])[draw]
        mission = res.outcome == Level.MISSION
        assert to_org.any() and not mission[~to_org].any() and mission[to_org].mean() > 0.8
    assert {g["set"] for g in res.draw_groups} == {1, 2}
