"""Designs: which combinations of the factors' values a sweep runs, numbered 0, 1, 2, ...

- ``full_factorial``: every combination of the factors' levels (the last factor varies fastest);
  ``prod(levels)`` points.
- ``one_at_a_time``: each factor across its levels with the others at their baseline (a parameter's
  default, the case's own fact, the organisation's rule); ``sum(levels)`` points.
- ``latin_hypercube``: ``n`` points from ``SALib.sample.latin`` (one point in each of ``n`` equal strata
  of every factor).
- ``sobol``: Saltelli's extension of the Sobol' sequence from ``SALib.sample.sobol``: ``n * (2D + 2)``
  points for ``D`` factors (``n * (D + 2)`` with ``second_order: false``), in the order
  ``SALib.analyze.sobol`` expects.
- ``points`` (built in code only): the points as given, one value per factor each (a sensitivity
  analysis runs its own SALib sample this way).

Sampled designs draw unit samples in [0, 1) and map them to values: a level each for discrete factors
(uniformly over the levels), the inverse CDF of the distribution for continuous ones. The sample is
drawn from the experiment's seed, so a design is reproducible. A sweep runs the whole design once for
each of its cases: point ``i`` is design point ``i % size`` of case ``i // size``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from math import prod
from typing import Any

import numpy as np

from .types import GIVEN, DesignSpec, Factor

#: The value of a factor left at its baseline (one-at-a-time designs).
BASELINE = None


def design_size(spec: DesignSpec, factors: Sequence[Factor]) -> int:
    """Points of the design for one case, without building it."""
    if spec.method == GIVEN:
        return len(spec.points)
    if spec.method == "full_factorial":
        return prod(len(f.values) for f in factors)
    if spec.method == "one_at_a_time":
        return sum(len(f.values) for f in factors)
    if spec.method == "latin_hypercube":
        return spec.n
    d = len(factors)
    return spec.n * (2 * d + 2 if spec.second_order else d + 2)


def salib_problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem over the unit hypercube, one variable per factor."""
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * len(factors)}


class Design:
    """A numbered list of design points; ``values(j)`` is point ``j``'s value for each factor."""

    size: int

    def values(self, j: int) -> tuple[Any, ...]:
        raise NotImplementedError


@dataclass
class FullFactorial(Design):
    factors: tuple[Factor, ...]

    def __post_init__(self) -> None:
        self.size = prod(len(f.values) for f in self.factors)

    def values(self, j: int) -> tuple[Any, ...]:
        out = []
        for f in reversed(self.factors):
            j, k = divmod(j, len(f.values))
            out.append(f.values[k])
        return tuple(reversed(out))


@dataclass
class OneAtATime(Design):
    factors: tuple[Factor, ...]

    def __post_init__(self) -> None:
        self.starts = [0, *accumulate(len(f.values) for f in self.factors)]
        self.size = self.starts[-1]

    def values(self, j: int) -> tuple[Any, ...]:
        k = bisect_right(self.starts, j) - 1
        out: list[Any] = [BASELINE] * len(self.factors)
        out[k] = self.factors[k].values[j - self.starts[k]]
        return tuple(out)


@dataclass
class Sampled(Design):
    """A design held as a sample matrix (Latin hypercube, Sobol'): one column of values per factor."""

    factors: tuple[Factor, ...]
    unit: np.ndarray  # (size, D) samples in [0, 1)

    def __post_init__(self) -> None:
        self.size = int(self.unit.shape[0])
        self.columns = [f.from_unit(self.unit[:, k]) for k, f in enumerate(self.factors)]

    def values(self, j: int) -> tuple[Any, ...]:
        return tuple(col[j] for col in self.columns)


@dataclass
class Given(Design):
    """Points given one by one (a design built in code)."""

    points: tuple[tuple[Any, ...], ...]

    def __post_init__(self) -> None:
        self.size = len(self.points)

    def values(self, j: int) -> tuple[Any, ...]:
        return self.points[j]


def latin_hypercube(factors: Sequence[Factor], n: int, seed: int) -> np.ndarray:
    """``n`` x ``D`` Latin hypercube sample of the unit cube (SALib)."""
    from SALib.sample import latin

    return latin.sample(salib_problem(factors), n, seed=np.random.default_rng(np.random.SeedSequence(seed)))


def sobol(factors: Sequence[Factor], n: int, seed: int, second_order: bool = True) -> np.ndarray:
    """Saltelli's sample of the unit cube for Sobol' indices (SALib): ``n * (2D + 2)`` rows, or
    ``n * (D + 2)`` without second-order indices."""
    import warnings

    from SALib.sample import sobol as salib_sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_sobol.sample(salib_problem(factors), n, calc_second_order=second_order, scramble=True,
                                  seed=np.random.default_rng(np.random.SeedSequence(seed)))


def build_design(spec: DesignSpec, factors: Sequence[Factor], seed: int) -> Design:
    """The design's points for one case (the same design is run for every case of the sweep)."""
    factors = tuple(factors)
    if spec.method == "full_factorial":
        return FullFactorial(factors)
    if spec.method == "one_at_a_time":
        return OneAtATime(factors)
    if spec.method == "latin_hypercube":
        return Sampled(factors, latin_hypercube(factors, spec.n, seed))
    if spec.method == "sobol":
        return Sampled(factors, sobol(factors, spec.n, seed, spec.second_order))
    if spec.method == GIVEN:
        return Given(spec.points)
    raise ValueError(f"unknown design {spec.method!r}")
