"""What a sweep and a calibration do around the engine, done in bulk, gives the values done one by one gave: the
codings of a case's replications, the statistics of a pass's points, the parameters of a chunk's points, the chunks
of a resumed folder and the design's factors in the manifest.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from model.codings import coding_choices, coding_groups
from model.params import Parameters
from model.scenario import list_case_files, load_scenario
from model.simulate import simulate, simulate_points
from model.statistics import STATISTICS, SWEEP_STATISTICS, sweep_columns
from model.sweep.evaluate import SweepContext, run_chunk
from model.sweep.experiment import Experiment
from model.sweep.factors import levels, uniform
from model.sweep.runner import SweepOptions, new_manifest, run_sweep
from model.sweep.types import DesignSpec


def _groups_by_choice(case, replications, seed):
    """The codings' groups drawn one ``Generator.choice`` per independent draw and grouped with ``np.unique`` over
    rows (the plain form of ``coding_groups``)."""
    from model.codings import CODING_KEY

    choices = coding_choices(case)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(CODING_KEY,)))
    picks = np.stack([rng.choice(len(opts), size=replications, p=np.array([w for w, _ in opts]) / sum(w for w, _ in opts))
                      for _, opts in choices], axis=1)
    combos, inverse = np.unique(picks, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort([np.flatnonzero(inverse == k)[0] for k in range(len(combos))], kind="stable")
    return [(tuple(int(x) for x in combos[k]), np.flatnonzero(inverse == k)) for k in order]


def test_coding_groups_are_those_of_one_choice_per_draw():
    cases = [c for c in (load_scenario(p) for p in list_case_files()) if c.alternatives]
    assert len(cases) >= 5
    for case in cases:
        for seed in range(40):
            for replications in (1, 3, 200):
                got = coding_groups(case, replications, seed)
                want = _groups_by_choice(case, replications, seed)
                assert [k for k, _, _ in got] == [k for k, _ in want], (case.id, seed, replications)
                for (_, _, rows), (_, expected) in zip(got, want, strict=True):
                    assert rows.dtype == expected.dtype and np.array_equal(rows, expected)


def _rows_one_by_one(names, runs):
    out: dict[str, list] = {}
    for p, run in enumerate(runs):
        for name in names:
            stat = STATISTICS[name]
            for column, value in stat.row(stat.compute(run)).items():
                out.setdefault(column, [None] * len(runs))[p] = value
    return out


@pytest.mark.parametrize("case_id", ["kazakhstan-2022", "armenia-2021-05"])
def test_sweep_columns_are_each_runs_own_statistics(case_id):
    params = [Parameters(noise=x, threat_scale=t) for x, t in ((0.0, 1.0), (0.5, 0.2), (2.0, 1.0), (1.5, 3.0), (2.0, 0.0))]
    runs = simulate_points(case_id, 80, list(range(len(params))), params)
    names = list(SWEEP_STATISTICS)
    assert repr(sorted(sweep_columns(names, runs).items())) == repr(sorted(_rows_one_by_one(names, runs).items()))
    # runs of different cases (other members) cannot be stacked: run by run, the same values
    mixed = [*runs[:2], simulate("kyrgyzstan-2010-06", 80, 3)]
    got = sweep_columns(names, mixed)
    assert repr(sorted(got.items())) == repr(sorted(_rows_one_by_one(names, mixed).items()))
    assert got["objection_rate.Uzbekistan"][:2] == [None, None] and got["objection_rate.Uzbekistan"][2] is not None


def test_a_chunks_parameters_checked_at_once_give_each_points_own_run_or_error():
    """Values the column check passes run as given; a column with a value it does not pass goes through
    Parameters.replace point by point: a value out of bounds is that point's error, the others run."""
    exp = Experiment.build(scenarios="kazakhstan-2022", design=DesignSpec("latin_hypercube", n=4), replications=30,
                           seed=5, factors=[uniform("noise", 0.0, 2.0), uniform("rounds", 2, 8)])
    ctx = SweepContext.from_experiment(exp)
    bad = run_chunk(ctx, 0, [(0, (0.5, 3)), (1, (99.0, 6)), (2, (1.0, 21)), (3, (1.25, 6))])
    with pytest.raises(ValueError) as out_of_range:
        Parameters().replace(noise=99.0)
    with pytest.raises(ValueError) as too_many:
        Parameters().replace(rounds=21)
    errors = dict(bad.failures)
    assert errors == {1: f"ParameterError: {out_of_range.value}", 2: f"ParameterError: {too_many.value}"}
    rows = bad.table.to_pylist()
    for row, params in ((rows[0], Parameters(noise=0.5, rounds=3)), (rows[3], Parameters(noise=1.25, rounds=6))):
        alone = simulate("kazakhstan-2022", 30, row["seed"], params=params)
        assert row["error"] is None
        assert row["p_deployment"] == STATISTICS["outcome_probabilities"].compute(alone)["deployment"]
        assert row["days_p50"] == STATISTICS["days_to_decision"].compute(alone)["p50"]
    good = run_chunk(ctx, 0, [(0, (0.5, 3)), (3, (1.25, 6))])  # the same points without the bad ones
    assert good.table.to_pylist() == [rows[0], rows[3]] and not good.failures


def test_a_folder_resumed_under_another_chunk_size_keeps_its_chunks(tmp_path):
    def exp(chunk_points):
        return Experiment.build(scenarios="kazakhstan-2022", design=DesignSpec("latin_hypercube", n=23),
                                replications=20, seed=2, factors=[uniform("noise", 0.0, 2.0)], chunk_points=chunk_points)

    whole = tmp_path / "whole"
    assert run_sweep(exp(5), SweepOptions(out=whole, quiet=True)).status == "complete"
    part = tmp_path / "part"
    assert run_sweep(exp(5), SweepOptions(out=part, quiet=True)).status == "complete"
    (part / "results.parquet").unlink()
    for chunk in (1, 3):
        (part / "chunks" / f"chunk-{chunk:06d}.parquet").unlink()
    # the same experiment under another default chunk size (another version's): the folder's chunks are kept
    outcome = run_sweep(dataclasses.replace(exp(5), chunk_points=7), SweepOptions(out=part, quiet=True))
    manifest = json.loads((part / "manifest.json").read_text())
    assert outcome.status == "complete" and outcome.resumed_chunks == 3 and manifest["chunks"]["points_per_chunk"] == 5
    assert pq.read_table(part / "results.parquet").equals(pq.read_table(whole / "results.parquet"))


def test_the_manifest_lists_a_factors_levels_unless_they_are_many_steps(tmp_path):
    factors = [uniform("noise", 0.0, 2.0, 5), uniform("influence", 0.0, 1.0, 10_000), levels("w_legal", [0.5, 1.0])]
    exp = Experiment.build(scenarios="kazakhstan-2022", design=DesignSpec("one_at_a_time"), replications=1, seed=1,
                           factors=factors)
    summary = {f["name"]: f for f in new_manifest(exp, tmp_path)["design"]["factors"]}
    assert summary["noise"]["levels"] == [0.0, 0.5, 1.0, 1.5, 2.0] and summary["w_legal"]["levels"] == [0.5, 1.0]
    many = summary["influence"]
    assert "levels" not in many and many["level_count"] == 10_000
    assert many["distribution"] == {"name": "uniform", "low": 0.0, "high": 1.0}
    assert exp.design_points == 5 + 10_000 + 2


def test_derived_seeds_are_those_of_seed_sequence():
    import random

    from model.seeds import derive_seed, reduce_seed

    rnd = random.Random(3)
    for _ in range(3000):
        seed = rnd.choice([0, 1, rnd.getrandbits(31), rnd.getrandbits(63), rnd.getrandbits(100), rnd.getrandbits(128)])
        key = tuple(rnd.choice([0, 1, rnd.getrandbits(12), rnd.getrandbits(32), rnd.getrandbits(45)])
                    for _ in range(rnd.randint(1, 3)))
        assert derive_seed(seed, *key) == reduce_seed(np.random.SeedSequence(seed, spawn_key=key)), (seed, key)
    assert derive_seed(5) == reduce_seed(np.random.SeedSequence(5))  # no spawn key: SeedSequence itself


def test_seeds_derived_at_once_are_those_derived_one_at_a_time():
    from model.seeds import derive_seed, derive_seeds

    rng = np.random.default_rng(0)
    seeds = [int(x) for x in rng.integers(0, 2**63, 500)] + [0, 1, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1]
    keys = rng.integers(0, 40, len(seeds))
    assert derive_seeds(seeds, 0x6709, keys) == [derive_seed(s, 0x6709, int(k)) for s, k in zip(seeds, keys, strict=True)]
    assert derive_seeds(seeds, 5) == [derive_seed(s, 5) for s in seeds]
    assert derive_seeds([2**70, 3], 1, [2**33, 4]) == [derive_seed(2**70, 1, 2**33), derive_seed(3, 1, 4)]
    assert derive_seeds([], 1) == [] and derive_seeds([9]) == [derive_seed(9)]


def test_generators_made_at_once_are_default_rngs():
    """A pass's Generators (seeds.generators: PCG64 states computed on arrays, set on kept bit generators) are
    ``default_rng(seed)``'s: the same state and the same draws; a second call reseeds the same bit generators."""
    from model.seeds import generators

    rng = np.random.default_rng(3)
    seeds = [int(x) for x in rng.integers(0, 2**63, 200)] + [0, 1, 2**32 - 1, 2**32, 2**64 - 1]
    for _ in range(2):
        made = generators(seeds)
        assert [g.bit_generator.state for g in made] == [np.random.default_rng(s).bit_generator.state for s in seeds]
        assert all(np.array_equal(g.normal(size=4), np.random.default_rng(s).normal(size=4))
                   for g, s in zip(made, seeds, strict=True))
    assert [g.bit_generator.state for g in generators([2**70])] == [np.random.default_rng(2**70).bit_generator.state]
