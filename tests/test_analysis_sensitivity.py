"""Sensitivity analysis (``csto-sim sensitivity``): checked on analytic functions through the same code path
the model uses (sample -> values -> outputs -> ``analyse``) before it is trusted on the model."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from model.analysis.sensitivity import analyse, noise_share, sample
from model.cli import main
from model.sweep.experiment import Distribution, Factor


def uniform(name: str, low: float, high: float) -> Factor:
    return Factor(name, "param", "real", None, Distribution("uniform", low=low, high=high))


def ishigami(values: list[tuple[float, ...]], a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = np.array(values, dtype=float)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


ISHIGAMI = [uniform(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]
# Analytic Sobol' indices of the Ishigami function (a = 7, b = 0.1; Saltelli et al. 2008, Table 4.x):
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_recovers_the_ishigami_indices():
    plan = sample("sobol", ISHIGAMI, 1024, seed=1)
    assert plan.size == 1024 * (3 + 2)  # N (D + 2) without second-order indices
    rows = {r["factor"]: r for r in analyse(plan, ishigami(plan.values), seed=1)["rows"]}
    for name in S1:
        assert rows[name]["S1"] == pytest.approx(S1[name], abs=0.05)
        assert rows[name]["ST"] == pytest.approx(ST[name], abs=0.05)
        # the bootstrap interval covers the analytic value (half-widths of about 0.03 to 0.06 at N = 1024)
        assert abs(rows[name]["S1"] - S1[name]) <= rows[name]["S1_conf"] + 0.01
        assert abs(rows[name]["ST"] - ST[name]) <= rows[name]["ST_conf"] + 0.01


def test_morris_is_exact_on_a_linear_function():
    # y = 3 a - 0.5 b with a in [0, 2], b in [-1, 1]: every elementary effect per whole range is 3 * 2 and
    # -0.5 * 2, so mu* = |effect| and sigma = 0.
    factors = [uniform("a", 0.0, 2.0), uniform("b", -1.0, 1.0)]
    plan = sample("morris", factors, 10, seed=3)
    x = np.array(plan.values, dtype=float)
    rows = {r["factor"]: r for r in analyse(plan, 3 * x[:, 0] - 0.5 * x[:, 1], seed=1)["rows"]}
    assert rows["a"]["mu_star"] == pytest.approx(6.0) and rows["a"]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert rows["b"]["mu"] == pytest.approx(-1.0) and rows["b"]["mu_star"] == pytest.approx(1.0)


def test_morris_ranks_the_ishigami_factors_like_the_total_indices():
    plan = sample("morris", ISHIGAMI, 60, seed=2)
    rows = {r["factor"]: r for r in analyse(plan, ishigami(plan.values), seed=1)["rows"]}
    # x3 acts only through its interaction with x1: its effects have both signs (mu near 0, sigma large)
    assert rows["x3"]["sigma"] > rows["x3"]["mu_star"] > abs(rows["x3"]["mu"])
    assert rows["x1"]["mu_star"] > 0 and rows["x2"]["mu_star"] > 0


def _categorical(levels: tuple[str, ...]) -> Factor:
    return Factor("c", "fact", "categorical", levels)


def test_sobol_takes_a_categorical_factor_as_a_discrete_input_whatever_the_order_of_its_levels():
    # y = x + g(c), x ~ U(0, 1), c uniform over three levels with g = 0, 1, 3: analytic S_c = Var g / Var y.
    g = {"a": 0.0, "b": 1.0, "c": 3.0}
    var_g = np.var(list(g.values()))
    expected = var_g / (var_g + 1 / 12)
    found = []
    for levels in (("a", "b", "c"), ("c", "a", "b")):
        factors = [uniform("x", 0.0, 1.0), _categorical(levels)]
        plan = sample("sobol", factors, 512, seed=5)
        y = np.array([x + g[c] for x, c in plan.values])
        rows = {r["factor"]: r for r in analyse(plan, y, seed=1)["rows"]}
        assert rows["c"]["S1"] == pytest.approx(expected, abs=0.05)
        assert rows["c"]["ST"] == pytest.approx(expected, abs=0.05)
        assert rows["x"]["ST"] == pytest.approx(1 - expected, abs=0.03)
        found.append(rows["c"]["S1"])
    # relabelling the levels changes which unit interval maps to which level, not the variance shares
    assert found[0] == pytest.approx(found[1], abs=0.05)


def test_morris_is_conditioned_on_each_level_of_a_categorical_factor():
    # y = x * k(c): the elementary effect of x is k per unit range at level c, and the level means differ
    factors = [uniform("x", 0.0, 1.0), _categorical(("low", "high"))]
    plan = sample("morris", factors, 8, seed=1)
    assert plan.size == 2 * 8 * 2  # each combination of levels runs the same 8 trajectories of D + 1 = 2 points
    k = {"low": 1.0, "high": 4.0}
    y = np.array([x * k[c] for x, c in plan.values])
    res = analyse(plan, y, seed=1)
    by_level = {r["level"]: r for r in res["rows"] if "mu_star" in r}
    assert by_level["c=low"]["mu_star"] == pytest.approx(1.0)
    assert by_level["c=high"]["mu_star"] == pytest.approx(4.0)
    means = {r["level"]: r["mean"] for r in res["rows"] if "mean" in r}
    assert means["c=high"] == pytest.approx(4 * means["c=low"])


def test_missing_outputs_are_reported_not_imputed():
    plan = sample("sobol", ISHIGAMI, 16, seed=1)
    y = ishigami(plan.values)
    y[3] = np.nan
    res = analyse(plan, y, seed=1)
    assert res["rows"] == [] and "1 of" in res["notes"][0]
    plan = sample("morris", ISHIGAMI, 6, seed=1)
    y = ishigami(plan.values)
    y[0] = np.nan  # spoils the first trajectory only
    res = analyse(plan, y, seed=1)
    assert len([r for r in res["rows"] if "mu_star" in r]) == 3
    assert "5 of 6 trajectories" in res["notes"][0]


def test_noise_share():
    assert noise_share(np.array([0.5, 0.5]), 100) is None
    p = np.array([0.0, 1.0, 0.5, 0.5])
    assert noise_share(p, 100) == pytest.approx(np.mean(p * (1 - p) / 100) / np.var(p))


EXPERIMENT = """\
format: csto-sim/experiment-1
name: tiny-sensitivity
scenarios: [kazakhstan-2022]
vary:
  threat_scale: {range: {low: 0.2, high: 2.0}}
  w_legal: {range: {low: 0.0, high: 6.0}}
  request.framing: {values: [external, internal]}
design: {method: sobol, n: 16, second_order: false}
replications: 40
seed: 7
"""


def test_sensitivity_command_on_the_model(tmp_path: Path, capsys):
    exp = tmp_path / "tiny.yaml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "sens"
    assert main(["sensitivity", str(exp), "--out", str(out), "--workers", "1", "--json", "--resamples", "50"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["points"] == 16 * (3 + 2)
    rows = report["cases"][0]["outputs"]["p_deployment"]["rows"]
    assert {r["factor"] for r in rows} == {"threat_scale", "w_legal", "request.framing"}
    assert {p.name for p in out.iterdir()} == {"indices.csv", "indices.json", "points.parquet", "manifest.json",
                                               "sensitivity.png"}
    first = (out / "sensitivity.png").read_bytes()
    # the same command again replaces the folder with the same files (deterministic figure)
    assert main(["sensitivity", str(exp), "--out", str(out), "--workers", "1", "--resamples", "50", "-q"]) == 0
    assert (out / "sensitivity.png").read_bytes() == first
    assert "threat_scale" in (out / "indices.csv").read_text()


def test_morris_from_a_one_at_a_time_experiment(tmp_path: Path, capsys):
    exp = tmp_path / "oat.yaml"
    exp.write_text(textwrap.dedent("""\
        format: csto-sim/experiment-1
        scenarios: [kazakhstan-2022]
        vary:
          threat_scale: {range: {low: 0.0, high: 3.0, steps: 4}}
          framing_credit: {range: {low: 0.0, high: 1.0, steps: 4}}
          request.framing: {values: [external, internal]}
        design: one_at_a_time
        replications: 40
        seed: 3
        """))
    assert main(["sensitivity", str(exp), "--out", str(tmp_path / "m"), "--n", "4", "-w", "1", "--resamples", "50"]) == 0
    text = capsys.readouterr().out
    assert "Morris elementary effects, 4 trajectories on a 4-level grid" in text
    report = json.loads((tmp_path / "m" / "indices.json").read_text())
    rows = report["cases"][0]["outputs"]["p_deployment"]["rows"]
    internal = {r["factor"]: r for r in rows if r["level"] == "request.framing=internal"}
    # the framing credit acts only on unrest framed as external (docs/ODD.md 7.5): no effect when internal
    assert internal["framing_credit"]["mu_star"] == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize(("extra", "field"), [
    (["--method", "sobol"], "--n"),  # a one_at_a_time design has no Sobol' n
    (["--method", "sobol", "--n", "12"], "--n"),  # not a power of 2
    (["--n", "0"], "--n"),
    (["--method", "fourier"], "--method"),
])
def test_sensitivity_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, capsys, extra, field):
    exp = tmp_path / "oat.yaml"
    exp.write_text(EXPERIMENT.replace("design: {method: sobol, n: 16, second_order: false}", "design: one_at_a_time")
                   .replace("{low: 0.2, high: 2.0}", "{low: 0.2, high: 2.0, steps: 3}")
                   .replace("{low: 0.0, high: 6.0}", "{low: 0.0, high: 6.0, steps: 3}"))
    out = tmp_path / "never"
    assert main(["sensitivity", str(exp), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and field in err
    assert not out.exists()


def test_sensitivity_refuses_a_folder_of_other_files(tmp_path: Path, capsys):
    exp = tmp_path / "tiny.yaml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["sensitivity", str(exp), "--out", str(out)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
