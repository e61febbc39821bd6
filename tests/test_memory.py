"""Memory and start-up: finished models freed at once, runs in chunks of replications identical to one pass,
designs made a chunk at a time with the same values, and a command line that imports the library only to run.

(Sizes and times are measured by benchmarks/, never here: these tests check the mechanisms that keep them down.)
"""

from __future__ import annotations

import gc
import importlib
import subprocess
import sys

import numpy as np
import pytest

from model.agents import MemberState
from model.draws import ChunkDraws
from model.rules import RULES
from model.scenario import load_scenario
from model.sweep.design import build_design
from model.sweep.experiment import Experiment
from model.sweep.factors import levels, uniform
from model.sweep.types import DesignSpec

sim = importlib.import_module("model.simulate")  # the module (``model.simulate`` is the function)
HEAVY = ("mesa", "matplotlib", "pyarrow", "SALib", "scipy", "numpy", "model.model", "model.simulate")


def _alive(kind: type) -> int:
    return sum(isinstance(o, kind) for o in gc.get_objects())


def test_a_finished_model_is_freed_without_the_garbage_collector():
    case = load_scenario("kazakhstan-2022")
    gc.collect()
    gc.disable()  # what is not freed by reference counting stays in gc.get_objects()
    try:
        before = _alive(MemberState)
        for _ in range(3):
            sim.simulate(case, 50, 1)
        assert _alive(MemberState) == before
    finally:
        gc.enable()


@pytest.mark.parametrize("case_id", ["kazakhstan-2022", "armenia-2021-05", "kyrgyzstan-2010-06"])
@pytest.mark.parametrize("rule", [None, *RULES])
def test_a_run_in_chunks_of_replications_is_the_run_in_one_pass(monkeypatch, case_id, rule):
    case = load_scenario(case_id)
    whole = sim.simulate(case, 101, 12345678901234567890, rule=rule, trace=True)
    monkeypatch.setattr(sim, "CHUNK_REPLICATIONS", 7)  # 15 chunks, the last of 3 replications
    chunked = sim.simulate(case, 101, 12345678901234567890, rule=rule, trace=True)
    for name in sim._ROWS:  # noqa: SLF001
        a, b = getattr(whole, name), getattr(chunked, name)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert whole.trace == chunked.trace and whole.to_dict() == chunked.to_dict()


def test_chunk_draws_hand_each_chunk_its_rows_of_one_stream():
    draws = ChunkDraws(np.random.SeedSequence(5), 10)
    first, second = draws.rows(0, 6), draws.rows(6, 10)
    a = [first.integers(100), first.normal(0, 1, size=(6, 2)), first.uniform(size=6)]
    b = [second.integers(100), second.normal(0, 1, size=(4, 2)), second.uniform(size=4)]
    ref = np.random.default_rng(np.random.SeedSequence(5))
    assert a[0] == b[0] == ref.integers(100)
    np.testing.assert_array_equal(np.concatenate([a[1], b[1]]), ref.normal(0, 1, size=(10, 2)))
    np.testing.assert_array_equal(np.concatenate([a[2], b[2]]), ref.uniform(size=10))
    with pytest.raises(RuntimeError, match="asked for exponential"):
        draws.rows(6, 10).exponential(1.0)  # draw 0 was integers


@pytest.mark.parametrize("design", [DesignSpec("latin_hypercube", n=50), DesignSpec("sobol", n=16),
                                    DesignSpec("sobol", n=8, second_order=False)])
def test_a_sampled_design_made_chunk_by_chunk_has_the_values_of_the_whole_sample(design):
    factors = (uniform("influence", 0.0, 1.0), uniform("rounds", 1, 20), levels("rule", ["consensus", "simple_majority"]))
    exp = Experiment.build(scenarios=["kazakhstan-2022", "armenia-2021-05"], design=design, replications=10, seed=9,
                           factors=factors, chunk_points=13)
    d = build_design(exp.design, exp.factors, exp.seed)
    whole = list(zip(*d.columns, strict=True))  # the mapping of the whole sample, as the design was held before
    size = exp.design_points
    for chunk in range(exp.chunks):  # chunks that cross from one case's design to the next included
        indices = [i % size for i in exp.chunk_range(chunk)]
        assert d.values_of(indices) == [whole[j] for j in indices]


def test_the_latin_hypercube_is_salibs():
    from SALib.sample import latin

    factors = (uniform("influence", 0.0, 1.0), uniform("threat_scale", 0.5, 2.0), uniform("w_legal", 0.0, 3.0))
    d = build_design(DesignSpec("latin_hypercube", n=333), factors, 17)
    problem = {"num_vars": 3, "names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * 3}
    np.testing.assert_array_equal(d.unit, latin.sample(problem, 333, seed=np.random.default_rng(np.random.SeedSequence(17))))


@pytest.mark.parametrize("code", ["import model.cli", "import model",
                                  "from model.cli import main; main(['--help'])",
                                  "from model.cli import main; main(['run', 'kazakhstan-2022', '-n', 'many'])"])
def test_the_command_line_imports_the_library_only_to_run(code):
    probe = (f"import sys\ntry:\n    {code}\nexcept SystemExit:\n    pass\n"
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
