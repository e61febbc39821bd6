"""The baselines the model must beat out of sample: simple rules on the same coded facts, learned on a fold's
training cases only, each a forecast over the ladder (and of the days to decision, and of members' stances).

- **Channel-aware base rate** (:func:`base_rate`): how often each rung occurred among the training cases
  whose request went through the same channel (``request.channel``: organisation, bilateral, none), with
  add-one (Laplace) smoothing, ``(count + 1) / (n + K)``; all training cases when none shares the channel.
- **Best three-fact lookup rule** (:class:`Lookup`, :func:`best_lookup`; the shape of Holte's 1993 one-rule
  classifier, with three facts): over every triple of categorical facts (``model.scenario.CATEGORIES`` and
  whether there is a requester), a table from the triple's values (a cell) to the training cases' outcome
  frequencies in that cell, smoothed toward the channel base rate with one pseudo-case,
  ``(count + base) / (n + 1)`` (an empty cell: the base rate). The triple kept is the one whose table scores
  best (lowest mean RPS) on the training cases themselves; ties go to the first triple in the order of the
  facts.
- **The lead state deciding alone**: the model under the rule ``lead_state_alone`` (``model/rules.py``),
  calibrated on the same folds in the same way as the model (``model/calibrate/validate.py``).

Days to decision (:func:`days_sample`): the observed days of the training cases the forecast rests on (the
same channel; the lookup's cell, else the same channel), each a uniform spread over its recorded range (a
value: a point), smoothed with a log-normal kernel of ``DAYS_BANDWIDTH`` in log days (a factor of about
1.65 either way). Stances (:func:`stance_base_rate`): the recorded stances of every member in the training
cases, pooled, Laplace-smoothed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from ..ladder import LEVELS
from ..scenario import CATEGORIES, Case
from .scores import rps

#: The model's stance names, in the order of a stance forecast (``absent`` first, as ``ladder.Stance`` codes + 1).
STANCE_NAMES = ("absent", "object", "delay", "acquiesce", "support")
REQUESTER = "requester"
#: The categorical facts a lookup rule may use: the case file's categories, then whether there is a requester.
FACTS: tuple[str, ...] = (*CATEGORIES, REQUESTER)
LAPLACE = 1.0
#: Spread (sd of log days) of the kernel that smooths the training cases' observed days.
DAYS_BANDWIDTH = 0.5
#: Points per training case: a grid over its range (in log days) times a grid of the kernel's quantiles.
DAYS_GRID = 21
MIN_DAYS = 0.01


def fact_value(case: Case, name: str) -> str:
    """A case's value of one fact of :data:`FACTS` (a requester: ``yes``/``no``)."""
    if name == REQUESTER:
        return "yes" if case.requester else "no"
    fact = case.facts.get(name)
    return "not coded" if fact is None else str(fact.value)


def channel(case: Case) -> str:
    return fact_value(case, "request.channel")


def frequencies(outcomes: Sequence[str], pseudocount: float = LAPLACE) -> np.ndarray:
    """Frequencies of the rungs of the ladder among ``outcomes``, each count plus ``pseudocount``."""
    counts = np.array([sum(o == lvl for o in outcomes) for lvl in LEVELS], dtype=float) + pseudocount
    total = counts.sum()
    return counts / total if total > 0 else np.full(len(LEVELS), 1.0 / len(LEVELS))


def _same_channel(train: Sequence[Case], case: Case) -> list[Case]:
    same = [c for c in train if channel(c) == channel(case)]
    return same or list(train)


def base_rate(train: Sequence[Case], case: Case, pseudocount: float = LAPLACE) -> np.ndarray:
    """The channel-aware base rate: the training cases of ``case``'s channel (all if none), smoothed."""
    return frequencies([c.observed.outcome for c in _same_channel(train, case)], pseudocount)


@dataclass(frozen=True)
class Lookup:
    """A lookup rule on three facts: its training cases, the facts, and the pseudo-count toward the base rate."""

    facts: tuple[str, str, str]
    train: tuple[Case, ...]
    pseudocount: float = 1.0

    def cell(self, case: Case) -> tuple[str, ...]:
        return tuple(fact_value(case, f) for f in self.facts)

    def members(self, case: Case) -> list[Case]:
        """The training cases in ``case``'s cell."""
        key = self.cell(case)
        return [c for c in self.train if self.cell(c) == key]

    def forecast(self, case: Case) -> np.ndarray:
        """The cell's outcome frequencies, smoothed toward the channel base rate (an empty cell: the base rate)."""
        base = base_rate(self.train, case)
        inside = self.members(case)
        counts = np.array([sum(c.observed.outcome == lvl for c in inside) for lvl in LEVELS], dtype=float)
        total = len(inside) + self.pseudocount
        return (counts + self.pseudocount * base) / total if total > 0 else base

    def in_sample_rps(self) -> float:
        return float(np.mean([rps(self.forecast(c), c.observed.outcome) for c in self.train]))

    def label(self) -> str:
        return " x ".join(self.facts)


def _table_score(cells: Sequence[tuple[str, ...]], outcomes: np.ndarray, bases: np.ndarray, pseudocount: float
                 ) -> float:
    """The in-sample mean RPS of the lookup table on these cells (what :meth:`Lookup.in_sample_rps` computes,
    on arrays: every training case in its own cell)."""
    k = len(LEVELS)
    index = {cell: i for i, cell in enumerate(dict.fromkeys(cells))}
    row = np.array([index[c] for c in cells])
    counts = np.zeros((len(index), k))
    np.add.at(counts, (row, outcomes), 1.0)
    sizes = counts.sum(axis=1)
    p = (counts[row] + pseudocount * bases) / (sizes[row] + pseudocount)[:, None]
    obs = np.zeros_like(p)
    obs[np.arange(len(cells)), outcomes] = 1.0
    diff = np.cumsum(p, axis=1)[:, :-1] - np.cumsum(obs, axis=1)[:, :-1]
    return float(np.mean(np.sum(diff**2, axis=1) / max(1, k - 1)))


def best_lookup(train: Sequence[Case], pseudocount: float = 1.0) -> Lookup:
    """The lookup rule on the three facts whose table scores best on the training cases (in-sample mean RPS; the
    first triple in the order of :data:`FACTS` on a tie)."""
    values = [{f: fact_value(c, f) for f in FACTS} for c in train]
    outcomes = np.array([LEVELS.index(c.observed.outcome) for c in train])
    bases = np.stack([base_rate(train, c) for c in train])
    best, best_score = None, np.inf
    for triple in combinations(FACTS, 3):
        score = _table_score([tuple(v[f] for f in triple) for v in values], outcomes, bases, pseudocount)
        if score < best_score - 1e-12:
            best, best_score = triple, score
    assert best is not None
    return Lookup(best, tuple(train), pseudocount)  # type: ignore[arg-type]


# -- days to decision ------------------------------------------------------------------------------------

def observed_days(case: Case) -> tuple[float, float] | None:
    """The recorded days to decision as ``(low, high)`` (a value: both), None when not recorded."""
    f = case.observed.days_to_decision if case.observed is not None else None
    if f is None:
        return None
    return (float(f.low), float(f.high)) if f.is_range else (float(f.value), float(f.value))


def days_sample(cases: Sequence[Case], bandwidth: float = DAYS_BANDWIDTH) -> np.ndarray | None:
    """The smoothed empirical distribution of the cases' observed days, as an equally weighted sample (None: no
    case recorded days): per case a grid over its range in log days, each point spread by the kernel's quantiles."""
    from scipy.stats import norm

    ranges = [d for d in (observed_days(c) for c in cases) if d is not None]
    if not ranges:
        return None
    u = (np.arange(DAYS_GRID) + 0.5) / DAYS_GRID
    kernel = bandwidth * norm.ppf(u)
    out = []
    for lo, hi in ranges:
        centre = np.log(max(lo, MIN_DAYS)) + u * (np.log(max(hi, MIN_DAYS)) - np.log(max(lo, MIN_DAYS)))
        out.append(np.exp(centre[:, None] + kernel[None, :]).ravel())
    return np.concatenate(out)


def days_base_rate(train: Sequence[Case], case: Case) -> np.ndarray | None:
    """Days for the base rate: the training cases of the same channel that recorded days, else all that did."""
    with_days = [c for c in train if observed_days(c) is not None]
    same = [c for c in with_days if channel(c) == channel(case)]
    return days_sample(same or with_days)


def days_lookup(rule: Lookup, case: Case) -> np.ndarray | None:
    """Days for the lookup rule: the training cases of the cell that recorded days, else as the base rate."""
    inside = [c for c in rule.members(case) if observed_days(c) is not None]
    return days_sample(inside) if inside else days_base_rate(rule.train, case)


# -- members' stances ------------------------------------------------------------------------------------

def recorded_stances(case: Case) -> dict[str, str]:
    """Member name -> recorded stance, from ``observed.reasons`` where the case has them."""
    reasons: dict[str, Any] = getattr(case.observed, "reasons", None) or {}
    out = {}
    for name, r in reasons.items():
        stance = r.get("stance") if isinstance(r, dict) else getattr(r, "stance", None)
        if stance in STANCE_NAMES:
            out[name] = str(stance)
    return out


def stance_base_rate(train: Sequence[Case], pseudocount: float = LAPLACE) -> np.ndarray:
    """Frequencies of the stances recorded in the training cases (every member pooled), smoothed."""
    seen = [s for c in train for s in recorded_stances(c).values()]
    counts = np.array([seen.count(s) for s in STANCE_NAMES], dtype=float) + pseudocount
    return counts / counts.sum()
