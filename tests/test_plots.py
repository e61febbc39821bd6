"""Figures: what is drawn equals what was computed; files are valid, sized and reproducible."""

import json

import matplotlib.image as mpimg
import numpy as np
import pytest

from model import simulate
from model.files.runfolder import write_run
from model.ladder import LEVELS
from model.plots import figures as F
from model.plots.draw import probability_grid
from model.plots.style import DPI, save


def bars_by_row(ax):
    """{y: [(level, left, width), ...]} from the stacked horizontal bars of an axes."""
    rows = {}
    for container in ax.containers:
        level = container.get_label()
        for patch in container.patches:
            y = round(patch.get_y() + patch.get_height() / 2, 6)
            rows.setdefault(y, []).append((level, patch.get_x(), patch.get_width()))
    return rows


@pytest.fixture(scope="module")
def replay_runs():
    return [simulate(c, 2000, 1) for c in ("kyrgyzstan-2010-06", "armenia-2021-05", "kazakhstan-2022")]


def test_each_stacked_bar_sums_to_one_and_shows_the_computed_probabilities(replay_runs):
    probs = [r.outcome_probabilities for r in replay_runs]
    fig = F.outcome_bars([r.case.id for r in replay_runs], probs, [r.observed for r in replay_runs], "t", "s")
    rows = bars_by_row(fig.axes[0])
    assert len(rows) == 3
    for (_, segments), p in zip(sorted(rows.items(), reverse=True), probs, strict=True):
        assert sum(w for _, _, w in segments) == pytest.approx(1.0)
        assert {lvl: w for lvl, _, w in segments} == pytest.approx(p)


def test_the_observed_rung_is_outlined_not_marked_mid_bar(replay_runs):
    probs = [r.outcome_probabilities for r in replay_runs]
    observed = [r.observed for r in replay_runs]
    fig = F.outcome_bars([r.case.id for r in replay_runs], probs, observed, "t", "s")
    ax = fig.axes[0]
    rows = bars_by_row(ax)
    outlines = [p for p in ax.patches if p.get_gid() == "observed"]
    assert len(outlines) == 3 and not [line for line in ax.lines if line.get_gid() == "observed"]
    for rect in outlines:
        y = round(rect.get_y() + rect.get_height() / 2, 6)
        row = sorted(rows, reverse=True).index(y)
        level, left, width = next(seg for seg in rows[y] if seg[0] == observed[row])
        assert rect.get_x() == pytest.approx(min(left, 1 - max(width, 0.006)))
        assert rect.get_width() == pytest.approx(max(width, 0.006))
        assert rect.get_facecolor()[3] == 0  # an outline: the segment's colour shows through
    assert "observed rung (outlined)" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_probability_grid_is_the_mean_per_cell():
    rng = np.random.default_rng(0)
    x = np.repeat(np.linspace(0, 1, 5), 4)
    y = np.tile(np.linspace(0, 3, 4), 5)
    p = rng.uniform(size=20)
    xs, ys, grid = probability_grid(x, y, p)
    assert grid.shape == (4, 5)
    for xi, yi, pi in zip(x, y, p, strict=True):
        assert grid[np.searchsorted(ys, yi), np.searchsorted(xs, xi)] == pytest.approx(pi)


def test_wilson_interval_against_hand_computed_values():
    lo, hi = F.wilson_interval(np.array([5, 0, 10]), np.array([10, 10, 10]))
    # p = 0.5, n = 10, z = 1.96: centre 0.5, half-width 0.2659...
    assert lo[0] == pytest.approx(0.2366, abs=1e-4) and hi[0] == pytest.approx(0.7634, abs=1e-4)
    assert lo[1] == 0.0 and hi[1] == pytest.approx(0.2775, abs=1e-4)
    assert hi[2] == 1.0 and lo[2] == pytest.approx(0.7225, abs=1e-4)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_same_data_same_bytes(tmp_path, replay_runs, fmt):
    def draw(name):
        r = replay_runs[0]
        fig = F.objections_by_member(r.members, r.objection_rate, r.dominant_reason, "t", "s")  # any labels
        return save(fig, tmp_path / name, fmt).read_bytes()

    assert draw("a") == draw("b")


def test_png_files_are_valid_images_of_the_expected_size(tmp_path, replay_runs):
    r = simulate("kazakhstan-2022", 500, 2, trace=True)
    fig = F.decision_trace(r.members, r.trace, "t", "s", 0.45, 0.1)
    width, height = fig.get_size_inches()
    path = save(fig, tmp_path / "trace", "png")
    image = mpimg.imread(path)
    assert image.shape[:2] == (round(height * DPI), round(width * DPI))
    assert image.std() > 0  # not blank


def test_trace_lines_are_the_recorded_positions():
    r = simulate("kyrgyzstan-2010-06", 10, 3, trace=True)
    fig = F.decision_trace(r.members, r.trace, "t", "s", 0.45, 0.1)
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.lines if line.get_gid()}
    for k, measure in enumerate(F.MEASURE_NAMES):
        for m in r.members:
            np.testing.assert_allclose(lines[f"trace-{m}-{measure}"].get_ydata(), [rnd[m][k] for rnd in r.trace])


def test_summary_json_is_what_the_outcome_figure_reads(tmp_path):
    res = simulate("kazakhstan-2022", 300, 5)
    write_run(res, tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["outcome_probabilities"] == res.outcome_probabilities
    assert sum(summary["outcome_probabilities"][lvl] for lvl in LEVELS) == pytest.approx(1.0)


# --- from saved folders: sweeps and runs through the command line ---------------------------------

from model.cli import main  # noqa: E402

SWEEP = """format: csto-sim/experiment-1
name: tiny-map
scenarios: [scenarios/historical/kazakhstan-2022.yaml, scenarios/whatif/hypothetical-request.yaml]
vary:
  influence: {values: [0.0, 0.5, 1.0]}
  threat_scale: {values: [0.0, 0.25, 1.0, 2.0]}
design: full_factorial
replications: 100
seed: 7
"""


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    exp = root / "tiny.yaml"
    exp.write_text(SWEEP)
    assert main(["sweep", str(exp), "--out", str(root / "out"), "--workers", "1", "--quiet"]) == 0
    return root / "out"


def test_plot_draws_every_supported_figure_of_a_sweep(sweep_folder, tmp_path, capsys):
    assert main(["plot", str(sweep_folder), "--out", str(tmp_path / "figs")]) == 0
    # no approval map: it needs the strategic value varied and P(approved) recorded (test_approval_map.py)
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["curves.png", "outcomes.png"]


def test_plot_a_run_folder_in_every_format(tmp_path, capsys):
    assert main(["run", "kazakhstan-2022", "-n", "200", "--out", str(tmp_path / "run")]) == 0
    for fmt in ("png", "svg", "pdf"):
        assert main(["plot", str(tmp_path / "run"), "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
        names = sorted(p.name for p in (tmp_path / fmt).iterdir())
        assert names == sorted(f"{k}.{fmt}" for k in ("outcomes", "days", "troops", "objections", "trace"))


def test_run_and_replay_draw_their_own_figures(tmp_path, capsys):
    assert main(["run", "kyrgyzstan-2010-06", "-n", "200", "--plot", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "trace.png").is_file()
    assert main(["replay", "-n", "200", "--plot", str(tmp_path / "replay")]) == 0
    image = mpimg.imread(tmp_path / "replay" / "replay-outcomes.png")
    assert image.shape[1] == 1050  # 7 in at 150 dpi: a paper's text width


def _corrupt_summary(folder):
    (folder / "summary.json").write_text("{not json")


def _other_version(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format"] = "csto-sim/run-99"
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _truncated_parquet(folder):
    data = (folder / "replications.parquet").read_bytes()
    (folder / "replications.parquet").write_bytes(data[: len(data) // 2])


def _no_manifest(folder):
    (folder / "manifest.json").unlink()


@pytest.mark.parametrize(("damage", "fragment"), [
    (_corrupt_summary, "summary.json: is not valid JSON"),
    (_other_version, "'csto-sim/run-99' is not a results format"),
    (_truncated_parquet, "replications.parquet: cannot be read as Parquet"),
    (_no_manifest, "manifest.json: missing"),
])
def test_a_damaged_results_folder_is_one_line_and_exit_2(tmp_path, capsys, damage, fragment):
    assert main(["run", "kazakhstan-2022", "-n", "50", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    damage(tmp_path / "run")
    assert main(["plot", str(tmp_path / "run"), "--out", str(tmp_path / "figs")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and fragment in err[0]
    assert not (tmp_path / "figs").exists()


def test_a_missing_results_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such folder" in err[0]
