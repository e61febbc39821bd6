"""The output layer (``model/files``): what bad output folders and oversized input get, and what a results
folder carries.

- ``--out`` that cannot be created or written: one ``error:`` line, exit status 2, before the model runs;
- an existing folder that is not a results folder of its own kind: refused and left as it was;
- error lines capped, never holding a file's content; the bounds in a hint are the real bounds;
- a run's and a sweep's folder carry the case's observed values and coded facts: drawing them never
  re-opens the case file;
- the version string, the atomic writer, the manifest writer and the seed reduction, each defined once.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from test_bad_input import run_cli, snapshot

import model
from model import posterior
from model.cli import main
from model.errors import InputError, cap, quote
from model.files import atomic, outdir
from model.files.formats import RUN_FORMAT, SWEEP_FORMAT, VERSION
from model.files.manifest import code_version, new_manifest, read_manifest, write_manifest
from model.files.outdir import SWEEP, check_out_dir
from model.plots import data as plot_data
from model.plots.draw import draw_run, draw_sweep
from model.scenario import load_scenario
from model.seeds import derive_seed, fresh_seed, reduce_seed

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CASE_FILE = SCENARIOS / "historical" / "kazakhstan-2022.yaml"


@pytest.fixture
def no_model_run(monkeypatch):
    """The model must not run: a refusal comes before any model work."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model ran before the output folder was checked")
    monkeypatch.setattr(posterior, "run_with", refuse)  # how runs.py runs the model, over a posterior or not


# --------------------------------------------------------------------------------------------------
# --out that cannot be created or written
# --------------------------------------------------------------------------------------------------

@pytest.mark.skipif(not Path("/proc/self").exists() or not Path("/sys").is_dir(), reason="needs /proc and /sys")
@pytest.mark.parametrize(("out", "folder"), [("/proc/csto-sim-out", "/proc"), ("/sys/no/such/out", "/sys")])
def test_out_under_proc_or_sys_is_one_line_before_the_model_runs(capsys, no_model_run, out, folder):
    line = run_cli(capsys, "run", "kazakhstan-2022", "-n", "10", "--out", out)
    assert line.startswith(f"command line: --out: {out}: {folder} is not a writable folder")
    assert line.endswith("(allowed: a writable location)")
    assert not Path(out).exists()


@pytest.fixture
def read_only_folder(tmp_path, monkeypatch):
    """An existing, empty folder without write permission; as root (where permission bits do not stop
    writing) the check's trial is monkeypatched to fail as it would for another user."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:
        real = outdir.can_create_in
        monkeypatch.setattr(outdir, "can_create_in",
                            lambda f: "Permission denied" if Path(f) == folder else real(f))
    yield folder
    folder.chmod(0o755)


def test_out_without_write_permission_is_one_line_before_the_model_runs(capsys, no_model_run, read_only_folder):
    line = run_cli(capsys, "run", "kazakhstan-2022", "-n", "10", "--out", read_only_folder)
    assert f"--out: {read_only_folder}: {read_only_folder} is not a writable folder (Permission denied)" in line
    assert list(read_only_folder.iterdir()) == []


def test_out_under_a_folder_without_write_permission(capsys, no_model_run, read_only_folder):
    out = read_only_folder / "new" / "run"
    line = run_cli(capsys, "run", "kazakhstan-2022", "-n", "10", "--out", out)
    assert f"{read_only_folder} is not a writable folder" in line
    assert not (read_only_folder / "new").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod does not stop writing")
def test_out_without_write_permission_for_a_user(capsys, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        line = run_cli(capsys, "run", "kazakhstan-2022", "-n", "10", "--out", folder / "run")
        assert f"{folder} is not a writable folder" in line
    finally:
        folder.chmod(0o755)


def test_the_check_is_the_sweeps_too(tmp_path, read_only_folder):
    """A sweep calls check_out_dir(out, SWEEP): new, empty or an earlier sweep (its manifest is returned)."""
    assert check_out_dir(tmp_path / "new" / "sweep", SWEEP) is None
    earlier = tmp_path / "earlier"
    write_manifest({"format": SWEEP_FORMAT, "experiment": {"fingerprint": "abc"}}, earlier.mkdir() or earlier)
    assert check_out_dir(earlier, SWEEP)["experiment"]["fingerprint"] == "abc"
    (tmp_path / "run").mkdir()
    write_manifest({"format": RUN_FORMAT}, tmp_path / "run")
    for out, fragment in [(tmp_path / "run", "holds other files than sweep results (its manifest.json says"),
                          (read_only_folder, "is not a writable folder")]:
        with pytest.raises(InputError) as info:
            check_out_dir(out, SWEEP)
        assert str(info.value).startswith(f"command line: --out: {out}: ") and fragment in str(info.value)


# --------------------------------------------------------------------------------------------------
# run --out into a folder of another kind
# --------------------------------------------------------------------------------------------------

def test_run_out_refuses_a_folder_of_figures_and_leaves_it(tmp_path, capsys, no_model_run):
    out = tmp_path / "mine"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "outcomes.png").write_bytes(b"my figure")
    before = snapshot(tmp_path)
    line = run_cli(capsys, "run", "kazakhstan-2022", "-n", "10", "--out", out)
    assert "non-empty folder that holds other files than csto-sim results" in line
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("fmt", [SWEEP_FORMAT, "csto-sim/analysis-1"])
def test_run_out_refuses_a_results_folder_of_another_kind(tmp_path, capsys, no_model_run, fmt):
    out = tmp_path / "other"
    out.mkdir()
    write_manifest({"format": fmt}, out)
    line = run_cli(capsys, "run", "kazakhstan-2022", "-n", "10", "--out", out)
    assert f"its manifest.json says '{fmt}'" in line
    assert [p.name for p in out.iterdir()] == ["manifest.json"]


def test_run_out_replaces_its_own_kind_with_the_figures_drawn_from_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "kazakhstan-2022", "-n", "20", "--out", str(out)]) == 0
    assert main(["plot", str(out), "--kind", "outcomes"]) == 0
    assert main(["run", "kazakhstan-2022", "-n", "30", "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["replications"] == 30


# --------------------------------------------------------------------------------------------------
# Error lines: capped, never a file's content; hints with the real bounds
# --------------------------------------------------------------------------------------------------

def test_a_file_that_is_not_yaml_keys_is_not_printed(tmp_path, capsys, scenarios_dir):
    text = "".join(f"user{i}:x:{i}:{i}:User {i}:/home/user{i}:/bin/sh\n" for i in range(30))
    path = tmp_path / "passwd"
    path.write_text(text)
    line = run_cli(capsys, "run", path)
    assert re.fullmatch(rf"{re.escape(str(path))}: \(top level\): expected a mapping, got the text of 1,2\d\d "
                        r"characters \(allowed: a mapping of keys\)", line), line
    assert "user0" not in line and "/bin/sh" not in line


@pytest.mark.parametrize("edit", [
    pytest.param(lambda d: d.update(id="X" * 900_000), id="900-kb-id"),
    pytest.param(lambda d: d["facts"].update({"y" * 900_000: 1}), id="900-kb-key"),
    pytest.param(lambda d: d["facts"]["threat"]["origin"].update(value="z" * 900_000), id="900-kb-value"),
])
def test_a_900_kb_line_gives_a_short_error_line(write_case, case_data, capsys, edit):
    edit(case_data)
    path = write_case(case_data)
    line = run_cli(capsys, "run", path)
    assert len(line) < len(str(path)) + 1500, len(line)
    assert "(900,000 characters)" in line or "characters cut" in line


def test_quote_and_cap():
    assert quote("short") == "'short'"
    assert quote("a" * 1000) == f"'{'a' * 200}'... (1,000 characters)"
    assert cap("x" * 50, 100) == "x" * 50
    capped = cap("b" * 1000 + " is out of range", 400)
    assert capped.startswith("b" * 200) and capped.endswith(" is out of range") and "characters cut" in capped
    err = InputError("f.yaml", "k" * 5000, "p" * 5000 + " is wrong", "a" * 5000)
    assert len(str(err)) < 1500 and str(err).startswith("f.yaml: kkk") and " is wrong (allowed: aaa" in str(err)


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("facts.threat.deaths", {"range": [float("nan"), 230], "source": "S002"}, "a number from 0 to 1e+07"),
    ("observed.days_to_decision", {"range": [float("nan"), 1], "source": "S002"}, "a number from 0 to 10000"),
    ("observed.contributions.Russia", {"range": [1, float("inf")], "source": "S002"}, "a number from 0 to 1e+07"),
])
def test_a_hint_gives_the_real_bounds(write_case, case_data, field, value, allowed):
    node = case_data
    *parents, last = field.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    with pytest.raises(InputError) as info:
        load_scenario(write_case(case_data))
    assert f"{field}.range[" in str(info.value) and str(info.value).endswith(f"(allowed: {allowed})")


# --------------------------------------------------------------------------------------------------
# A results folder carries what its figures need
# --------------------------------------------------------------------------------------------------

@pytest.fixture
def moved_case(tmp_path, monkeypatch):
    """A copy of kazakhstan-2022.yaml that a test may delete; loading any case file afterwards fails."""
    monkeypatch.setenv("CSTO_SIM_SCENARIOS", str(SCENARIOS))
    path = tmp_path / "cases" / "historical" / "kazakhstan-2022.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(CASE_FILE.read_text(encoding="utf-8"), encoding="utf-8")

    def gone() -> None:
        path.unlink()

        def refuse(*args, **kwargs):
            raise AssertionError("a plot re-opened a case file")
        for module in ("model.scenario", "model.scenario.case"):
            monkeypatch.setattr(f"{module}.load_scenario", refuse)
    return path, gone


def test_a_run_folder_is_drawn_without_its_case_file(tmp_path, capsys, moved_case):
    path, gone = moved_case
    out = tmp_path / "run"
    assert main(["run", str(path), "-n", "200", "--out", str(out)]) == 0
    case = load_scenario(path)
    gone()
    run = plot_data.load(out)
    assert run.manifest["scenario"]["observed"]["outcome"] == "deployment"
    assert run.observed["days"] == tuple(case.observed.days_to_decision.bounds)
    assert run.observed["troops"]["Russia"] == tuple(case.observed.contributions["Russia"].bounds)
    assert run.manifest["scenario"]["coded"]["threat.deaths"] == case.facts["threat.deaths"].central
    assert len(draw_run(run, tmp_path / "figs")) == 5


def test_an_older_run_folder_without_observed_values_still_draws(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "kazakhstan-2022", "-n", "50", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("observed", "coded"):
        del manifest["scenario"][key]
    (out / "manifest.json").write_text(json.dumps(manifest))
    run = plot_data.load(out)
    assert run.observed is None and len(draw_run(run, tmp_path / "figs", ["days", "troops"])) == 2


def test_a_damaged_observed_record_is_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "kazakhstan-2022", "-n", "50", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["scenario"]["observed"]["days"] = "soon"
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    line = run_cli(capsys, "plot", out)
    assert "manifest.json: scenario.observed: is not [low, high] values" in line


CARRIED = """format: csto-sim/experiment-1
name: carried
scenarios: [{case}]
vary:
  threat.deaths: {{values: [10, 1000]}}
  influence: {{values: [0.2, 0.8]}}
  rule: {{values: [consensus, simple_majority]}}
design: full_factorial
replications: 20
seed: 3
"""


def test_a_sweep_folder_is_drawn_without_its_case_files(tmp_path, capsys, moved_case):
    path, gone = moved_case
    exp = tmp_path / "carried.yaml"
    exp.write_text(CARRIED.format(case=path))
    out = tmp_path / "sweep"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    central = load_scenario(path).facts["threat.deaths"].central
    gone()
    sweep = plot_data.load(out)
    assert sweep.observed_outcome("kazakhstan-2022") == "deployment"
    assert sweep.coded("kazakhstan-2022", "threat.deaths") == central
    assert len(draw_sweep(sweep, tmp_path / "figs", ["rules", "curves"])) == 2


# --------------------------------------------------------------------------------------------------
# Defined once: the version, the atomic writer, the manifest writer, the seed reduction
# --------------------------------------------------------------------------------------------------

def test_the_version_is_defined_once():
    assert model.__version__ == VERSION == importlib.metadata.version("csto-sim")
    assert code_version().startswith(VERSION)
    manifest = new_manifest(RUN_FORMAT, seed=1)
    assert list(manifest) == ["format", "seed", "code_version"] and manifest["code_version"] == code_version()


def test_an_interrupted_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "manifest.json"
    write_manifest({"format": RUN_FORMAT}, tmp_path)

    def fail(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(path, fail)
    assert read_manifest(tmp_path) == {"format": RUN_FORMAT}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_a_failed_staged_folder_leaves_the_old_folder(tmp_path):
    out = tmp_path / "out"
    with atomic.staged_folder(out) as tmp:
        atomic.write_file(tmp / "a.txt", "old")
    with pytest.raises(RuntimeError), atomic.staged_folder(out) as tmp:
        atomic.write_file(tmp / "a.txt", "new")
        raise RuntimeError
    assert (out / "a.txt").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_seed_reduction():
    seq = np.random.SeedSequence(42)
    children = seq.spawn(5)
    assert [derive_seed(42, i) for i in range(5)] == [reduce_seed(c) for c in children]
    assert derive_seed(42, 7, 1, 2) == reduce_seed(np.random.SeedSequence(42, spawn_key=(7, 1, 2)))
    assert all(0 <= s < 2**63 for s in (derive_seed(2**128 - 1, 3), fresh_seed()))
