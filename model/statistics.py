"""The run statistics: each figure read from a run defined once, with its name, its meaning and how it comes
from the run's per-replication arrays (as EMA Workbench's ``ScalarOutcome``).

``SimulationResult`` reports them (rounded, as in ``summary.json``); sweeps record the exact values per
point in flat columns (``column``: ``p_deployment``, ``days_p50``, ``objection_rate.Belarus``, ...);
calibration, the analyses and the plots read them from here. The array functions (:func:`outcome_shares`,
:func:`modal_level`, ...) serve where only an outcome array is at hand (a replayed vote, a baseline).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np

from .ladder import LEVELS, STANCES, Level, Stance
from .terms import REASONS

DAY_QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
#: The share of the distribution an outcome probability's interval covers: its ends are the 5th and 95th percentiles.
INTERVAL_LEVEL = 0.90
#: Below this many replications that deployed, the troop figures (the lead state's share, each member's mean troops)
#: are withheld from printed reports and from the troop figure: they would be read from too few deployments.
MIN_DEPLOYED = 30


class Run(Protocol):
    """A run's arrays (``SimulationResult``): members in name order, R replications."""

    members: list[str]
    lead_state: str | None
    observed: str | None  # the observed outcome of a historical case
    outcome: np.ndarray  # (R,) Level codes
    days: np.ndarray  # (R,) days to decision, NaN when no measure passed
    stance: np.ndarray  # (R, n) Stance codes on the measure requested (ABSENT: no request)
    reason: np.ndarray  # (R, n) codes into terms.REASONS
    objected: np.ndarray  # (R, n) bool
    contribution: np.ndarray  # (R, n) troops
    pending: np.ndarray  # (R,) bool: tabled, no decision within the horizon
    observed_reasons: dict[str, Any]  # member -> ObservedReason (the sources' reasons; empty for what-ifs)
    observed_days: list[float] | None  # [low, high] observed days to decision (None: none recorded)
    draw: np.ndarray  # (R,) the epistemic draw of each replication: its group (posterior set and codings), 0..G-1


# --- on arrays --------------------------------------------------------------------------------------------

def _most_frequent(codes: np.ndarray, k: int) -> int:
    """The most frequent of the codes 0..k-1 (the lowest on a tie)."""
    return int(np.argmax(np.bincount(codes, minlength=k)))


def outcome_shares(outcome: np.ndarray) -> np.ndarray:
    """(4,) share of replications ending at each rung of the ladder."""
    return np.bincount(outcome, minlength=len(LEVELS)) / outcome.shape[0]


def outcome_probabilities(outcome: np.ndarray) -> dict[str, float]:
    """Share of replications ending at each rung of the ladder, by rung name."""
    return {lvl: float(p) for lvl, p in zip(LEVELS, outcome_shares(outcome), strict=True)}


def modal_level(outcome: np.ndarray) -> int:
    """The most frequent outcome (the lower rung on a tie)."""
    return _most_frequent(outcome, len(LEVELS))


def expected_level(probabilities: dict[str, float]) -> float:
    """The mean rung of the ladder (none 0 ... deployment 4)."""
    return float(sum(LEVELS.index(k) * v for k, v in probabilities.items()))


def day_quantiles(days: np.ndarray) -> dict[str, float | None]:
    """10th, 50th and 90th percentiles of the days to decision, over replications where a measure passed."""
    decided = days[~np.isnan(days)]
    if decided.size == 0:
        return dict.fromkeys(DAY_QUANTILES)
    q = np.quantile(decided, list(DAY_QUANTILES.values()))
    return {name: float(v) for name, v in zip(DAY_QUANTILES, q, strict=True)}


def deployed_replications(outcome: np.ndarray) -> int:
    """How many replications ended in a deployment (what the troop figures are averaged over)."""
    return int(np.count_nonzero(outcome == Level.DEPLOYMENT))


def wilson_interval(successes: Any, n: Any, level: float = INTERVAL_LEVEL) -> tuple[Any, Any]:
    """The Wilson score interval of a binomial share ``successes / n`` (Wilson 1927, JASA 22: 209-212): the
    Monte Carlo interval of a probability estimated from ``n`` independent replications (``successes`` and ``n``:
    numbers or arrays of them; where ``n`` is 0, nothing is known: [0, 1]). The one definition: the outcome
    intervals here and the figures' bands (at 95%) use it."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(successes, dtype=float) / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo, hi = np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)
    lo = np.where((n > 0) & (p > 0), lo, 0.0)  # exactly 0 with no success (the formula gives 0 up to rounding)
    hi = np.where((n > 0) & (p < 1), hi, 1.0)  # exactly 1 with no failure
    return (float(lo), float(hi)) if lo.ndim == 0 else (lo, hi)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Each column's ``q`` quantile of ``values`` (G, k), row ``g`` weighted ``weights[g]``: the smallest value whose
    weighted cumulative share reaches ``q`` (numpy's ``inverted_cdf``)."""
    order = np.argsort(values, axis=0, kind="stable")
    cum = np.cumsum(weights[order], axis=0) / weights.sum()
    first = np.argmax(cum >= q - 1e-12, axis=0)
    return np.take_along_axis(values, order, axis=0)[first, np.arange(values.shape[1])]


def interval_bounds(outcome: np.ndarray, draw: np.ndarray | None = None,
                    level: float = INTERVAL_LEVEL, k: int = len(LEVELS)) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi), each (k,): the interval of the probability of each code 0..k-1 of ``outcome`` (the rungs; or 0/1
    for an event such as approval) over the epistemic draws (see :func:`outcome_intervals`, which defines it);
    ``draw`` labels each replication's group 0..G-1 (None: one)."""
    reps = outcome.shape[0]
    draw = np.zeros(reps, dtype=np.int64) if draw is None else np.asarray(draw, dtype=np.int64)
    counts = np.bincount(draw * k + outcome, minlength=(int(draw.max()) + 1) * k).reshape(-1, k)
    counts = counts[counts.sum(axis=1) > 0]
    n = counts.sum(axis=1).astype(float)  # (G,) replications of each group
    groups = n.shape[0]
    shares = counts / n[:, None]  # (G, 5)
    mean = counts.sum(axis=0) / reps  # (5,) the predictive probability
    spread = ((n / reps)[:, None] * (shares - mean) ** 2).sum(axis=0)  # observed between-group variance
    within = ((n[:, None] * shares * (1 - shares)).sum(axis=0) / (reps - groups) if reps > groups
              else mean * (1 - mean))
    between = np.maximum(0.0, spread - (groups - 1) * within / reps)  # less what Monte Carlo noise alone gives
    factor = np.sqrt(between / np.where(spread > 0, spread, 1.0))
    shrunk = mean + (shares - mean) * factor
    tail = (1 - level) / 2
    e_lo, e_hi = _weighted_quantile(shrunk, n, tail), _weighted_quantile(shrunk, n, 1 - tail)
    w_lo, w_hi = wilson_interval(counts.sum(axis=0), reps, level)
    lo = mean - np.hypot(np.maximum(0.0, mean - e_lo), np.maximum(0.0, mean - w_lo))
    hi = mean + np.hypot(np.maximum(0.0, e_hi - mean), np.maximum(0.0, w_hi - mean))
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def outcome_intervals(outcome: np.ndarray, draw: np.ndarray | None = None,
                      level: float = INTERVAL_LEVEL) -> dict[str, dict[str, float]]:
    """Each rung's probability's interval, ``{"lo", "hi"}``: its central ``level`` (90%: the 5th to the 95th
    percentile) over the epistemic draws, the posterior's sets and the codings of the case's facts, with the
    Monte Carlo noise of a finite run accounted for.

    The replications fall into groups ``g`` (``draw``: a posterior set and a coding of the facts; one group without
    either), of ``n_g`` replications, ``x_g`` of them ending at the rung: shares ``s_g = x_g / n_g``, and ``m``,
    the share of all ``N`` replications (the predictive probability). Each group's true probability ``p_g`` is
    what ``s_g`` estimates; with some 50 replications a group, ``s_g`` is noisy, and the spread of the ``s_g``
    overstates that of the ``p_g``. The spread is corrected by the method of moments (the one-way random-effects
    analysis of variance): the observed weighted variance ``S = sum_g (n_g / N) (s_g - m)^2`` has expectation
    ``tau^2 + (G - 1) sigma_w^2 / N``, where ``tau^2`` is the weighted variance of the ``p_g`` and
    ``sigma_w^2 = sum_g n_g s_g (1 - s_g) / (N - G)`` the pooled within-group (binomial) variance; so
    ``tau^2 = max(0, S - (G - 1) sigma_w^2 / N)``. The shares are pulled towards ``m`` by ``sqrt(tau^2 / S)``,
    which gives them that variance and keeps their shape (as Louis 1984, JASA 79: 393-398, matches an
    ensemble's first two moments), and the epistemic interval is their 5th and 95th percentile, each share
    weighted by its group's replications (a set's replications are its weight in the posterior, drawn).

    The Monte Carlo uncertainty of ``m`` itself (the Wilson interval of ``m`` over the ``N`` replications, each
    an independent draw of the predictive distribution) is added to each side in quadrature: ``lo = m -
    sqrt((m - e_lo)^2 + (m - w_lo)^2)``, likewise ``hi``. With one group (no posterior, no codings, or a
    posterior of one set) the interval is the Wilson interval; with no spread between the groups (``tau = 0``),
    it is the Wilson interval too."""
    lo, hi = interval_bounds(outcome, draw, level)
    return {lvl: {"lo": float(a), "hi": float(b)} for lvl, a, b in zip(LEVELS, lo, hi, strict=True)}


# --- on a run ---------------------------------------------------------------------------------------------

def _dominant_reason(run: Run) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    tabled = run.stance[:, 0] != Stance.ABSENT if run.members else np.zeros(0, bool)
    if not tabled.any():  # nothing asked of the organisation: the reason each would give if it were
        tabled = np.ones_like(tabled)
    for i, m in enumerate(run.members):
        codes = run.reason[tabled, i]
        out[m] = REASONS[_most_frequent(codes, len(REASONS))] if codes.size else None
    return out


def _stance_rates(run: Run) -> dict[str, dict[str, float]]:
    out = {}
    reps = run.outcome.shape[0]
    for i, m in enumerate(run.members):
        counts = np.bincount(run.stance[:, i] + 1, minlength=len(STANCES) + 1)
        out[m] = {name: float(c / reps) for name, c in zip(("absent", *STANCES), counts, strict=True)}
    return out


def _mean_contribution(run: Run) -> dict[str, float]:
    deployed = run.outcome == Level.DEPLOYMENT
    if not deployed.any():
        return {m: 0.0 for m in run.members}
    means = run.contribution[deployed].mean(axis=0)
    return {m: float(v) for m, v in zip(run.members, means, strict=True)}


def _lead_state_share(run: Run) -> float | None:
    deployed = run.outcome == Level.DEPLOYMENT
    if not deployed.any() or run.lead_state not in run.members:
        return None
    troops = run.contribution[deployed].astype(float)
    total = troops.sum(axis=1)
    lead = troops[:, run.members.index(run.lead_state)]
    ok = total > 0
    return float(np.mean(lead[ok] / total[ok])) if ok.any() else None


def _reason_agreement(run: Run) -> float | None:
    """Share of the members whose reason the sources give (``observed.reasons``) for which the model's
    dominant reason is the same (None when the case records none)."""
    given = {m: r.reason for m, r in run.observed_reasons.items() if r.reason is not None and m in run.members}
    if not given:
        return None
    model = _dominant_reason(run)
    return float(np.mean([model[m] == reason for m, reason in given.items()]))


def _stance_agreement(run: Run) -> float | None:
    """Share of the members whose stance the sources report for which the model's most frequent stance on the
    measure requested is the same (None when the case records none; absent matches a request never made)."""
    given = {m: r.stance for m, r in run.observed_reasons.items() if m in run.members}
    if not given:
        return None
    rates = _stance_rates(run)
    return float(np.mean([max(rates[m], key=rates[m].get) == stance for m, stance in given.items()]))


def _days_covered(run: Run) -> bool | None:
    """Whether the observed days to decision (a value or a range) meet the model's 10th-90th percentile
    interval (None when no days are recorded or the model never decides)."""
    q = day_quantiles(run.days)
    if run.observed_days is None or q["p10"] is None:
        return None
    low, high = run.observed_days
    return bool(low <= q["p90"] and high >= q["p10"])


def _match(run: Run) -> bool | None:
    return None if run.observed is None else LEVELS[modal_level(run.outcome)] == run.observed


def approved(run: Run) -> np.ndarray:
    """(R,) bool: whether each replication's outcome is the measure requested (``request.measure`` of the run's
    case) or a higher rung. With nothing requested of the organisation it is still the rung the case codes (a case
    without a request codes ``consultations``: whether the council took the crisis up at all)."""
    requested = LEVELS.index(run.case.value("request.measure"))  # type: ignore[attr-defined]
    return run.outcome >= requested


def approval(run: Run) -> float:
    """P(approved): the share of replications approved (:func:`approved`)."""
    return float(np.mean(approved(run)))


def approval_interval(run: Run) -> dict[str, float]:
    """P(approved)'s interval, ``{"lo", "hi"}``: as :func:`outcome_intervals` defines a rung's, for the event
    'approved' (the measure requested or higher), over the same epistemic draws."""
    lo, hi = interval_bounds(approved(run).astype(np.int64), run.draw, k=2)
    return {"lo": float(lo[1]), "hi": float(hi[1])}


# --- the registry -----------------------------------------------------------------------------------------

def rounded(value: Any, digits: int | None) -> Any:
    """A statistic's value rounded for a report (numbers inside dictionaries too; None stays None)."""
    if digits is None or value is None:
        return value
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    return float(round(float(value), digits))


@dataclass(frozen=True)
class Statistic:
    """One figure of a run: ``compute`` gives its exact value from the run's arrays; ``digits`` rounds it in
    reports; ``column`` names its column in a sweep's table (``{key}`` for each key of a dictionary: the
    ``keys``, or the members when ``per_member``; None: sweeps do not record it)."""

    name: str
    meaning: str
    compute: Callable[[Run], Any]
    digits: int | None = None
    column: str | None = None
    keys: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # each key's value is a dictionary of these parts, a column each (``{part}``)
    per_member: bool = False
    text: bool = False  # its sweep column holds text (else numbers)
    default: bool = False  # recorded by a sweep whose experiment does not say

    def report(self, run: Run) -> Any:
        """The value as a report shows it (rounded)."""
        return rounded(self.compute(run), self.digits)

    def columns(self, members: Sequence[str]) -> list[str]:
        """Its columns in a sweep's table, for these members."""
        if self.column is None:
            return []
        if "{key}" not in self.column:
            return [self.column]
        keys = members if self.per_member else self.keys
        if self.parts:
            return [self.column.format(key=k, part=p) for k in keys for p in self.parts]
        return [self.column.format(key=k) for k in keys]

    def row(self, value: Any) -> dict[str, Any]:
        """A value as a sweep row's columns."""
        if isinstance(value, dict) and self.parts:
            return {self.column.format(key=k, part=p): v[p] for k, v in value.items() for p in self.parts}
        if isinstance(value, dict):
            return {self.column.format(key=k): v for k, v in value.items()}
        return {self.column: value}


STATISTICS: dict[str, Statistic] = {}


def _register(stat: Statistic) -> None:
    if stat.name in STATISTICS:
        raise ValueError(f"statistic {stat.name!r} registered twice")
    STATISTICS[stat.name] = stat


for _stat in (
    Statistic("outcome_probabilities", "Share of replications ending at each rung of the ladder.",
              lambda run: outcome_probabilities(run.outcome), 6, "p_{key}", keys=LEVELS, default=True),
    Statistic("outcome_intervals", "The interval of each rung's probability: its 5th to 95th percentile over the "
              "posterior's sets and the codings of the case's facts, Monte Carlo noise accounted for (the Wilson "
              "interval of the share when there is neither; outcome_intervals() defines it).",
              lambda run: outcome_intervals(run.outcome, run.draw), 6, "p_{key}_{part}", keys=LEVELS,
              parts=("lo", "hi")),
    Statistic("modal_outcome", "The most frequent outcome (the lower rung on a tie).",
              lambda run: LEVELS[modal_level(run.outcome)], None, "modal_outcome", text=True, default=True),
    Statistic("days_to_decision", "10th, 50th and 90th percentiles of the days to decision, over replications "
              "where a measure passed.", lambda run: day_quantiles(run.days), 4, "days_{key}",
              keys=tuple(DAY_QUANTILES), default=True),
    Statistic("objection_rate", "Share of replications in which each member objected to the measure requested "
              "(on the table or kept off it by the agenda).",
              lambda run: {m: float(r) for m, r in zip(run.members, run.objected.mean(axis=0), strict=True)}, 6,
              "objection_rate.{key}", per_member=True, default=True),
    Statistic("lead_state_share", "The lead state's mean share of the troops deployed (None when no replication "
              "deployed).", _lead_state_share, 4, "lead_state_share", default=True),
    Statistic("mean_contribution", "Mean troops each member sends, over the replications that ended in a "
              "deployment (0 if none did).", _mean_contribution, 1, "mean_troops.{key}", per_member=True),
    Statistic("dominant_reason", "Each member's most frequent reason for its stance on the request (None when "
              "there was none).", _dominant_reason),
    Statistic("stance_rates", "Share of replications with each stance on the measure requested, by member.",
              _stance_rates, 6),
    Statistic("match", "Whether the modal outcome equals the observed one (None for what-if cases).", _match),
    Statistic("days_covered", "Whether the observed days to decision meet the model's 10th-90th percentile "
              "interval (None when none are recorded or the model never decides).", _days_covered),
    Statistic("deployed_replications", "How many replications ended in a deployment (the troop figures' "
              "sample; printed reports withhold those figures below MIN_DEPLOYED).",
              lambda run: deployed_replications(run.outcome)),
    Statistic("undecided", "Share of replications in which a measure was tabled but not decided within the "
              "horizon (council.HORIZON_DAYS): 'no decision yet'.", lambda run: float(np.mean(run.pending)), 6,
              "p_undecided", default=True),
    Statistic("reason_agreement", "Share of the members whose reason the sources give for which the model's "
              "dominant reason is the same (None when the case records none).", _reason_agreement, 3),
    Statistic("stance_agreement", "Share of the members whose stance the sources report for which the model's "
              "most frequent stance is the same (None when the case records none).", _stance_agreement, 3),
    Statistic("approval", "P(approved): share of replications in which the council settled on the measure "
              "requested (request.measure) or a higher rung of the ladder.", lambda run: approval(run), 6,
              "p_approved"),
    Statistic("approval_interval", "The interval of P(approved): its 5th to 95th percentile over the posterior's "
              "sets and the codings of the case's facts, as outcome_intervals() defines a rung's.",
              approval_interval, 6, "p_approved_{key}", keys=("lo", "hi")),
):
    _register(_stat)

#: The statistics a sweep can record per point, and those it records by default (in registry order).
SWEEP_STATISTICS: tuple[str, ...] = tuple(name for name, s in STATISTICS.items() if s.column is not None)
DEFAULT_SWEEP_STATISTICS: tuple[str, ...] = tuple(name for name, s in STATISTICS.items() if s.default)



def sweep_figures(figures: Sequence[str], posterior: Any, cases: Sequence[Any]) -> tuple[str, ...]:
    """The statistics a sweep records: those asked for, and, when its points are uncertain (a ``posterior``, or one
    of the ``cases`` with alternative codings), the intervals of the outcome probabilities and of P(approved) after
    them when it records those (columns ``p_<rung>_lo``, ``p_<rung>_hi``, ``p_approved_lo``, ``p_approved_hi``)."""
    figures = tuple(figures)
    uncertain = posterior is not None or any(c.alternatives for c in cases)
    if not uncertain:
        return figures
    for stat, interval in (("outcome_probabilities", "outcome_intervals"), ("approval", "approval_interval")):
        if stat in figures and interval not in figures:
            at = figures.index(stat) + 1
            figures = (*figures[:at], interval, *figures[at:])
    return figures


#: Readable labels of sweep columns that figures and reports name (a column of a statistic above).
COLUMN_LABELS: dict[str, str] = {"p_deployment": "P(deployment)", "days_p50": "median days to decision"}


# --- many runs at once ----------------------------------------------------------------------------------------
#
# A sweep records the same statistics for every point of a pass: the forms below compute a statistic over many
# runs of the same replications and members at once, the same values, bit for bit, as its ``compute`` run by
# run (tests/test_batch.py checks them against it). Each gives its values as columns: for a statistic whose value
# is a dictionary, one list over the runs per key; else one list. A statistic without one is computed run by run.
# The runs' arrays are stacked once for all the statistics of a call (``_Stack``).


class _Stack:
    """The runs' arrays of one name stacked along a first axis (runs), each stacked once."""

    def __init__(self, runs: Sequence[Run]):
        self.runs = runs
        self._arrays: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            self._arrays[name] = np.stack([getattr(r, name) for r in self.runs])
        return self._arrays[name]

    def outcome_counts(self) -> np.ndarray:
        if "_counts" not in self._arrays:
            outcome = self["outcome"]
            self._arrays["_counts"] = np.stack([(outcome == level).sum(axis=1) for level in range(len(LEVELS))], axis=1)
        return self._arrays["_counts"]


Columns = dict[str, list[Any]] | list[Any]


def _outcome_probabilities_many(st: _Stack) -> Columns:
    shares = st.outcome_counts() / st["outcome"].shape[1]
    return {lvl: shares[:, k].tolist() for k, lvl in enumerate(LEVELS)}


def _modal_outcome_many(st: _Stack) -> Columns:
    return [LEVELS[int(k)] for k in np.argmax(st.outcome_counts(), axis=1)]


def _day_quantiles_many(st: _Stack) -> Columns:
    days = np.sort(st["days"], axis=1)  # the decided first, NaN last
    decided = (~np.isnan(days)).sum(axis=1)
    out = np.full((len(DAY_QUANTILES), days.shape[0]), np.nan)
    for k in np.unique(decided):  # runs with as many decided replications: one call
        if k == 0:
            continue
        rows = np.flatnonzero(decided == k)
        out[:, rows] = np.quantile(days[rows, :k], list(DAY_QUANTILES.values()), axis=1)
    none = decided == 0
    return {name: [None if n else v for n, v in zip(none.tolist(), out[j].tolist(), strict=True)]
            for j, name in enumerate(DAY_QUANTILES)}


def _objection_rate_many(st: _Stack) -> Columns:
    rates = st["objected"].mean(axis=1)
    return {m: rates[:, i].tolist() for i, m in enumerate(st.runs[0].members)}


def _lead_state_share_many(st: _Stack) -> Columns:
    first = st.runs[0]
    if first.lead_state not in first.members:
        return [None] * len(st.runs)
    deployed = st["outcome"] == Level.DEPLOYMENT
    troops = st["contribution"].astype(float)
    total = troops.sum(axis=2)
    ok = total > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = troops[:, :, first.members.index(first.lead_state)] / total
    keep = ok & deployed
    out: list[Any] = [None] * len(st.runs)
    for p in np.flatnonzero(keep.any(axis=1)):  # a run keeps a replication only if it deployed in it
        out[p] = float(np.mean(ratio[p][keep[p]]))
    return out


def _undecided_many(st: _Stack) -> Columns:
    return st["pending"].mean(axis=1).tolist()


_MANY: dict[str, Callable[[_Stack], Columns]] = {
    "outcome_probabilities": _outcome_probabilities_many, "modal_outcome": _modal_outcome_many,
    "days_to_decision": _day_quantiles_many, "objection_rate": _objection_rate_many,
    "lead_state_share": _lead_state_share_many, "undecided": _undecided_many,
}


def _alike(runs: Sequence[Run]) -> bool:
    """Whether the runs can be stacked: the same replications, members and lead state, and a ``pending`` array."""
    return (len({(r.outcome.shape[0], tuple(r.members), r.lead_state) for r in runs}) == 1
            and all(getattr(r, "pending", None) is not None for r in runs))


def compute_many(name: str, runs: Sequence[Run]) -> list[Any]:
    """``STATISTICS[name].compute`` of each run, the same values: over the runs at once where the statistic has
    a form for many runs and the runs have the same replications, members and lead state, else run by run."""
    many = _MANY.get(name)
    if many is None or len(runs) < 2 or not _alike(runs):
        return [STATISTICS[name].compute(r) for r in runs]
    columns = many(_Stack(runs))
    if isinstance(columns, list):
        return columns
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def sweep_columns(names: Sequence[str], runs: Sequence[Run]) -> dict[str, list[Any]]:
    """The sweep columns of the statistics ``names`` for each run: column -> one value per run, the values of
    ``Statistic.row(compute(run))`` run by run (a column a run lacks, as a member not in its case: None). Over
    the runs at once where :func:`compute_many` would be, the runs' arrays stacked once for all the statistics."""
    out: dict[str, list[Any]] = {}
    stack = _Stack(runs) if len(runs) >= 2 and _alike(runs) else None
    for name in names:
        stat = STATISTICS[name]
        if stat.column is None:
            continue
        many = _MANY.get(name)
        if stack is not None and many is not None:
            columns = many(stack)
            if isinstance(columns, list):
                out[stat.column] = columns
            else:
                out.update({stat.column.format(key=k): v for k, v in columns.items()})
            continue
        for p, value in enumerate(compute_many(name, runs)):
            for column, v in stat.row(value).items():
                out.setdefault(column, [None] * len(runs))[p] = v
    return out
