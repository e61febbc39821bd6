"""Points batched: ``simulate_points`` runs many points of one case and rule side by side in one model, and
each point's result is identical, bit for bit, to its own ``simulate`` call; the sweep's chunks use it, so
their rows do not depend on which points share a chunk."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import mechanisms as mech
from model.params import SPECS, ParameterRows, Parameters
from model.rules import RULES
from model.scenario import load_scenario
from model.seeds import PointGenerators
from model.simulate import simulate, simulate_points
from model.sweep import Experiment, factors
from model.sweep.design import build_design
from model.sweep.evaluate import SweepContext, run_chunk

#: Every array of a result; identical means same shape, dtype and bytes (NaN days and -0.0 included).
ARRAYS = ("outcome", "days", "stance", "reason", "objected", "vetoed", "contribution")
CASES = ("kazakhstan-2022", "kyrgyzstan-2010-06", "armenia-2021-05", "armenia-2020",
         "scenarios/whatif/hypothetical-request.yaml", "scenarios/whatif/armenia-2020-csto-request.yaml")
simulate_module = importlib.import_module("model.simulate")  # the module (the package exports the function)
FLOATS = tuple(name for name, spec in SPECS.items() if spec.kind is float)


def assert_identical(batched, alone) -> None:
    assert (batched.seed, batched.rule, batched.params, batched.members) == (alone.seed, alone.rule, alone.params,
                                                                             alone.members)
    for name in ARRAYS:
        a, b = getattr(batched, name), getattr(alone, name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        assert a.tobytes() == b.tobytes(), f"{name} differs"


def check_points(case_id: str, replications: int, seeds: list[int], params: list[Parameters],
                 rule: str | None = None) -> None:
    case = load_scenario(case_id)
    batched = simulate_points(case, replications, seeds, params, rule=rule)
    assert len(batched) == len(seeds)
    for res, seed, p in zip(batched, seeds, params, strict=True):
        assert_identical(res, simulate(case, replications, seed, rule=rule, params=p))


# --------------------------------------------------------------------------------------------------
# Identity: random points from the factors' ranges
# --------------------------------------------------------------------------------------------------

def point_params(draw, base: list[Parameters]) -> Parameters:
    """A point's parameters: a few drawn within their bounds; sometimes another point's, unchanged."""
    if base and draw(st.booleans()):
        return draw(st.sampled_from(base))
    names = draw(st.lists(st.sampled_from(FLOATS), max_size=8, unique=True))
    changes = {n: draw(st.floats(SPECS[n].low, SPECS[n].high, allow_nan=False)) for n in names}
    changes["rounds"] = draw(st.integers(1, 6))
    return Parameters().replace(**changes)


@st.composite
def batches(draw):
    n = draw(st.integers(1, 5))
    params: list[Parameters] = []
    for _ in range(n):
        params.append(point_params(draw, params))
    seeds = draw(st.lists(st.integers(0, 2**63 - 1), min_size=n, max_size=n))
    return (draw(st.sampled_from(CASES)), draw(st.sampled_from((None, *RULES))), draw(st.integers(1, 40)),
            seeds, params)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_each_point_of_a_batch_is_its_own_simulate_call(batch):
    case_id, rule, replications, seeds, params = batch
    check_points(case_id, replications, seeds, params, rule)


# --------------------------------------------------------------------------------------------------
# Identity: a table of behaviours that a batch must keep apart point by point
# --------------------------------------------------------------------------------------------------

LOW = {n: s.low for n, s in SPECS.items()}
HIGH = {n: s.high for n, s in SPECS.items()}

BEHAVIOURS = [
    # what differs between the points, case, rule, the points' changes
    ("the revision weights are scaled down in one point, not in the other", "kazakhstan-2022", None,
     [{"influence": 1.0, "peer_weight": 0.5}, {"influence": 0.2, "peer_weight": 0.1}]),
    ("no perception noise beside a lot of it", "kyrgyzstan-2010-06", None, [{"noise": 0.0}, {"noise": 2.0}]),
    ("rounds differ: separate passes, results in the points' order", "armenia-2021-05", None,
     [{"rounds": 1}, {"rounds": 7}, {"rounds": 1}, {"rounds": 20}]),
    ("every parameter at its low bound beside every one at its high bound", "kazakhstan-2022", None,
     [{**LOW, "rounds": 4}, {**HIGH, "rounds": 4}]),
    ("the framing credit (mandate and internality per row)", "scenarios/whatif/hypothetical-request.yaml", None,
     [{"framing_credit": 0.0}, {"framing_credit": 1.0}, {"framing_credit": 0.65}]),
    ("interest out of the region (troops per row)", "kazakhstan-2022", None,
     [{"out_of_region_interest": 0.0}, {"out_of_region_interest": 1.0}]),
    ("delays and symbolic shares", "kyrgyzstan-2010-06", "simple_majority",
     [{"delay_days": 0.0, "symbolic_share": 1.0}, {"delay_days": 10.0, "symbolic_share": 0.0}]),
    ("thresholds: objection and delay", "armenia-2021-05", "consensus_excluding_parties",
     [{"objection_threshold": 0.0, "delay_threshold": 3.0}, {"objection_threshold": 3.0, "delay_threshold": 0.0}]),
    ("severity: saturation and floor", "scenarios/whatif/armenia-2020-csto-request.yaml", None,
     [{"severity_deaths_full": 10.0, "severity_floor": 1.0}, {"severity_deaths_full": 1e5, "severity_floor": 0.0}]),
    ("rounds: each row deliberates its own (2, 7 and 4 side by side)", "kyrgyzstan-2010-06", None,
     [{"rounds": 2, "influence": 0.6}, {"rounds": 7, "influence": 0.6}, {"rounds": 4}]),
    ("the same parameters twice (every parameter one number)", "kazakhstan-2022", None, [{}, {}]),
    ("one point alone", "kyrgyzstan-2010-06", None, [{"w_legal": 0.0}]),
]


@pytest.mark.parametrize("what, case_id, rule, changes", BEHAVIOURS, ids=[b[0] for b in BEHAVIOURS])
def test_a_batch_keeps_each_points_behaviour(what, case_id, rule, changes):
    seeds = [1000 + 17 * i for i in range(len(changes))]
    check_points(case_id, 150, seeds, [Parameters().replace(**c) for c in changes], rule)


def test_the_same_point_twice_gives_the_same_result_twice():
    a, b = simulate_points("kazakhstan-2022", 50, [9, 9], [Parameters(), Parameters()])
    assert_identical(a, b)


def test_more_rows_than_one_pass_holds_run_in_several_passes(monkeypatch):
    monkeypatch.setattr(simulate_module, "BATCH_ROWS", 70)  # 30 replications: two points per pass
    seeds = list(range(5))
    params = [Parameters(influence=0.1 * i) for i in range(5)]
    calls = []
    run = simulate_module._run_points
    monkeypatch.setattr(simulate_module, "_run_points", lambda *a: calls.append(len(a[2])) or run(*a))
    check_points("kazakhstan-2022", 30, seeds, params)
    assert calls == [2, 2, 1]


def test_seeds_and_parameters_must_pair_up():
    with pytest.raises(ValueError, match="2 seeds for 1 parameter sets"):
        simulate_points("kazakhstan-2022", 10, [1, 2], [Parameters()])


# --------------------------------------------------------------------------------------------------
# The pieces: draws, parameters per row, mechanisms on arrays
# --------------------------------------------------------------------------------------------------

def test_point_generators_draw_each_block_from_its_own_generator():
    gens = PointGenerators([np.random.default_rng(s) for s in (1, 2)], [3, 2])
    first = int(gens.integers(100))  # a scalar draw advances every generator
    u = gens.uniform(0.0, 5.0, size=5)
    z = gens.normal(0.0, np.repeat([1.0, 3.0], [3, 2]), size=(5, 4))
    alone = []
    for s, n, scale in ((1, 3, 1.0), (2, 2, 3.0)):
        g = np.random.default_rng(s)
        alone.append((int(g.integers(100)), g.uniform(0.0, 5.0, size=n), g.normal(0.0, scale, size=(n, 4))))
    assert first == alone[0][0]
    assert u.tobytes() == np.concatenate([a[1] for a in alone]).tobytes()
    assert z.tobytes() == np.concatenate([a[2] for a in alone]).tobytes()
    with pytest.raises(ValueError, match="not the 5 of the points"):
        gens.exponential(1.0, size=(4, 2))


def test_parameter_rows_keep_shared_values_as_numbers_and_repeat_the_others():
    rows = ParameterRows([Parameters(noise=0.1), Parameters(noise=0.3)], [2, 3])
    assert rows.influence == Parameters().influence and rows.rounds == 4
    assert rows.noise.tolist() == [0.1, 0.1, 0.3, 0.3, 0.3]
    mixed = ParameterRows([Parameters(rounds=2), Parameters(rounds=3)], [1, 2])
    assert mixed.rounds.tolist() == [2, 3, 3] and mixed.rounds.dtype == np.int64


def test_a_model_that_keeps_its_rounds_needs_them_shared():
    from model.model import CouncilModel

    rows = ParameterRows([Parameters(rounds=2), Parameters(rounds=3)], [1, 1])
    model = CouncilModel("kazakhstan-2022", rows, 2, rng=PointGenerators([np.random.default_rng(s) for s in (1, 2)],
                                                                        [1, 1]), trace=True)
    with pytest.raises(ValueError, match="same rounds in every row"):
        model.run_model()


def test_revision_weights_on_arrays_are_the_scalar_weights_row_by_row():
    pull = np.array([0.0, 0.6, 0.9, 1.0])
    peer = np.array([0.0, 0.5, 0.1, 0.5])
    arrays = mech.revision_weights(pull, peer)
    for i in range(len(pull)):
        scalar = mech.revision_weights(float(pull[i]), float(peer[i]))
        assert (arrays[0][i], arrays[1][i]) == scalar
    own = np.arange(12.0).reshape(4, 3)
    moved = mech.revised_position(own, own + 1.0, own - 1.0, pull, peer)
    for i in range(len(pull)):
        assert moved[i].tobytes() == mech.revised_position(own[i:i + 1], own[i:i + 1] + 1.0, own[i:i + 1] - 1.0,
                                                           float(pull[i]), float(peer[i])).tobytes()


# --------------------------------------------------------------------------------------------------
# The sweep's chunks: rows that do not depend on which points share a chunk
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mixed() -> tuple[SweepContext, list]:
    """Two cases x rules x framings x rounds x influence: many groups in one chunk."""
    exp = Experiment.build(
        scenarios=["kazakhstan-2022", "kyrgyzstan-2010-06"], design="full_factorial", replications=40, seed=3,
        factors=[factors.levels("rule", ["consensus", "simple_majority"]),
                 factors.levels("request.framing", ["external", "internal"]),
                 factors.levels("rounds", [2, 5]), factors.uniform("influence", 0.1, 0.9, steps=3)],
        per_replication=True)
    design = build_design(exp.design, exp.factors, exp.seed)
    points = [(i, design.values(i % exp.design_points)) for i in range(exp.points)]
    return SweepContext.from_experiment(exp), points


def test_a_chunks_rows_are_those_of_its_points_run_one_by_one(mixed):
    ctx, points = mixed
    whole = run_chunk(ctx, 0, points)
    alone = [run_chunk(ctx, i, [p]) for i, p in enumerate(points)]
    assert whole.table.to_pylist() == [r for rep in alone for r in rep.table.to_pylist()]
    assert whole.replications.to_pylist() == [r for rep in alone for r in rep.replications.to_pylist()]


def test_a_pass_that_fails_falls_back_to_its_points_one_by_one(mixed, monkeypatch):
    ctx, points = mixed
    expected = run_chunk(ctx, 0, points[:12]).table.to_pylist()

    def broken(*args, **kwargs):
        raise RuntimeError("a pass that fails")

    monkeypatch.setattr("model.sweep.evaluate.simulate_points", broken)
    assert run_chunk(ctx, 0, points[:12]).table.to_pylist() == expected


@pytest.mark.parametrize("n", [1, 3, 7, 8, 9, 11, 16, 17, 25])
def test_the_cost_terms_add_up_in_numpys_order(n):
    """A member's total cost of a measure is summed term by term (no (R, terms) array) in numpy's own order of
    summation over the terms' axis, and its dominant term is argmax's: the same numbers bit for bit."""
    from model.agents import _first_argmax, _row_sum

    rng = np.random.default_rng(n)
    a = rng.standard_normal((5000, n)) * 10.0 ** rng.uniform(-8, 8, (5000, n))
    a[:, ::3] = a[0, ::3]  # some terms one number for every replication
    a[:50, 1 % n] = a[:50, 0]  # ties: the first largest is argmax's
    columns = [float(a[0, k]) if k % 3 == 0 else a[:, k] for k in range(n)]
    assert np.array_equal(np.broadcast_to(_row_sum(columns), (5000,)), a.sum(axis=-1))
    assert np.array_equal(np.broadcast_to(_first_argmax(columns), (5000,)), np.argmax(a, axis=-1))
    assert _row_sum(list(a[1])) == a[1].sum() and _first_argmax(list(a[1])) == np.argmax(a[1])


@pytest.mark.parametrize("case_id", ["kazakhstan-2022", "armenia-2021-05", "kyrgyzstan-2010-06"])
def test_statistics_over_many_points_are_each_points_own(case_id):
    """A sweep computes its statistics over the points of a pass at once: the same values as point by point."""
    from model.statistics import STATISTICS, compute_many

    params = [Parameters(noise=x) for x in (0.0, 0.5, 1.0, 2.0, 1.5, 2.0)]
    runs = simulate_points(case_id, 60, list(range(len(params))), params)
    for name in STATISTICS:
        many = compute_many(name, runs)
        assert repr(many) == repr([STATISTICS[name].compute(r) for r in runs]), name
