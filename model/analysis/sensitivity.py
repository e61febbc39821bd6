"""Global sensitivity analysis: Sobol' and Morris indices through SALib, evaluated by the sweep engine.

An experiment file (``experiments/*.yaml``, ``docs/sweeps.md``) names the cases, the factors and their
ranges, the replications per point and the seed. This module draws a SALib sample over the unit
hypercube of those factors, maps it to factor values exactly as the sweep does (``Factor.from_unit``),
runs every point through the sweep engine's one entry point (``model.sweep.runner.run_sweep``, with the
sample as a design of given points, in this process or on the sweep's local pool), and turns the
evaluated sample into indices of two outputs per case: ``p_deployment`` (the share of replications
ending in a deployment) and ``days_p50`` (the median days to decision over the replications in which a
measure passed).

**Sobol'** (Saltelli 2002; Saltelli et al. 2010): ``SALib.sample.sobol`` with ``calc_second_order=False``,
N (D + 2) points for D factors, and ``SALib.analyze.sobol``: first-order (S1) and total-order (ST)
indices with bootstrap confidence intervals.

**Morris** (Morris 1991; Campolongo et al. 2007): ``SALib.sample.morris`` (r trajectories on a p-level
grid, r (D + 1) points) and ``SALib.analyze.morris``: mu* (mean absolute elementary effect, per unit of
the factor's whole range), mu, sigma (spread of the effects: non-linearity and interactions) and a
bootstrap confidence interval of mu*.

**Categorical factors** (the decision ``rule``, ``request.framing`` and the other categorical case facts)
are not binned into a number line:

- *Sobol'*: a categorical factor is a discrete random input, each of its k levels drawn with probability
  1/k (the unit sample mapped to a level through the inverse CDF of that discrete uniform distribution,
  as the sweep maps it). Variance-based indices are defined for any input distribution, and the
  estimator compares outputs with the factor's value kept or resampled, never its order or distance, so
  the indices do not depend on how the levels are listed (a test checks this). S1 of ``rule`` is the
  share of the output's variance explained by which rule applies.
- *Morris*: elementary effects need a distance between levels, which a categorical factor does not
  have. The analysis is therefore conditioned on each combination of the categorical levels: the same
  r trajectories over the numeric factors are run at each combination, and mu*, sigma are reported per
  level; the categorical factor itself is summarised by the mean output at each of its levels.

**Missing outputs.** ``days_p50`` is undefined at a point where no measure passed in any replication.
Sobol' indices of it are then not computed (the estimator needs every point); Morris indices are
computed over the trajectories in which every point decided something, and the count is reported.

**Noise.** Each point's output is a Monte Carlo estimate from the experiment's replications. For
``p_deployment`` the report gives the share of the output's variance that is binomial noise
(mean p(1 - p) / R over the points, over the variance of the outputs): indices below that level cannot
be told from noise.

The same functions (:func:`sample`, :func:`analyse`) serve the model and the analytic test functions of
``tests/test_analysis_sensitivity.py`` (Ishigami; a linear function for Morris).
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..statistics import COLUMN_LABELS
from ..sweep.design import salib_problem
from ..sweep.design import sobol as sobol_unit
from ..sweep.experiment import Experiment
from ..sweep.types import GIVEN, DesignSpec, Factor

METHODS = ("sobol", "morris")
OUTPUTS = COLUMN_LABELS  # the outputs analysed: sweep columns of model/statistics.py
DEFAULT_TRAJECTORIES = 20
DEFAULT_LEVELS = 4
DEFAULT_RESAMPLES = 1000
MAX_COMBINATIONS = 24  # categorical level combinations a Morris analysis is conditioned on


@dataclass
class Plan:
    """The points to evaluate: the unit sample of the analysed factors, repeated for each combination of
    the categorical levels it is conditioned on (Morris), and every point's value of every factor."""

    method: str
    factors: tuple[Factor, ...]  # all the experiment's factors, in its order
    analysed: tuple[Factor, ...]  # the factors the unit sample spans
    unit: np.ndarray  # (rows, len(analysed))
    combos: list[dict[str, Any]]  # categorical values held fixed, one dict per block of rows
    levels: int | None = None
    values: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.values)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed))


def sample(method: str, factors: tuple[Factor, ...] | list[Factor], n: int, seed: int,
           levels: int = DEFAULT_LEVELS) -> Plan:
    """The sample of ``method``: Sobol' (``n`` a power of 2, N (D + 2) points) or Morris (``n``
    trajectories on a ``levels``-level grid, per combination of the categorical factors' levels)."""
    factors = tuple(factors)
    if method == "sobol":
        unit = sobol_unit(factors, n, seed, second_order=False)
        plan = Plan(method, factors, factors, unit, [{}])
    elif method == "morris":
        from SALib.sample import morris

        numeric = tuple(f for f in factors if f.kind != "categorical")
        categorical = [f for f in factors if f.kind == "categorical"]
        if not numeric:
            raise ValueError("a Morris analysis needs at least one numeric factor")
        combos = [dict(zip([f.name for f in categorical], c, strict=True))
                  for c in itertools.product(*(f.values for f in categorical))]
        if len(combos) > MAX_COMBINATIONS:
            raise ValueError(f"{len(combos)} combinations of categorical levels (at most {MAX_COMBINATIONS})")
        unit = morris.sample(salib_problem(numeric), n, num_levels=levels, seed=_rng(seed))
        plan = Plan(method, factors, numeric, unit, combos, levels)
    else:
        raise ValueError(f"method {method!r} (allowed: {', '.join(METHODS)})")
    columns = {f.name: f.from_unit(plan.unit[:, k]) for k, f in enumerate(plan.analysed)}
    rows = len(plan.unit)
    for combo in plan.combos:
        for j in range(rows):
            plan.values.append(tuple(combo[f.name] if f.name in combo else columns[f.name][j] for f in factors))
    return plan


def _ci(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def sobol_indices(names: list[str], y: np.ndarray, seed: int, resamples: int = DEFAULT_RESAMPLES,
                  conf_level: float = 0.95) -> list[dict[str, Any]]:
    """S1 and ST (with confidence half-widths) from outputs in the order of ``SALib.sample.sobol``."""
    import warnings

    from SALib.analyze import sobol

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=False, num_resamples=resamples,
                            conf_level=conf_level, seed=seed)
    return [{"factor": n, "S1": float(res["S1"][k]), "S1_conf": _ci(res["S1_conf"][k]),
             "ST": float(res["ST"][k]), "ST_conf": _ci(res["ST_conf"][k])} for k, n in enumerate(names)]


def morris_indices(names: list[str], unit: np.ndarray, y: np.ndarray, levels: int, seed: int,
                   resamples: int = DEFAULT_RESAMPLES, conf_level: float = 0.95) -> tuple[list[dict[str, Any]], int]:
    """mu*, mu, sigma and mu*'s confidence half-width from a Morris sample (unit coordinates) and its
    outputs; trajectories with a missing output are left out. Returns the indices and the number of
    trajectories used."""
    from SALib.analyze import morris

    d = len(names)
    y = np.asarray(y, dtype=float)
    blocks = y.reshape(-1, d + 1)
    keep = ~np.isnan(blocks).any(axis=1)
    if keep.sum() < 2:
        return [], int(keep.sum())
    x = unit.reshape(-1, d + 1, d)[keep].reshape(-1, d)
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
    res = morris.analyze(problem, x, blocks[keep].reshape(-1), num_resamples=resamples, conf_level=conf_level,
                         num_levels=levels, seed=seed)
    return [{"factor": n, "mu_star": float(res["mu_star"][k]), "mu_star_conf": _ci(res["mu_star_conf"][k]),
             "mu": float(res["mu"][k]), "sigma": float(res["sigma"][k])} for k, n in enumerate(names)], int(keep.sum())


def analyse(plan: Plan, y: np.ndarray, seed: int, resamples: int = DEFAULT_RESAMPLES) -> dict[str, Any]:
    """Indices of one output over the plan's points (in plan order): a list of rows, one per factor (and,
    for Morris, per combination of categorical levels), and notes."""
    y = np.asarray(y, dtype=float)
    names = [f.name for f in plan.analysed]
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    if plan.method == "sobol":
        missing = int(np.isnan(y).sum())
        if missing:
            notes.append(f"not computed: {missing} of {len(y)} points have no value (no measure passed)")
        elif np.ptp(y) == 0:
            notes.append("not computed: the output is the same at every point")
        else:
            for r in sobol_indices(names, y, seed, resamples):
                rows.append({"level": "all", **r})
    else:
        block = len(plan.unit)
        for c, combo in enumerate(plan.combos):
            label = ", ".join(f"{k}={v}" for k, v in combo.items()) or "all"
            yc = y[c * block:(c + 1) * block]
            found, used = morris_indices(names, plan.unit, yc, plan.levels or DEFAULT_LEVELS, seed, resamples)
            total = block // (len(names) + 1)
            if used < total:
                notes.append(f"{label}: {used} of {total} trajectories used (the others reach a point where no "
                             "measure passed)")
            rows.extend({"level": label, **r} for r in found)
        for f in plan.factors:
            if f.kind != "categorical":
                continue
            for level in f.values:
                idx = [k for k, v in enumerate(plan.values) if v[plan.factors.index(f)] == level]
                vals = y[idx]
                vals = vals[~np.isnan(vals)]
                rows.append({"level": f"{f.name}={level}", "factor": f.name,
                             "mean": float(vals.mean()) if vals.size else None})
    return {"rows": rows, "notes": notes}


def noise_share(p: np.ndarray, replications: int) -> float | None:
    """Share of the variance of ``p`` (proportions from ``replications`` draws each) that is binomial noise."""
    p = np.asarray(p, dtype=float)
    var = float(np.var(p))
    if var == 0:
        return None
    return float(np.mean(p * (1 - p) / replications) / var)


# --------------------------------------------------------------------------------------------------
# Evaluating a plan on the model, through the sweep engine
# --------------------------------------------------------------------------------------------------

#: What each point records: the two outputs analysed.
SENSITIVITY_FIGURES = ("outcome_probabilities", "days_to_decision")


def plan_experiment(exp: Experiment, plan: Plan) -> Experiment:
    """The sweep of ``plan``: its points (design ``points``) for every case of ``exp``, with the
    experiment's factors, replications, seed and chunks, recording the two outputs."""
    return Experiment.build(scenarios=exp.scenarios, factors=exp.factors,
                            design=DesignSpec(GIVEN, points=tuple(plan.values)), replications=exp.replications,
                            seed=exp.seed, figures=SENSITIVITY_FIGURES, name=exp.name, description=exp.description,
                            chunk_points=exp.chunk_points)


def evaluate(exp: Experiment, plan: Plan, workers: int = 1, stream: TextIO | None = None, quiet: bool = True) -> Any:
    """Run every point of ``plan`` for every case of ``exp`` (point i is plan point i % P of case i // P)
    through the sweep engine's entry point, into a temporary folder; the rows (a pyarrow Table in point
    order). RuntimeError if a chunk could not run or a point raised; KeyboardInterrupt if interrupted."""
    from ..sweep.runner import SweepOptions, run_sweep
    from ..sweep.store import read_results

    sweep = plan_experiment(exp, plan)
    with tempfile.TemporaryDirectory(prefix="csto-sim-sensitivity-") as tmp:
        opts = SweepOptions(out=Path(tmp) / "sweep", workers=workers if sweep.chunks > 1 else 1, quiet=quiet,
                            label=f"{exp.name} ({plan.method})")
        outcome = run_sweep(sweep, opts, stream or sys.stderr)
        if outcome.status == "interrupted":
            raise KeyboardInterrupt
        if outcome.chunk_errors:
            first = outcome.chunk_errors[0]
            raise RuntimeError(f"{len(outcome.chunk_errors)} chunk(s) failed: chunk {first['chunk']}: {first['error']}")
        if outcome.failed_points:
            raise RuntimeError(f"{outcome.failed_points} point(s) raised: {outcome.failures[0]['error']}")
        return read_results(opts.out)


def run_sensitivity(exp: Experiment, method: str, n: int, levels: int = DEFAULT_LEVELS, workers: int = 1,
                    resamples: int = DEFAULT_RESAMPLES, stream: TextIO | None = None,
                    quiet: bool = True) -> tuple[dict[str, Any], Any]:
    """Sample, evaluate and analyse: the report (JSON-ready) and the evaluated points (a pyarrow Table)."""
    plan = sample(method, exp.factors, n, exp.seed, levels)
    table = evaluate(exp, plan, workers, stream, quiet)
    P = plan.size
    cases = []
    for s, case in enumerate(exp.scenarios):
        outputs = {}
        for out in OUTPUTS:
            col = np.array(table.column(out).to_pylist()[s * P:(s + 1) * P], dtype=float)
            res = analyse(plan, col, exp.seed, resamples)
            if out == "p_deployment":
                res["noise_share"] = noise_share(col, exp.replications)
            res["mean"] = float(np.nanmean(col)) if np.isfinite(col).any() else None
            res["sd"] = float(np.nanstd(col)) if np.isfinite(col).any() else None
            outputs[out] = res
        cases.append({"scenario": case.id, "title": case.title, "outputs": outputs})
    report = {
        "experiment": {"name": exp.name, "path": exp.path, "sha256": exp.sha256},
        "method": method,
        "n": n,
        "levels": plan.levels,
        "points_per_case": P,
        "points": P * len(exp.scenarios),
        "replications": exp.replications,
        "seed": exp.seed,
        "factors": [{"name": f.name, "kind": f.kind, "target": f.target,
                     "levels": list(f.values) if f.kind == "categorical" else None,
                     "range": _range(f)} for f in exp.factors],
        "categorical": ("discrete uniform inputs (each level with probability 1/k)" if method == "sobol"
                        else "conditioned on each combination of levels"),
        "cases": cases,
    }
    return report, table


def _range(f: Factor) -> list[float] | None:
    if f.kind == "categorical":
        return None
    if f.values is not None:
        return [float(min(f.values)), float(max(f.values))]
    d = f.distribution
    return [float(d.ppf(np.array([0.0]))[0]), float(d.ppf(np.array([1.0]))[0])]


def table_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The indices as flat rows (for the CSV file)."""
    out = []
    for case in report["cases"]:
        for output, res in case["outputs"].items():
            for row in res["rows"]:
                out.append({"scenario": case["scenario"], "output": output, "method": report["method"], **row})
    return out


def format_report(report: dict[str, Any]) -> str:
    lines = [f"Sensitivity ({report['method']}) of {report['experiment']['name']}: {report['points']:,} points x "
             f"{report['replications']:,} replications, seed {report['seed']}"]
    if report["method"] == "sobol":
        lines.append(f"Sobol' indices, N = {report['n']} (N (D + 2) = {report['points_per_case']:,} points per case); "
                     "categorical factors as discrete uniform inputs; +/- 95% bootstrap half-widths")
    else:
        lines.append(f"Morris elementary effects, {report['n']} trajectories on a {report['levels']}-level grid; "
                     "effects per whole range of a factor; conditioned on each categorical level")
    for case in report["cases"]:
        for output, res in case["outputs"].items():
            mean = "-" if res["mean"] is None else f"{res['mean']:.3f}"
            sd = "-" if res["sd"] is None else f"{res['sd']:.3f}"
            lines += ["", f"{case['scenario']}: {OUTPUTS[output]} (mean {mean}, sd {sd})"]
            if res.get("noise_share") is not None:
                lines.append(f"  binomial noise: {100 * res['noise_share']:.1f}% of the variance")
            if report["method"] == "sobol":
                if res["rows"]:
                    lines.append(f"  {'factor':<34} {'S1':>14} {'ST':>14}")
                for r in res["rows"]:
                    lines.append(f"  {r['factor']:<34} {_pm(r['S1'], r['S1_conf'])} {_pm(r['ST'], r['ST_conf'])}")
            else:
                level = None
                for r in res["rows"]:
                    if "mu_star" in r:
                        if r["level"] != level:
                            level = r["level"]
                            lines.append(f"  [{level}]" if level != "all" else "")
                            lines.append(f"  {'factor':<34} {'mu*':>14} {'mu':>8} {'sigma':>8}")
                        lines.append(f"  {r['factor']:<34} {_pm(r['mu_star'], r['mu_star_conf'])} "
                                     f"{r['mu']:8.3f} {r['sigma']:8.3f}")
                means = [r for r in res["rows"] if "mean" in r]
                if means:
                    lines.append("  mean at each categorical level: " + "; ".join(
                        f"{r['level']} {'-' if r['mean'] is None else format(r['mean'], '.3f')}" for r in means))
            for note in res["notes"]:
                lines.append(f"  note: {note}")
    return "\n".join(lines)


def _pm(x: float, ci: float | None) -> str:
    return f"{x:6.3f} +/- {ci:5.3f}" if ci is not None else f"{x:6.3f}        "
