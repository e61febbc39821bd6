"""The library entry points: ``simulate(scenario, replications, seed, rule, overrides)``, and
``simulate_points`` for many points (parameter sets, each with its own seed) of one case in one pass."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .model import CouncilModel
from .params import ParameterRows, Parameters
from .results import SimulationResult
from .scenario import Case, load_scenario
from .seeds import PointGenerators
from .seeds import fresh_seed as new_seed

MAX_REPLICATIONS = 2_000_000
#: Rows (points x replications) of one pass of ``simulate_points``; more points run in several passes.
BATCH_ROWS = 65_536
#: A result's arrays over replications (one block of rows per point of ``simulate_points``).
_ROWS = ("outcome", "days", "stance", "reason", "objected", "vetoed", "contribution")


def check_replications(replications: Any) -> int:
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)):
        raise ValueError(f"replications: expected a whole number, got {replications!r}")
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"replications: {replications} is out of range (allowed: 1 to {MAX_REPLICATIONS:,})")
    return int(replications)


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**128:
        raise ValueError(f"seed: expected a whole number from 0 to 2**128 - 1, got {seed!r}")
    return int(seed)


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
    params = (params or Parameters()).replace(**(overrides or {}))
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    model = CouncilModel(case, params, replications, rule=rule, rng=rng, trace=trace)
    model.run_model()
    return result_of(model, seed)


def simulate_points(scenario: Case | str | os.PathLike[str], replications: int, seeds: Sequence[int],
                    params: Sequence[Parameters], rule: str | None = None) -> list[SimulationResult]:
    """Run many points of one case under one rule, ``replications`` worlds each, side by side in one model.

    Point ``i`` has the global parameters ``params[i]`` and the seed ``seeds[i]``; its result is identical,
    bit for bit, to ``simulate(scenario, replications, seeds[i], rule, params=params[i])``: its rows draw
    from its own Generator the same numbers in the same order (``PointGenerators``), and every parameter
    that differs between points is an array over the rows (``ParameterRows``). Points that differ in
    ``rounds`` run in separate passes, as do more rows than ``BATCH_ROWS``. Results in the order of the points.
    """
    case = scenario if isinstance(scenario, Case) else load_scenario(scenario)
    replications = check_replications(replications)
    seeds = [check_seed(s) for s in seeds]
    if len(seeds) != len(params):
        raise ValueError(f"simulate_points: {len(seeds)} seeds for {len(params)} parameter sets")
    results: list[SimulationResult | None] = [None] * len(seeds)
    by_rounds: dict[int, list[int]] = {}
    for i, p in enumerate(params):
        by_rounds.setdefault(p.rounds, []).append(i)
    per_pass = max(1, BATCH_ROWS // replications)
    for group in by_rounds.values():
        for start in range(0, len(group), per_pass):
            part = group[start:start + per_pass]
            done = _run_points(case, replications, [seeds[i] for i in part], [params[i] for i in part], rule)
            for i, res in zip(part, done, strict=True):
                results[i] = res
    return results  # type: ignore[return-value]


def _run_points(case: Case, replications: int, seeds: list[int], params: list[Parameters],
                rule: str | None) -> list[SimulationResult]:
    """One pass of :func:`simulate_points`: the points' rows in consecutive blocks of one model."""
    rows = [replications] * len(seeds)
    rng = PointGenerators([np.random.default_rng(np.random.SeedSequence(s)) for s in seeds], rows)
    model = CouncilModel(case, ParameterRows(params, rows), sum(rows), rule=rule, rng=rng)
    model.run_model()
    whole = result_of(model, seeds[0])  # every row, members in name order; then each point's block of rows
    blocks = [slice(i * replications, (i + 1) * replications) for i in range(len(seeds))]
    results = [dataclasses.replace(whole, seed=seed, params=p, **{name: getattr(whole, name)[rows] for name in _ROWS})
               for seed, p, rows in zip(seeds, params, blocks, strict=True)]
    # Free the model's arrays now: a Mesa model lives in reference cycles until the garbage collector runs.
    model.remove_all_agents()
    vars(model).clear()
    return results


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
        contribution=decision.contribution[:, order], trace=trace_rows)
