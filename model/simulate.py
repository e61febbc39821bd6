"""The library entry points: ``simulate(scenario, replications, seed, rule, overrides)``, and
``simulate_points`` for many points (parameter sets, each with its own seed) of one case in one pass."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .codings import coding_passes
from .draws import ChunkDraws
from .model import CouncilModel
from .params import MAX_REPLICATIONS as MAX_REPLICATIONS
from .params import ParameterRows, Parameters, check_replications, check_seed
from .results import SimulationResult
from .scenario import Case, load_scenario
from .seeds import PointGenerators, generators
from .seeds import fresh_seed as new_seed

#: Rows (points x replications) of one pass of ``simulate_points``; more points run in several passes.
BATCH_ROWS = 65_536
#: Rows handed to ``simulate_blocks`` at once for a case with alternative codings, which runs each coding's rows
#: in passes of at most BATCH_ROWS (its results are kept for all these rows: a few bytes a row and member).
CODED_ROWS = 4 * BATCH_ROWS
_DEFAULTS = Parameters()  # immutable: shared by every run that sets nothing
#: A result's arrays over replications (one block of rows per point of ``simulate_points``, a chunk of ``simulate``).
_ROWS = ("outcome", "days", "stance", "reason", "objected", "vetoed", "contribution", "pending")


def simulate(scenario: Case | str | os.PathLike[str], replications: int = 1000, seed: int | None = None,
             rule: str | None = None, overrides: dict[str, Any] | None = None,
             params: Parameters | None = None, trace: bool = False) -> SimulationResult:
    """Run ``replications`` worlds of one case at once and return their results.

    ``scenario`` is a loaded case, a case file's path or a case id; ``seed`` seeds one numpy Generator
    (through ``SeedSequence``) and is recorded in the result (a fresh one is drawn when None);
    ``rule`` names a decision rule (default: the organisation's); ``overrides`` sets global parameters
    by name, checked against their bounds.
    """
    case = scenario if isinstance(scenario, Case) else load_scenario(scenario)
    replications = check_replications(replications)
    seed = new_seed() if seed is None else check_seed(seed)
    params = params or _DEFAULTS
    if overrides:
        params = params.replace(**overrides)
    if case.alternatives:
        return simulate_blocks(case, [replications], [seed], [params], rule, trace)[0]
    if replications > CHUNK_REPLICATIONS:
        return _in_chunks(case, params, replications, seed, rule, trace)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    model = CouncilModel(case, params, replications, rule=rule, rng=rng, trace=trace)
    model.run_model()
    result = result_of(model, seed)
    release(model)
    return result


#: Above this many replications, ``simulate`` runs the model on a chunk of this many at a time, from draws made
#: once for all (``model/draws.py``: the same numbers), so that only the draws and the result grow with R.
CHUNK_REPLICATIONS = 1 << 16


def _in_chunks(case: Case, params: Parameters, replications: int, seed: int, rule: str | None,
               trace: bool) -> SimulationResult:
    """``simulate``, a chunk of :data:`CHUNK_REPLICATIONS` replications at a time (the trace is in the first)."""
    draws = ChunkDraws(np.random.SeedSequence(seed), replications)
    result: SimulationResult | None = None
    for start in range(0, replications, CHUNK_REPLICATIONS):
        stop = min(replications, start + CHUNK_REPLICATIONS)
        model = CouncilModel(case, params, stop - start, rule=rule, rng=draws.rows(start, stop),
                             trace=trace and start == 0)
        model.run_model()
        part = result_of(model, seed)
        release(model)
        if result is None:
            result = dataclasses.replace(part, **{name: np.empty((replications, *getattr(part, name).shape[1:]),
                                                                 getattr(part, name).dtype) for name in _ROWS})
        for name in _ROWS:
            getattr(result, name)[start:stop] = getattr(part, name)
    assert result is not None
    return result


def release(model: CouncilModel) -> None:
    """Free a finished model's arrays now, not at the garbage collector's next pass: a Mesa model lives in
    reference cycles (its bound step method, its event generator, agents <-> model), so it is otherwise kept
    until a collection. The model is unusable afterwards; what was taken from it (a result) stays valid."""
    model.remove_all_agents()
    vars(model).clear()


def simulate_points(scenario: Case | str | os.PathLike[str], replications: int, seeds: Sequence[int],
                    params: Sequence[Parameters], rule: str | None = None) -> list[SimulationResult]:
    """Run many points of one case under one rule, ``replications`` worlds each, side by side in one model.

    Point ``i`` has the global parameters ``params[i]`` and the seed ``seeds[i]``; its result is identical,
    bit for bit, to ``simulate(scenario, replications, seeds[i], rule, params=params[i])``: its rows draw
    from its own Generator the same numbers in the same order (``PointGenerators``), and every parameter
    that differs between points is an array over the rows (``ParameterRows``; ``rounds`` too: each row
    deliberates its own rounds). More rows than ``BATCH_ROWS`` run in several passes. Results in the order of
    the points.
    """
    case = scenario if isinstance(scenario, Case) else load_scenario(scenario)
    replications = check_replications(replications)
    seeds = [check_seed(s) for s in seeds]
    if len(seeds) != len(params):
        raise ValueError(f"simulate_points: {len(seeds)} seeds for {len(params)} parameter sets")
    results: list[SimulationResult] = []
    # A case with alternative codings splits its points' rows by coding (each coding's pass at most BATCH_ROWS
    # rows, simulate_blocks): its points are handed over CODED_ROWS rows at a time, so that its passes stay full.
    per_pass = max(1, (CODED_ROWS if case.alternatives else BATCH_ROWS) // replications)
    for start in range(0, len(seeds), per_pass):
        results += _run_points(case, replications, seeds[start:start + per_pass], list(params[start:start + per_pass]),
                               rule)
    return results


def _run_points(case: Case, replications: int, seeds: list[int], params: list[Parameters],
                rule: str | None) -> list[SimulationResult]:
    """One pass of :func:`simulate_points`: the points' rows in consecutive blocks of one model."""
    return simulate_blocks(case, [replications] * len(seeds), seeds, params, rule)


def simulate_blocks(case: Case, rows: list[int], seeds: list[int], params: list[Parameters], rule: str | None,
                    trace: bool = False) -> list[SimulationResult]:
    """Blocks of replications side by side (block ``i``: ``rows[i]`` replications, seed ``seeds[i]``, parameters
    ``params[i]``; with ``trace``, all with the same ``rounds``); each block's result is, bit for bit,
    ``simulate(case, rows[i], seeds[i], rule, params=params[i])``. A case with alternative codings runs each
    block's replications by their codings (``model/codings.py``), the blocks' groups with the same codings side by
    side in one pass (``coding_passes``), each pass's rows put back in their blocks' places at once."""
    if not case.alternatives:
        return _one_pass(case, rows, seeds, params, rule, trace)
    starts = np.cumsum([0, *rows])
    arrays: dict[str, np.ndarray] = {}
    first: SimulationResult | None = None
    for n, cp in enumerate(coding_passes(case, rows, seeds)):  # the first pass holds block 0's row 0
        for part, (lo, hi) in enumerate(_batches(cp.rows)):  # at most BATCH_ROWS rows a pass (or one block)
            whole = _whole_pass(cp.case, cp.rows[lo:hi].tolist(), cp.seeds[lo:hi], [params[i] for i in cp.blocks[lo:hi]],
                                rule, trace and n == 0 and part == 0)
            if first is None:
                first = whole
                arrays = {name: np.empty((int(starts[-1]), *getattr(whole, name).shape[1:]),
                                         getattr(whole, name).dtype) for name in _ROWS}
            at = int(cp.rows[:lo].sum())
            for name in _ROWS:
                arrays[name][cp.dest[at:at + int(cp.rows[lo:hi].sum())]] = getattr(whole, name)
    assert first is not None
    return [dataclasses.replace(first, case=case, seed=s, params=p, trace=first.trace if i == 0 else None,
                                **{name: arrays[name][starts[i]:starts[i + 1]] for name in _ROWS})
            for i, (s, p) in enumerate(zip(seeds, params, strict=True))]


def _batches(rows: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive blocks ``[lo, hi)`` of at most BATCH_ROWS rows in all (a larger block alone)."""
    out, lo, total = [], 0, 0
    for i, n in enumerate(rows.tolist()):
        if i > lo and total + n > BATCH_ROWS:
            out.append((lo, i))
            lo, total = i, 0
        total += n
    return [*out, (lo, len(rows))] if len(rows) else out


def _whole_pass(case: Case, rows: list[int], seeds: list[int], params: list[Parameters], rule: str | None,
                trace: bool = False) -> SimulationResult:
    """Blocks of rows of one case (no alternative codings) in one model, each block from its own Generator: the
    result over every row, members in name order (a block larger than a chunk runs alone, in chunks)."""
    if len(rows) == 1 and rows[0] > CHUNK_REPLICATIONS:
        return simulate(case, rows[0], seeds[0], rule=rule, params=params[0], trace=trace)
    rng = PointGenerators(generators(seeds), rows)  # default_rng(seed) of each block
    model = CouncilModel(case, ParameterRows(params, rows), sum(rows), rule=rule, rng=rng, trace=trace)
    model.run_model()
    whole = result_of(model, seeds[0])
    release(model)
    return whole


def _one_pass(case: Case, rows: list[int], seeds: list[int], params: list[Parameters], rule: str | None,
              trace: bool = False) -> list[SimulationResult]:
    """:func:`_whole_pass`, split into each block's result."""
    whole = _whole_pass(case, rows, seeds, params, rule, trace)
    if len(rows) == 1:
        return [dataclasses.replace(whole, seed=seeds[0], params=params[0])]
    starts = np.cumsum([0, *rows])
    return [dataclasses.replace(whole, seed=s, params=p, **{name: getattr(whole, name)[starts[i]:starts[i + 1]]
                                                            for name in _ROWS})
            for i, (s, p) in enumerate(zip(seeds, params, strict=True))]


def result_of(model: CouncilModel, seed: int) -> SimulationResult:
    """The result of a model that has run, members in name order (``simulate`` and the explorer use it)."""
    decision = model.decision
    if decision is None:
        raise ValueError("the model has not run (call run_model first)")
    case = model.case
    order = np.argsort([m.name for m in model.members], kind="stable")
    names = [model.members[i].name for i in order]
    trace_rows = None
    if model.trace is not None:
        trace_rows = [{name: [float(x) for x in rnd[name]] for name in names} for rnd in model.trace]
    return SimulationResult(
        case=case, seed=seed, rule=model.rule.name, params=model.params, members=names,
        lead_state=case.organisation.lead_state,
        outcome=decision.outcome, days=decision.days, stance=decision.stance[:, order],
        reason=decision.reason[:, order], objected=decision.objected[:, order], vetoed=decision.vetoed[:, order],
        contribution=decision.contribution[:, order], trace=trace_rows, pending=decision.pending)
