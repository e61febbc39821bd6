"""A calibration's posterior, as every command that runs the model uses it: where the shipped one is, reading
a posterior folder (checked against the model's parameters), and runs whose replications draw their
parameters from it.

**The draws.** A run of ``R`` replications with seed ``S`` over a posterior of ``K`` weighted parameter sets:
replication ``r`` draws set ``J_r ~ Categorical(weights)``, independently, all ``R`` from the one Generator
of ``SeedSequence(S, spawn_key=(0,))`` (``rng.choice(K, R, p=weights)``). The parameters a run fixes (``--set``,
a sweep point's factors) are put on top of every set drawn. Set ``k``, drawn ``n_k`` times, is one block of
``n_k`` replications with seed ``derive_seed(S, 1, k)``: the block is, bit for bit, what
``simulate(case, n_k, derive_seed(S, 1, k), params=set_k)`` gives. The blocks run side by side in one model
(``ParameterRows``, ``PointGenerators``; each row deliberates its own ``rounds``), at most ``BATCH_ROWS`` rows a
pass (with a trace, grouped by ``rounds``: a traced model keeps every round); a block larger than that runs
alone. The result's replications are the blocks in the posterior's order (replications are exchangeable); the
result records each replication's epistemic draw,
its set and (for a case with alternative codings) its codings (``draw``, ``draw_groups``), from which the
outcome probabilities' intervals are computed (``model/statistics.py``, ``outcome_intervals``). Many runs (a
sweep's points) share the passes: :func:`simulate_runs`.

**The stale guard.** A posterior's parameter columns must be the model's parameters (``model/params.py``):
if the model gains or loses one, reading fails with one line that gives the command that regenerates it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .files.formats import CALIBRATION_FORMAT
from .files.manifest import sha256_file
from .params import SPECS, ParameterError, Parameters, check_replications, check_seed
from .results import SimulationResult
from .scenario import Case
from .seeds import derive_seed

# The engine (model/model.py, model/simulate.py) is imported by the functions that run it, so that reading an
# experiment or a posterior does not load Mesa.

#: The command-line value of ``--posterior`` that means "the defaults, no posterior", and the one that means the
#: shipped calibration (``--posterior`` with no value).
NONE, SHIPPED = "none", "shipped"
#: The shipped calibration's folder name (beside ``scenarios/``), and the environment variable that moves it.
FOLDER, ENV = "calibration", "CSTO_SIM_CALIBRATION"
#: The columns of ``posterior.parquet`` that are not parameters.
NOT_PARAMETERS = ("draw", "weight", "distance")
ALLOWED = "a folder written by 'csto-sim calibrate' (posterior.parquet and calibration.json)"
#: How the draws are made, as every output records it.
DRAWS = ("each replication draws a set with the posterior's weights from SeedSequence(seed, spawn_key=(0,)); set k, "
         "drawn n_k times, runs as n_k replications seeded derive_seed(seed, 1, k) (model/posterior.py)")


def shipped_folder() -> Path:
    """The shipped calibration: $CSTO_SIM_CALIBRATION, ./calibration (with a posterior), or the one beside the
    package (found as the scenarios folder is)."""
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    here = Path(FOLDER)
    if (here / "posterior.parquet").is_file():
        return here
    return Path(__file__).resolve().parent.parent / FOLDER


@dataclass(frozen=True, eq=False)
class Posterior:
    """The accepted parameter sets of a calibration and their normalised weights."""

    path: Path
    sha256: str  # of posterior.parquet
    sets: tuple[Parameters, ...]
    weights: np.ndarray
    calibrated: tuple[str, ...]
    record: dict[str, Any]
    ids: tuple[int, ...] = ()  # each set's draw in the prior sample (its row when absent)

    def __len__(self) -> int:
        return len(self.sets)

    @property
    def command(self) -> str | None:
        return self.record.get("command")

    def best(self) -> Parameters:
        """The set of highest weight (the first of those tied)."""
        return self.sets[int(np.argmax(self.weights))]

    def draw_sets(self, replications: int, seed: int) -> np.ndarray:
        """The set each of ``replications`` replications draws, from ``SeedSequence(seed, spawn_key=(0,))``."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
        return rng.choice(len(self.sets), size=replications, p=self.weights)

    def counts(self, replications: int, seed: int) -> np.ndarray:
        """Replications per set (the posterior's order) of a run of ``replications`` with ``seed``."""
        return np.bincount(self.draw_sets(replications, seed), minlength=len(self.sets))

    def describe(self) -> dict[str, Any]:
        """Which posterior: what every output records of it."""
        return {"folder": str(self.path), "sha256": self.sha256, "calibration_command": self.command,
                "calibration_seed": self.record.get("seed"), "code_version": self.record.get("code_version"),
                "sets": len(self), "draws": DRAWS}


# --------------------------------------------------------------------------------------------------
# Reading a posterior folder
# --------------------------------------------------------------------------------------------------

def load_posterior(option: str | os.PathLike[str] | Posterior | None, field_name: str = "--posterior",
                   where: str = "command line") -> Posterior | None:
    """What ``--posterior`` (or an experiment's ``posterior:``) names: None for ``none`` (or None), the shipped
    calibration for ``shipped``, else the folder given."""
    if option is None or isinstance(option, Posterior):
        return option
    if str(option) == NONE:
        return None
    folder = shipped_folder() if str(option) == SHIPPED else Path(option)
    return read_posterior(folder, field_name, where)


def read_posterior(folder: str | os.PathLike[str], field_name: str = "--posterior",
                   where: str = "command line") -> Posterior:
    """Read and check a posterior folder; InputError (naming the folder, or the stale file) if it is not one."""
    folder = Path(folder)

    def fail(problem: str) -> InputError:
        return InputError(where, field_name, f"{folder}: {problem}", ALLOWED)

    record = _read_record(folder, fail)
    table = _read_table(folder / "posterior.parquet", fail)
    check_current(table.column_names, record, folder / "posterior.parquet")
    if table.num_rows == 0:
        raise fail("posterior.parquet holds no parameter set")
    weights = np.array(table.column("weight").to_pylist(), dtype=float)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise fail("posterior.parquet: weights must be finite, non-negative and not all 0")
    columns = {n: table.column(n).to_pylist() for n in SPECS}
    sets = []
    for i in range(table.num_rows):
        try:
            sets.append(Parameters(**{n: columns[n][i] for n in SPECS}))
        except (ParameterError, TypeError) as exc:
            raise fail(f"posterior.parquet row {i}: {exc}") from None
    ids = table.column("draw").to_pylist() if "draw" in table.column_names else range(table.num_rows)
    calibrated = tuple(record.get("parameters", {}).get("calibrated", ()))
    return Posterior(path=folder, sha256=sha256_file(folder / "posterior.parquet"), sets=tuple(sets),
                     weights=weights / weights.sum(), calibrated=calibrated, record=record,
                     ids=tuple(int(i) for i in ids))


def _read_record(folder: Path, fail: Any) -> dict[str, Any]:
    if not folder.exists():
        raise fail("no such folder")
    if not folder.is_dir():
        raise fail("is not a folder")
    table_path, record_path = folder / "posterior.parquet", folder / "calibration.json"
    missing = [p.name for p in (table_path, record_path) if not p.is_file()]
    if missing:
        raise fail(f"is not a posterior folder (no {' or '.join(missing)})")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise fail(f"calibration.json cannot be read ({type(exc).__name__})") from None
    if not isinstance(record, dict) or record.get("format") != CALIBRATION_FORMAT:
        raise fail(f"calibration.json is not of format {CALIBRATION_FORMAT}")
    return record


def _read_table(path: Path, fail: Any) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise fail(f"posterior.parquet cannot be read ({type(exc).__name__})") from None


def parameter_columns(columns: Sequence[str]) -> list[str]:
    """The columns of a posterior table that hold parameters (not the draw, weight and distances)."""
    return [c for c in columns if c not in NOT_PARAMETERS and not c.startswith("distance.")]


def check_current(columns: Sequence[str], record: Mapping[str, Any], path: Path) -> None:
    """The stale guard: the posterior's parameters (its columns, and those it calibrates) must be the model's.
    InputError on one line naming what differs and the command that regenerates the posterior."""
    have = parameter_columns(columns)
    calibrated = list(record.get("parameters", {}).get("calibrated", ()))
    lacks = [n for n in SPECS if n not in have]
    extra = [n for n in (*have, *calibrated) if n not in SPECS]
    if "weight" not in columns:
        raise InputError(str(path), "weight", "the column is missing", "a posterior written by 'csto-sim calibrate'")
    if not lacks and not extra:
        return
    parts = ([f"the model's {', '.join(lacks)} missing"] if lacks else []) + \
            ([f"{', '.join(dict.fromkeys(extra))} no longer the model's"] if extra else [])
    command = record.get("command") or "csto-sim calibrate --out DIR"
    raise InputError(str(path), "parameters", f"stale posterior ({'; '.join(parts)}): regenerate it with: {command}",
                     f"the parameters of model/params.py: {', '.join(SPECS)}")


# --------------------------------------------------------------------------------------------------
# Runs over a posterior
# --------------------------------------------------------------------------------------------------

@dataclass
class PosteriorResult(SimulationResult):
    """A run whose replications drew their parameters from a posterior. ``params`` holds the parameters
    not drawn (defaults and those fixed); the block ``posterior`` says where the others came from."""

    posterior: dict[str, Any] = field(default_factory=dict)
    #: Its blocks in order: (the set's id, replications, seed); each replication's draw is found from them when
    #: first asked for (its set, and within the set the codings ``simulate_blocks`` drew from the block's seed).
    blocks: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def draw(self) -> np.ndarray:
        """(R,) each replication's epistemic draw: its set and its codings (``draw_groups`` says which)."""
        if self.draw_group is None:
            from .codings import coding_draws

            draw, groups = [], []
            for set_id, rows, seed in self.blocks:
                labels, keys = coding_draws(self.case, rows, seed)
                draw.append(labels + len(groups))
                groups += [{"set": set_id, "coding": list(k)} for k in keys]
            self.draw_group, self.draw_groups = np.concatenate(draw), groups
        return self.draw_group

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["posterior"] = self.posterior
        return out


@dataclass(frozen=True)
class RunSpec:
    """One run over a posterior: replications, seed, and the parameters fixed on top of every set."""

    replications: int
    seed: int
    fixed: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Block:
    run: int
    set: int
    rows: int
    seed: int
    params: Parameters


def _blocks(post: Posterior, runs: Sequence[RunSpec]) -> list[_Block]:
    """Every run's blocks: one per set it draws, in the posterior's order."""
    out = []
    for r, spec in enumerate(runs):
        counts = post.counts(spec.replications, spec.seed)
        for k in np.flatnonzero(counts):
            params = post.sets[k].replace(**spec.fixed) if spec.fixed else post.sets[k]
            out.append(_Block(r, int(k), int(counts[k]), derive_seed(spec.seed, 1, int(k)), params))
    return out


def _passes(blocks: list[_Block], by_rounds: bool = False) -> list[list[int]]:
    """The blocks in passes of at most BATCH_ROWS rows, in order; ``by_rounds``: grouped by ``rounds`` (in order
    of first appearance), as a traced model needs."""
    from .simulate import BATCH_ROWS

    groups: dict[int, list[int]] = {}
    for i, b in enumerate(blocks):
        groups.setdefault(b.params.rounds if by_rounds else 0, []).append(i)
    passes: list[list[int]] = []
    for group in groups.values():
        current: list[int] = []
        for i in group:
            if current and sum(blocks[j].rows for j in current) + blocks[i].rows > BATCH_ROWS:
                passes.append(current)
                current = []
            current.append(i)
        passes.append(current)
    return passes


def _run_pass(case: Case, blocks: list[_Block], rule: str | None, trace: bool) -> list[SimulationResult]:
    """One pass: the blocks' rows side by side (``simulate_blocks``), each block from its own Generator."""
    from .simulate import simulate_blocks

    return simulate_blocks(case, [b.rows for b in blocks], [b.seed for b in blocks], [b.params for b in blocks],
                           rule, trace)


def simulate_runs(case: Case, posterior: Posterior, runs: Sequence[RunSpec], rule: str | None = None,
                  trace: bool = False) -> list[PosteriorResult]:
    """Several runs of one case and rule over ``posterior``, their blocks side by side (a sweep's points); each
    run's result is the same as when it runs alone. The trace, if asked, is of the first run's replication 0."""
    runs = [RunSpec(check_replications(s.replications), check_seed(s.seed), dict(s.fixed)) for s in runs]
    blocks = _blocks(posterior, runs)
    done: list[SimulationResult | None] = [None] * len(blocks)
    for n, part in enumerate(_passes(blocks, by_rounds=trace)):
        for i, res in zip(part, _run_pass(case, [blocks[i] for i in part], rule, trace and n == 0), strict=True):
            done[i] = res
    results = []
    for r, spec in enumerate(runs):
        mine = [(b, res) for b, res in zip(blocks, done, strict=True) if b.run == r]
        results.append(_joined(posterior, spec, mine))
    return results


def _joined(post: Posterior, spec: RunSpec, parts: list[tuple[_Block, Any]]) -> PosteriorResult:
    """A run's blocks as one result, with the record of its draws."""
    from .simulate import _ROWS

    first = parts[0][1]
    arrays = {n: np.concatenate([getattr(res, n) for _, res in parts], axis=0) for n in _ROWS}
    drawn = [n for n in post.calibrated if n not in spec.fixed]
    counts = np.array([b.rows for b, _ in parts])
    info = {**post.describe(), "sets_drawn": len(parts), "drawn": drawn, "fixed": sorted(spec.fixed),
            "replications_per_set": {str(post.ids[b.set] if post.ids else b.set): b.rows for b, _ in parts},
            "mean_of_drawn": {n: round(float(np.average([float(getattr(b.params, n)) for b, _ in parts],
                                                        weights=counts)), 6) for n in drawn}}
    res = dataclasses.replace(first, seed=spec.seed, params=Parameters().replace(**spec.fixed), **arrays,
                              draw_group=None, draw_groups=None)
    fields = {f.name: getattr(res, f.name) for f in dataclasses.fields(SimulationResult)}
    blocks = [(post.ids[b.set] if post.ids else b.set, b.rows, b.seed) for b, _ in parts]
    return PosteriorResult(**fields, posterior=info, blocks=blocks)


def simulate_posterior(case: Case, posterior: Posterior | str | os.PathLike[str], replications: int, seed: int,
                       rule: str | None = None, overrides: Mapping[str, Any] | None = None,
                       trace: bool = False) -> PosteriorResult:
    """The predictive distribution of ``case`` with the posterior's parameter uncertainty carried through:
    each replication's parameters drawn from the posterior, ``overrides`` fixed on top of every set."""
    post = posterior if isinstance(posterior, Posterior) else read_posterior(posterior)
    return simulate_runs(case, post, [RunSpec(replications, seed, dict(overrides or {}))], rule, trace)[0]


def run_with(case: Case, replications: int, seed: int, posterior: Posterior | None, rule: str | None = None,
             params: Parameters | None = None, overrides: Mapping[str, Any] | None = None,
             trace: bool = False) -> SimulationResult:
    """The one switch of every command: over ``posterior`` when given (``overrides`` fixed on every set), else
    ``simulate`` with ``params``."""
    from .simulate import simulate

    if posterior is None:
        return simulate(case, replications, seed, rule=rule, params=params, trace=trace)
    return simulate_posterior(case, posterior, replications, seed, rule, overrides, trace)
