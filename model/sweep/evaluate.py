"""What a worker does: run a chunk of points into rows, the points of one case and rule side by side in one
vectorised pass (``simulate_points``), each point's rows those of its own ``simulate`` call.

Everything a worker needs travels once in a :class:`SweepContext` (the loaded cases, the factors, the
replications, the seed, what to record); a chunk is then only its point indices and their values. The
rows of a point depend on nothing but the point (its index fixes its seed), so the results are the same
whichever worker runs it, in whatever order.

Testing hook: the environment variable ``CSTO_SIM_FAIL_POINTS`` (``"3,7"``) makes the points with those
indices raise inside the worker, to exercise the failure path end to end. It is read by the worker; do
not set it outside tests.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ladder import LEVELS, STANCES
from ..params import SPECS, Parameters
from ..posterior import Posterior, RunSpec, simulate_runs
from ..rules import get_rule
from ..scenario import Case, with_facts
from ..seeds import derive_seed, derive_seeds
from ..simulate import simulate, simulate_points
from ..statistics import STATISTICS, sweep_columns, sweep_figures
from .design import BASELINE
from .experiment import Experiment
from .types import Factor

FAIL_POINTS_ENV = "CSTO_SIM_FAIL_POINTS"
_DEFAULTS = Parameters()
_CASES: dict[tuple[Any, ...], Case] = {}
_CACHE_SIZE = 4096

#: A point as sent to a worker: its global index and one value per factor (BASELINE: left at baseline).
Point = tuple[int, tuple[Any, ...]]


def point_seed(seed: int, index: int) -> int:
    """The seed of point ``index``: from ``SeedSequence(seed).spawn(n)[index]`` (built directly, without
    spawning ``n`` children), reduced to a 63-bit integer for ``simulate`` and the results table."""
    return derive_seed(seed, index)


@dataclass(frozen=True)
class SweepContext:
    """What every worker needs, sent once: cases, factors, replications, seed, what to record."""

    key: str
    cases: tuple[Case, ...]
    factors: tuple[Factor, ...]
    design_points: int
    replications: int
    seed: int
    figures: tuple[str, ...]
    per_replication: bool
    members: tuple[str, ...]
    posterior: Posterior | None = None  # each point's replications draw the parameters it does not set from it

    @classmethod
    def from_experiment(cls, exp: Experiment) -> SweepContext:
        return cls(key=exp.fingerprint, cases=exp.scenarios, factors=exp.factors, design_points=exp.design_points,
                   replications=exp.replications, seed=exp.seed,
                   figures=sweep_figures(exp.figures, exp.posterior, exp.scenarios) if exp.intervals else exp.figures,
                   per_replication=exp.per_replication, members=exp.members, posterior=exp.posterior)

    def factor_columns(self) -> list[Factor]:
        return [f for f in self.factors if f.target != "rule"]

    def schema(self) -> Any:
        """The columns of the results table (the same for every chunk)."""
        import pyarrow as pa

        cols: list[tuple[str, Any]] = [("point", pa.int64()), ("scenario", pa.string()), ("rule", pa.string())]
        for f in self.factor_columns():
            cols.append((f.name, {"real": pa.float64(), "integer": pa.int64(), "categorical": pa.string()}[f.kind]))
        cols += [("seed", pa.int64()), ("replications", pa.int64())]
        for fig in self.figures:
            cols += [(name, pa.string() if name == "modal_outcome" else pa.float64()) for name in self.figure_columns(fig)]
        cols.append(("error", pa.string()))
        return pa.schema(cols)

    def figure_columns(self, figure: str) -> list[str]:
        return STATISTICS[figure].columns(self.members)

    def replication_schema(self) -> Any:
        """The columns of the per-replication tables (``record: [per_replication]``)."""
        import pyarrow as pa

        cat = pa.dictionary(pa.int8(), pa.string())
        cols = [("point", pa.int64()), ("replication", pa.int32()), ("outcome", cat), ("days_to_decision", pa.float64())]
        for m in self.members:
            cols += [(f"stance.{m}", cat), (f"troops.{m}", pa.float64())]
        return pa.schema(cols)


@dataclass
class ChunkReport:
    """What comes back from a chunk: timings and failures; the tables when the worker did not write them."""

    chunk: int
    start: int
    stop: int
    seconds: float
    worker: str
    failures: list[tuple[int, str]] = field(default_factory=list)
    table: Any = None
    replications: Any = None


def _fail_points() -> frozenset[int]:
    text = os.environ.get(FAIL_POINTS_ENV, "")
    return frozenset(int(x) for x in text.split(",") if x.strip())


def _case(ctx: SweepContext, s: int, facts: dict[str, Any]) -> Case:
    key = (ctx.key, s, tuple(sorted(facts.items())))
    case = _CASES.get(key)
    if case is None:
        if len(_CASES) >= _CACHE_SIZE:
            _CASES.clear()
        case = _CASES[key] = with_facts(ctx.cases[s], facts, source="sweep")
    return case


def _split(ctx: SweepContext, values: Sequence[Any]) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
    rule, params, facts = None, {}, {}
    for f, v in zip(ctx.factors, values, strict=True):
        if v is BASELINE:
            continue
        if f.target == "param":
            params[f.name] = v
        elif f.target == "rule":
            rule = v
        else:
            facts[f.name] = v
    return rule, params, facts


def _factor_columns(ctx: SweepContext, case: Case, values: Sequence[Any]) -> dict[str, Any]:
    """A point's value of each factor but the rule, as its row records it: a factor left at its baseline
    gets the parameter's default (null when drawn from a posterior) or the case's own fact (null where the
    case gives a range)."""
    row = {}
    for f, v in zip(ctx.factors, values, strict=True):
        if f.target == "rule":
            continue
        if v is BASELINE:
            if f.target == "param":
                v = getattr(_DEFAULTS, f.name) if ctx.posterior is None else None
            else:
                fact = case.facts.get(f.name)
                v = None if fact is None or fact.is_range else fact.value
        row[f.name] = v
    return row


def run_chunk(ctx: SweepContext, chunk: int, points: Sequence[Point], out_dir: str | None = None) -> ChunkReport:
    """Run the points of one chunk. With ``out_dir`` the worker writes the chunk's files itself (a local
    pool shares the disk); without, the tables go back in the report (a cluster's workers may not).

    The points are grouped by case (with its what-if facts) and rule, and each group runs as one
    vectorised pass (``simulate_points``, which also groups by ``rounds``): every point's rows are those
    of its own ``simulate`` call, whatever else is in the chunk. With a posterior, each point's replications
    draw the parameters it does not set from it (``model/posterior.simulate_runs``, its blocks side by side
    with the other points'), as ``simulate_posterior`` with the point's seed would."""
    import pyarrow as pa

    t0 = time.perf_counter()
    schema = ctx.schema()
    rows, groups = _prepare(ctx, points)
    reps: dict[int, Any] = {}
    figures: dict[str, list[Any]] = {}  # figure column -> a value per row of the chunk (None until set)
    for case, rule, jobs in groups.values():
        done, results = [], []
        for job, res in zip(jobs, _evaluate(case, rule, ctx.replications, jobs, ctx.posterior), strict=True):
            row = rows[job.position]
            if isinstance(res, Exception):  # a point that raises is recorded and the sweep goes on
                row["error"] = _message(res)
                continue
            row["rule"] = res.rule
            done.append(job.position)
            results.append(res)
            if ctx.per_replication:
                reps[job.position] = _replication_table(ctx, job.index, res)
        for name, values in sweep_columns(ctx.figures, results).items():
            column = figures.setdefault(name, [None] * len(rows))
            for position, value in zip(done, values, strict=True):
                column[position] = value
    failures = [(row["point"], row["error"]) for row in rows if row.get("error") is not None]
    table = pa.table({name: pa.array(figures[name] if name in figures else [row.get(name) for row in rows],
                                     type=schema.field(name).type, from_pandas=True)
                      for name in schema.names}, schema=schema)
    rep_table = None
    if ctx.per_replication:
        rep_table = pa.concat_tables([reps[k] for k in sorted(reps)]) if reps else ctx.replication_schema().empty_table()
    report = ChunkReport(chunk=chunk, start=points[0][0], stop=points[-1][0] + 1, seconds=0.0,
                         worker=f"{socket.gethostname()}:{os.getpid()}", failures=failures)
    if out_dir is not None:
        from .store import write_chunk

        write_chunk(out_dir, chunk, table, rep_table)
    else:
        report.table, report.replications = table, rep_table
    report.seconds = round(time.perf_counter() - t0, 6)
    return report


def point_seeds(seed: int, indices: Sequence[int]) -> list[int]:
    """:func:`point_seed` of many points at once (a chunk's: ``seeds.derive_seeds``)."""
    return derive_seeds([seed] * len(indices), indices) if indices else []


@dataclass(frozen=True)
class _Job:
    """A point ready to run: its place in the chunk, its index, seed and parameters."""

    position: int
    index: int
    seed: int
    params: Parameters
    fixed: dict[str, Any] = field(default_factory=dict)  # the parameters the point sets


def _message(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")


def _prepare(ctx: SweepContext, points: Sequence[Point]) -> tuple[list[dict[str, Any]], dict[Any, Any]]:
    """Each point's row (its factors and seed; its error if it cannot run), and the points that can run
    grouped by case (with its what-if facts) and rule: key -> (case, rule, jobs).

    The parameters the points set are checked a column at a time (:func:`_checked_params`), and each point's
    :class:`Parameters` made from the checked values; a value the check does not pass goes through
    ``Parameters.replace``, which names the problem in the point's error. The case and rule of a group are
    made once per chunk."""
    fail = _fail_points()
    rows: list[dict[str, Any]] = []
    groups: dict[Any, tuple[Case, str, list[_Job]]] = {}
    checked = _checked_params(ctx, points)
    made: dict[Any, Any] = {}  # the cases and rules of the chunk's groups (or their exceptions)
    seeds = point_seeds(ctx.seed, [index for index, _ in points])
    for p, (index, values) in enumerate(points):
        s = index // ctx.design_points
        case0 = ctx.cases[s]
        seed = seeds[p]
        rule, params, facts = _split(ctx, values)
        rows.append({"point": index, "scenario": case0.id, "seed": seed, "replications": ctx.replications,
                     "rule": rule or case0.organisation.default_rule, **_factor_columns(ctx, case0, values)})
        try:
            if index in fail:
                raise RuntimeError(f"failure injected by {FAIL_POINTS_ENV} (testing hook)")
            key = (s, tuple(sorted(facts.items())), rule)
            case = _once(made, ("case", *key), _case, ctx, s, facts)
            if all(name in checked for name in params):
                point_params = _parameters({name: checked[name][p] for name in params})
            else:
                point_params = _DEFAULTS.replace(**params)
            rule = _once(made, ("rule", *key), _rule_name, rule, case)
            job = _Job(len(rows) - 1, index, seed, point_params, params)
        except Exception as exc:
            rows[-1]["error"] = _message(exc)
            continue
        groups.setdefault((s, key[1], rule), (case, rule, []))[2].append(job)
    return rows, groups


def _rule_name(rule: str | None, case: Case) -> str:
    return get_rule(rule or case.organisation.default_rule).name


def _once(made: dict[Any, Any], key: Any, make: Any, *args: Any) -> Any:
    """``make(*args)``, made once per key (an exception too: raised again for every point that needs it)."""
    got = made.get(key)
    if got is None:
        try:
            got = made[key] = make(*args)
        except Exception as exc:
            got = made[key] = exc
    if isinstance(got, Exception):
        raise got
    return got


def _checked_params(ctx: SweepContext, points: Sequence[Point]) -> dict[str, list[Any]]:
    """The values of each parameter factor over the points, as ``params.coerce`` gives them (a float, or an
    int for a whole-number parameter), checked for the whole column at once; a column with a value ``coerce``
    would refuse or convert otherwise (text, a bool, a number out of bounds) is left out, so that its points
    go through ``Parameters.replace``. BASELINE entries stay as they are (a point leaves them unset)."""
    out: dict[str, list[Any]] = {}
    for k, f in enumerate(ctx.factors):
        if f.target != "param":
            continue
        spec = SPECS[f.name]
        column = [values[k] for _, values in points]
        given = [v for v in column if v is not BASELINE]
        if not given:
            out[f.name] = column
            continue
        if not set(map(type, given)) <= {int, float}:
            continue
        x = np.array(given, dtype=float)
        ok = bool(np.all(np.isfinite(x)) and np.all(x >= spec.low) and np.all(x <= spec.high))
        if spec.kind is int:
            ok = ok and bool(np.all(x == np.floor(x)))
            convert = int
        else:
            convert = float
        if ok:
            out[f.name] = [v if v is BASELINE else convert(v) for v in column]
    return out


def _parameters(changes: dict[str, Any]) -> Parameters:
    """The default parameters with ``changes`` (values already checked, in their parameters' types): what
    ``_DEFAULTS.replace(**changes)`` gives, without checking each value again."""
    new = object.__new__(Parameters)
    new.__dict__.update(_DEFAULTS.__dict__)
    new.__dict__.update(changes)
    return new


def _evaluate(case: Case, rule: str, replications: int, jobs: list[_Job], posterior: Posterior | None = None
              ) -> list[Any]:
    """The results of a group's points in one pass; should the pass fail, point by point, so that each
    point's error is its own (an exception in place of its result)."""
    def one(js: list[_Job]) -> list[Any]:
        if posterior is not None:
            return simulate_runs(case, posterior, [RunSpec(replications, j.seed, j.fixed) for j in js], rule)
        if len(js) == 1:
            return [simulate(case, replications, js[0].seed, rule=rule, params=js[0].params)]
        return simulate_points(case, replications, [j.seed for j in js], [j.params for j in js], rule=rule)

    try:
        return one(jobs)
    except Exception:
        out: list[Any] = []
        for j in jobs:
            try:
                out.append(one([j])[0])
            except Exception as exc:
                out.append(exc)
        return out


def _replication_table(ctx: SweepContext, index: int, res: Any) -> Any:
    import pyarrow as pa

    schema = ctx.replication_schema()
    n = res.replications
    levels, stances = pa.array(list(LEVELS)), pa.array(["absent", *STANCES])
    cols: dict[str, Any] = {
        "point": pa.array(np.full(n, index, dtype=np.int64)),
        "replication": pa.array(np.arange(n, dtype=np.int32)),
        "outcome": pa.DictionaryArray.from_arrays(pa.array(res.outcome.astype(np.int8)), levels),
        "days_to_decision": pa.array(res.days, from_pandas=True),
    }
    where = {m: i for i, m in enumerate(res.members)}
    for m in ctx.members:
        if m in where:
            i = where[m]
            cols[f"stance.{m}"] = pa.DictionaryArray.from_arrays(pa.array((res.stance[:, i] + 1).astype(np.int8)), stances)
            cols[f"troops.{m}"] = pa.array(res.contribution[:, i].astype(np.float64))
        else:
            cols[f"stance.{m}"] = pa.nulls(n, schema.field(f"stance.{m}").type)
            cols[f"troops.{m}"] = pa.nulls(n, pa.float64())
    return pa.table(cols, schema=schema)
