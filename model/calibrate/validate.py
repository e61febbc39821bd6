"""Leave-one-case-out validation: for each historical case, the model calibrated on the other cases only
forecasts it, beside baselines learned on the same folds, all scored the same way.

1. **One prior sample** (``prior_runs.py``): ``draws`` parameter sets from the priors, each run once on every
   case, under the organisation's rule (the model) and under ``lead_state_alone`` (the baseline of the lead
   state deciding alone).
2. **Fold k** holds case ``k`` out. Each set's ABC distance (``abc.py``: ``-log`` of the smoothed probability
   of the observed rung, plus the days and troop-share terms where a case records them) is summed over the
   other cases only; the ``accept`` share of the closest sets are kept with the calibration's Epanechnikov
   weights (``abc.accept``). Case ``k``'s record is never read in its fold: its forecast is the weighted
   mixture of the kept sets' outcome shares on it, its days forecast the weighted mixture of their days
   (over the replications where a measure passed), and a member's stance forecast the weighted mixture of
   its stance shares. The lead state alone is calibrated the same way on its own runs.
3. **Baselines without the model** (``baselines.py``): the channel-aware base rate and the best three-fact
   lookup rule, learned on the fold's training cases.
4. **Scores** (``scores.py``): the RPS on the current ladder and on the old four-level one; for a case that
   records its days to decision, the CRPS of their midpoint and whether the recorded range overlaps the
   10th-90th percentile interval; for a member whose stance the case records, the Brier score of the stance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

import numpy as np

from ..files.formats import VALIDATION_FORMAT
from ..ladder import LEVELS, OLD_LEVELS, to_old_ladder
from ..scenario import Case
from ..terms import REASONS
from . import baselines
from .abc import Setup, Target, accept, case_distance, days_term, outcome_term, share_term, summarise
from .prior_runs import PriorRuns, run_prior
from .scores import brier, crps, rps, rps_old, to_old, weighted_quantiles

#: The forecasters, the model first; LABELS name them in tables.
MODELS = ("model", "lead_state_alone", "lookup", "base_rate")
LABELS = {"model": "model", "lead_state_alone": "lead alone", "lookup": "lookup", "base_rate": "base rate"}
#: The forecasters that are the model under a rule (calibrated on the folds), and that rule.
RULE_OF = {"model": None, "lead_state_alone": "lead_state_alone"}
STANCE_MODELS = ("model", "lead_state_alone", "base_rate")
DAY_QUANTILES = (0.1, 0.5, 0.9)
DIGITS = 6


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), DIGITS)


def distances(runs: PriorRuns) -> np.ndarray:
    """(N, S): each set's ABC distance to each case's record (inf: the case's runs have no finite value)."""
    out = np.zeros((len(runs.sets), len(runs.cases)))
    for s, (case, run) in enumerate(zip(runs.cases, runs.runs, strict=True)):
        t = Target.from_case(case)
        out[:, s] = outcome_term(run.probs, t.levels, runs.replications)
        if t.days is not None:
            decided = ~np.isnan(run.days)
            p50 = np.array([np.median(d[m]) if m.any() else np.nan for d, m in zip(run.days, decided, strict=True)])
            out[:, s] += days_term(p50, t.days)
        if t.share is not None:
            out[:, s] += share_term(run.share, t.share)
    return out


def _days_forecast(samples: np.ndarray | None, weights: np.ndarray | None, observed: tuple[float, float] | None
                   ) -> dict[str, Any] | None:
    """The days forecast's quantiles and, where days are recorded, its CRPS at their midpoint and coverage."""
    if observed is None:
        return None
    lo, hi = observed
    mid = (lo + hi) / 2
    if samples is None or not np.isfinite(samples).any():
        return {"crps": None, "p10": None, "p50": None, "p90": None, "covers_midpoint": False, "overlaps": False}
    p10, p50, p90 = (float(q) for q in weighted_quantiles(samples, weights, DAY_QUANTILES))
    return {"crps": _r(crps(samples, weights, mid)), "p10": _r(p10), "p50": _r(p50), "p90": _r(p90),
            "covers_midpoint": bool(p10 <= mid <= p90), "overlaps": bool(lo <= p90 and hi >= p10)}


def _outcome_scores(p: np.ndarray, observed: str) -> dict[str, Any]:
    p = p / p.sum()
    modal = int(np.argmax(p))
    return {"probabilities": {lvl: _r(x) for lvl, x in zip(LEVELS, p, strict=True)},
            "old_probabilities": {lvl: _r(x) for lvl, x in zip(OLD_LEVELS, to_old(p), strict=True)},
            "modal": LEVELS[modal], "p_modal": _r(p[modal]), "p_observed": _r(p[LEVELS.index(observed)]),
            "rps": _r(rps(p, observed)), "rps_old": _r(rps_old(p, observed))}


def _model_fold(runs: PriorRuns, dist: np.ndarray, k: int, quantile: float) -> dict[str, Any]:
    """Forecasts of case ``k`` by the model under ``runs.rule``, calibrated on the other cases."""
    train = [s for s in range(len(runs.cases)) if s != k]
    acc = accept(dist[:, train].sum(axis=1), quantile)
    run = runs.runs[k]
    days = run.days[acc.index].astype(float)
    day_weights = np.repeat(acc.weights[:, None], days.shape[1], axis=1)
    stances, reasons = {}, {}
    for i, member in enumerate(run.members):
        stances[member] = acc.weights @ run.stance_of(member)[acc.index]
        reasons[member] = REASONS[int(np.argmax(acc.weights @ run.reasons[acc.index, i]))]
    return {"probs": acc.weights @ run.probs[acc.index], "days": (days, day_weights), "stances": stances,
            "reasons": reasons,
            "accepted": int(len(acc.index)), "ess": round(acc.ess, 2), "epsilon": _r(acc.epsilon)}


def _stance_scores(case: Case, forecasts: dict[str, dict[str, np.ndarray] | np.ndarray]) -> dict[str, Any]:
    """Per member with a recorded stance: the stance and each forecaster's Brier score of it."""
    out = {}
    for member, stance in sorted(baselines.recorded_stances(case).items()):
        code = baselines.STANCE_NAMES.index(stance)
        row: dict[str, Any] = {"observed": stance}
        for name in STANCE_MODELS:
            f = forecasts[name]
            p = f.get(member) if isinstance(f, dict) else f
            row[name] = None if p is None else _r(brier(p / p.sum(), code))
        out[member] = row
    return out


def fold(cases: Sequence[Case], runs: dict[str, PriorRuns], dist: dict[str, np.ndarray], k: int,
         quantile: float) -> dict[str, Any]:
    """Fold ``k``: every forecaster's forecast of case ``k`` from the other cases, and its scores."""
    case = cases[k]
    train = [c for i, c in enumerate(cases) if i != k]
    observed = case.observed.outcome
    fitted = {name: _model_fold(runs[name], dist[name], k, quantile) for name in RULE_OF}
    rule = baselines.best_lookup(train)
    probs = {**{n: f["probs"] for n, f in fitted.items()},
             "lookup": rule.forecast(case), "base_rate": baselines.base_rate(train, case)}
    days_obs = baselines.observed_days(case)
    days = {**{n: _days_forecast(*f["days"], days_obs) for n, f in fitted.items()},
            "lookup": _days_forecast(baselines.days_lookup(rule, case), None, days_obs),
            "base_rate": _days_forecast(baselines.days_base_rate(train, case), None, days_obs)}
    stances = _stance_scores(case, {**{n: f["stances"] for n, f in fitted.items()},
                                    "base_rate": baselines.stance_base_rate(train)})
    given = {m: r.reason for m, r in case.observed.reasons.items() if r.reason is not None}
    reasons = {n: {m: fitted[n]["reasons"].get(m) == why for m, why in sorted(given.items())
                   if m in fitted[n]["reasons"]} for n in RULE_OF}
    return {"case": case.id, "title": case.title, "observed": observed, "observed_old": to_old_ladder(observed),
            "reasons": reasons,
            "channel": baselines.channel(case), "days_observed": list(days_obs) if days_obs else None,
            "models": {n: _outcome_scores(probs[n], observed) for n in MODELS},
            "days": {n: days[n] for n in MODELS} if days_obs else None, "stances": stances,
            "lookup_facts": list(rule.facts), "lookup_cell": len(rule.members(case)),
            "fit": {n: {k2: fitted[n][k2] for k2 in ("accepted", "ess", "epsilon")} for n in RULE_OF}}


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return _r(np.mean(vals)) if vals else None


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean scores per forecaster over the held-out cases (days over the cases that record them, stances over
    the recorded stances of members the model has), and the days' interval coverage."""
    decided = [r for r in rows if r["days"]]
    recorded = [s for r in rows for s in r["stances"].values()]
    stances = [s for s in recorded if all(s.get(n) is not None for n in STANCE_MODELS)]  # members the model has
    means: dict[str, dict[str, Any]] = {}
    for n in MODELS:
        means[n] = {"rps": _mean([r["models"][n]["rps"] for r in rows]),
                    "rps_old": _mean([r["models"][n]["rps_old"] for r in rows]),
                    "p_observed": _mean([r["models"][n]["p_observed"] for r in rows]),
                    "crps": _mean([r["days"][n]["crps"] for r in decided]),
                    "coverage": _r(np.mean([r["days"][n]["overlaps"] for r in decided])) if decided else None,
                    "coverage_midpoint": (_r(np.mean([r["days"][n]["covers_midpoint"] for r in decided]))
                                          if decided else None),
                    "stance_brier": _mean([s.get(n) for s in stances]) if n in STANCE_MODELS else None,
                    "reason_agreement": (_mean([float(a) for r in rows for a in r["reasons"][n].values()])
                                         if n in RULE_OF else None)}
    return {"means": means, "decided_cases": len(decided), "recorded_stances": len(recorded),
            "scored_stances": len(stances)}


def validate(cases: Sequence[Case], setup: Setup, workers: int = 1, stream: TextIO | None = None,
             command: str | None = None) -> dict[str, Any]:
    """Run the prior sample once, score every fold, and return the report (a JSON-ready dictionary)."""
    cases = tuple(cases)
    if len(cases) < 3:
        raise ValueError(f"leave-one-case-out validation needs at least 3 historical cases, got {len(cases)}")
    by_rule = run_prior(cases, setup, tuple(RULE_OF.values()), workers, stream)
    runs = {name: by_rule[rule] for name, rule in RULE_OF.items()}
    dist = {name: distances(r) for name, r in runs.items()}
    rows = [fold(cases, runs, dist, k, setup.accept) for k in range(len(cases))]
    return {"format": VALIDATION_FORMAT, "command": command or setup.command("validate"),
            "seed": setup.seed, "draws": setup.draws, "replications": setup.replications,
            "accept_quantile": setup.accept, "levels": list(LEVELS), "old_levels": list(OLD_LEVELS),
            "models": list(MODELS), "cases": rows, **summary(rows),
            "in_sample": in_sample(runs, dist, setup.accept), "calibration": calibration(runs["model"], dist["model"],
                                                                                          setup)}


def in_sample(runs: dict[str, PriorRuns], dist: dict[str, np.ndarray], quantile: float) -> dict[str, Any]:
    """The model calibrated on every case, scored on those same cases: the in-sample RPS to set beside the
    out-of-sample one (the gap is what fitting the held-out case would have flattered)."""
    r, d = runs["model"], dist["model"]
    acc = accept(d.sum(axis=1), quantile)
    scores = [rps(acc.weights @ run.probs[acc.index], c.observed.outcome) for c, run in zip(r.cases, r.runs,
                                                                                          strict=True)]
    return {"rps": _mean(scores), "accepted": int(len(acc.index)), "ess": round(acc.ess, 2)}


def calibration(runs: PriorRuns, dist: np.ndarray, setup: Setup) -> dict[str, Any]:
    """The calibration on every case from the same sample (what ``csto-sim calibrate`` does with its own sample):
    each calibrated parameter's posterior, and how the default parameters fare (their distance, run with the
    same replications and seed, and whether each lies inside its posterior's central 90%)."""
    from ..simulate import simulate

    total = dist.sum(axis=1)
    acc = accept(total, setup.accept)
    names = setup.calibrated
    values = np.array([[float(getattr(p, n)) for n in names] for p in runs.sets])
    post = summarise(values[acc.index], acc.weights, names, {n: setup.prior(n) for n in names})
    base = setup.base_parameters()
    d = sum(case_distance(simulate(c, setup.replications, setup.seed, params=base), Target.from_case(c))
            for c in runs.cases)
    rows = {n: {"median": post[n]["median"], "q05": post[n]["q05"], "q95": post[n]["q95"],
                "contraction": post[n]["contraction"], "prior": post[n]["prior"], "default": getattr(base, n),
                "inside_90": bool(post[n]["q05"] <= getattr(base, n) <= post[n]["q95"])} for n in names}
    return {"accepted": int(len(acc.index)), "ess": round(acc.ess, 2), "epsilon": _r(acc.epsilon),
            "best_distance": _r(total[acc.index[0]]), "prior_median_distance": _r(np.median(total[np.isfinite(total)])),
            "defaults_distance": _r(d), "sets_closer_than_defaults": _r(np.mean(total < d)), "posterior": rows}
