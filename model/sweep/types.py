"""The data of an experiment's design: factors, their distributions, and the design's method.

Plain values with no reading or validation (``factors.py`` builds valid factors, ``experiment.py`` a
valid experiment), so that ``design.py`` and ``experiment.py`` both import them and neither imports the
other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Design methods an experiment file may name.
DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "one_at_a_time")
#: The design of points given one by one, built in code (e.g. a sensitivity analysis's own sample).
GIVEN = "points"
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "triangular")


@dataclass(frozen=True)
class Distribution:
    """A continuous distribution over a numeric factor, drawn from by its inverse CDF (``ppf``)."""

    name: str
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None
    clip_low: float = -math.inf  # the factor's admissible bounds (a normal is truncated to them)
    clip_high: float = math.inf

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit samples in [0, 1) to values of the distribution."""
        u = np.asarray(u, dtype=float)
        if self.name == "uniform":
            x = self.low + u * (self.high - self.low)
        elif self.name == "loguniform":
            x = np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        elif self.name == "triangular":
            a, c, b = self.low, self.mode, self.high
            f = (c - a) / (b - a)
            x = np.where(u < f, a + np.sqrt(u * (b - a) * (c - a)), b - np.sqrt((1 - u) * (b - a) * (b - c)))
        else:  # normal, truncated to the admissible bounds
            from scipy.stats import norm

            lo, hi = norm.cdf([(self.clip_low - self.mean) / self.sd, (self.clip_high - self.mean) / self.sd])
            x = self.mean + self.sd * norm.ppf(lo + u * (hi - lo))
        return np.clip(x, self.clip_low, self.clip_high)


@dataclass(frozen=True)
class Factor:
    """One thing a sweep varies: a global parameter, the decision rule, or a fact of the case.

    ``values`` holds the discrete levels (from ``values:``, a ``range`` with ``steps`` or a distribution
    with ``steps``); ``distribution`` a continuous one (a ``range`` without steps or a distribution),
    for sampled designs only. Build one with the functions of ``model.sweep.factors``, which check it.
    """

    name: str
    target: str  # "param" | "rule" | "fact"
    kind: str  # "real" | "integer" | "categorical"
    values: tuple[Any, ...] | None
    distribution: Distribution | None = None
    given: str = "values"  # how the file gives it: values, range or distribution

    @property
    def discrete(self) -> bool:
        return self.values is not None

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Values for unit samples in [0, 1): a level each (uniform over the levels), or a draw of the
        continuous distribution; integer parameters are rounded."""
        u = np.asarray(u, dtype=float)
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
            return [self.values[i] for i in idx]
        x = self.distribution.ppf(u)
        if self.kind == "integer":
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]


@dataclass(frozen=True)
class DesignSpec:
    """How the factors' values are combined into points: one of :data:`DESIGNS` (``n`` for the sampled
    ones), or :data:`GIVEN` with ``points``, one value per factor each (built in code only)."""

    method: str
    n: int | None = None
    second_order: bool = True
    points: tuple[tuple[Any, ...], ...] | None = None
