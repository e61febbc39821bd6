"""Parameter sweeps (``csto-sim sweep``): the same rows whatever runs them, resumable after a kill,
failures recorded, designs with the points they promise, and one-line errors for bad experiment files."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from model import load_scenario, simulate
from model.cli import main
from model.errors import InputError
from model.files.lock import LOCK_NAME, FolderLock, LockHeld, Owner
from model.params import SPECS
from model.sweep import Experiment, SweepOptions, factors, load_experiment, read_results, run_sweep
from model.sweep.design import BASELINE, build_design
from model.sweep.evaluate import point_seed
from model.sweep.progress import Progress
from model.sweep.types import DesignSpec

BASE = """\
format: csto-sim/experiment-1
scenarios: [kazakhstan-2022]
vary:
  influence: {range: {low: 0, high: 1, steps: 3}}
design: full_factorial
replications: 10
seed: 1
"""

# 2 cases x 3 x 2 x 2 = 24 points in 5 chunks, with per-replication rows.
SMALL = """\
format: csto-sim/experiment-1
name: small
scenarios: [kazakhstan-2022, kyrgyzstan-2010-06]
vary:
  influence: {range: {low: 0.2, high: 1.0, steps: 3}}
  rule: {values: [consensus, simple_majority]}
  request.framing: {values: [external, internal]}
design: full_factorial
replications: 300
seed: 11
chunk_points: 5
record: [outcome_probabilities, modal_outcome, days_to_decision, objection_rate, lead_state_share, per_replication]
"""

# 60 chunks of a few points each: long enough to be killed in the middle.
LONG = """\
format: csto-sim/experiment-1
name: long
scenarios: [kazakhstan-2022]
vary:
  influence: {range: {low: 0, high: 1, steps: 30}}
  threat_scale: {range: {low: 0.5, high: 2, steps: 8}}
design: full_factorial
replications: 3000
seed: 5
chunk_points: 4
"""


def write(tmp_path: Path, text: str, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def sweep(*args: object) -> int:
    return main(["sweep", *map(str, args)])


def cli_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "model.cli", "sweep", *map(str, args)]


# --------------------------------------------------------------------------------------------------
# The same rows whatever runs them
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("small")
    exp = write(tmp, SMALL)
    assert sweep(exp, "--out", tmp / "w1", "--workers", 1, "--quiet") == 0
    return exp, tmp / "w1"


def _replication_tables(out: Path):
    return [pq.read_table(p) for p in sorted((out / "replications").glob("chunk-*.parquet"))]


def test_one_point_of_a_sweep_is_one_call_of_simulate(small_reference):
    exp_path, out = small_reference
    table = read_results(out)
    assert table.column("point").to_pylist() == list(range(24))
    exp = load_experiment(exp_path)
    seeds = np.random.SeedSequence(11).spawn(24)
    row = table.slice(17, 1).to_pylist()[0]
    assert row["seed"] == point_seed(11, 17) == int(seeds[17].generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert row["scenario"] == "kyrgyzstan-2010-06" and row["rule"] == "consensus"
    from model.scenario import with_facts

    case = with_facts(exp.scenarios[1], {"request.framing": row["request.framing"]})
    res = simulate(case, 300, row["seed"], rule=row["rule"], overrides={"influence": row["influence"]})
    assert row["p_deployment"] == res.outcome_probabilities["deployment"]
    assert row["objection_rate.Uzbekistan"] == pytest.approx(res.objection_rate["Uzbekistan"], abs=1e-6)
    assert row["objection_rate.Armenia"] is not None
    kaz = table.slice(0, 1).to_pylist()[0]
    assert kaz["objection_rate.Uzbekistan"] is None  # not a member in 2022: null, not zero
    reps = _replication_tables(out)
    assert sum(t.num_rows for t in reps) == 24 * 300


# --------------------------------------------------------------------------------------------------
# Interruptions
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    tmp = tmp_path_factory.mktemp("long")
    exp = write(tmp, LONG)
    assert sweep(exp, "--out", tmp / "ref", "--workers", 2, "--quiet") == 0
    return exp, (tmp / "ref" / "results.parquet").read_bytes()


def _start_and_wait_for_a_chunk(exp: Path, out: Path, **popen) -> subprocess.Popen:
    proc = subprocess.Popen(cli_command(exp, "--out", out, "--workers", 2), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)
    deadline = time.monotonic() + 60
    while not list((out / "chunks").glob("chunk-*.parquet")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return proc


def test_a_sweep_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_rows(long_reference, tmp_path):
    exp, expected = long_reference
    out = tmp_path / "killed"
    proc = _start_and_wait_for_a_chunk(exp, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    left = len(list((out / "chunks").glob("chunk-*.parquet")))
    assert 1 <= left < 60
    assert sweep(exp, "--out", out, "--workers", 2, "--quiet") == 0
    table = read_results(out)
    assert table.column("point").to_pylist() == list(range(240))  # every point once, in order
    assert (out / "results.parquet").read_bytes() == expected
    assert not [p for p in out.rglob("*.tmp")]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sessions"][0]["status"].startswith("killed")
    assert manifest["sessions"][1]["chunks_skipped"] >= left


def test_ctrl_c_stops_cleanly_says_how_to_resume_and_resumes(long_reference, tmp_path):
    exp, expected = long_reference
    out = tmp_path / "interrupted"
    proc = _start_and_wait_for_a_chunk(exp, out, start_new_session=True)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground process group
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # pragma: no cover - finished before the signal landed
        pytest.skip("the sweep finished before it could be interrupted")
    assert proc.returncode == 130
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and last.endswith("chunks done; run the same command again to resume")
    assert "Traceback" not in err
    partial = read_results(out)  # analyses can read what is there
    assert 0 < partial.num_rows < 240
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert not (out / "results.parquet").exists()
    assert sweep(exp, "--out", out, "--workers", 1, "--quiet") == 0
    assert (out / "results.parquet").read_bytes() == expected


def _chunks_on_disk(out: Path) -> set[str]:
    return {str(int(p.stem.split("-")[1])) for p in (out / "chunks").glob("chunk-*.parquet")}


def _assert_manifest_matches_the_disk(out: Path) -> dict:
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = _chunks_on_disk(out)
    assert set(manifest["chunks"]["timings"]) == on_disk
    assert manifest["chunks"]["done"] == len(on_disk)
    session = manifest["sessions"][-1]
    assert session["chunks_run"] + session["chunks_skipped"] == len(on_disk) and session["end"] is not None
    return manifest


def test_sigterm_stops_like_ctrl_c_and_the_manifest_matches_the_chunks_on_disk(long_reference, tmp_path):
    exp, expected = long_reference
    out = tmp_path / "terminated"
    proc = _start_and_wait_for_a_chunk(exp, out)
    proc.send_signal(signal.SIGTERM)  # what a cluster's job manager sends
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # pragma: no cover - finished before the signal landed
        pytest.skip("the sweep finished before it could be stopped")
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("interrupted: ")
    manifest = _assert_manifest_matches_the_disk(out)
    assert manifest["status"] == "interrupted" and manifest["sessions"][-1]["status"] == "interrupted"
    assert sweep(exp, "--out", out, "--workers", 2, "--quiet") == 0
    assert (out / "results.parquet").read_bytes() == expected


def test_chunks_finishing_while_a_pool_stops_keep_their_timings(long_reference, tmp_path, monkeypatch):
    """Ctrl-C lands while chunks run: those finish during the pool's shutdown, and their timings and the
    session's count are recorded, not lost."""
    exp, expected = long_reference
    update = Progress.update
    calls = []

    def interrupt_once(self, points):
        update(self, points)
        calls.append(points)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "update", interrupt_once)
    out = tmp_path / "stopped"
    outcome = run_sweep(load_experiment(exp), SweepOptions(out=out, workers=2, quiet=True))
    assert outcome.status == "interrupted"
    manifest = _assert_manifest_matches_the_disk(out)
    assert len(calls) >= 2 and manifest["sessions"][-1]["chunks_run"] == len(calls) == outcome.chunks_done
    monkeypatch.setattr(Progress, "update", update)
    assert sweep(exp, "--out", out, "--workers", 1, "--quiet") == 0
    assert (out / "results.parquet").read_bytes() == expected


def test_a_chunk_written_but_not_reported_before_an_interrupt_is_run_again(long_reference, tmp_path, monkeypatch):
    exp, expected = long_reference
    from model.sweep import backends

    real = backends.run_chunk

    def stop_after_the_third(ctx, chunk, points, out_dir=None):
        report = real(ctx, chunk, points, out_dir)
        if chunk == 2:
            raise KeyboardInterrupt  # the file is written, the report never arrives
        return report

    monkeypatch.setattr(backends, "run_chunk", stop_after_the_third)
    out = tmp_path / "inline"
    assert run_sweep(load_experiment(exp), SweepOptions(out=out, workers=1, quiet=True)).status == "interrupted"
    assert _chunks_on_disk(out) == {"0", "1"}
    _assert_manifest_matches_the_disk(out)
    monkeypatch.setattr(backends, "run_chunk", real)
    assert sweep(exp, "--out", out, "--workers", 1, "--quiet") == 0
    assert (out / "results.parquet").read_bytes() == expected


# --------------------------------------------------------------------------------------------------
# One sweep at a time in a folder
# --------------------------------------------------------------------------------------------------

def test_a_second_sweep_into_a_live_folder_is_refused_and_the_first_goes_on(long_reference, tmp_path, capsys):
    exp, expected = long_reference
    out = tmp_path / "live"
    proc = _start_and_wait_for_a_chunk(exp, out)
    before = {p.name for p in out.rglob("*") if p.suffix != ".tmp" and p.name != LOCK_NAME}
    code = sweep(exp, "--out", out, "--workers", 1, "--quiet")
    _, err = proc.communicate(timeout=120)
    if code == 0:  # pragma: no cover - the first finished before the second started
        pytest.skip("the first sweep finished before the second could start")
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: command line: --out: {out}: a sweep is writing this folder")
    assert f"process {proc.pid} on {socket.gethostname()}" in lines[0]
    assert proc.returncode == 0, err
    assert (out / "results.parquet").read_bytes() == expected
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["status"] for s in manifest["sessions"]] == ["complete"]  # not marked as killed
    assert before <= {p.name for p in out.rglob("*")} and not (out / LOCK_NAME).exists()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("owner", [
    lambda: Owner(_dead_pid(), socket.gethostname(), None, None, "2020-01-01T00:00:00+00:00"),
    lambda: Owner(os.getpid(), socket.gethostname(), None, 1, "2020-01-01T00:00:00+00:00"),  # a reused pid
    lambda: Owner(os.getpid(), socket.gethostname(), "another boot", None, "2020-01-01T00:00:00+00:00"),
], ids=["dead process", "reused pid", "before a restart"])
def test_a_lock_left_by_a_dead_process_is_taken_over(small_reference, tmp_path, owner):
    exp, ref = small_reference
    out = tmp_path / "stale"
    out.mkdir()
    (out / LOCK_NAME).write_text(json.dumps(owner().__dict__))
    assert sweep(exp, "--out", out, "--quiet") == 0
    assert (out / "results.parquet").read_bytes() == (ref / "results.parquet").read_bytes()
    assert not (out / LOCK_NAME).exists()


def test_a_live_lock_refuses_and_changes_nothing(small_reference, tmp_path, capsys):
    exp, ref = small_reference
    out = tmp_path / "held"
    with FolderLock(out) as lock:
        with pytest.raises(LockHeld):
            FolderLock(out).acquire()
        assert sweep(exp, "--out", out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"a sweep is writing this folder (process {os.getpid()}" in err[0]
        assert [p.name for p in out.iterdir()] == [LOCK_NAME]
    assert lock.owner is None and not out.exists() or not any(out.iterdir())
    (out / LOCK_NAME).parent.mkdir(exist_ok=True)
    (out / LOCK_NAME).write_text(json.dumps(Owner(1, "elsewhere", None, None, "2020-01-01T00:00:00+00:00").__dict__))
    assert sweep(exp, "--out", out) == 2  # held on another host: it cannot be checked from here
    assert "process 1 on elsewhere" in capsys.readouterr().err


def test_a_failing_point_is_recorded_and_the_rest_completes(small_reference, tmp_path, monkeypatch, capsys):
    exp, ref = small_reference
    monkeypatch.setenv("CSTO_SIM_FAIL_POINTS", "3,7")  # testing hook: these points raise in the worker
    out = tmp_path / "failing"
    assert sweep(exp, "--out", out, "--workers", 2, "--quiet") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("failed: 2 of 24 points raised (point 3: RuntimeError")
    rows = read_results(out).to_pylist()
    assert [r["point"] for r in rows if r["error"]] == [3, 7]
    assert rows[3]["p_deployment"] is None and rows[3]["seed"] == point_seed(11, 3)
    good = read_results(ref).to_pylist()
    assert [r for r in rows if not r["error"]] == [r for r in good if r["point"] not in (3, 7)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failures"]["points"] == 2 and [f["point"] for f in manifest["failures"]["listed"]] == [3, 7]
    monkeypatch.delenv("CSTO_SIM_FAIL_POINTS")
    assert sweep(exp, "--out", out, "--workers", 1, "--quiet", "--retry-failed") == 0
    assert (out / "results.parquet").read_bytes() == (ref / "results.parquet").read_bytes()


def test_a_finished_sweep_rerun_only_reassembles_and_writes_csv(small_reference, tmp_path, capsys):
    exp, ref = small_reference
    out = tmp_path / "again"
    assert sweep(exp, "--out", out, "--workers", 1) == 0
    err = capsys.readouterr().err
    assert "small: 24 points x 300 replications" in err and "points (100%)" in err  # plain lines off a terminal
    assert sweep(exp, "--out", out, "--csv") == 0
    assert "resuming: 5 chunks already done" in capsys.readouterr().err
    assert (out / "results.csv").read_text().count("\n") == 25
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["text"] == Path(exp).read_text() and (out / "experiment.yaml").is_file()
    assert manifest["code_version"] and manifest["seeds"]["seed"] == 11 and manifest["chunks"]["total"] == 5
    assert set(manifest["chunks"]["timings"]) == {"0", "1", "2", "3", "4"}


def test_a_different_experiment_in_an_existing_folder_is_refused(small_reference, tmp_path, capsys):
    exp, ref = small_reference
    other = write(tmp_path, SMALL.replace("seed: 11", "seed: 12"), "other.yaml")
    before = sorted(p.name for p in ref.rglob("*"))
    assert sweep(other, "--out", ref) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds the results of a different experiment" in err[0]
    assert sorted(p.name for p in ref.rglob("*")) == before


# --------------------------------------------------------------------------------------------------
# Designs
# --------------------------------------------------------------------------------------------------

def _design(tmp_path: Path, vary: str, design: str, scenarios: str = "[kazakhstan-2022]"):
    text = f"format: csto-sim/experiment-1\nscenarios: {scenarios}\nvary:\n{textwrap.indent(vary, '  ')}\n" \
           f"design: {design}\nreplications: 10\nseed: 3\n"
    exp = load_experiment(write(tmp_path, text))
    return exp, build_design(exp.design, exp.factors, exp.seed)


def test_full_factorial_runs_every_combination_with_the_last_factor_fastest(tmp_path):
    exp, d = _design(tmp_path, "influence: {values: [0.1, 0.9]}\nrule: {values: all}\n"
                               "rounds: {range: {low: 1, high: 20, steps: 4}}", "full_factorial",
                     "[kazakhstan-2022, armenia-2020]")
    points = [d.values(j) for j in range(d.size)]
    assert d.size == 2 * 5 * 4 and exp.points == 2 * 40 and len(set(points)) == 40
    assert points[0] == (0.1, "consensus", 1) and points[1] == (0.1, "consensus", 7) and points[-1][0] == 0.9
    assert {p[2] for p in points} == {1, 7, 14, 20}  # integer parameters are rounded


def test_one_at_a_time_moves_one_factor_at_a_time(tmp_path):
    exp, d = _design(tmp_path, "all_parameters: {range: bounds, steps: 3}\nrequest.framing: {values: all}",
                     "one_at_a_time")
    assert d.size == 3 * len(SPECS) + 2
    for j in range(d.size):
        assert sum(v is not BASELINE for v in d.values(j)) == 1
    assert d.values(0)[0] == SPECS[exp.factors[0].name].low


def test_latin_hypercube_is_stratified_and_within_bounds(tmp_path):
    exp, d = _design(tmp_path, "all_parameters: {range: bounds}", "{method: latin_hypercube, n: 64}")
    assert d.size == 64 and d.unit.shape == (64, len(SPECS))
    for k in range(len(SPECS)):  # one sample in each of the n strata of every factor
        assert sorted((d.unit[:, k] * 64).astype(int)) == list(range(64))
    for f, col in zip(exp.factors, d.columns, strict=True):
        spec = SPECS[f.name]
        assert all(spec.low <= v <= spec.high for v in col)
        if spec.kind is int:
            assert all(isinstance(v, int) for v in col)


def test_sobol_is_salibs_saltelli_sample_with_n_times_2d_plus_2_points(tmp_path):
    from SALib.sample import sobol

    vary = "influence: {range: bounds}\nthreat_scale: {range: {low: 0.5, high: 2}}\n" \
           "w_legal: {distribution: {name: normal, mean: 3, sd: 1}}"
    exp, d = _design(tmp_path, vary, "{method: sobol, n: 16}")
    assert d.size == 16 * (2 * 3 + 2) and exp.design_points == d.size
    problem = {"num_vars": 3, "names": ["influence", "threat_scale", "w_legal"], "bounds": [[0, 1]] * 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's note on scrambled samples
        expected = sobol.sample(problem, 16, scramble=True, seed=np.random.default_rng(np.random.SeedSequence(3)))
    np.testing.assert_array_equal(d.unit, expected)
    assert all(0.5 <= v <= 2 for v in d.columns[1]) and all(0 <= v <= 6 for v in d.columns[2])
    _, d1 = _design(tmp_path, vary, "{method: sobol, n: 16, second_order: false}")
    assert d1.size == 16 * (3 + 2)


def test_the_shipped_experiments_are_valid_and_one_runs(tmp_path):
    shipped = sorted(Path(__file__).resolve().parent.parent.joinpath("experiments").glob("*.yaml"))
    names = {p.stem: load_experiment(p) for p in shipped}
    assert {"approval-map", "rules-by-case", "framing-by-value", "lhs-global"} <= set(names)
    historical = len(list(Path(__file__).resolve().parent.parent.joinpath("scenarios", "historical").glob("*.yaml")))
    approval = names["approval-map"]  # one base case; every historical case marked on the map, never run
    assert historical >= 14 and len([c for c in approval.marked if c.kind == "historical"]) == historical
    assert [c.id for c in approval.scenarios] == ["approval-base"]
    assert {f.name for f in names["lhs-global"].factors} == set(SPECS)
    assert names["rules-by-case"].design_points == len(names["rules-by-case"].factors[0].values)
    path = [p for p in shipped if p.stem == "framing-by-value"][0]
    assert sweep(path, "--out", tmp_path / "fv", "--quiet") == 0
    assert read_results(tmp_path / "fv").num_rows == 42


# --------------------------------------------------------------------------------------------------
# Experiments built in code: the same checks and the same rows as from a file
# --------------------------------------------------------------------------------------------------

def test_an_experiment_built_in_code_is_the_one_its_file_describes(tmp_path):
    path = write(tmp_path, BASE)
    built = Experiment.build(scenarios=["kazakhstan-2022"], factors=[factors.uniform("influence", 0, 1, steps=3)],
                             design="full_factorial", replications=10, seed=1, name="exp", text=path.read_text(),
                             path=path)
    assert built == load_experiment(path)


def test_a_sweep_of_an_experiment_built_in_code_gives_the_rows_of_its_file(tmp_path):
    path = write(tmp_path, BASE)
    assert sweep(path, "--out", tmp_path / "file", "--quiet") == 0
    built = Experiment.build(scenarios=[load_scenario("kazakhstan-2022")], design="full_factorial",
                             factors=[factors.levels("influence", [0.0, 0.5, 1.0])], replications=10, seed=1)
    assert built.text is None and built.path.startswith("(built in code")
    outcome = run_sweep(built, SweepOptions(out=tmp_path / "code", quiet=True))
    assert outcome.status == "complete"
    assert read_results(tmp_path / "code").equals(read_results(tmp_path / "file"))
    manifest = json.loads((tmp_path / "code" / "manifest.json").read_text())
    assert manifest["experiment"]["text"] is None and not (tmp_path / "code" / "experiment.yaml").exists()


IN_CODE_BAD = {
    "replications": (dict(replications=0), "replications: 0 is out of range"),
    "seed": (dict(seed=-1), "seed: expected a whole number"),
    "name": (dict(name="a b"), "name: 'a b' is not allowed"),
    "case": (dict(scenarios=["atlantis-2030"]), "scenarios[0]: no such case id 'atlantis-2030'"),
    "no case": (dict(scenarios=[]), "scenarios: expected a non-empty list"),
    "continuous in a grid": (dict(factors=[factors.uniform("influence", 0, 1)]),
                             "vary.influence.range: a full_factorial design needs discrete levels"),
    "twice": (dict(factors=[factors.levels("noise", [0.1]), factors.levels("noise", [0.2])]),
              "vary.noise: is listed twice"),
    "not a factor": (dict(factors=["influence"]), "vary: expected a factor"),
    "design": (dict(design="random_walk"), "design.method: 'random_walk' is not a design"),
    "n": (dict(design=DesignSpec("sobol", n=100)), "design.n: 100 is not a power of 2"),
    "figure": (dict(figures=("vibes",)), "record[0]: 'vibes' is not a figure"),
    "fact": (dict(factors=[factors.levels("request.channel", ["none"])]),
             "vary.request.channel.values[0]: 'none' cannot apply to case kazakhstan-2022"),
    "points": (dict(design=DesignSpec("points", points=((0.5, 0.2),)), factors=[factors.levels("noise", [0.1])]),
               "design.points[0]: expected 1 values"),
}


@pytest.mark.parametrize("change, message", IN_CODE_BAD.values(), ids=IN_CODE_BAD.keys())
def test_an_experiment_built_in_code_is_checked_as_a_file_is(change, message):
    parts = {**dict(scenarios=["kazakhstan-2022"], design="full_factorial", replications=10, seed=1, name="x"), **change}
    with pytest.raises(InputError) as err:
        Experiment.build(**parts)
    assert str(err.value).startswith(f"experiment {parts['name']!r}: ") and message in str(err.value)


@pytest.mark.parametrize("make, message", [
    (lambda: factors.uniform("influence", 0, 1.5), "vary.influence.range.high: 1.5 is out of range (allowed: 0 to 1)"),
    (lambda: factors.uniform("rule", 0, 1), "vary.rule.range: a categorical factor takes values"),
    (lambda: factors.levels("rounds", [1.5]), "vary.rounds.values[0]: 1.5 is not a whole number"),
    (lambda: factors.levels("influense", [0.5]), "vary.influense: unknown key"),
    (lambda: factors.span("threat.deaths", "prior"), "only global parameters have a prior"),
    (lambda: factors.distributed("influence", {"name": "normal", "mean": 0.5, "sd": 0}), "distribution.sd: is 0"),
])
def test_factors_built_in_code_are_checked_as_in_a_file(make, message):
    with pytest.raises(InputError, match=re.escape(message)):
        make()


# --------------------------------------------------------------------------------------------------
# Bad experiment files: one line, exit status 2, nothing written
# --------------------------------------------------------------------------------------------------

def _edit(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


BAD = {
    "malformed YAML": (BASE + "vary: {influence: [1, 2\n", "malformed YAML"),
    "duplicate key": (BASE + "seed: 2\n", "duplicate key"),
    "YAML tag": (BASE.replace("seed: 1", "seed: !!python/object:os.system 1"), "would construct an object"),
    "not a mapping": ("- a\n- b\n", "(top level): expected a mapping"),
    "unknown key": (BASE + "replicatons: 5\n", "replicatons: unknown key"),
    "missing seed": (_edit("seed: 1\n", ""), "seed: missing"),
    "wrong format": (_edit("experiment-1", "experiment-9"), "format: 'csto-sim/experiment-9' is not supported"),
    "unknown parameter": (_edit("influence:", "influense:"), "vary.influense: unknown key"),
    "unknown case fact": (_edit("influence:", "request.colour:"), "vary.request.colour: unknown key"),
    "range out of bounds": (_edit("high: 1,", "high: 1.5,"),
                            "vary.influence.range.high: 1.5 is out of range (allowed: 0 to 1)"),
    "value out of bounds": (_edit("{range: {low: 0, high: 1, steps: 3}}", "{values: [0.5, 2]}"),
                            "vary.influence.values[1]: 2 is out of range"),
    "steps below 2": (_edit("steps: 3", "steps: 1"), "vary.influence.range.steps: 1 is out of range"),
    "low above high": (_edit("low: 0, high: 1", "low: 1, high: 0"), "vary.influence.range: low 1 is not below high 0"),
    "range without steps": (_edit(", steps: 3", ""), "vary.influence.range: a full_factorial design needs discrete"),
    "fractional rounds": (_edit("influence: {range: {low: 0, high: 1, steps: 3}}", "rounds: {values: [1.5]}"),
                          "vary.rounds.values[0]: 1.5 is not a whole number"),
    "unknown rule": (_edit("influence: {range: {low: 0, high: 1, steps: 3}}", "rule: {values: [consensus, unanimity]}"),
                     "vary.rule.values[1]: 'unanimity' is not allowed"),
    "rule as a range": (_edit("influence:", "rule:"), "vary.rule.range: a categorical factor takes values"),
    "unknown category": (_edit("influence: {range: {low: 0, high: 1, steps: 3}}", "request.framing: {values: [sideways]}"),
                         "vary.request.framing.values[0]: 'sideways' is not allowed"),
    "fact that cannot apply": (_edit("influence: {range: {low: 0, high: 1, steps: 3}}", "request.channel: {values: [none]}"),
                               "vary.request.channel.values[0]: 'none' cannot apply to case kazakhstan-2022"),
    "unknown distribution": (_edit("{range: {low: 0, high: 1, steps: 3}}", "{distribution: {name: cauchy, steps: 3}}"),
                             "vary.influence.distribution.name: 'cauchy' is not a distribution"),
    "zero sd": (_edit("{range: {low: 0, high: 1, steps: 3}}", "{distribution: {name: normal, mean: 0.5, sd: 0, steps: 3}}"),
                "vary.influence.distribution.sd: is 0"),
    "unknown case id": (_edit("[kazakhstan-2022]", "[atlantis-2030]"), "scenarios[0]: no such case id 'atlantis-2030'"),
    "unknown scenario file": (_edit("[kazakhstan-2022]", "[scenarios/nowhere.yaml]"),
                              "scenarios[0]: no such case file 'scenarios/nowhere.yaml'"),
    "bad design name": (_edit("full_factorial", "random_walk"), "design: 'random_walk' is not a design"),
    "n is zero": (_edit("full_factorial", "{method: latin_hypercube, n: 0}"), "design.n: 0 is out of range"),
    "n is negative": (_edit("full_factorial", "{method: latin_hypercube, n: -5}"), "design.n: -5 is out of range"),
    "n missing": (_edit("full_factorial", "latin_hypercube"), "design.n: missing"),
    "sobol n not a power of 2": (_edit("full_factorial", "{method: sobol, n: 100}"), "design.n: 100 is not a power of 2"),
    "no factor to sample": (_edit("influence: {range: {low: 0, high: 1, steps: 3}}", "{}")
                            .replace("full_factorial", "{method: latin_hypercube, n: 10}"),
                            "vary: the latin_hypercube design needs at least one factor"),
    "absurd size": (_edit("influence: {range: {low: 0, high: 1, steps: 3}}",
                          "influence: {range: {low: 0, high: 1, steps: 10000}}\n"
                          "  threat_scale: {range: {low: 0, high: 3, steps: 10000}}\n"
                          "  noise: {range: {low: 0, high: 2, steps: 10000}}"),
                    "design: the sweep has 1,000,000,000,000 points"),
    "replications zero": (_edit("replications: 10", "replications: 0"), "replications: 0 is out of range"),
    "replications too many": (_edit("replications: 10", "replications: 3000000"), "replications: 3,000,000 is out of range"),
    "replications not a number": (_edit("replications: 10", "replications: many"), "replications: expected a whole number"),
    "negative seed": (_edit("seed: 1", "seed: -1"), "seed: expected a whole number"),
    "unknown figure": (BASE + "record: [outcome_probabilities, vibes]\n", "record[1]: 'vibes' is not a figure"),
    "chunk of no points": (BASE + "chunk_points: 0\n", "chunk_points: 0 is out of range"),
}


@pytest.mark.parametrize("text, message", BAD.values(), ids=BAD.keys())
def test_a_bad_experiment_file_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, text, message):
    exp = tmp_path / "bad.yaml"
    exp.write_text(text)
    out = tmp_path / "out"
    assert sweep(exp, "--out", out) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {exp}: "), lines
    assert message in lines[0]
    assert captured.out == "" and not out.exists() and not Path("results").joinpath("bad").exists()


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers: 0 is out of range"),
    (["--workers", "two"], "--workers: 'two' is not a whole number"),
    (["--bogus"], "--bogus"),
])
def test_bad_command_lines_are_one_line_exit_2(tmp_path, capsys, args, message):
    exp = write(tmp_path, BASE)
    assert sweep(exp, "--out", tmp_path / "out", *args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: command line") and message in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_missing_experiment_file_and_an_unreachable_scheduler_write_nothing(tmp_path, capsys, monkeypatch):
    assert sweep(tmp_path / "nope.yaml", "--out", tmp_path / "out") == 2
    assert "nope.yaml: no such file" in capsys.readouterr().err
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("model.sweep.backends.CONNECT_TIMEOUT", "1s")
    exp = write(tmp_path, BASE)
    assert sweep(exp, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler: cannot connect to tcp://127.0.0.1:9" in err[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("address, problem", [
    ("not an address", "cannot parse 'not an address' as an address"),
    ("tcp://127.0.0.1:99999", "cannot parse"),
    ("tcp://127.0.0.1:9", "cannot connect to tcp://127.0.0.1:9"),
    ("tcp://nosuchhost.invalid:8786", "cannot connect to tcp://nosuchhost.invalid:8786"),
])
def test_a_scheduler_that_cannot_be_parsed_or_reached_is_one_line_within_seconds(tmp_path, address, problem):
    pytest.importorskip("dask.distributed")
    exp = write(tmp_path, BASE)
    t0 = time.monotonic()
    proc = subprocess.run(cli_command(exp, "--out", tmp_path / "out", "--scheduler", address), capture_output=True,
                          text=True, timeout=60)
    seconds = time.monotonic() - t0
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: command line: --scheduler: ") and problem in lines[0], lines
    assert seconds < 15, seconds  # the interpreter and Dask's import included; a connect timeout took 20 s
    assert not (tmp_path / "out").exists()


# Last: a Dask client leaves threads behind, after which local pools spawn rather than fork (slower).
def test_two_workers_a_spawned_pool_and_dask_give_identical_files(small_reference, tmp_path, monkeypatch):
    exp, ref = small_reference
    assert sweep(exp, "--out", tmp_path / "w2", "--workers", 2, "--quiet") == 0
    monkeypatch.setenv("CSTO_SIM_START_METHOD", "spawn")  # the worker function is spawn-safe too
    assert sweep(exp, "--out", tmp_path / "spawn", "--workers", 2, "--quiet") == 0
    monkeypatch.delenv("CSTO_SIM_START_METHOD")
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert sweep(exp, "--out", tmp_path / "dask", "--scheduler", cluster.scheduler_address, "--quiet") == 0
    expected = (ref / "results.parquet").read_bytes()
    for name in ("w2", "spawn", "dask"):
        out = tmp_path / name
        assert (out / "results.parquet").read_bytes() == expected, name
        assert [t.equals(u) for t, u in zip(_replication_tables(out), _replication_tables(ref), strict=True)] == [True] * 5
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["sessions"][-1]["backend"] == "dask" and manifest["status"] == "complete"
