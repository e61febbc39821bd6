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

Memory: a chunk's points are made when the chunk is sent (:meth:`Design.values_of`), never the whole design
as Python objects. Full factorial and one-at-a-time designs compute a point from its index; a Sobol' design
keeps only its scrambled generator and computes the rows of a chunk (``fast_forward``); a Latin hypercube
keeps its sample as one float64 array (8 bytes per factor and point: each column is a permutation of the
whole sample, so no row is known before all are drawn), drawn exactly as ``SALib.sample.latin`` draws it, in
place, a block of rows at a time (nothing else grows with the design).
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

    def values_of(self, indices: Sequence[int]) -> list[tuple[Any, ...]]:
        """The values of the points ``indices`` (a chunk's), in that order."""
        return [self.values(j) for j in indices]


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


class Sampled(Design):
    """A design from a sample of the unit cube (Latin hypercube, Sobol'): one column per factor, mapped to the
    factor's values (``Factor.from_unit``) a chunk at a time."""

    factors: tuple[Factor, ...]

    def unit_rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start`` to ``stop`` of the unit sample, (stop - start, D)."""
        raise NotImplementedError

    @property
    def unit(self) -> np.ndarray:
        """The whole (size, D) unit sample (made on demand; a sweep never asks for it)."""
        return self.unit_rows(0, self.size)

    @property
    def columns(self) -> list[list[Any]]:
        """Every point's value of each factor (made on demand; a sweep never asks for it)."""
        unit = self.unit
        return [f.from_unit(unit[:, k]) for k, f in enumerate(self.factors)]

    def values(self, j: int) -> tuple[Any, ...]:
        return self.values_of([j])[0]

    def values_of(self, indices: Sequence[int]) -> list[tuple[Any, ...]]:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size == 0:
            return []
        lo, hi = int(idx.min()), int(idx.max()) + 1
        if hi - lo > 2 * idx.size:  # a chunk across the end of one case's design: two runs of rows
            cut = int(np.argmin(np.diff(idx))) + 1
            return self.values_of(idx[:cut]) + self.values_of(idx[cut:])
        unit = self.unit_rows(lo, hi)[idx - lo]
        return list(zip(*(f.from_unit(unit[:, k]) for k, f in enumerate(self.factors)), strict=True))


class LatinHypercube(Sampled):
    """A Latin hypercube, held as one (n, D) float64 array."""

    def __init__(self, factors: Sequence[Factor], n: int, seed: int):
        self.factors = tuple(factors)
        self._unit = latin_hypercube(self.factors, n, seed)
        self.size = int(self._unit.shape[0])

    def unit_rows(self, start: int, stop: int) -> np.ndarray:
        return self._unit[start:stop]


class SobolDesign(Sampled):
    """Saltelli's sample (as ``SALib.sample.sobol``), computed a chunk at a time from the scrambled Sobol'
    generator: rows ``i * B`` to ``i * B + B - 1`` (``B = 2D + 2``, or ``D + 2``) all come from base point ``i``
    (A = its first D coordinates, B = its last D): A, A with column k from B (each k), with second order B with
    column k from A (each k), then B."""

    def __init__(self, factors: Sequence[Factor], n: int, seed: int, second_order: bool = True):
        from scipy.stats import qmc

        self.factors = tuple(factors)
        d = len(self.factors)
        self.block = 2 * d + 2 if second_order else d + 2
        self.size = n * self.block
        self.second_order = second_order
        self._engine = qmc.Sobol(d=2 * d, scramble=True, seed=np.random.default_rng(np.random.SeedSequence(seed)))

    def _base(self, first: int, count: int) -> np.ndarray:
        """Base points ``first`` to ``first + count - 1`` of the scrambled sequence, (count, 2D)."""
        import warnings

        engine = self._engine
        if engine.num_generated != first:
            engine.reset()
            if first:
                engine.fast_forward(first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's note on counts that are not powers of 2
            return engine.random(count)

    def unit_rows(self, start: int, stop: int) -> np.ndarray:
        d, block = len(self.factors), self.block
        first, last = start // block, (stop - 1) // block
        base = self._base(first, last - first + 1)
        rows = np.arange(start, stop)
        point, k = rows // block - first, rows % block
        a, b = base[point, :d], base[point, d:]
        col = np.arange(d)[None, :]
        k = k[:, None]
        from_b = (k == block - 1) | (col == k - 1)  # B; or A with column k-1 from B
        if self.second_order:
            second = (k > d) & (k < block - 1)  # B with column k-d-1 from A
            from_b = np.where(second, col != k - d - 1, from_b)
        return np.where(from_b, b, a)


@dataclass
class Given(Design):
    """Points given one by one (a design built in code)."""

    points: tuple[tuple[Any, ...], ...]

    def __post_init__(self) -> None:
        self.size = len(self.points)

    def values(self, j: int) -> tuple[Any, ...]:
        return self.points[j]


#: Rows of a Latin hypercube drawn at a time (the strata's bounds of only these rows exist at once).
_LHS_BLOCK = 1 << 16


def latin_hypercube(factors: Sequence[Factor], n: int, seed: int) -> np.ndarray:
    """``n`` x ``D`` Latin hypercube sample of the unit cube, exactly ``SALib.sample.latin``'s (the same draws in
    the same order: one uniform draw in each stratum, row by row; then each column shuffled in turn), without
    its row-by-row Python lists."""
    rng = np.random.default_rng(np.random.SeedSequence(seed)).spawn(1)[0]  # as SALib's handle_seed
    d = 1.0 / n
    sample = np.empty((n, len(factors)))
    for start in range(0, n, _LHS_BLOCK):  # the draws of rng.uniform(low, high), low + (high - low) x U, in place
        stop = min(n, start + _LHS_BLOCK)
        strata = np.arange(start, stop, dtype=np.int64)[:, None]
        low = strata * d
        rows = sample[start:stop]
        rng.random(out=rows)
        rows *= (strata + 1) * d - low
        rows += low
    for k in range(len(factors)):
        rng.shuffle(sample[:, k])
    return sample


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
        return LatinHypercube(factors, spec.n, seed)
    if spec.method == "sobol":
        return SobolDesign(factors, spec.n, seed, spec.second_order)
    if spec.method == GIVEN:
        return Given(spec.points)
    raise ValueError(f"unknown design {spec.method!r}")
