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
from typing import Any, Protocol

import numpy as np

from .ladder import LEVELS, STANCES, Level, Stance
from .terms import REASONS

DAY_QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


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
        return [self.column.format(key=k) for k in (members if self.per_member else self.keys)]

    def row(self, value: Any) -> dict[str, Any]:
        """A value as a sweep row's columns."""
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
    Statistic("undecided", "Share of replications in which a measure was tabled but not decided within the "
              "horizon (council.HORIZON_DAYS): 'no decision yet'.", lambda run: float(np.mean(run.pending)), 6,
              "p_undecided", default=True),
    Statistic("reason_agreement", "Share of the members whose reason the sources give for which the model's "
              "dominant reason is the same (None when the case records none).", _reason_agreement, 3),
    Statistic("stance_agreement", "Share of the members whose stance the sources report for which the model's "
              "most frequent stance is the same (None when the case records none).", _stance_agreement, 3),
):
    _register(_stat)

#: The statistics a sweep can record per point, and those it records by default (in registry order).
SWEEP_STATISTICS: tuple[str, ...] = tuple(name for name, s in STATISTICS.items() if s.column is not None)
DEFAULT_SWEEP_STATISTICS: tuple[str, ...] = tuple(name for name, s in STATISTICS.items() if s.default)

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
