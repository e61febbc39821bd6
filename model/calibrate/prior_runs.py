"""The prior sample run once on every case: what every fold of the validation reweights.

``draws`` parameter sets are drawn once from the priors: the calibration's Latin hypercube over each calibrated
parameter's prior range (``abc.Setup.factors``, ``ParamSpec.prior`` in ``model/params.py``), so that
``calibrate`` and ``validate`` with the same seed draw the same sets. Set ``i`` runs on every case with the
seed ``derive_seed(seed, SET_SPAWN_KEY, i)`` (the same seed on every case and under every rule: common random
numbers), many sets side by side in one vectorised pass of the sweep engine's ``simulate_points`` (each set's
result identical to its own ``simulate`` call, so the results do not depend on the chunks or the workers).
Each run is kept as small arrays: the outcome shares, the days to decision of every replication, the lead
state's troop share and every member's stance shares.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from ..params import Parameters
from ..scenario import Case
from ..seeds import derive_seed
from ..simulate import simulate_points
from ..statistics import compute_many, outcome_shares
from ..sweep.design import latin_hypercube
from ..sweep.experiment import CHUNK_RUNS
from ..terms import REASONS
from .abc import Setup

#: Seeds of the parameter sets: ``SeedSequence(seed, spawn_key=(SET_SPAWN_KEY, set))``.
SET_SPAWN_KEY = 12
#: Stance codes + 1: absent, object, delay, acquiesce, support.
STANCE_CODES = 5


@dataclass
class CaseRuns:
    """The runs of every parameter set on one case: N sets, R replications."""

    probs: np.ndarray  # (N, K) outcome shares over the ladder
    days: np.ndarray  # (N, R) days to decision (NaN: no measure passed)
    share: np.ndarray  # (N,) the lead state's mean troop share (NaN: nothing deployed)
    members: tuple[str, ...]
    stances: np.ndarray  # (N, members, 5) stance shares, absent first
    reasons: np.ndarray  # (N, members, len(REASONS)) shares of each dominant reason (terms.REASONS order)

    def stance_of(self, member: str) -> np.ndarray | None:
        return self.stances[:, self.members.index(member)] if member in self.members else None


@dataclass
class PriorRuns:
    """The prior sample's runs on every case under one rule."""

    cases: tuple[Case, ...]
    rule: str | None
    sets: tuple[Parameters, ...]
    replications: int
    runs: tuple[CaseRuns, ...]


def draw_sets(setup: Setup) -> tuple[Parameters, ...]:
    """``setup.draws`` parameter sets: the calibration's Latin hypercube over the priors."""
    factors = setup.factors()
    unit = latin_hypercube(factors, setup.draws, setup.seed)
    columns = [f.from_unit(unit[:, k]) for k, f in enumerate(factors)]
    base = setup.base_parameters()
    names = [f.name for f in factors]
    return tuple(base.replace(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=True))


def set_seeds(seed: int, n: int) -> list[int]:
    return [derive_seed(seed, SET_SPAWN_KEY, i) for i in range(n)]


def reduce_results(results: Sequence) -> CaseRuns:
    """A chunk of ``simulate_points`` results as arrays."""
    probs = np.stack([outcome_shares(r.outcome) for r in results])
    days = np.stack([r.days.astype(np.float32) for r in results])
    shares = np.array([np.nan if s is None else s for s in compute_many("lead_state_share", results)], dtype=float)
    codes = np.stack([r.stance + 1 for r in results])  # (n, R, members)
    stances = (codes[..., None] == np.arange(STANCE_CODES)).mean(axis=1)
    why = np.stack([r.reason for r in results])  # (n, R, members)
    reasons = (why[..., None] == np.arange(len(REASONS))).mean(axis=1)
    return CaseRuns(probs, days, shares, tuple(results[0].members), stances, reasons)


def _join(parts: Sequence[CaseRuns]) -> CaseRuns:
    return CaseRuns(np.concatenate([p.probs for p in parts]), np.concatenate([p.days for p in parts]),
                    np.concatenate([p.share for p in parts]), parts[0].members,
                    np.concatenate([p.stances for p in parts]), np.concatenate([p.reasons for p in parts]))


_TASK: dict[str, object] = {}


def _init(cases: tuple[Case, ...], sets: tuple[Parameters, ...], seeds: list[int], replications: int) -> None:
    _TASK.update(cases=cases, sets=sets, seeds=seeds, replications=replications)


def _chunk(case: int, rule: str | None, start: int, stop: int) -> CaseRuns:
    cases, sets, seeds = _TASK["cases"], _TASK["sets"], _TASK["seeds"]
    results = simulate_points(cases[case], int(_TASK["replications"]), seeds[start:stop],  # type: ignore[index]
                              list(sets[start:stop]), rule)  # type: ignore[index]
    return reduce_results(results)


def _mp_context():  # noqa: ANN202
    import multiprocessing as mp

    if sys.platform == "linux" and threading.active_count() == 1:
        return mp.get_context("fork")
    return mp.get_context(os.environ.get("CSTO_SIM_START_METHOD") or "spawn")


def run_prior(cases: Sequence[Case], setup: Setup, rules: Sequence[str | None], workers: int = 1,
              stream: TextIO | None = None) -> dict[str | None, PriorRuns]:
    """The prior sample's runs on every case under each rule, ``workers`` processes side by side."""
    cases, sets = tuple(cases), draw_sets(setup)
    seeds = set_seeds(setup.seed, len(sets))
    # a task: about a sweep chunk's runs (its points run in a few passes of simulate_points), at least a task a worker
    step = max(1, min(max(1, CHUNK_RUNS // setup.replications), -(-len(sets) // max(1, workers))))
    tasks = [(c, rule, a, min(a + step, len(sets))) for rule in rules for c in range(len(cases))
             for a in range(0, len(sets), step)]
    if stream is not None:
        print(f"validate: {len(sets):,} parameter sets x {len(cases)} cases x {len(rules)} rules, "
              f"{setup.replications} replications each ({len(tasks)} tasks, {workers} workers)", file=stream, flush=True)
    args = (cases, sets, seeds, setup.replications)
    if workers <= 1:
        _init(*args)
        parts = [_chunk(*t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=_init,
                                 initargs=args) as pool:
            parts = list(pool.map(_chunk, *zip(*tasks, strict=True)))
    out: dict[str | None, PriorRuns] = {}
    for rule in rules:
        runs = tuple(_join([p for t, p in zip(tasks, parts, strict=True) if t[0] == c and t[1] == rule])
                     for c in range(len(cases)))
        out[rule] = PriorRuns(cases, rule, sets, setup.replications, runs)
    return out

