"""Scores of a probabilistic forecast over the ladder ``none < consultations < assistance < deployment``.

- Ranked probability score (Epstein 1969; Murphy 1971), normalised to [0, 1]: with the cumulative
  distributions over the ordered ladder, ``RPS = sum_{k=1..K-1} (F_pred(k) - F_obs(k))^2 / (K - 1)``,
  K = 4 levels. A perfect forecast scores 0; the worst (all weight on the far end) 1. It rewards a
  forecast that misses by one rung over one that misses by three.
- Brier score of deployment (Brier 1950): ``(P(deployment) - 1[observed = deployment])^2``.

Lower is better for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..ladder import LEVELS

K = len(LEVELS)
DEPLOYMENT = LEVELS.index("deployment")


def as_probabilities(forecast: Mapping[str, float] | Sequence[float] | np.ndarray) -> np.ndarray:
    """A forecast as a vector over the ladder (a mapping by level name, or a sequence in ladder order),
    checked to be a probability distribution."""
    if isinstance(forecast, Mapping):
        unknown = set(forecast) - set(LEVELS)
        if unknown:
            raise ValueError(f"unknown levels {sorted(unknown)} (allowed: {', '.join(LEVELS)})")
        p = np.array([float(forecast.get(lvl, 0.0)) for lvl in LEVELS])
    else:
        p = np.asarray(forecast, dtype=float)
    if p.shape != (K,) or not np.all(np.isfinite(p)) or np.any(p < -1e-12) or abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(f"a forecast is {K} non-negative probabilities summing to 1, got {p.tolist()}")
    return np.clip(p, 0.0, None)


def level_index(observed: str | int) -> int:
    if isinstance(observed, str):
        if observed not in LEVELS:
            raise ValueError(f"unknown level {observed!r} (allowed: {', '.join(LEVELS)})")
        return LEVELS.index(observed)
    if not 0 <= int(observed) < K:
        raise ValueError(f"level index {observed!r} out of range 0..{K - 1}")
    return int(observed)


def rps(forecast: Mapping[str, float] | Sequence[float] | np.ndarray, observed: str | int) -> float:
    """Normalised ranked probability score of one forecast against the observed level."""
    p = as_probabilities(forecast)
    obs = np.zeros(K)
    obs[level_index(observed)] = 1.0
    diff = np.cumsum(p)[:-1] - np.cumsum(obs)[:-1]
    return float(np.sum(diff**2) / (K - 1))


def brier_deployment(forecast: Mapping[str, float] | Sequence[float] | np.ndarray, observed: str | int) -> float:
    """Brier score of the forecast probability of a deployment."""
    p = as_probabilities(forecast)
    hit = 1.0 if level_index(observed) == DEPLOYMENT else 0.0
    return float((p[DEPLOYMENT] - hit) ** 2)
