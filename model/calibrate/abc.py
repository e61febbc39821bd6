"""Rejection ABC of the global parameters against the observed record, run on the sweep engine.

1. **Prior sample.** A Latin hypercube of ``draws`` points over the calibrated parameters, each uniform on
   its prior range (``ParamSpec.prior`` in ``model/params.py``); the others stay at their defaults (or at
   the values ``fixed`` gives). It is built in code as an :class:`~model.sweep.experiment.Experiment`
   (whose experiment file, ``DIR/experiment.yaml``, runs the same sweep) and run with the sweep engine's
   one entry point, :func:`model.sweep.runner.run_sweep`, over the training cases, so it is parallel
   (``--workers``), resumable (run the same command again) and leaves the sweep's own ``manifest.json``
   and ``results.parquet`` in ``DIR``. Each point records the outcome probabilities, the days-to-decision
   quantiles and Russia's share of the troops, from ``replications`` replications.
2. **Distance** of a parameter set to the record, summed over the cases (:data:`DISTANCE_DEFINITION`):
   the outcome term (``-log`` of the smoothed probability of the observed ladder level), plus, where the
   case records them, a days term and a troop-share term.
3. **Acceptance.** Every draw within the tolerance ``epsilon``, the distance of the ``accept``-quantile
   closest draw (at least :data:`MIN_ACCEPTED`; draws tied with it are accepted too), weighted with the
   Epanechnikov kernel ``1 - (d / h)^2``, ``h`` the distance of the closest draw rejected (Beaumont,
   Zhang & Balding 2002).

The result is ``DIR/posterior.parquet`` (every parameter of each accepted set, with its weight and
distances), ``DIR/calibration.json`` and ``DIR/posterior.png``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..files.atomic import write_parquet_atomic
from ..files.formats import CALIBRATION_FORMAT, EXPERIMENT_FORMAT
from ..files.manifest import code_version, sha256_file, write_manifest
from ..ladder import LEVELS
from ..params import SPECS, Parameters
from ..scenario import Case
from ..simulate import simulate
from ..statistics import outcome_shares
from ..sweep.experiment import Experiment
from ..sweep.factors import levels, uniform
from ..sweep.runner import SweepOptions, SweepOutcome, run_sweep
from ..sweep.store import read_results
from ..sweep.types import DesignSpec, Factor
from . import DEFAULT_ACCEPT, DEFAULT_DRAWS, DEFAULT_REPLICATIONS, DEFAULT_SEED, MAX_DRAWS, MIN_DRAWS

#: What each point of the prior sample records (the figures the distance uses).
ABC_FIGURES = ("outcome_probabilities", "days_to_decision", "lead_state_share")
MIN_ACCEPTED = 2
MAX_ABC_REPLICATIONS = 100_000

#: Pseudo-count added to each level's count before the log (Jeffreys-like): a level never seen in R
#: replications gets probability 0.5 / (R + 2), not 0, so that the distance stays finite.
SMOOTHING = 0.5
#: Weights of the three terms of the distance.
W_OUTCOME, W_DAYS, W_SHARE = 1.0, 1.0, 1.0
#: A troop share 0.1 outside the observed range costs as much as a factor e on the days.
SHARE_SCALE = 0.1
#: The most a days or share term can add (also its value when the figure does not exist: no measure
#: passed, or nothing was deployed, in any replication).
TERM_CAP = 3.0
#: Days ranges are compared on a log scale; a range starting at 0 is read as starting at this.
MIN_DAYS = 0.01

DISTANCE_DEFINITION = (
    "d(theta) = sum over cases c of [ W_OUTCOME * KL(q_c || p_c) + W_DAYS * days_c + W_SHARE * share_c ]. "
    "p_c: the model's outcome distribution over the ladder, smoothed as (count + 0.5) / (R + 2); q_c: the observed "
    "distribution (one-hot on the observed level for a historical case, so the term is -log p_c(observed)). "
    "days_c (only where the case records days to decision [lo, hi]): the log-distance from the model's median days "
    "to that range, max(0, log lo - log p50, log p50 - log hi), capped at 3; 3 when no measure passed. share_c (only "
    "where the case records troop contributions): the distance from the lead state's mean share of the troops to "
    "the observed range [lead_lo / (lead_lo + others_hi), lead_hi / (lead_hi + others_lo)], divided by 0.1, capped "
    "at 3; 3 when nothing was deployed. W_OUTCOME = W_DAYS = W_SHARE = 1."
)


class SweepNotComplete(Exception):
    """The prior sample's sweep stopped (interrupted, or chunks failed): run the same command again."""

    def __init__(self, outcome: SweepOutcome):
        self.outcome = outcome
        super().__init__(outcome.status)


# --------------------------------------------------------------------------------------------------
# Targets: what was observed
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """What a case's record says, in the terms of the distance: a distribution over the ladder (one-hot
    for a historical case), and where recorded the days to decision and the lead state's troop share."""

    case: str
    levels: tuple[float, float, float, float]
    days: tuple[float, float] | None = None
    share: tuple[float, float] | None = None

    @classmethod
    def from_case(cls, case: Case) -> Target:
        obs = case.observed
        if obs is None:
            raise ValueError(f"{case.id}: a what-if case has no observed outcome to calibrate against")
        levels = tuple(1.0 if lvl == obs.outcome else 0.0 for lvl in LEVELS)
        days = None
        if obs.days_to_decision is not None:
            f = obs.days_to_decision
            days = (float(f.low), float(f.high)) if f.is_range else (float(f.value), float(f.value))
        return cls(case.id, levels, days, observed_share(case))  # type: ignore[arg-type]

    @property
    def observed_level(self) -> int:
        return int(np.argmax(self.levels))

    def as_dict(self) -> dict[str, Any]:
        return {"levels": dict(zip(LEVELS, self.levels, strict=True)), "days_to_decision": self.days,
                "lead_state_share": self.share}


def observed_share(case: Case) -> tuple[float, float] | None:
    """The range of the lead state's share of the troops that the recorded contributions allow."""
    obs, lead = case.observed, case.organisation.lead_state
    if obs is None or lead not in obs.contributions or len(obs.contributions) < 2:
        return None

    def bounds(name: str) -> tuple[float, float]:
        f = obs.contributions[name]
        return (float(f.low), float(f.high)) if f.is_range else (float(f.value), float(f.value))

    lead_lo, lead_hi = bounds(lead)
    others = [bounds(m) for m in obs.contributions if m != lead]
    lo = lead_lo / (lead_lo + sum(hi for _, hi in others))
    hi = lead_hi / (lead_hi + sum(lo for lo, _ in others))
    return (round(lo, 6), round(hi, 6))


# --------------------------------------------------------------------------------------------------
# The set-up and its experiment
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setup:
    """What a calibration runs: the prior sample, the cases, and the acceptance quantile."""

    draws: int = DEFAULT_DRAWS
    replications: int = DEFAULT_REPLICATIONS
    seed: int = DEFAULT_SEED
    accept: float = DEFAULT_ACCEPT
    scenarios: tuple[str, ...] = ("historical",)
    parameters: tuple[str, ...] | None = None  # calibrated; None: every global parameter
    fixed: tuple[tuple[str, float], ...] = ()  # held at these values rather than at their defaults
    priors: tuple[tuple[str, float, float], ...] = ()  # replaces a parameter's prior range (tests)
    name: str = "calibration"

    def __post_init__(self) -> None:
        if not MIN_DRAWS <= self.draws <= MAX_DRAWS:
            raise ValueError(f"draws: {self.draws} is out of range (allowed: {MIN_DRAWS} to {MAX_DRAWS:,})")
        if not 0.0 < self.accept <= 1.0:
            raise ValueError(f"accept: {self.accept} is out of range (allowed: above 0, at most 1)")
        for name in (*(self.parameters or ()), *(n for n, _ in self.fixed), *(n for n, _, _ in self.priors)):
            if name not in SPECS:
                raise ValueError(f"unknown parameter {name!r} (allowed: {', '.join(SPECS)})")

    @property
    def calibrated(self) -> tuple[str, ...]:
        fixed = {n for n, _ in self.fixed}
        names = self.parameters if self.parameters is not None else tuple(SPECS)
        return tuple(n for n in SPECS if n in names and n not in fixed)

    def prior(self, name: str) -> tuple[float, float]:
        for n, lo, hi in self.priors:
            if n == name:
                return (lo, hi)
        return SPECS[name].prior

    def base_parameters(self) -> Parameters:
        """The parameters of a draw before the calibrated ones are set: defaults, with ``fixed`` applied."""
        return Parameters().replace(**dict(self.fixed))

    def accepted_count(self) -> int:
        return min(self.draws, max(MIN_ACCEPTED, int(round(self.accept * self.draws))))

    def factors(self) -> tuple[Factor, ...]:
        """The prior sample's factors: each calibrated parameter uniform on its prior range, then each
        fixed one at its value."""
        return (*(uniform(name, *self.prior(name)) for name in self.calibrated),
                *(levels(name, [value]) for name, value in self.fixed))

    @property
    def description(self) -> str:
        return f"Prior sample for rejection ABC, {len(self.calibrated)} parameters, {self.draws} draws."

    def experiment_text(self) -> str:
        """The experiment file of the prior sample (written to ``DIR/experiment.yaml``): running it with
        ``csto-sim sweep`` runs the same sweep (a test checks that it reads back as the same experiment)."""
        lines = [
            f"# Prior sample of '{self.name}' (csto-sim calibrate / validate): a Latin hypercube over the prior",
            "# range of each calibrated global parameter (model/params.py), every training case.",
            f"format: {EXPERIMENT_FORMAT}",
            f"name: {self.name}",
            f"description: {self.description}",
            f"scenarios: [{', '.join(json.dumps(s) for s in self.scenarios)}]",
            "vary:",
        ]
        for name in self.calibrated:
            lo, hi = self.prior(name)
            lines.append(f"  {name}: {{range: {{low: {lo!r}, high: {hi!r}}}}}")
        for name, value in self.fixed:
            lines.append(f"  {name}: {{values: [{value!r}]}}   # fixed")
        lines += [
            f"design: {{method: latin_hypercube, n: {self.draws}}}",
            f"replications: {self.replications}",
            f"seed: {self.seed}",
            f"record: [{', '.join(ABC_FIGURES)}]",
        ]
        return "\n".join(lines) + "\n"

    def command(self, verb: str = "calibrate") -> str:
        return (f"csto-sim {verb} --draws {self.draws} --replications {self.replications} --accept {self.accept:g} "
                f"--seed {self.seed}")


def build_experiment(setup: Setup, out: Path) -> Experiment:
    """The prior sample as a checked :class:`Experiment`, built in code; its file is ``out/experiment.yaml``."""
    return Experiment.build(
        scenarios=setup.scenarios, factors=setup.factors(), design=DesignSpec("latin_hypercube", n=setup.draws),
        replications=setup.replications, seed=setup.seed, figures=ABC_FIGURES, name=setup.name,
        description=setup.description, text=setup.experiment_text(), path=Path(out) / "experiment.yaml",
        intervals=False)  # the distances read the probabilities only


def run_prior_sample(setup: Setup, out: Path, workers: int = 1, quiet: bool = False,
                     stream: TextIO | None = None) -> tuple[Experiment, SweepOutcome]:
    """Run (or resume) the prior sample's sweep into ``out``; SweepNotComplete if it stopped."""
    exp = build_experiment(setup, out)
    say = None if quiet else (lambda text: print(text, file=stream or sys.stderr, flush=True))
    outcome = run_sweep(exp, SweepOptions(out=Path(out), workers=workers, quiet=quiet), stream or sys.stderr,
                        on_start=say)
    if outcome.status == "interrupted" or outcome.chunk_errors:
        raise SweepNotComplete(outcome)
    return exp, outcome


# --------------------------------------------------------------------------------------------------
# The sample as arrays
# --------------------------------------------------------------------------------------------------

@dataclass
class Sample:
    """The prior sample's figures: ``D`` draws x ``S`` cases."""

    cases: tuple[Case, ...]
    names: tuple[str, ...]  # every global parameter, in the order of model/params.py
    values: np.ndarray  # (D, len(names)) each draw's complete parameter set
    probs: np.ndarray  # (D, S, 4) outcome probabilities
    days_p50: np.ndarray  # (D, S) median days to decision (NaN: no measure passed)
    share: np.ndarray  # (D, S) lead state's mean troop share (NaN: nothing deployed)
    failed: np.ndarray  # (D,) bool: a point of this draw raised
    replications: int

    @property
    def draws(self) -> int:
        return int(self.values.shape[0])

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def parameters(self, draw: int) -> Parameters:
        row = {n: (int(round(v)) if SPECS[n].kind is int else float(v)) for n, v in zip(self.names, self.values[draw],
                                                                                        strict=True)}
        return Parameters(**row)


def _floats(table: Any, name: str) -> np.ndarray:
    """A numeric column as float64, nulls as NaN."""
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)


def read_sample(exp: Experiment, out: Path, base: Parameters | None = None) -> Sample:
    """The prior sample's results as arrays (the rows of case ``s`` are points ``s * D`` to ``(s + 1) * D - 1``)."""
    table = read_results(out)
    D, S = exp.design_points, len(exp.scenarios)
    points = table.column("point").to_numpy()
    if points.shape != (D * S,) or not np.array_equal(points, np.arange(D * S)):
        raise RuntimeError(f"{out}: the sweep's results are incomplete ({len(points)} of {D * S} points)")
    base = base or Parameters()
    names = tuple(SPECS)
    factor_names = {f.name for f in exp.factors if f.target == "param"}
    values = np.empty((D, len(names)))
    for k, name in enumerate(names):
        values[:, k] = _floats(table, name)[:D] if name in factor_names else float(getattr(base, name))
    probs = np.stack([_floats(table, f"p_{lvl}") for lvl in LEVELS], axis=1).reshape(S, D, len(LEVELS))
    days = _floats(table, "days_p50").reshape(S, D)
    share = _floats(table, "lead_state_share").reshape(S, D)
    errors = table.column("error").is_valid().to_numpy(zero_copy_only=False).reshape(S, D)
    return Sample(cases=exp.scenarios, names=names, values=values, probs=probs.transpose(1, 0, 2),
                  days_p50=days.T, share=share.T, failed=errors.any(axis=0), replications=exp.replications)


# --------------------------------------------------------------------------------------------------
# Distance and acceptance
# --------------------------------------------------------------------------------------------------

def outcome_term(probs: np.ndarray, target: Sequence[float], replications: int) -> np.ndarray:
    """KL(q || p) of the smoothed outcome distribution(s) ``probs`` (..., 4) from the target ``q``."""
    q = np.asarray(target, dtype=float)
    p = (replications * np.asarray(probs, dtype=float) + SMOOTHING) / (replications + len(LEVELS) * SMOOTHING)
    nz = q > 0
    return np.sum(q[nz] * (np.log(q[nz]) - np.log(p[..., nz])), axis=-1)


def days_term(p50: np.ndarray, observed: tuple[float, float]) -> np.ndarray:
    lo, hi = (math.log(max(x, MIN_DAYS)) for x in observed)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(np.maximum(np.asarray(p50, dtype=float), MIN_DAYS))
    term = np.maximum(0.0, np.maximum(lo - x, x - hi))
    return np.where(np.isnan(term), TERM_CAP, np.minimum(term, TERM_CAP))


def share_term(share: np.ndarray, observed: tuple[float, float]) -> np.ndarray:
    lo, hi = observed
    s = np.asarray(share, dtype=float)
    term = np.maximum(0.0, np.maximum(lo - s, s - hi)) / SHARE_SCALE
    return np.where(np.isnan(term), TERM_CAP, np.minimum(term, TERM_CAP))


def distance_terms(sample: Sample, targets: Mapping[str, Target]) -> np.ndarray:
    """(D, S, 3): the weighted outcome, days and share terms of each draw on each case (inf: the draw failed)."""
    D, S = sample.draws, len(sample.cases)
    out = np.zeros((D, S, 3))
    for s, case in enumerate(sample.cases):
        t = targets[case.id]
        out[:, s, 0] = W_OUTCOME * outcome_term(sample.probs[:, s], t.levels, sample.replications)
        if t.days is not None:
            out[:, s, 1] = W_DAYS * days_term(sample.days_p50[:, s], t.days)
        if t.share is not None:
            out[:, s, 2] = W_SHARE * share_term(sample.share[:, s], t.share)
    out[sample.failed] = np.inf
    return out


def case_distance(res: Any, target: Target) -> float:
    """The distance of one simulated result (a :class:`~model.results.SimulationResult`) to one target."""
    probs = outcome_shares(res.outcome)
    d = W_OUTCOME * float(outcome_term(probs, target.levels, res.replications))
    if target.days is not None:
        p50 = res.days_to_decision["p50"]
        d += W_DAYS * float(days_term(np.array(np.nan if p50 is None else p50), target.days))
    if target.share is not None:
        share = res.lead_state_share
        d += W_SHARE * float(share_term(np.array(np.nan if share is None else share), target.share))
    return d


@dataclass
class Acceptance:
    """The accepted draws (closest first), their normalised weights, and the tolerance."""

    index: np.ndarray
    weights: np.ndarray
    epsilon: float  # the largest accepted distance
    bandwidth: float  # h of the Epanechnikov kernel: the distance of the first draw rejected
    draws: int

    @property
    def rate(self) -> float:
        return len(self.index) / self.draws

    @property
    def ess(self) -> float:
        """Kish's effective sample size of the weights."""
        return float(1.0 / np.sum(self.weights**2))


def accept(distance: np.ndarray, quantile: float) -> Acceptance:
    """Accept every draw within the tolerance ``epsilon``, the distance of the ``quantile``-th closest draw
    (at least MIN_ACCEPTED): so draws tied with it are accepted too, and there may be more than the
    quantile. Weights: Epanechnikov, ``1 - (d / h)^2`` with ``h`` the distance of the closest draw rejected
    (all equal if every accepted draw is at the same distance and none is rejected). Draws with an infinite
    distance (failed) are never accepted."""
    distance = np.asarray(distance, dtype=float)
    order = np.argsort(distance, kind="stable")
    finite = int(np.isfinite(distance).sum())
    if finite == 0:
        raise RuntimeError("no draw of the prior sample ran: nothing to accept")
    k = min(finite, max(MIN_ACCEPTED, int(round(quantile * len(distance)))))
    epsilon = float(distance[order[k - 1]])
    n = int(np.sum(distance <= epsilon))  # the k closest and any tied with the k-th
    index = order[:n]
    d = distance[index]
    h = float(distance[order[n]]) if n < finite else epsilon
    w = np.clip(1.0 - (d / h) ** 2, 0.0, None) if h > 0 else np.ones(n)
    if w.sum() <= 0:
        w = np.ones(n)
    return Acceptance(index=index, weights=w / w.sum(), epsilon=epsilon, bandwidth=h, draws=len(distance))


# --------------------------------------------------------------------------------------------------
# Posterior summaries
# --------------------------------------------------------------------------------------------------

def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (linear interpolation of the mid-point cumulative weights)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    x, w = x[w > 0], w[w > 0]  # a draw of weight 0 says nothing
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cum, x)


def summarise(values: np.ndarray, weights: np.ndarray, names: Sequence[str], priors: Mapping[str, tuple[float, float]]
              ) -> dict[str, dict[str, Any]]:
    """Per parameter: weighted mean, sd, median, central 90% interval, prior range and contraction
    ``1 - posterior sd / prior sd`` (0: the record says nothing; near 1: it pins the parameter)."""
    out = {}
    for k, name in enumerate(names):
        x = values[:, k]
        mean = float(np.sum(weights * x))
        sd = float(np.sqrt(np.sum(weights * (x - mean) ** 2)))
        q05, q50, q95 = weighted_quantile(x, weights, [0.05, 0.5, 0.95])
        lo, hi = priors[name]
        prior_sd = (hi - lo) / math.sqrt(12.0)
        out[name] = {"mean": round(mean, 6), "sd": round(sd, 6), "median": round(float(q50), 6),
                     "q05": round(float(q05), 6), "q95": round(float(q95), 6), "prior": [lo, hi],
                     "contraction": round(1.0 - sd / prior_sd, 4) if prior_sd > 0 else None}
    return out


def most_constrained(summary: Mapping[str, Mapping[str, Any]], n: int = 6) -> list[str]:
    ranked = sorted((name for name, s in summary.items() if s["contraction"] is not None),
                    key=lambda name: -summary[name]["contraction"])
    return ranked[:n]


# --------------------------------------------------------------------------------------------------
# The calibration
# --------------------------------------------------------------------------------------------------

@dataclass
class Calibration:
    """A finished calibration: the accepted draws and what was written."""

    out: Path
    setup: Setup
    sample: Sample
    acceptance: Acceptance
    summary: dict[str, dict[str, Any]]
    record: dict[str, Any] = field(default_factory=dict)  # the content of calibration.json


def posterior_table(sample: Sample, acc: Acceptance, terms: np.ndarray) -> Any:
    import pyarrow as pa

    cols: dict[str, Any] = {"draw": pa.array(acc.index.astype(np.int64))}
    for k, name in enumerate(sample.names):
        v = sample.values[acc.index, k]
        cols[name] = pa.array(np.rint(v).astype(np.int64)) if SPECS[name].kind is int else pa.array(v)
    cols["weight"] = pa.array(acc.weights)
    total = terms.sum(axis=(1, 2))
    cols["distance"] = pa.array(total[acc.index])
    for s, case in enumerate(sample.cases):
        cols[f"distance.{case.id}"] = pa.array(terms[acc.index, s].sum(axis=1))
    return pa.table(cols)


def default_distances(setup: Setup, cases: Sequence[Case], targets: Mapping[str, Target]) -> dict[str, float]:
    """The distance of the default parameters to each case's record (the same replications and seed)."""
    params = setup.base_parameters()
    return {c.id: round(case_distance(simulate(c, setup.replications, setup.seed, params=params), targets[c.id]), 6)
            for c in cases}


def calibrate(setup: Setup, out: str | Path, workers: int = 1, quiet: bool = False,
              targets: Mapping[str, Target] | None = None, command: str | None = None, figure: bool = True,
              stream: TextIO | None = None) -> Calibration:
    """Run the prior sample (resuming it if ``out`` holds part of it), accept, and write the posterior.

    ``targets`` replaces the cases' records (parameter-recovery tests give synthetic ones); by default each
    case's own ``observed`` block is the target (historical cases only).
    """
    out = Path(out)
    t0 = time.monotonic()
    exp, outcome = run_prior_sample(setup, out, workers, quiet, stream)
    t_sweep = time.monotonic() - t0
    sample = read_sample(exp, out, setup.base_parameters())
    targets = dict(targets) if targets is not None else {c.id: Target.from_case(c) for c in exp.scenarios}
    terms = distance_terms(sample, targets)
    distance = terms.sum(axis=(1, 2))
    acc = accept(distance, setup.accept)
    names = setup.calibrated
    idx = [sample.names.index(n) for n in names]
    summary = summarise(sample.values[acc.index][:, idx], acc.weights, names, {n: setup.prior(n) for n in names})

    write_parquet_atomic(posterior_table(sample, acc, terms), out / "posterior.parquet")
    defaults = default_distances(setup, exp.scenarios, targets) if targets.keys() >= {c.id for c in exp.scenarios} \
        else {}
    record: dict[str, Any] = {
        **_acceptance_record(setup, sample, acc, command),
        "cases": [{"id": c.id, "path": _portable(c.path), "sha256": c.sha256, "target": targets[c.id].as_dict()}
                  for c in exp.scenarios],
        "distance": _distance_record(distance, acc),
        **_posterior_record(setup, sample, acc, summary),
        "defaults": _defaults_record(defaults, distance, summary, names),
        "files": {"posterior": "posterior.parquet", "figure": "posterior.png" if figure else None,
                  "sweep_manifest": "manifest.json", "sweep_results": "results.parquet",
                  "experiment": "experiment.yaml"},
        "posterior_sha256": sha256_file(out / "posterior.parquet"),
        "code_version": code_version(),
        "seconds": {"sweep": round(t_sweep, 2), "resumed_chunks": outcome.resumed_chunks},
    }
    if figure:
        _draw(setup, sample, acc, summary, out / "posterior.png")
    record["seconds"]["total"] = round(time.monotonic() - t0, 2)
    write_manifest(record, out, "calibration.json")
    return Calibration(out=out, setup=setup, sample=sample, acceptance=acc, summary=summary, record=record)


def _portable(path: str | None) -> str | None:
    """A case file's path as the record keeps it: relative to the working folder when under it (a calibration
    shipped in the repository names no machine's folders)."""
    if not path:
        return path
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


def _acceptance_record(setup: Setup, sample: Sample, acc: Acceptance, command: str | None) -> dict[str, Any]:
    return {
        "format": CALIBRATION_FORMAT,
        "command": command or setup.command(),
        "method": "rejection ABC: Latin hypercube sample of the uniform priors; accepted: every draw within epsilon, the "
                  "distance of the accept-quantile closest draw (ties included); Epanechnikov weights 1 - (d/h)^2 with "
                  "h the distance of the closest draw rejected",
        "seed": setup.seed,
        "draws": setup.draws,
        "replications": setup.replications,
        "accept_quantile": setup.accept,
        "accepted": int(len(acc.index)),
        "acceptance_rate": round(acc.rate, 6),
        "epsilon": round(acc.epsilon, 6),
        "bandwidth": round(acc.bandwidth, 6),
        "effective_sample_size": round(acc.ess, 2),
        "failed_draws": int(sample.failed.sum()),
    }


def _distance_record(distance: np.ndarray, acc: Acceptance) -> dict[str, Any]:
    return {"definition": DISTANCE_DEFINITION, "weights": {"outcome": W_OUTCOME, "days": W_DAYS, "share": W_SHARE},
            "smoothing": SMOOTHING, "share_scale": SHARE_SCALE, "term_cap": TERM_CAP,
            "best": round(float(distance[acc.index[0]]), 6),
            "prior_median": round(float(np.median(distance[np.isfinite(distance)])), 6)}


def _posterior_record(setup: Setup, sample: Sample, acc: Acceptance, summary: dict[str, dict[str, Any]]
                      ) -> dict[str, Any]:
    names = setup.calibrated
    return {
        "parameters": {"calibrated": list(names), "fixed": {n: v for n, v in setup.fixed},
                       "at_default": [n for n in SPECS if n not in names and n not in dict(setup.fixed)],
                       "prior": {n: list(setup.prior(n)) for n in names}},
        "posterior": summary,
        "most_constrained": most_constrained(summary),
        "best": {n: (int(v) if SPECS[n].kind is int else float(v))
                 for n, v in zip(sample.names, sample.values[acc.index[0]], strict=True)},
    }


def _defaults_record(defaults: dict[str, float], distance: np.ndarray, summary: dict[str, dict[str, Any]],
                     names: Sequence[str]) -> dict[str, Any]:
    """How the default parameters fare: their distance, and whether each lies in its posterior's 90% interval."""
    total = sum(defaults.values()) if defaults else None
    return {
        "distance": round(total, 6) if total is not None else None,
        "by_case": defaults,
        "prior_draws_closer": round(float(np.mean(distance < total)), 6) if total is not None else None,
        "inside_posterior_90": {n: bool(summary[n]["q05"] <= getattr(Parameters(), n) <= summary[n]["q95"])
                                for n in names},
    }


def _draw(setup: Setup, sample: Sample, acc: Acceptance, summary: dict[str, dict[str, Any]], path: Path) -> None:
    from ..plots.posterior import draw_posterior, posterior_heading

    names = setup.calibrated
    idx = [sample.names.index(n) for n in names]
    title, subtitle = posterior_heading(len(names), len(acc.index), setup.draws, acc.rate, setup.replications,
                                        setup.seed)
    draw_posterior(sample.values[acc.index][:, idx], acc.weights, names, summary, path, title=title,
                   subtitle=subtitle)
