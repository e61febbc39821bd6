"""The baselines the model must beat out of sample, each a forecast over the ladder for a held-out case.

- **Base rate**: how often each ladder level occurred among the fold's training cases, with add-one
  (Laplace) smoothing: ``(count + 1) / (cases + 4)``, so that no level gets probability 0.
- **Weighted compromise** (the compromise model of the EU decision-making studies: Achen, "Institutional
  realism and bargaining models", ch. 4 of Thomson, Stokman, Achen & König (eds.) 2006, *The European
  Union Decides*, Cambridge UP: the outcome is the capability-weighted mean of the actors' positions).
  The issue is the request: the levels from ``none`` to the measure requested (no request to the
  organisation: no issue, the outcome is ``none``). Each member's position is its most preferred
  level by its own assessment before any deliberation (the model's utilities, under the fold's
  posterior; ``none`` has utility 0). Capability weight: the member's share of the organisation's budget
  (S002: Russia half, each other member about a tenth), the one capability every member has in every
  year (Uzbekistan never pledged troops to the rapid reaction force). The weighted mean ``x`` in [0, 3]
  is split between the two levels around it (``x = 1.3``: 70% consultations, 30% assistance), per
  replication, then averaged over replications and the posterior's parameter sets. Salience is equal.
- **Russia decides alone**: the model itself under the decision rule ``lead_state_alone`` (the lead
  state's support passes a measure), under the fold's posterior.

The model and the last two baselines share the same positions; they differ in how positions become a
decision (deliberation and consensus with agenda power; a weighted mean; one state's say).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..ladder import LEVELS
from ..model import CouncilModel
from ..params import Parameters
from ..scenario import Case
from ..simulate import release, simulate
from ..statistics import outcome_shares

MODELS = ("model", "base_rate", "compromise", "lead_state_alone")
LABELS = {"model": "model", "base_rate": "base rate", "compromise": "compromise",
          "lead_state_alone": "Russia alone"}
BASE_RATE_PSEUDOCOUNT = 1.0
K = len(LEVELS)


def base_rate(observed: Sequence[str], pseudocount: float = BASE_RATE_PSEUDOCOUNT) -> np.ndarray:
    """Frequencies of the ladder levels among ``observed`` (the training cases), smoothed."""
    counts = np.array([sum(o == lvl for o in observed) for lvl in LEVELS], dtype=float) + pseudocount
    return counts / counts.sum()


def interpolate_levels(x: np.ndarray) -> np.ndarray:
    """(R,) positions on [0, 3] to (R, 4) probabilities split between the two neighbouring levels."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, K - 1)
    lo = np.floor(x).astype(int)
    frac = x - lo
    out = np.zeros((x.size, K))
    rows = np.arange(x.size)
    out[rows, lo] += 1.0 - frac
    out[rows, np.minimum(lo + 1, K - 1)] += frac
    return out


def compromise_one(case: Case, params: Parameters, replications: int, seed: int) -> np.ndarray:
    """The compromise forecast under one parameter set: (4,) probabilities."""
    model = CouncilModel(case, params, replications, rng=np.random.default_rng(np.random.SeedSequence(seed)))
    try:
        crisis = model.crisis
        if crisis.channel != "organisation":
            return np.eye(K)[0]
        requested = crisis.requested
        weights = np.array([m.profile.budget_share for m in model.members], dtype=float)
        ideal = []
        for m in model.members:
            util = np.concatenate([np.zeros((replications, 1)), m.own[:, :requested]], axis=1)  # none .. requested
            ideal.append(np.argmax(util, axis=1))
    finally:
        release(model)  # its arrays freed now, not at the next garbage collection
    x = (np.stack(ideal, axis=1) * weights[None, :]).sum(axis=1) / weights.sum()
    return interpolate_levels(x).mean(axis=0)


def compromise(case: Case, sets: Sequence[Parameters], weights: np.ndarray, replications: int,
               seeds: Sequence[int]) -> np.ndarray:
    """The compromise forecast averaged over posterior parameter sets with their weights."""
    probs = np.stack([compromise_one(case, p, replications, s) for p, s in zip(sets, seeds, strict=True)])
    return np.asarray(weights) @ probs


def lead_state_alone(case: Case, sets: Sequence[Parameters], weights: np.ndarray, replications: int,
                     seeds: Sequence[int]) -> np.ndarray:
    """The model under the rule ``lead_state_alone``, averaged over posterior parameter sets."""
    probs = []
    for p, s in zip(sets, seeds, strict=True):
        res = simulate(case, replications, s, rule="lead_state_alone", params=p)
        probs.append(outcome_shares(res.outcome))
    return np.asarray(weights) @ np.stack(probs)
