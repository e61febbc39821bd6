"""Leave-one-case-out validation: for each training case, calibrate on the others, predict it, score it.

One prior sample serves every fold: each parameter draw is simulated once on all the cases (one sweep,
the same as ``csto-sim calibrate`` with the same settings). Fold ``k`` then computes each draw's distance
on the other cases only, accepts as the calibration does, and predicts case ``k`` with the accepted
draws' outcome probabilities on it (the posterior predictive: their weighted mean). Case ``k``'s record
never enters its own fold. The baselines (``baselines.py``) are scored on the same folds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..files.formats import VALIDATION_FORMAT
from ..files.manifest import code_version, write_manifest
from ..ladder import LEVELS
from ..seeds import derive_seed
from . import baselines
from .abc import Sample, Setup, Target, accept, distance_terms, read_sample, run_prior_sample
from .scores import brier_deployment, rps

BASELINE_SPAWN_KEY = 7  # baseline runs are seeded from SeedSequence(seed, spawn_key=(7, fold, draw))


def _seed(seed: int, fold: int, draw: int) -> int:
    return derive_seed(seed, BASELINE_SPAWN_KEY, fold, int(draw))


def _probs(p: np.ndarray) -> dict[str, float]:
    return {lvl: round(float(x), 6) for lvl, x in zip(LEVELS, p, strict=True)}


def validate(setup: Setup, out: str | Path, workers: int = 1, quiet: bool = False, command: str | None = None,
             stream: TextIO | None = None) -> dict[str, Any]:
    """Run (or resume) the prior sample into ``out``, score every fold, write ``out/validation.json`` and
    return its content."""
    out = Path(out)
    t0 = time.monotonic()
    exp, _ = run_prior_sample(setup, out, workers, quiet, stream)
    sample = read_sample(exp, out, setup.base_parameters())
    targets: Mapping[str, Target] = {c.id: Target.from_case(c) for c in sample.cases}
    terms = distance_terms(sample, targets).sum(axis=2)  # (D, S)
    rows = [_fold(setup, sample, terms, k) for k in range(len(sample.cases))]
    report = {
        "format": VALIDATION_FORMAT,
        "command": command or setup.command("validate"),
        "method": "leave one case out; rejection ABC on one shared prior sample (the calibration's), the fold's "
                  "accepted draws predict the held-out case; RPS over the four ladder levels (normalised by 3) and "
                  "Brier score of deployment",
        "seed": setup.seed,
        "draws": setup.draws,
        "replications": setup.replications,
        "accept_quantile": setup.accept,
        "failed_draws": int(sample.failed.sum()),
        "models": list(baselines.MODELS),
        "baselines": {
            "base_rate": f"frequency of each level among the fold's training cases, add-{baselines.BASE_RATE_PSEUDOCOUNT:g} "
                         "smoothing",
            "compromise": "capability-weighted (budget share) mean of the members' most preferred levels by their own "
                          "assessment, within the request; Achen in Thomson, Stokman, Achen & Koenig (eds.) 2006",
            "lead_state_alone": "the model under rule lead_state_alone, with the fold's posterior",
        },
        "cases": rows,
        **_verdict(rows),
        "code_version": code_version(),
        "seconds": round(time.monotonic() - t0, 2),
    }
    write_manifest(report, out, "validation.json")
    return report


def _fold(setup: Setup, sample: Sample, terms: np.ndarray, k: int) -> dict[str, Any]:
    """Fold ``k``: accept on the other cases' distances, predict case ``k`` with each model, score it."""
    cases = sample.cases
    case = cases[k]
    others = [s for s in range(len(cases)) if s != k]
    acc = accept(terms[:, others].sum(axis=1), setup.accept)
    sets = [sample.parameters(int(i)) for i in acc.index]
    seeds = [_seed(setup.seed, k, int(i)) for i in acc.index]
    observed = case.observed.outcome
    forecasts = {
        "model": acc.weights @ sample.probs[acc.index, k],
        "base_rate": baselines.base_rate([cases[s].observed.outcome for s in others]),
        "compromise": baselines.compromise(case, sets, acc.weights, setup.replications, seeds),
        "lead_state_alone": baselines.lead_state_alone(case, sets, acc.weights, setup.replications, seeds),
    }
    models = {}
    for name in baselines.MODELS:
        p = forecasts[name] / forecasts[name].sum()
        models[name] = {"probabilities": _probs(p), "rps": rps(p, observed), "brier": brier_deployment(p, observed)}
    return {"case": case.id, "observed": observed, "accepted": int(len(acc.index)),
            "epsilon": round(acc.epsilon, 6), "effective_sample_size": round(acc.ess, 2), "models": models}


def _verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean scores per model, the best, whether the model beats each baseline, and where it does not."""
    means = {name: {score: float(np.mean([r["models"][name][score] for r in rows])) for score in ("rps", "brier")}
             for name in baselines.MODELS}
    winner = {score: min(baselines.MODELS, key=lambda m: (means[m][score], baselines.MODELS.index(m)))
              for score in ("rps", "brier")}
    beats = {score: {b: means["model"][score] < means[b][score] for b in baselines.MODELS[1:]}
             for score in ("rps", "brier")}
    losses = [{"case": r["case"], "score": score, "baseline": b, "model": r["models"]["model"][score],
               "baseline_score": r["models"][b][score]}
              for r in rows for score in ("rps", "brier") for b in baselines.MODELS[1:]
              if r["models"]["model"][score] > r["models"][b][score] + 1e-12]
    return {"means": means, "winner": winner, "model_beats": beats,
            "model_beats_every_baseline": {score: all(v.values()) for score, v in beats.items()},
            "cases_where_a_baseline_scores_better": losses}


def format_table(report: Mapping[str, Any]) -> str:
    """The validation as a text table: a row per held-out case, RPS and Brier per model, then the means."""
    names = report["models"]
    head1 = f"{'held-out case':<28} {'observed':<14}" + "".join(f" {baselines.LABELS[m]:>15}" for m in names)
    head2 = f"{'':<28} {'':<14}" + "".join(f" {'RPS':>7} {'Brier':>7}" for _ in names)
    lines = [head1, head2, "-" * len(head2)]
    for r in report["cases"]:
        lines.append(f"{r['case']:<28} {r['observed']:<14}" + "".join(
            f" {r['models'][m]['rps']:7.4f} {r['models'][m]['brier']:7.4f}" for m in names))
    lines.append("-" * len(head2))
    lines.append(f"{'mean':<28} {'':<14}" + "".join(
        f" {report['means'][m]['rps']:7.4f} {report['means'][m]['brier']:7.4f}" for m in names))
    lines.append("")
    for score, label in (("rps", "RPS"), ("brier", "Brier")):
        w = report["winner"][score]
        beats = report["model_beats"][score]
        lost = [baselines.LABELS[b] for b, ok in beats.items() if not ok]
        verdict = "beats every baseline" if not lost else f"does not beat: {', '.join(lost)}"
        lines.append(f"{label}: best mean {baselines.LABELS[w]} ({report['means'][w][score]:.2g}); the model "
                     f"({report['means']['model'][score]:.2g}) {verdict}.")
    losses = report["cases_where_a_baseline_scores_better"]
    if losses:
        lines.append("held-out cases where a baseline scores better than the model: " + "; ".join(
            f"{x['case']} ({'RPS' if x['score'] == 'rps' else 'Brier'}, {baselines.LABELS[x['baseline']]} "
            f"{x['baseline_score']:.2g} < {x['model']:.2g})" for x in losses))
    lines.append(f"({report['draws']:,} prior draws x {report['replications']} replications, accept "
                 f"{100 * report['accept_quantile']:g}% per fold, seed {report['seed']})")
    return "\n".join(lines)
