"""The compiled loops of the engine (model/kernels.py) against the mechanisms they call: each mechanism is defined
once (model/mechanisms.py), the loops compile that very function, and the engine's results are bit for bit those
of the same functions interpreted (the loops run as plain Python under NUMBA_DISABLE_JIT) and of the numpy forms
of the mechanisms (``revised_position``, ``stance_from_utility``) from the same draws."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import CouncilModel, Parameters, kernels, load_scenario
from model import mechanisms as mech
from model.council import rung_stances
from model.ladder import RUNGS
from model.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("[hw]*/*.yaml"))
#: Settings that move the deliberation and the stances: defaults, outcomes mixed, odd weights and thresholds.
SETTINGS = ({}, {"noise": 2.0}, {"influence": 0.9, "peer_weight": 0.5, "rounds": 7, "delay_threshold": 0.0},
            {"objection_threshold": 0.05, "delay_threshold": 0.3, "noise": 1.0, "rounds": 2})


def test_the_loops_compile_the_mechanisms_own_functions():
    """One definition: the compiled callees are the mechanisms' function objects, compiled."""
    kernels.compiled()
    assert kernels._revision.py_func is mech.revision
    assert kernels._others_mean.py_func is mech.others_mean
    assert kernels._stance.py_func is mech.stance


def test_there_are_cases_to_check():
    assert len(CASES) >= 15 and any("whatif" in c for c in CASES) and any("historical" in c for c in CASES)


def _numpy_rounds(model: CouncilModel) -> list[dict[str, np.ndarray]]:
    """The deliberation redone with the numpy mechanisms, from the record's round 0 (the own assessments)."""
    members, p = model.members, model.params
    rounds = [dict(model.record[0])]
    for _ in range(p.rounds):
        last = rounds[-1]
        total = sum(last[m.name] for m in members)
        nxt = {}
        for m in members:
            if not m.revises:
                nxt[m.name] = last[m.name]
                continue
            lead = last[model.lead.name] if model.lead is not None and m is not model.lead else 0.0
            peers = mech.others_mean(total, last[m.name], len(members))
            nxt[m.name] = mech.revised_position(m.own, lead, peers, m.pull, p.peer_weight)
        rounds.append(nxt)
    return rounds


def _check_against_numpy(case, params: Parameters, seed: int, replications: int = 40) -> None:
    model = CouncilModel(case, params, replications, rng=seed, record=True)
    model.run_model()
    for compiled, numpy_ in zip(model.record, _numpy_rounds(model), strict=True):
        for name, pos in numpy_.items():
            assert compiled[name].tobytes() == np.asarray(pos, dtype=float).tobytes(), name
    for lvl in RUNGS:  # stances: the compiled pass, member by member (compiled) and the interpreted mechanism
        fast = rung_stances(model.members, params)[lvl]
        np.testing.assert_array_equal(fast, rung_stances(model.members)[lvl])
        utilities = np.stack([m.position[:, lvl - 1] for m in model.members], axis=1)
        np.testing.assert_array_equal(fast, mech.stance_from_utility(
            utilities, mech.per_row(params.objection_threshold), mech.per_row(params.delay_threshold)))


@pytest.mark.parametrize("case", CASES)
def test_every_case_deliberates_as_the_numpy_mechanisms(case):
    loaded = load_scenario(ROOT / case)
    for i, overrides in enumerate(SETTINGS):
        _check_against_numpy(loaded, Parameters().replace(**overrides), seed=i)


_UNIT = st.floats(0.0, 1.0)


@settings(max_examples=25, deadline=None)
@given(case=st.sampled_from(CASES), seed=st.integers(0, 2**32 - 1), influence=_UNIT, peer_weight=st.floats(0.0, 0.5),
       objection=st.floats(0.0, 3.0), delay=st.floats(0.0, 3.0), noise=st.floats(0.0, 2.0), rounds=st.integers(1, 8))
def test_drawn_parameters_deliberate_as_the_numpy_mechanisms(case, seed, influence, peer_weight, objection, delay,
                                                             noise, rounds):
    params = Parameters().replace(influence=influence, peer_weight=peer_weight, objection_threshold=objection,
                                  delay_threshold=delay, noise=noise, rounds=rounds)
    _check_against_numpy(load_scenario(ROOT / case), params, seed, replications=16)


_UTILITY = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 0.45, -0.45, -0.1]))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # NaN compared, interpreted
@settings(max_examples=100, deadline=None)
@given(u=st.lists(_UTILITY, min_size=1, max_size=30), objection=st.floats(-1.0, 2.0, allow_subnormal=False),
       delay=st.sampled_from([0.1, 0.0, -0.2, 0.45, 3.0]))
def test_compiled_stances_are_the_interpreted_mechanism(u, objection, delay):
    """Edges included: zero of either sign, a utility on a threshold, NaN, infinities, negative thresholds."""
    u = np.array(u)
    np.testing.assert_array_equal(kernels.stances(u, objection, delay), mech.stance_from_utility(u, objection, delay))
    assert [mech.stance(x, objection, delay) for x in u] == list(kernels.stances(u, objection, delay))
    rows = np.linspace(-0.5, 0.5, u.size)  # thresholds per replication
    np.testing.assert_array_equal(kernels.stances(u, rows, delay), mech.stance_from_utility(u, rows, delay))
    positions = np.stack([u, -u])[:, None, :].repeat(len(RUNGS), axis=1)  # (members, rungs, R)
    expected = mech.stance_from_utility(positions.transpose(1, 2, 0), rows[None, :, None], delay)
    np.testing.assert_array_equal(kernels.rung_stances(positions, rows, delay), expected)


# -- the whole engine, compiled and interpreted, from the same draws ----------------------------------------------

_PROBE = """
import hashlib, json, sys
import numpy as np
from model import simulate
out = {}
for case, rule, overrides in json.loads(sys.argv[1]):
    r = simulate(case, 30, 11, rule=rule, overrides=overrides)
    h = hashlib.sha256()
    for name in ("outcome", "days", "stance", "reason", "objected", "vetoed", "contribution", "pending"):
        h.update(np.ascontiguousarray(getattr(r, name)).tobytes())
    out[f"{case} {rule} {sorted(overrides.items())}"] = h.hexdigest()
print(json.dumps(out))
"""


def _digests(jobs: list, interpreted: bool) -> dict[str, str]:
    env = dict(os.environ, NUMBA_DISABLE_JIT="1" if interpreted else "0")
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(jobs)], capture_output=True, text=True,
                         check=True, env=env, cwd=ROOT).stdout
    return json.loads(out)


def test_simulate_compiled_equals_the_loops_interpreted_in_every_case_and_rule():
    """Every case of scenarios/ (historical and what-if) under every rule, at several settings: the results of
    the compiled engine and of the same loops run as Python (the mechanisms interpreted) agree bit for bit."""
    jobs = [(str(ROOT / c), rule, overrides) for c in CASES for rule in RULES for overrides in SETTINGS[:2]]
    jobs += [(str(ROOT / c), None, overrides) for c in CASES for overrides in SETTINGS[2:]]
    compiled, interpreted = _digests(jobs, False), _digests(jobs, True)
    assert len(compiled) == len(jobs) and compiled == interpreted


# -- numba is loaded only to simulate; without it, one line ---------------------------------------------------------

@pytest.mark.parametrize("argv", [["--help"], ["list"], ["run", "no-such-case"], ["run", "kazakhstan-2022", "-n", "x"]])
def test_commands_that_simulate_nothing_do_not_import_numba(argv):
    probe = (f"import sys\nfrom model.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
             "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_a_simulation_imports_numba():
    probe = "import sys\nfrom model import simulate\nsimulate('kazakhstan-2022', 5, 1)\nprint('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "True"


def test_without_numba_a_run_stops_with_one_line(tmp_path):
    probe = ("import sys\nsys.modules['numba'] = None\nfrom model.cli import main\n"
             f"sys.exit(main(['run', 'kazakhstan-2022', '-n', '10', '--out', {str(tmp_path / 'out')!r}]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: Python environment: numba: cannot be imported") and "pip install" in done.stderr
    assert not (tmp_path / "out").exists()


# -- the vote's bookkeeping and the sum it uses --------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3, 6, 7, 8, 9, 11, 16, 17, 25])
def test_the_compiled_row_sum_is_numpys(n):
    kernels.compiled()
    rng = np.random.default_rng(n)
    a = rng.standard_normal((300, n)) * 10.0 ** rng.uniform(-8, 8, (300, n))
    a[0] = 0.0  # (numpy sums negative zeros to +0.0, row_sum to -0.0: a sign no engine sum meets)
    sums = np.array([kernels._row_sum(row, n) for row in a])
    assert sums.tobytes() == a.sum(axis=1).tobytes()


def _vote_in_numpy(stances, crisis, rule, budget, is_lead, is_party, ignore_agenda, delay_draws):
    """The vote from the top rung down as numpy arrays (the engine's before the compiled bookkeeping)."""
    from model.council import is_tabled
    from model.ladder import Stance
    from model.rules import Ballot

    R, n = next(iter(stances.values())).shape
    lead = np.flatnonzero(is_lead)
    outcome, tabled, failed = (np.zeros(R, dtype=np.int8) for _ in range(3))
    delays, vetoed = np.zeros(R), np.zeros((R, n), dtype=bool)
    for lvl in RUNGS:
        lead_stance = None if ignore_agenda or lead.size == 0 else stances[lvl][:, lead[0]]
        on_table = is_tabled(lvl, crisis, lead_stance) & (outcome == 0)
        tabled = np.where(on_table & (tabled == 0), lvl, tabled)
        passes = rule.decide(Ballot(stances[lvl], budget, is_lead, is_party)) & on_table
        vetoed |= on_table[:, None] & (stances[lvl] == Stance.OBJECT)
        if delay_draws is not None:
            delays = np.where(passes, ((stances[lvl] == Stance.DELAY) * delay_draws).sum(axis=1), delays)
        failed += (on_table & ~passes).astype(np.int8)
        outcome = np.where(passes, lvl, outcome).astype(np.int8)
    return outcome, tabled, failed, delays, vetoed


@pytest.mark.parametrize("case", CASES[::3])
def test_the_compiled_vote_is_the_numpy_vote(case):
    from model.council import seats, vote_on_rungs

    model = CouncilModel(load_scenario(ROOT / case), Parameters(), 400, rng=9)
    rng = np.random.default_rng(9)
    n = len(model.members)
    stances = {lvl: rng.integers(0, 4, size=(400, n)).astype(np.int8) for lvl in RUNGS}
    draws = rng.exponential(3.0, size=(400, n))
    for name, rule in RULES.items():
        for ignore in (False, True):
            for delay in (draws, None):
                args = (stances, model.crisis, rule, *seats(model.members, model.lead_index), ignore)
                vote = vote_on_rungs(*args, delay_draws=delay)
                expected = _vote_in_numpy(*args, delay)
                for got, want in zip((vote.outcome, vote.tabled, vote.failed, vote.delays, vote.vetoed), expected,
                                     strict=True):
                    assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (name, ignore)


def test_the_warm_up_loads_every_loop_a_simulation_calls():
    """A sweep warms the compiled loops up before it forks its workers: the warm-up must load them for the very
    argument types the engine passes, or the workers would load them again."""
    probe = ("from model import kernels, simulate\nfrom model.simulate import simulate_points\n"
             "from model.params import Parameters\nkernels.warm_up()\nk = kernels.compiled()\n"
             "names = ('deliberate', 'stances', 'rung_stances', 'tally', 'troops')\n"
             "before = [len(getattr(k, n).signatures) for n in names]\n"
             "simulate('kazakhstan-2022', 100, 1)\nsimulate('armenia-2021-05', 100, 1)\n"
             "simulate_points('kyrgyzstan-2010-06', 10, [1, 2], [Parameters(noise=0.1), Parameters(rounds=3)])\n"
             "print(before, [len(getattr(k, n).signatures) for n in names])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    before, after = out.strip().split("] [")
    assert before + "]" == "[1, 2, 1, 1, 1]" and "[" + after == "[1, 2, 1, 1, 1]"


def _troops_in_numpy(severity, force, pledges, interest, stance, is_requester, p):
    """The troops as numpy arrays (the engine's before the compiled loop)."""
    from model.ladder import Stance

    total = force * p.force_fraction * severity
    weight = pledges[None, :] * interest * np.select(
        [stance == Stance.SUPPORT, stance >= Stance.DELAY], [1.0, mech.per_row(p.symbolic_share)], 0.0)
    weight *= ~is_requester[None, :]
    norm = weight.sum(axis=1, keepdims=True)
    weight *= total[:, None]
    weight /= np.where(norm > 0, norm, 1.0)
    weight[~(norm[:, 0] > 0)] = 0.0
    return weight


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 11), R=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), per_row=st.booleans())
def test_the_compiled_troops_are_numpys(n, R, seed, per_row):
    """Every member's troops from the compiled loop of mechanisms.troop_weight and troop_share are, bit for bit,
    those of the numpy expressions they replace (stances of every kind, a requester, members without weight)."""
    from model.council import troop_contributions
    from model.params import ParameterRows

    rng = np.random.default_rng(seed)
    pledges = rng.choice([0.0, 0.5, 2.0, 3.7], n)
    interest = rng.choice([0.0, 0.25, 1.0], (R, n)) if per_row else rng.choice([0.3, 1.0], n)
    stance = rng.integers(-1, 4, (R, n)).astype(np.int8)
    requester = rng.random(n) < 0.2
    severity = rng.random(R)
    points = [Parameters(symbolic_share=float(x), force_fraction=float(y)) for x, y in rng.random((2, 2))]
    p = ParameterRows(points, [R // 2, R - R // 2]) if per_row and R > 1 else points[0]
    got = troop_contributions(severity, 1500.0, pledges, interest, stance, requester, p)
    assert got.tobytes() == _troops_in_numpy(severity, 1500.0, pledges, np.asarray(interest), stance, requester,
                                             p).tobytes()
