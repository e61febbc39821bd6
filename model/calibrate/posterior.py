"""A posterior folder (written by ``csto-sim calibrate``): reading it, drawing parameter sets from it, and
running a case with the parameter uncertainty carried through (``csto-sim run CASE --posterior DIR``).

A posterior run of R replications allocates them over the accepted parameter sets by one multinomial
draw on the weights, ``counts ~ Multinomial(R, weights)``, then runs ``simulate`` once per set drawn, with
that many replications and a seed of its own, and concatenates the results (sets in the posterior's
order). Replications are exchangeable, so this has the same distribution as drawing each replication's
parameter set independently from the weights: the multinomial is exactly the distribution of the
counts of R independent categorical draws. It is much faster (one vectorised run per distinct set).

Seeds: ``SeedSequence(seed).spawn(2)``; the first child draws the counts, the second's children
(``spawn(number of sets drawn)``) seed the runs, in the posterior's order.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..files.manifest import sha256_file
from ..params import SPECS, ParameterError, Parameters
from ..results import SimulationResult
from ..scenario import Case
from ..seeds import reduce_seed
from ..simulate import check_replications, check_seed, simulate
from .abc import CALIBRATION_FORMAT

ALLOWED = "a folder written by 'csto-sim calibrate' (posterior.parquet and calibration.json)"


@dataclass(frozen=True)
class Posterior:
    """The accepted parameter sets of a calibration and their normalised weights."""

    path: Path
    sha256: str  # of posterior.parquet
    sets: tuple[Parameters, ...]
    weights: np.ndarray
    calibrated: tuple[str, ...]
    record: dict[str, Any]

    def __len__(self) -> int:
        return len(self.sets)

    def allocate(self, replications: int, rng: np.random.Generator) -> np.ndarray:
        """Replications per parameter set: one multinomial draw on the weights."""
        return rng.multinomial(replications, self.weights)

    def draw(self, n: int, rng: np.random.Generator) -> list[Parameters]:
        """``n`` parameter sets drawn independently with the posterior's weights."""
        return [self.sets[i] for i in rng.choice(len(self.sets), size=n, p=self.weights)]


def read_posterior(folder: str | os.PathLike[str], field_name: str = "--posterior") -> Posterior:
    """Read and check a posterior folder; InputError (naming the folder) if it is not one."""
    import pyarrow.parquet as pq

    folder = Path(folder)

    def fail(problem: str) -> InputError:
        return InputError("command line", field_name, f"{folder}: {problem}", ALLOWED)

    if not folder.exists():
        raise fail("no such folder")
    if not folder.is_dir():
        raise fail("is not a folder")
    table_path, record_path = folder / "posterior.parquet", folder / "calibration.json"
    if not table_path.is_file() or not record_path.is_file():
        missing = [p.name for p in (table_path, record_path) if not p.is_file()]
        raise fail(f"is not a posterior folder (no {' or '.join(missing)})")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise fail(f"calibration.json cannot be read ({type(exc).__name__})") from None
    if not isinstance(record, dict) or record.get("format") != CALIBRATION_FORMAT:
        raise fail(f"calibration.json is not of format {CALIBRATION_FORMAT}")
    try:
        table = pq.read_table(table_path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise fail(f"posterior.parquet cannot be read ({type(exc).__name__})") from None
    missing = [n for n in (*SPECS, "weight") if n not in table.column_names]
    if missing:
        raise fail(f"posterior.parquet lacks the columns {', '.join(missing)}")
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
    calibrated = tuple(record.get("parameters", {}).get("calibrated", ()))
    return Posterior(path=folder, sha256=sha256_file(table_path), sets=tuple(sets), weights=weights / weights.sum(),
                     calibrated=calibrated, record=record)


@dataclass
class PosteriorResult(SimulationResult):
    """A run whose replications drew their parameters from a posterior. ``params`` holds the parameters
    not drawn (defaults and ``--set``); the block ``posterior`` says where the others came from."""

    posterior: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["posterior"] = self.posterior
        return out


def simulate_posterior(case: Case, posterior: Posterior | str | os.PathLike[str], replications: int, seed: int,
                       rule: str | None = None, overrides: dict[str, Any] | None = None,
                       trace: bool = False) -> PosteriorResult:
    """The predictive distribution of ``case`` with the posterior's parameter uncertainty carried through.

    ``overrides`` (``--set``) fix parameters on top of every drawn set. The trace, if asked for, is of
    the first replication (that of the first parameter set drawn).
    """
    post = posterior if isinstance(posterior, Posterior) else read_posterior(posterior)
    replications, seed = check_replications(replications), check_seed(seed)
    overrides = dict(overrides or {})
    ss_counts, ss_runs = np.random.SeedSequence(seed).spawn(2)
    counts = post.allocate(replications, np.random.default_rng(ss_counts))
    drawn = np.flatnonzero(counts)
    children = ss_runs.spawn(len(drawn))
    parts: list[SimulationResult] = []
    for k, (i, child) in enumerate(zip(drawn, children, strict=True)):
        run_seed = reduce_seed(child)
        params = post.sets[i].replace(**overrides) if overrides else post.sets[i]
        parts.append(simulate(case, int(counts[i]), run_seed, rule=rule, params=params, trace=trace and k == 0))
    first = parts[0]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts], axis=0)

    drawn_names = [n for n in post.calibrated if n not in overrides]
    x = {n: np.repeat([float(getattr(post.sets[i], n)) for i in drawn], counts[drawn]) for n in drawn_names}
    info = {
        "folder": str(post.path),
        "sha256": post.sha256,
        "calibration_command": post.record.get("command"),
        "calibration_seed": post.record.get("seed"),
        "sets": len(post),
        "sets_drawn": int(len(drawn)),
        "drawn": drawn_names,
        "fixed_by_set": sorted(overrides),
        "mean_of_drawn": {n: round(float(v.mean()), 6) for n, v in x.items()},
        "allocation": "counts ~ Multinomial(replications, weights) from SeedSequence(seed).spawn(2)[0]; one simulate "
                      "call per set drawn, seeded from SeedSequence(seed).spawn(2)[1].spawn(sets drawn)",
    }
    base = Parameters().replace(**overrides)
    res = dataclasses.replace(first, seed=seed, params=base, outcome=cat("outcome"), days=cat("days"),
                              stance=cat("stance"), reason=cat("reason"), objected=cat("objected"),
                              vetoed=cat("vetoed"), contribution=cat("contribution"))
    fields = {f.name: getattr(res, f.name) for f in dataclasses.fields(SimulationResult)}
    return PosteriorResult(**fields, posterior=info)
