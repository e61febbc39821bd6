"""The command line's finish: --version, bare ``csto-sim``, "did you mean", --json on list, sweep and plot, shell
completion, and the sweep's progress drawn by tqdm."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest

import model
from model.cli import main
from model.cli.common import COMMANDS
from model.errors import did_you_mean
from model.sweep.progress import Progress

TINY = """\
format: csto-sim/experiment-1
name: tiny
scenarios: [kazakhstan-2022]
vary:
  influence: {range: {low: 0.2, high: 1.0, steps: 3}}
design: full_factorial
replications: 40
seed: 3
chunk_points: 2
"""


def _one_error_line(capsys, argv: list[str], start: str) -> str:
    """``argv`` fails with exit status 2 and one line on standard error, starting with ``start``."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(start) and " (allowed: " in err and "Traceback" not in err, err
    assert not captured.out
    return err


# -- --version and bare csto-sim ----------------------------------------------------------------------

def test_version_prints_the_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"csto-sim {model.__version__}\n"
    assert model.__version__ == version("csto-sim")  # the package metadata says the same


def test_version_from_the_installed_command_imports_nothing_heavy():
    heavy = ("numpy", "mesa", "matplotlib", "shtab")
    probe = ("import sys\nfrom model.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit as e:\n"
             f"    assert e.code == 0\nprint(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [f"csto-sim {model.__version__}", "[]"]


def test_bare_csto_sim_prints_the_help_and_exits_0(capsys):
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("usage: csto-sim") and not captured.err
    for name, _, _ in COMMANDS:
        assert name in captured.out


# -- did you mean ----------------------------------------------------------------------------------------

def test_did_you_mean_names_the_closest_or_nothing():
    assert did_you_mean("kazakstan-2022", ["kazakhstan-2022", "armenia-2020"]) == "; did you mean 'kazakhstan-2022'?"
    assert did_you_mean("zzz", ["kazakhstan-2022", "armenia-2020"]) == ""
    assert did_you_mean("x" * 5000, ["x"]) == ""  # a huge input is not compared


@pytest.mark.parametrize("command", ["run", "explain", "check", "power", "compare-forums"])
def test_a_mistyped_case_id_says_which_was_meant(capsys, command):
    err = _one_error_line(capsys, [command, "kazakstan-2022"], "error: kazakstan-2022: no such scenario file or case id")
    assert "; did you mean 'kazakhstan-2022'" in err.split(" (allowed: ")[0]  # in the problem, before the list


def test_a_mistyped_parameter_says_which_was_meant(capsys, tmp_path):
    err = _one_error_line(capsys, ["run", "kazakhstan-2022", "--set", "influense=0.3", "--out", str(tmp_path / "o")],
                          "error: command line: --set influense: unknown parameter 'influense'; did you mean 'influence'? "
                          "(allowed: ")
    assert "threat_scale" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", [["run", "kazakhstan-2022"], ["explain", "kazakhstan-2022"],
                                     ["power", "kazakhstan-2022"]], ids=lambda c: c[0])
def test_a_mistyped_rule_says_which_was_meant(capsys, command):
    _one_error_line(capsys, [*command, "--rule", "consensu"],
                    "error: command line: --rule: unknown decision rule 'consensu'; did you mean 'consensus'? "
                    "(allowed: consensus, consensus_excluding_parties")


def test_a_rule_nothing_like_any_gets_no_suggestion(capsys):
    err = _one_error_line(capsys, ["run", "kazakhstan-2022", "--rule", "xyzzy"], "error: command line: --rule: ")
    assert "did you mean" not in err


def test_a_mistyped_command_and_choice_say_which_was_meant(capsys):
    _one_error_line(capsys, ["rnu", "kazakhstan-2022"], "error: command line: command: invalid choice: 'rnu'; did you "
                                                        "mean 'run'?")
    _one_error_line(capsys, ["plot", "somewhere", "--format", "pgn"], "error: command line: --format: invalid choice: "
                                                                     "'pgn'; did you mean 'png'?")


def test_a_mistyped_rule_in_the_library_says_which_was_meant():
    from model.rules import get_rule

    with pytest.raises(KeyError, match="did you mean 'simple_majority'"):
        get_rule("simple_majorty")


@pytest.mark.parametrize(("edit", "field", "meant"), [
    (("influence:", "influense:"), "vary.influense: unknown key", "influence"),
    (("[kazakhstan-2022]", "[kazakstan-2022]"), "scenarios[0]: no such case id 'kazakstan-2022'", "kazakhstan-2022"),
    (("influence: {range: {low: 0.2, high: 1.0, steps: 3}}", "rule: {values: [consensu]}"),
     "vary.rule.values[0]: 'consensu' is not allowed", "consensus"),
], ids=["parameter", "case", "rule"])
def test_a_mistyped_name_in_an_experiment_file_says_which_was_meant(capsys, tmp_path, edit, field, meant):
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(TINY).replace(*edit))
    err = _one_error_line(capsys, ["sweep", str(path), "--dry-run"], f"error: {path}: {field}; did you mean '{meant}'")
    assert err.index("did you mean") < err.index(" (allowed: ")


# -- --json on list, sweep and plot ------------------------------------------------------------------------

def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ids = {c["id"] for c in data["cases"]}
    assert {"kazakhstan-2022", "armenia-2020"} <= ids
    assert "consensus" in {r["name"] for r in data["rules"]}
    noise = next(p for p in data["parameters"] if p["name"] == "noise")
    assert noise["low"] <= noise["default"] <= noise["high"] and noise["meaning"]


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("tiny")
    exp = tmp / "tiny.yaml"
    exp.write_text(textwrap.dedent(TINY))
    return exp, tmp / "out"


def test_sweep_json_then_plot_json(capsys, tiny_sweep):
    exp, out = tiny_sweep
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert not captured.err  # no progress, no summary on standard error
    assert data["status"] == "complete" and data["out"] == str(out)
    assert data["points"] == 3 and data["failed_points"] == 0 and data["chunks_done"] == data["chunks_total"] == 2
    assert data["summary"].startswith("tiny: 3 points x 40 replications = 120 runs, 2 chunks")
    assert str(out / "results.parquet") in data["files"] and (out / "results.parquet").exists()

    assert main(["plot", str(out), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["out"] == str(out / "figures") and figures["figures"]
    assert all(Path(p).exists() and Path(p).parent == out / "figures" for p in figures["figures"])


def test_sweep_dry_run_json(capsys, tiny_sweep):
    exp, _ = tiny_sweep
    assert main(["sweep", str(exp), "--dry-run", "--json", "--out", "elsewhere"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["points"], data["replications"], data["runs"], data["chunks"]) == (3, 40, 120, 2)
    assert data["factors"] == [{"name": "influence", "values": 3}] and data["out"] == "elsewhere"


# -- shell completion ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_script_names_every_command(capsys, shell):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert len(script) > 500
    for name, _, _ in COMMANDS:
        assert name in script, name
    assert "replications" in script and "version" in script  # the options too (tcsh lists them without --)


def test_completion_of_an_unknown_shell_is_one_error_line(capsys):
    _one_error_line(capsys, ["completion", "bsh"], "error: command line: shell: invalid choice: 'bsh'; did you mean 'bash'")


# -- progress ------------------------------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_mode_is_decided_as_before():
    assert Progress.mode_for(_Terminal(), quiet=False) == "bar"
    assert Progress.mode_for(io.StringIO(), quiet=False) == "lines"
    assert Progress.mode_for(_Terminal(), quiet=True) == "none"


def test_progress_lines_every_tenth_with_counts_rate_and_eta():
    stream = io.StringIO()
    p = Progress(1000, 200, stream, "lines", "demo")  # resumed: 200 points done before
    for _ in range(8):
        p.update(100)
    p.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 8 and "\r" not in stream.getvalue()
    assert lines[0].startswith("demo: 300 of 1000 points (30%), ") and "points/s" in lines[0] and "ETA" in lines[0]
    assert lines[-1].startswith("demo: 1000 of 1000 points (100%)")


def test_progress_bar_on_a_terminal_is_tqdms():
    stream = _Terminal()
    p = Progress(50, 0, stream, "bar", "demo")
    for _ in range(5):
        p.update(10)
    p.close()
    text = stream.getvalue()
    assert "\r" in text and "50/50 points" in text and "100%" in text and text.endswith("\n")


def test_quiet_progress_writes_nothing():
    stream = _Terminal()
    p = Progress(50, 0, stream, "none")
    p.update(50)
    p.close()
    assert stream.getvalue() == ""
