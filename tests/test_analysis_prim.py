"""Scenario discovery (``csto-sim discover``): PRIM recovers a planted box, and the command reads a sweep folder."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from model.analysis.discover import _box_record, format_discover
from model.analysis.prim import Box, describe, full_box, peel, prim, prune, quasi_p, quasi_p_values
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


def ema_quasi_p(limits: dict, initial: dict, x: dict, y: np.ndarray, h_box: int, t_box: int) -> dict:
    """The EMA Workbench 3.0.0's quasi-p-values (``prim_util.calculate_qp`` and
    ``scenario_discovery_util._calculate_quasip``) written out again, without pandas: for each limit that
    differs from the initial box, that one limit set back to the initial one, the density p of that box on the
    points x, y, and the one-sided binomial test of h_box events in t_box points against p; -1 for a limit left
    as it was. ``limits`` and ``initial``: numeric inputs [low, high], categorical inputs a set of levels."""
    from scipy.stats import binomtest

    def inside(lims):
        ok = np.ones(len(y), dtype=bool)
        for name, lim in lims.items():
            ok &= np.isin(x[name], list(lim)) if isinstance(lim, frozenset) else (x[name] >= lim[0]) & (x[name] <= lim[1])
        return ok

    def qp(temp):
        yi = y[inside(temp)]
        return binomtest(h_box, t_box, yi.sum() / yi.shape[0], alternative="greater").pvalue

    out = {}
    for name, lim in limits.items():
        if isinstance(lim, frozenset):
            out[name] = [qp({**limits, name: initial[name]}), -1]
            continue
        out[name] = [qp({**limits, name: [initial[name][0], lim[1]]}) if lim[0] != initial[name][0] else -1,
                     qp({**limits, name: [lim[0], initial[name][1]]}) if lim[1] != initial[name][1] else -1]
    return out


def check_against_ema(b, x: dict, y: np.ndarray, remaining: np.ndarray, full) -> None:
    """Coverage, density and mass of a box against all the points and events (EMA: ``coi / sum(y)``,
    ``coi / n_box``, ``n_box / n``), and its quasi-p-values per limit computed on the points left when it was
    found (EMA: ``yi_remaining``), with the initial box that of all the points (EMA: ``box_init``)."""
    inside = b.box.contains(x) & remaining
    n_box, coi = int(inside.sum()), int(y[inside].sum())
    assert (b.n_points, b.n_events) == (n_box, coi)
    assert b.coverage == pytest.approx(coi / y.sum(), abs=1e-12)
    assert b.density == pytest.approx(coi / n_box, abs=1e-12)
    assert b.mass == pytest.approx(n_box / len(y), abs=1e-12)
    limits = {**{k: list(v) for k, v in b.box.numeric.items() if k in b.restricted},
              **{k: v for k, v in b.box.categorical.items() if k in b.restricted}}
    initial = {**{k: list(v) for k, v in full.numeric.items()}, **full.categorical}
    expected = ema_quasi_p(limits, initial, {k: v[remaining] for k, v in x.items()}, y[remaining], coi, n_box)
    ours = {name: [sides.get("levels", sides.get("low")), sides.get("high")] if "levels" not in sides
            else [sides["levels"], None] for name, sides in b.quasi_p.items()}
    assert set(ours) == set(expected)
    for name, (lo, hi) in expected.items():
        assert ours[name][0] == (None if lo == -1 else pytest.approx(lo, rel=1e-9)), name
        assert ours[name][1] == (None if hi == -1 else pytest.approx(hi, rel=1e-9)), name


def test_measures_and_quasi_p_values_as_the_ema_workbench_computes_them():
    x, y = planted()
    full = full_box(x, ["x1", "x2", "x3"], ["c"])
    b = prim(x, y, ["x1", "x2", "x3"], ["c"])[0]
    check_against_ema(b, x, y, np.ones(len(y), dtype=bool), full)
    # by hand: 153 events in 168 points, of 245 events in 2,000 points
    assert (b.n_events, b.n_points, int(y.sum())) == (153, 168, 245)
    assert (b.coverage, b.density, b.mass) == (153 / 245, 153 / 168, 168 / 2000)
    assert set(b.quasi_p) == {"x1", "x2", "c"}
    assert b.quasi_p["x1"]["high"] is None and b.quasi_p["x2"]["low"] is None  # one-sided restrictions
    assert all(p < 1e-10 for sides in b.quasi_p.values() for p in sides.values() if p is not None)
    # what the EMA Workbench 3.0.0 itself gives on these data at the same step 41 (``Prim(x, y).find_box()``,
    # ``peeling_trajectory.loc[41]`` and ``p_values[41]``): mass 0.084, n 168, k 153, and
    # {'x1': [1.2110504580486027e-41, -1], 'x2': [-1, 6.978432506061262e-59], 'c': [9.779080808846659e-18, -1]}
    assert b.selected == 41 and b.mass == 0.084
    assert b.quasi_p["x1"]["low"] == pytest.approx(1.2110504580486027e-41, rel=1e-9)
    assert b.quasi_p["x2"]["high"] == pytest.approx(6.978432506061262e-59, rel=1e-9)
    assert b.quasi_p["c"]["levels"] == pytest.approx(9.779080808846659e-18, rel=1e-9)


def test_the_differences_from_the_ema_workbench_that_remain():
    """docs/analysis.md, "Differences from the EMA Workbench": limits at a point of the box, not at a midpoint;
    peeling on through a step that lowers the density; selection, pruning and covering automatic."""
    x, y = planted()
    b = prim(x, y, ["x1", "x2", "x3"], ["c"])[0]
    inside = b.box.contains(x)
    # a limit is the last value inside the box (EMA: halfway to the next value outside, the same points)
    assert b.box.numeric["x1"][0] == x["x1"][inside].min() and b.box.numeric["x2"][1] == x["x2"][inside].max()
    # peeling goes on after its density stops rising (EMA stops at the first step where no peel raises it)
    traj = peel(x, y, ["x1", "x2", "x3"], ["c"])
    density = [p.density for p in traj]
    first_fall = next(i for i in range(1, len(traj)) if density[i] <= density[i - 1])
    # EMA 3.0.0 on these data: peels to step 45 (density 0.9556), then pastes steps 46 to 50
    assert (len(traj) - 1, first_fall - 1, b.selected) == (50, 45, 41)
    assert round(density[45], 4) == 0.9556
    # on two opposite corners the second peel already lowers the density: EMA's first box is step 1, 95% of
    # the space (3.0.0: coverage 0.955, density 0.2593), its second the 5% left; going on finds both corners
    # (test_covering_finds_two_separate_boxes)
    rng = np.random.default_rng(3)
    xc = {"a": rng.uniform(size=3000), "b": rng.uniform(size=3000)}
    yc = ((xc["a"] <= 0.3) & (xc["b"] <= 0.3)) | ((xc["a"] >= 0.6) & (xc["b"] >= 0.6))
    corners = peel(xc, yc, ["a", "b"], [])
    assert corners[1].density > corners[0].density > corners[2].density
    assert (round(corners[1].coverage, 3), round(corners[1].density, 4), corners[1].mass) == (0.955, 0.2593, 0.95)
    # the selected box, pruned and pasted, not the last one on the trajectory (EMA: the analyst selects)
    assert b.selected < len(b.trajectory) - 1


def test_ties_between_peels_go_to_the_first_tried_not_to_the_fewest_restrictions():
    """A grid symmetric in a and b, the box already restricted on b: cutting a >= 1 or b >= 1 gives the same
    density; this keeps the first tried (a), EMA the one leaving fewer inputs restricted (b)."""
    g = np.arange(10.0)
    a, b = (v.ravel() for v in np.meshgrid(g, g))
    x = {"a": np.r_[a, np.zeros(5)], "b": np.r_[b, np.full(5, 100.0)]}  # five points beyond the box on b
    y = (x["a"] + x["b"] >= 9) & (x["b"] < 100)
    full = full_box(x, ["a", "b"], [])
    start = Box({"a": full.numeric["a"], "b": (0.0, 9.0)}, {})
    step = peel(x, y, ["a", "b"], [], start=start)[1]
    other = Box({"a": full.numeric["a"], "b": (1.0, 9.0)}, {})
    assert y[other.contains(x)].mean() == step.density == 0.6 and other.contains(x).sum() == step.box.contains(x).sum()
    assert step.box.numeric["a"] == (1.0, 9.0) and step.restricted == 2  # EMA: b >= 1, 1 restricted


def test_later_boxes_measure_mass_against_all_the_points_and_test_limits_on_the_points_left():
    rng = np.random.default_rng(3)
    x = {"a": rng.uniform(size=3000), "b": rng.uniform(size=3000)}
    y = ((x["a"] <= 0.3) & (x["b"] <= 0.3)) | ((x["a"] >= 0.6) & (x["b"] >= 0.6))
    full = full_box(x, ["a", "b"], [])
    first, second = prim(x, y, ["a", "b"], [])
    remaining = np.ones(3000, dtype=bool)
    check_against_ema(first, x, y, remaining, full)
    remaining &= ~first.box.contains(x)
    check_against_ema(second, x, y, remaining, full)
    # the second box's trajectory starts from the points left, as a share of all the points (EMA's mass)
    assert second.trajectory[0].mass == pytest.approx(remaining.mean())
    assert second.trajectory[0].coverage == pytest.approx(y[remaining].sum() / y.sum())
    assert second.peeled.mass == pytest.approx(second.mass)  # pasting found nothing to add: the same points
    assert first.mass + second.mass == pytest.approx((first.n_points + second.n_points) / 3000)


def test_a_later_box_states_the_limits_that_earlier_boxes_set_with_a_high_quasi_p_value():
    """The second box is found on the points the first left (a < 0.699): stated against all the points it
    reads "a at most 0.698", a limit no peel set; on the points left dropping it changes nothing, so its
    quasi-p-value is that of the box's density against itself (EMA shows no such limit)."""
    from scipy.stats import binomtest

    rng = np.random.default_rng(7)
    x = {"a": rng.uniform(size=2000), "b": rng.uniform(size=2000)}
    y = (x["a"] >= 0.7) | (x["b"] <= 0.2)
    first, second = prim(x, y, ["a", "b"], [])
    assert first.rule == "a at least 0.699"
    assert second.rule == "a at most 0.698 and b from 0.00117 to 0.201"  # b's lowest point is in the first box
    check_against_ema(second, x, y, ~first.box.contains(x), full_box(x, ["a", "b"], []))
    same = binomtest(second.n_events, second.n_points, second.density, alternative="greater").pvalue
    assert second.quasi_p["a"]["high"] == pytest.approx(same) and second.quasi_p["b"]["low"] == pytest.approx(same)
    assert same > 0.5 and second.quasi_p["b"]["high"] < 1e-100


def test_pasting_widens_numeric_limits_only():
    """Adding level b to "c is a" would raise the density (EMA's pasting would add it); this pastes numeric
    limits only, here x1 back to its pruned-away part, and leaves c as it is."""
    from model.analysis.prim import paste

    rng = np.random.default_rng(11)
    x = {"x1": rng.uniform(size=2000), "c": rng.choice(np.array(["a", "b", "c"], dtype=object), size=2000)}
    y = (x["x1"] >= 0.5) & ((x["c"] == "b") | ((x["c"] == "a") & (rng.uniform(size=2000) < 0.8)))
    full = full_box(x, ["x1"], ["c"])
    box = Box({"x1": (0.6, full.numeric["x1"][1])}, {"c": frozenset({"a"})})
    wider = box.copy()
    wider.categorical["c"] = frozenset({"a", "b"})
    assert y[wider.contains(x)].mean() > y[box.contains(x)].mean()
    pasted = paste(box, x, y, full)
    assert pasted.categorical["c"] == frozenset({"a"}) and pasted.numeric["x1"][0] < 0.6


def test_each_limit_of_a_two_sided_restriction_is_tested_and_pruned_on_its_own():
    x, y = planted()
    full = full_box(x, ["x1", "x2", "x3"], ["c"])
    # x1 <= 0.95 is set by chance: dropping it alone changes nothing, dropping x1 >= 0.6 loses the box
    box = Box({"x1": (0.6, 0.95), "x2": (0.0, 0.3), "x3": full.numeric["x3"]}, dict(full.categorical))
    box.categorical["c"] = frozenset({"a", "b"})
    qp = quasi_p_values(box, x, y, full)
    assert qp["x1"]["low"] < 1e-10 < 0.05 < qp["x1"]["high"]
    assert quasi_p(box, "x1", x, y, full) < 1e-10  # both limits dropped at once: the low one hides the high one
    pruned = prune(box, x, y, full)
    assert pruned.numeric["x1"] == (0.6, full.numeric["x1"][1])  # the low limit kept, the high one dropped
    assert pruned.numeric["x2"] == (0.0, 0.3) and pruned.categorical["c"] == frozenset({"a", "b"})


def below_floor_data():
    """Events with probability 0.78 where x1 >= 0.5, 0.1 elsewhere: the peeled box reaches density 0.8 only
    with limits on x2 and an upper limit on x1 that pruning drops."""
    rng = np.random.default_rng(3)
    x = {"x1": rng.uniform(size=300), "x2": rng.uniform(size=300)}
    return x, np.where(x["x1"] >= 0.5, rng.uniform(size=300) < 0.78, rng.uniform(size=300) < 0.1)


def test_a_box_below_the_density_floor_after_pruning_is_flagged():
    x, y = below_floor_data()
    b = prim(x, y, ["x1", "x2"], [], min_density=0.8)[0]
    assert b.peeled.density >= 0.8 > b.density
    assert b.below_min_density and b.rule == "x1 at least 0.513"
    report = {"results": "r", "event": "y", "points": 300, "events": int(y.sum()), "base_density": float(y.mean()),
              "dimensions": {"numeric": ["x1", "x2"], "categorical": []},
              "settings": {"min_density": 0.8, "pasting": True}, "boxes": [_box_record(b)]}
    assert report["boxes"][0]["below_min_density"] is True
    text = format_discover(report)
    assert "BELOW THE DENSITY FLOOR: density 0.778 < --min-density 0.8 after pruning" in text
    assert "quasi-p per limit: x1 >= 0.513 p=" in text
    # a box that keeps the floor is not flagged
    assert not prim(*planted(), ["x1", "x2", "x3"], ["c"])[0].below_min_density


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
    # every limit with its quasi-p-value, in prim.json and in the output
    assert set(box["quasi_p"]) == set(box["restricted"]) and box["below_min_density"] is False
    assert box["quasi_p"]["threat_scale"]["high"] is None and box["quasi_p"]["threat_scale"]["low"] < 0.05
    assert "quasi-p per limit: threat_scale >= " in text
    # a deployment in June 2010 needs much stronger threat perceptions and a mandate: no legal cost at all
    # (issue 12: the external framing is no longer a box of its own, see the test below): at 40 replications a
    # point, 10 points, all with the event, of the 18 with it (docs/analysis.md: the same box at 1,000)
    assert box["rule"] == "threat_scale at least 2 and w_legal at most 0"
    assert box["density"] == 1.0 and box["coverage"] > 0.5
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
