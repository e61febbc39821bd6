"""Scores of probabilistic forecasts: the outcome on the ladder, the days to decision, a member's stance.

- **Ranked probability score** (Epstein 1969; Murphy 1971) over an ordered ladder of K rungs, normalised to
  [0, 1]: with the cumulative distributions over the ladder, ``RPS = sum_{k=1..K-1} (F_pred(k) - F_obs(k))^2
  / (K - 1)``. 0 for a point mass on the observed rung, 1 for a point mass on the far end from it. It rewards a
  forecast that misses by one rung over one that misses by three. :func:`rps` scores on the current ladder
  (``model.ladder.LEVELS``, whatever its length); :func:`rps_old` on the old four-level ladder
  (``model.ladder.OLD_LEVELS``), the forecast's probabilities summed onto the old rungs by
  ``model.ladder.to_old_ladder``.
- **Brier score** (Brier 1950) over unordered categories (a member's stance), normalised to [0, 1]:
  ``sum_k (p_k - o_k)^2 / 2``; and the Brier score of one event (deployment).
- **Continuous ranked probability score** (Matheson & Winkler 1976; Gneiting & Raftery 2007) of a weighted
  sample ``x_i, w_i`` (weights summing to 1) against a number ``y``, exactly: ``CRPS = sum_i w_i |x_i - y| -
  1/2 sum_i sum_j w_i w_j |x_i - x_j|``, in the units of ``y`` (days). 0 for a point mass on ``y``.

Lower is better for every score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..ladder import LEVELS, OLD_LEVELS, to_old_ladder

K = len(LEVELS)
Forecast = Mapping[str, float] | Sequence[float] | np.ndarray


def as_probabilities(forecast: Forecast, levels: Sequence[str] = LEVELS) -> np.ndarray:
    """A forecast as a vector over ``levels`` (a mapping by name, or a sequence in their order), checked to be a
    probability distribution."""
    k = len(levels)
    if isinstance(forecast, Mapping):
        unknown = set(forecast) - set(levels)
        if unknown:
            raise ValueError(f"unknown levels {sorted(unknown)} (allowed: {', '.join(levels)})")
        p = np.array([float(forecast.get(lvl, 0.0)) for lvl in levels])
    else:
        p = np.asarray(forecast, dtype=float)
    if p.shape != (k,) or not np.all(np.isfinite(p)) or np.any(p < -1e-12) or abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"a forecast is {k} non-negative probabilities summing to 1, got {p.tolist()}")
    return np.clip(p, 0.0, None)


def level_index(observed: str | int, levels: Sequence[str] = LEVELS) -> int:
    """The position of the observed rung (a name or an index) on ``levels``."""
    if isinstance(observed, str):
        if observed not in levels:
            raise ValueError(f"unknown level {observed!r} (allowed: {', '.join(levels)})")
        return list(levels).index(observed)
    if not 0 <= int(observed) < len(levels):
        raise ValueError(f"level index {observed!r} out of range 0..{len(levels) - 1}")
    return int(observed)


def rps(forecast: Forecast, observed: str | int, levels: Sequence[str] = LEVELS) -> float:
    """Normalised ranked probability score of one forecast over ``levels`` against the observed rung."""
    p = as_probabilities(forecast, levels)
    k = len(levels)
    if k < 2:
        return 0.0
    obs = np.zeros(k)
    obs[level_index(observed, levels)] = 1.0
    diff = np.cumsum(p)[:-1] - np.cumsum(obs)[:-1]
    return float(np.sum(diff**2) / (k - 1))


def to_old(forecast: Forecast) -> np.ndarray:
    """A forecast over the current ladder as one over the old four-level ladder (probabilities summed)."""
    p = as_probabilities(forecast)
    out = np.zeros(len(OLD_LEVELS))
    for lvl, x in zip(LEVELS, p, strict=True):
        out[OLD_LEVELS.index(to_old_ladder(lvl))] += x
    return out


def rps_old(forecast: Forecast, observed: str) -> float:
    """The RPS on the old four-level ladder of a forecast over the current one, against an observed rung of the
    current one."""
    return rps(to_old(forecast), to_old_ladder(observed), OLD_LEVELS)


def brier(forecast: Sequence[float] | np.ndarray, observed: int) -> float:
    """Brier score over unordered categories, normalised to [0, 1]: ``sum_k (p_k - o_k)^2 / 2``."""
    p = np.asarray(forecast, dtype=float)
    if p.ndim != 1 or abs(p.sum() - 1.0) > 1e-6 or np.any(p < -1e-12) or not 0 <= observed < p.size:
        raise ValueError(f"a forecast is non-negative probabilities summing to 1 and the observed category one of "
                         f"them, got {p.tolist()} and {observed}")
    o = np.zeros(p.size)
    o[observed] = 1.0
    return float(np.sum((p - o) ** 2) / 2.0)


def brier_deployment(forecast: Forecast, observed: str | int) -> float:
    """Brier score of the forecast probability of a deployment."""
    p = as_probabilities(forecast)
    top = LEVELS.index("deployment")
    hit = 1.0 if level_index(observed) == top else 0.0
    return float((p[top] - hit) ** 2)


def crps(values: np.ndarray, weights: np.ndarray | None, y: float) -> float:
    """CRPS of the weighted sample ``values`` (weights normalised here; None: equal) against ``y``, exactly
    (sorting once: the pair term is ``sum_i w_i (x_i C_i - S_i)`` with ``C_i``, ``S_i`` the weight and the
    weighted sum of the values below the i-th)."""
    x = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    if x.size == 0:
        raise ValueError("CRPS of an empty sample")
    w = w / w.sum()
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    below_w = np.cumsum(w) - w
    below_s = np.cumsum(w * x) - w * x
    spread = float(np.sum(w * (x * below_w - below_s)))
    return float(np.sum(w * np.abs(x - y)) - spread)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray | None, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` of a weighted sample: the smallest value whose cumulative weight reaches ``q``."""
    x = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, cum = x[order], np.cumsum(w[order])
    cum /= cum[-1]
    idx = np.searchsorted(cum, np.asarray(q, dtype=float) - 1e-12, side="left")
    return x[np.minimum(idx, x.size - 1)]
