"""The calibrated posterior shipped as data (calibration/) and used by every command: the stale guard, the
per-replication draws (model/posterior.py), reproducibility, and each command's --posterior."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model.cli import main
from model.files.formats import CALIBRATION_FORMAT
from model.params import SPECS, Parameters
from model.posterior import (
    Posterior,
    RunSpec,
    load_posterior,
    parameter_columns,
    read_posterior,
    shipped_folder,
    simulate_posterior,
    simulate_runs,
)
from model.scenario import load_scenario
from model.seeds import derive_seed
from model.simulate import simulate
from model.sweep.evaluate import point_seed

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "calibration"


@pytest.fixture(scope="module")
def shipped() -> Posterior:
    return read_posterior(SHIPPED)


def toy(weights, rounds=(4, 4, 4, 4), noise=(0.05, 0.3, 0.6, 1.2)) -> Posterior:
    """A posterior of a few hand-made sets (noise and rounds differ) with the given weights."""
    sets = tuple(Parameters().replace(noise=n, rounds=r) for n, r in zip(noise, rounds, strict=True))
    w = np.asarray(weights, dtype=float)
    return Posterior(path=Path("toy"), sha256="0" * 64, sets=sets, weights=w / w.sum(), calibrated=("noise", "rounds"),
                     record={"command": "toy", "seed": 0}, ids=tuple(range(len(sets))))


# -- the shipped posterior -----------------------------------------------------------------------------

def test_the_shipped_posterior_is_current(shipped):
    """The parameters of calibration/posterior.parquet are the model's: if this fails, regenerate it with the
    command its calibration.json gives (README: 'The calibrated posterior')."""
    table = pq.read_table(SHIPPED / "posterior.parquet")
    assert parameter_columns(table.column_names) == list(SPECS), f"regenerate it with: {shipped.command}"
    rec = json.loads((SHIPPED / "calibration.json").read_text())
    assert rec["format"] == CALIBRATION_FORMAT and set(rec["parameters"]["calibrated"]) <= set(SPECS)
    assert rec["command"].startswith("csto-sim calibrate ") and rec["command"].endswith(" --out calibration")
    assert f"--seed {rec['seed']}" in rec["command"] and rec["code_version"]
    assert rec["cases"] and all(len(c["sha256"]) == 64 and not Path(c["path"]).is_absolute() for c in rec["cases"])
    assert len(shipped) == rec["accepted"] and shipped.weights.sum() == pytest.approx(1.0)


def test_the_shipped_folder_is_found_from_anywhere(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert shipped_folder().resolve() == SHIPPED.resolve()
    monkeypatch.setenv("CSTO_SIM_CALIBRATION", str(tmp_path / "elsewhere"))
    assert shipped_folder() == tmp_path / "elsewhere"
    assert load_posterior("none") is None and load_posterior(None) is None


def _stale_copy(tmp_path: Path, change) -> Path:
    folder = tmp_path / "stale"
    shutil.copytree(SHIPPED, folder)
    table = pq.read_table(folder / "posterior.parquet")
    pq.write_table(change(table), folder / "posterior.parquet")
    return folder


@pytest.mark.parametrize("change, fragment", [
    (lambda t: t.drop_columns([next(iter(SPECS))]), f"(the model's {next(iter(SPECS))} missing): "),
    (lambda t: t.append_column("retired_weight", pa.array([1.0] * t.num_rows)), "(retired_weight no longer the model's): "),
])
def test_a_stale_posterior_fails_in_one_line_with_the_command_to_regenerate_it(capsys, tmp_path, shipped, change,
                                                                               fragment):
    folder = _stale_copy(tmp_path, change)
    for argv in (["run", "kazakhstan-2022", "-n", "10", "--posterior", str(folder)],
                 ["replay", "-n", "10", "--posterior", str(folder)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"error: {folder / 'posterior.parquet'}: parameters: stale posterior (") and "\n" not in err
        assert fragment in err and f"regenerate it with: {shipped.command}" in err
        assert "(allowed: the parameters of model/params.py: " in err and "Traceback" not in err


def test_the_stale_shipped_posterior_stops_replay_by_default(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CSTO_SIM_CALIBRATION", str(_stale_copy(tmp_path, lambda t: t.drop_columns(["noise"]))))
    assert main(["replay", "-n", "10"]) == 2
    assert "stale posterior (the model's noise missing): regenerate it with: " in capsys.readouterr().err
    assert main(["replay", "-n", "10", "--posterior", "none"]) == 0


# -- the draws -----------------------------------------------------------------------------------------

def test_replications_draw_the_sets_with_the_posteriors_weights():
    post = toy([0.5, 0.25, 0.25, 0.0])
    counts = post.counts(200_000, 3)
    assert counts.sum() == 200_000 and counts[3] == 0
    np.testing.assert_allclose(counts[:3] / 200_000, [0.5, 0.25, 0.25], atol=0.005)
    uniform = toy([1, 1, 1, 1]).counts(200_000, 4)
    np.testing.assert_allclose(uniform / 200_000, 0.25, atol=0.005)
    assert np.array_equal(post.draw_sets(1000, 9), post.draw_sets(1000, 9))
    assert not np.array_equal(post.draw_sets(1000, 9), post.draw_sets(1000, 10))


def test_each_set_drawn_is_a_block_identical_to_its_own_simulate_call():
    """Set k drawn n_k times runs as simulate(case, n_k, derive_seed(seed, 1, k), params=set_k), rounds
    differing between sets (grouped: one pass per value) included; the blocks in the posterior's order."""
    post = toy([1, 2, 3, 4], rounds=(2, 4, 2, 6))
    case = load_scenario("hypothetical-request")
    res = simulate_posterior(case, post, 3000, 11, trace=True)
    counts = post.counts(3000, 11)
    start = 0
    for k in np.flatnonzero(counts):
        alone = simulate(case, int(counts[k]), derive_seed(11, 1, int(k)), params=post.sets[k], trace=start == 0)
        block = slice(start, start + int(counts[k]))
        for name in ("outcome", "days", "stance", "contribution"):
            np.testing.assert_array_equal(getattr(res, name)[block], getattr(alone, name))
        if start == 0:
            assert res.trace == alone.trace
        start += int(counts[k])
    assert start == 3000 and res.replications == 3000 and res.seed == 11
    assert res.posterior["replications_per_set"] == {str(k): int(counts[k]) for k in np.flatnonzero(counts)}


def test_runs_side_by_side_are_the_runs_alone():
    post = toy([1, 1, 1, 1], rounds=(3, 4, 3, 4))
    case = load_scenario("kazakhstan-2022")
    specs = [RunSpec(500, 1), RunSpec(300, 2, {"influence": 0.2}), RunSpec(200, 3, {"rounds": 5})]
    together = simulate_runs(case, post, specs)
    for spec, res in zip(specs, together, strict=True):
        alone = simulate_posterior(case, post, spec.replications, spec.seed, overrides=spec.fixed)
        np.testing.assert_array_equal(res.outcome, alone.outcome)
        np.testing.assert_array_equal(res.stance, alone.stance)
        assert res.params == Parameters().replace(**spec.fixed) and res.posterior == alone.posterior


def test_same_seed_same_results_over_the_shipped_posterior(shipped):
    case = load_scenario("kyrgyzstan-2010-06")
    a, b = simulate_posterior(case, shipped, 2000, 5), simulate_posterior(case, shipped, 2000, 5)
    for name in ("outcome", "days", "stance", "reason", "contribution"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.posterior == b.posterior and a.seed == 5
    c = simulate_posterior(case, shipped, 2000, 6)
    assert not np.array_equal(a.days, c.days)


def test_integrating_over_the_posterior_changes_a_forecast(shipped):
    """The shipped posterior's sets differ from the defaults enough to move a case's outcome distribution."""
    case = load_scenario("hypothetical-request")
    post, plain = simulate_posterior(case, shipped, 4000, 1), simulate(case, 4000, 1)
    p, q = post.outcome_probabilities, plain.outcome_probabilities
    assert max(abs(p[k] - q[k]) for k in p) > 0.05, (p, q)
    assert post.posterior["sets_drawn"] > 50 and len({s.noise for s in shipped.sets}) > 50


# -- the commands ----------------------------------------------------------------------------------------

def test_replay_integrates_over_the_shipped_posterior_by_default(capsys, shipped):
    assert main(["replay", "-n", "300", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert all(r["posterior"]["sha256"] == shipped.sha256 for r in runs)
    assert runs[0]["posterior"]["calibration_command"] == shipped.command and runs[0]["seed"] == 1
    assert main(["replay", "-n", "300", "--json", "--posterior", "none"]) == 0
    assert all("posterior" not in r for r in json.loads(capsys.readouterr().out))
    assert main(["replay", "-n", "300"]) == 0
    out = capsys.readouterr().out
    assert "drawn per replication from the posterior in " in out and shipped.command in out


def test_run_takes_the_shipped_posterior_with_no_value_and_records_the_draws(capsys, tmp_path, shipped):
    out = tmp_path / "run"
    assert main(["run", "kazakhstan-2022", "-n", "400", "--seed", "3", "--posterior", "--out", str(out)]) == 0
    assert shipped.command in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    block = manifest["posterior"]
    assert manifest["seed"] == 3 and block["sha256"] == shipped.sha256
    assert sum(block["replications_per_set"].values()) == 400 and block["sets_drawn"] == len(block["replications_per_set"])
    assert main(["run", "kazakhstan-2022", "-n", "50"]) == 0  # over the shipped posterior by default
    assert shipped.command in capsys.readouterr().out
    assert main(["run", "kazakhstan-2022", "-n", "50", "--posterior", "none"]) == 0
    assert "no posterior" in capsys.readouterr().out


def test_explain_integrates_over_a_posterior(capsys, shipped):
    assert main(["explain", "hypothetical-request", "-n", "300", "--no-search", "--posterior", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["posterior"]["sha256"] == shipped.sha256 and "highest weight" in rep["posterior"]["internals"]
    expected = simulate_posterior(load_scenario("hypothetical-request"), shipped, 300, 1).outcome_probabilities
    assert rep["outcome_probabilities"] == expected


EXPERIMENT = """format: csto-sim/experiment-1
name: over-posterior
scenarios: [kazakhstan-2022, hypothetical-request]
vary:
  influence: {{values: [0.2, 0.8]}}
design: full_factorial
replications: 200
seed: 31
{extra}"""


def test_a_sweep_draws_each_points_replications_from_the_posterior(tmp_path, shipped):
    (tmp_path / "exp.yaml").write_text(EXPERIMENT.format(extra="posterior: shipped\n"))
    assert main(["sweep", str(tmp_path / "exp.yaml"), "--out", str(tmp_path / "a"), "-w", "1", "-q"]) == 0
    assert main(["sweep", str(tmp_path / "exp.yaml"), "--out", str(tmp_path / "b"), "-w", "1", "-q",
                 "--posterior", "none"]) == 0
    a = pq.read_table(tmp_path / "a" / "results.parquet").to_pylist()
    b = pq.read_table(tmp_path / "b" / "results.parquet").to_pylist()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["posterior"]["sha256"] == shipped.sha256
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["posterior"] is None
    for row in a:  # each point: the posterior run of its own seed, its factor fixed on every set
        res = simulate_posterior(load_scenario(row["scenario"]), shipped, 200, point_seed(31, row["point"]),
                                 overrides={"influence": row["influence"]})
        assert row["p_deployment"] == pytest.approx(res.outcome_probabilities["deployment"], abs=1e-12)
    assert any(x["p_deployment"] != y["p_deployment"] for x, y in zip(a, b, strict=True))


def test_a_sweep_with_a_bad_posterior_is_one_line(capsys, tmp_path):
    (tmp_path / "exp.yaml").write_text(EXPERIMENT.format(extra=f"posterior: {tmp_path / 'nope'}\n"))
    assert main(["sweep", str(tmp_path / "exp.yaml"), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {tmp_path / 'exp.yaml'}: posterior: ") and "no such folder" in err and "\n" not in err
    (tmp_path / "exp.yaml").write_text(EXPERIMENT.format(extra="posterior: [1]\n"))
    assert main(["sweep", str(tmp_path / "exp.yaml"), "--dry-run"]) == 2
    assert "posterior: expected a folder" in capsys.readouterr().err


# validate calibrates on each fold's training cases itself (leave-one-case-out): it takes no --posterior
@pytest.mark.parametrize("command", [["run", "kazakhstan-2022"], ["replay"], ["explain", "kazakhstan-2022"]])
def test_a_missing_posterior_folder_is_exit_2_one_line(capsys, tmp_path, command):
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command[0] == "run" else []
    assert main([*command, "-n", "10", "--posterior", str(tmp_path / "nope"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: command line: --posterior: {tmp_path / 'nope'}: no such folder (allowed: a folder written "
                   "by 'csto-sim calibrate' (posterior.parquet and calibration.json))")
    assert not out.exists()


# -- regenerating the shipped calibration in place ---------------------------------------------------------

def test_the_one_command_regenerates_a_calibration_folder_kept_without_its_sweep_files(tmp_path, capsys):
    argv = ["calibrate", "--draws", "20", "--replications", "10", "--accept", "0.2", "--seed", "3", "--workers", "1",
            "--quiet", "--out", str(tmp_path / "cal")]
    assert main(argv) == 0
    before = (tmp_path / "cal" / "posterior.parquet").read_bytes()
    for name in ("chunks", "results.parquet", "manifest.json"):  # what git does not keep of calibration/
        path = tmp_path / "cal" / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    assert main(argv) == 0
    assert (tmp_path / "cal" / "posterior.parquet").read_bytes() == before
    rec = json.loads((tmp_path / "cal" / "calibration.json").read_text())
    assert rec["command"] == "csto-sim calibrate --draws 20 --replications 10 --accept 0.2 --seed 3 --out " + str(
        tmp_path / "cal")
    assert read_posterior(tmp_path / "cal").command == rec["command"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".csto-sim")]


def test_a_regeneration_that_stops_puts_the_kept_files_back(tmp_path):
    from model.calibrate.posterior import KEPT, regenerating

    folder = tmp_path / "cal"
    folder.mkdir()
    for name in KEPT:
        (folder / name).write_text(name)
    with pytest.raises(KeyboardInterrupt), regenerating(folder):
        assert not any(folder.iterdir())  # set aside while the command runs
        raise KeyboardInterrupt
    assert {p.name: p.read_text() for p in folder.iterdir()} == {n: n for n in KEPT}
    (folder / "other.txt").write_text("mine")  # not a kept calibration: left to the output-folder check
    with regenerating(folder):
        assert (folder / "calibration.json").is_file()
