"""Scenario discovery (``csto-sim discover``): PRIM recovers a planted box, and the command reads a sweep folder."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from model.analysis.prim import Box, describe, full_box, peel, prim, quasi_p
from model.cli import main


def planted(n: int = 2000, noise: float = 0.05, seed: int = 42):
    """y = 1 inside x1 >= 0.6 and x2 <= 0.3 and c != 'c', with a share ``noise`` of the labels flipped; x3 is
    irrelevant."""
    rng = np.random.default_rng(seed)
    x = {"x1": rng.uniform(size=n), "x2": rng.uniform(size=n), "x3": rng.uniform(size=n),
         "c": rng.choice(np.array(["a", "b", "c"], dtype=object), size=n)}
    y = (x["x1"] >= 0.6) & (x["x2"] <= 0.3) & (x["c"] != "c")
    return x, np.where(rng.uniform(size=n) < noise, ~y, y)


def test_prim_recovers_a_planted_box():
    x, y = planted()
    boxes = prim(x, y, ["x1", "x2", "x3"], ["c"])
    b = boxes[0]
    assert b.box.numeric["x1"][0] == pytest.approx(0.6, abs=0.03)
    assert b.box.numeric["x2"][1] == pytest.approx(0.3, abs=0.03)
    assert b.box.categorical["c"] == frozenset({"a", "b"})
    assert sorted(b.restricted) == ["c", "x1", "x2"]  # x3 is left free
    # the planted box holds about 95% events; the flips outside it hold the rest of the events
    assert b.density >= 0.85
    assert b.coverage >= 0.55
    # what is left after the box is noise: no second box is dense enough
    assert len(boxes) == 1
    # the same box and measures as the EMA Workbench's PRIM on these data (docs/analysis.md): coverage 0.624,
    # density 0.911, x1 >= 0.601, x2 <= 0.296, c in {a, b}
    assert (round(b.coverage, 3), round(b.density, 3)) == (0.624, 0.911)
    assert b.rule == "x1 at least 0.602 and x2 at most 0.295 and c is not c"


def test_prim_without_noise_is_exact_on_a_numeric_box():
    x, y = planted(noise=0.0, seed=1)
    y = (x["x1"] >= 0.6) & (x["x2"] <= 0.3)
    b = prim(x, y, ["x1", "x2", "x3"], [], min_density=0.99)[0]
    assert b.density == 1.0 and b.coverage >= 0.9
    assert b.restricted == ["x1", "x2"]


def test_peeling_trajectory_trades_coverage_for_density():
    x, y = planted()
    traj = peel(x, y, ["x1", "x2", "x3"], ["c"])
    assert traj[0].coverage == 1.0 and traj[0].restricted == 0
    assert traj[-1].density > traj[0].density
    coverage = [p.coverage for p in traj]
    assert all(a >= b - 1e-12 for a, b in zip(coverage, coverage[1:], strict=False))  # peeling only removes points
    assert all(p.mass >= 0.05 - 1e-9 for p in traj)


def test_covering_finds_two_separate_boxes():
    rng = np.random.default_rng(3)
    x = {"a": rng.uniform(size=3000), "b": rng.uniform(size=3000)}
    y = ((x["a"] <= 0.3) & (x["b"] <= 0.3)) | ((x["a"] >= 0.6) & (x["b"] >= 0.6))
    boxes = prim(x, y, ["a", "b"], [])
    assert len(boxes) == 2
    big, small = boxes  # the larger corner first, then the other one among the points left
    assert big.box.numeric["a"][0] == pytest.approx(0.6, abs=0.02)
    assert big.box.numeric["b"][0] == pytest.approx(0.6, abs=0.02)
    assert small.box.numeric["a"][1] == pytest.approx(0.3, abs=0.02)
    assert small.box.numeric["b"][1] == pytest.approx(0.3, abs=0.02)
    assert sum(b.coverage for b in boxes) >= 0.95
    assert all(b.density >= 0.95 for b in boxes)


def test_quasi_p_values_tell_real_restrictions_from_chance():
    x, y = planted()
    full = full_box(x, ["x1", "x2", "x3"], ["c"])
    box = Box({"x1": (0.6, 1.0), "x2": (0.0, 0.3), "x3": (0.0, 0.5)}, dict(full.categorical))
    assert quasi_p(box, "x1", x, y, full) < 1e-6
    assert quasi_p(box, "x3", x, y, full) > 0.05


def test_rules_read_as_text():
    full = Box({"influence": (0.0, 1.0), "w_legal": (0.0, 6.0)},
               {"request.framing": frozenset({"external", "internal"}), "rule": frozenset({"a", "b", "c"})})
    box = Box({"influence": (0.6, 1.0), "w_legal": (1.0, 2.5)},
              {"request.framing": frozenset({"external"}), "rule": frozenset({"a", "b"})})
    assert describe(box, full) == ("influence at least 0.6 and w_legal from 1 to 2.5 and request.framing is external "
                                   "and rule is not c")
    assert describe(full, full) == "(everywhere)"


SWEEP = """\
format: csto-sim/experiment-1
name: tiny-discover
scenarios: [kyrgyzstan-2010-06]
vary:
  threat_scale: {range: {low: 0.5, high: 3.0, steps: 11}}
  w_legal: {range: {low: 0.0, high: 3.0, steps: 7}}
  request.framing: {values: [external, internal]}
design: full_factorial
replications: 40
seed: 5
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("discover")
    (folder / "exp.yaml").write_text(SWEEP)
    assert main(["sweep", str(folder / "exp.yaml"), "--out", str(folder / "sweep"), "--workers", "1", "-q"]) == 0
    return folder / "sweep"


def test_discover_reads_a_sweep_and_writes_rules(sweep_dir: Path, capsys):
    assert main(["discover", str(sweep_dir)]) == 0
    text = capsys.readouterr().out
    assert "event p_deployment >= 0.5" in text and "box 1:" in text
    out = sweep_dir / "discover"
    report = json.loads((out / "prim.json").read_text())
    box = report["boxes"][0]
    # a deployment in June 2010 needs much stronger threat perceptions and a mandate: no legal cost at all
    # (issue 12: the external framing is no longer a box of its own, see the test below; the case's alternative
    # coding of a bilateral request only (weight 0.35) tables nothing, so the box is narrower than it was,
    # 'threat_scale at least 1.75 and w_legal at most 0.5')
    assert box["rule"] == "threat_scale at least 2 and w_legal at most 0"
    assert box["density"] > 0.75 and box["coverage"] > 0.5  # 1.0 and 0.56 (was 0.83 and 0.87)
    assert box["restricted"] == ["threat_scale", "w_legal"]
    assert (out / "prim-trajectory.png").is_file() and (out / "manifest.json").is_file()
    assert main(["discover", str(sweep_dir), "--json", "--threshold", "0.9", "--out", str(sweep_dir / "d2")]) == 0
    assert json.loads(capsys.readouterr().out)["event"] == "p_deployment >= 0.9"


@pytest.mark.xfail(reason="issue 12: the framing now stretches the mandate only as far as the lead state's resolve "
                          "(S001), low for Kyrgyzstan 2010-06: PRIM finds one box, 'threat_scale at least 1.75 and "
                          "w_legal at most 0.5' (density 0.83, coverage 0.87), and no box on request.framing; with "
                          "w_legal 1.5 and threat_scale 3.0 P(deployment) is 0.28 framed external, 0.00 internal "
                          "(40 replications a point)", strict=True)
def test_discover_june_2010_a_deployment_through_the_external_framing(sweep_dir: Path, capsys):
    assert main(["discover", str(sweep_dir), "--json", "--out", str(sweep_dir / "d-framing")]) == 0
    report = json.loads(capsys.readouterr().out)
    # a deployment in June 2010 needs much stronger threat perceptions and a mandate: the unrest framed as
    # external (box 1), or no legal cost at all (box 2)
    box = report["boxes"][0]
    assert box["rule"] == "threat_scale at least 1.75 and request.framing is external"
    assert box["density"] > 0.75 and box["coverage"] > 0.7
    assert report["boxes"][1]["restricted"] == ["threat_scale", "w_legal"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing", "no such folder"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "manifest.json: missing"),
    (lambda d: (d / "file.txt").write_text("x") and d / "file.txt", "is not a folder"),
])
def test_discover_bad_folders_are_one_line(tmp_path: Path, capsys, make, message):
    folder = make(tmp_path)
    assert main(["discover", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and message in err


def test_discover_refuses_a_run_folder_and_a_bad_scenario(tmp_path: Path, sweep_dir: Path, capsys):
    assert main(["run", "kazakhstan-2022", "-n", "10", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["discover", str(tmp_path / "run")]) == 2
    assert "not a sweep" in capsys.readouterr().err
    assert main(["discover", str(sweep_dir), "--scenario", "armenia-2020", "--out", str(tmp_path / "x")]) == 2
    assert "--scenario" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["discover", str(sweep_dir), "--threshold", "1.5"]) == 2


def test_discover_handles_an_event_that_never_happens(tmp_path: Path, capsys):
    (tmp_path / "exp.yaml").write_text(textwrap.dedent(SWEEP).replace("kyrgyzstan-2010-06", "armenia-2020"))
    assert main(["sweep", str(tmp_path / "exp.yaml"), "--out", str(tmp_path / "s"), "-w", "1", "-q"]) == 0
    assert main(["discover", str(tmp_path / "s")]) == 0
    assert "the event never happens" in capsys.readouterr().out
