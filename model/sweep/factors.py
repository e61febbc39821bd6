"""Factors: what an experiment varies, built and checked the same way from a file's ``vary:`` and from code.

- :func:`levels`: discrete values (``values: [...]``; ``values: all`` for a categorical factor);
- :func:`uniform`: a range (``range: {low, high}``), continuous, or ``steps`` levels across it;
- :func:`span`: the parameter's whole bounds or its prior range (``range: bounds`` / ``range: prior``);
- :func:`distributed`: a distribution (``distribution: {name, ...}``), continuous or ``steps`` levels.

Each raises :class:`~model.errors.InputError` naming the field as an experiment file would
(``vary.influence.range.high``). :func:`read_vary` reads a file's ``vary:`` block with them, and
:func:`check_factors` checks a whole list against the cases of an experiment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError, did_you_mean
from ..files.fields import Reader
from ..files.fields import kind as _kind
from ..params import SPECS
from ..rules import RULES
from ..scenario import CATEGORIES, NUMERIC, Case, with_facts
from .types import DISTRIBUTIONS, Distribution, Factor

MAX_LEVELS = 10_000  # values or steps of one factor
#: The ``vary:`` key that varies every global parameter not listed on its own: ``{range: bounds}``,
#: ``{range: prior}``, with ``steps: N`` for the designs that need levels.
ALL_PARAMETERS = "all_parameters"
#: Where an error in an experiment built in code is said to be.
IN_CODE = "experiment (built in code)"
_SHAPES = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "normal": ("mean", "sd"),
           "triangular": ("low", "mode", "high")}


class ExperimentReader(Reader):
    doc = "docs/sweeps.md"


def factor_names() -> tuple[str, ...]:
    """Every name ``vary:`` accepts: global parameters, ``rule``, categorical and numeric case facts."""
    return (*SPECS, "rule", *CATEGORIES, *NUMERIC)


def _reader(r: Reader | None) -> Reader:
    return r if r is not None else ExperimentReader(IN_CODE)


def _numeric(r: Reader, name: str, how: str) -> tuple[str, str, float, float]:
    """Target, kind and bounds of a numeric factor; an error for a categorical or unknown one."""
    if name == "rule" or name in CATEGORIES:
        raise r.fail(f"vary.{name}.{how}", "a categorical factor takes values", "values: [...] or values: all")
    if name in SPECS:
        spec = SPECS[name]
        return "param", ("integer" if spec.kind is int else "real"), spec.low, spec.high
    if name in NUMERIC:
        low, high = NUMERIC[name]
        return "fact", "real", low, high
    raise r.fail(f"vary.{name}", "unknown key", ", ".join(factor_names()))


def levels(name: str, values: Any, r: Reader | None = None) -> Factor:
    """A factor over the given values (``all``: every level of a categorical factor)."""
    r, path = _reader(r), f"vary.{name}.values"
    if name == "rule" or name in CATEGORIES:
        options = tuple(RULES) if name == "rule" else CATEGORIES[name]
        values = list(options) if values == "all" else values
        if not isinstance(values, (list, tuple)) or not values:
            raise r.fail(path, f"expected a non-empty list, got {_kind(values)}", f"a list of: {', '.join(options)}; or all")
        for i, v in enumerate(values):
            if not isinstance(v, str) or v not in options:
                hint = did_you_mean(v, options) if isinstance(v, str) else ""
                raise r.fail(f"{path}[{i}]", f"{v!r} is not allowed{hint}", ", ".join(options))
            if list(values).index(v) != i:
                raise r.fail(f"{path}[{i}]", f"{v!r} is listed twice", "each value once")
        return Factor(name, "rule" if name == "rule" else "fact", "categorical", tuple(values))
    target, kind, low, high = _numeric(r, name, "values")
    bounds = f"{low:g} to {high:g}"
    if not isinstance(values, (list, tuple)) or not values or len(values) > MAX_LEVELS:
        raise r.fail(path, f"expected a list of 1 to {MAX_LEVELS:,} numbers, got {_kind(values)}", f"numbers from {bounds}")
    out = []
    for i, v in enumerate(values):
        x = r.number(v, f"{path}[{i}]", low, high)
        if kind == "integer":
            if x != int(x):
                raise r.fail(f"{path}[{i}]", f"{x:g} is not a whole number", f"whole numbers from {bounds}")
            x = int(x)
        out.append(x)
    return Factor(name, target, kind, tuple(out))


def uniform(name: str, low: Any, high: Any, steps: Any = None, r: Reader | None = None) -> Factor:
    """A factor uniform on ``[low, high]``: continuous, or ``steps`` evenly spaced levels."""
    r, path = _reader(r), f"vary.{name}.range"
    target, kind, lowest, highest = _numeric(r, name, "range")
    lo = r.number(low, f"{path}.low", lowest, highest)
    hi = r.number(high, f"{path}.high", lowest, highest)
    if lo >= hi:
        raise r.fail(path, f"low {lo:g} is not below high {hi:g}", "low < high")
    dist = Distribution("uniform", low=lo, high=hi, clip_low=lowest, clip_high=highest)
    return _stepped(r, Factor(name, target, kind, None, dist, "range"), steps)


def span(name: str, which: str, r: Reader | None = None) -> Factor:
    """A continuous factor uniform on the parameter's bounds (``bounds``) or its prior range (``prior``)."""
    r = _reader(r)
    target, _, low, high = _numeric(r, name, "range")
    if which not in ("bounds", "prior"):
        raise r.fail(f"vary.{name}.range", f"{which!r} is not allowed", "bounds, prior, or {low, high, steps}")
    if which == "prior" and target != "param":
        raise r.fail(f"vary.{name}.range", "only global parameters have a prior", "bounds, or {low, high, steps}")
    lo, hi = SPECS[name].prior if which == "prior" else (low, high)
    return uniform(name, lo, hi, None, r)


def distributed(name: str, node: Any, r: Reader | None = None) -> Factor:
    """A factor drawn from a distribution, ``{name: uniform|loguniform|normal|triangular, <its shape>,
    steps: N (optional)}``: continuous, or ``steps`` levels at the mid-quantiles."""
    r, path = _reader(r), f"vary.{name}.distribution"
    target, kind, low, high = _numeric(r, name, "distribution")
    if not isinstance(node, dict) or "name" not in node:
        raise r.fail(path, f"expected a mapping with a name, got {_kind(node)}",
                     "{name: uniform|loguniform|normal|triangular, ...}")
    dname = node["name"]
    if dname not in DISTRIBUTIONS:
        raise r.fail(f"{path}.name", f"{dname!r} is not a distribution", ", ".join(DISTRIBUTIONS))
    node = r.mapping(node, path, required=("name", *_SHAPES[dname]), optional=("steps",))
    vals = {}
    for key in _SHAPES[dname]:
        if key == "sd":
            vals[key] = r.number(node[key], f"{path}.sd", 0, math.inf)
            if vals[key] == 0:
                raise r.fail(f"{path}.sd", "is 0", "a positive number")
        else:
            vals[key] = r.number(node[key], f"{path}.{key}", low, high)
    if "low" in vals and vals["low"] >= vals["high"]:
        raise r.fail(path, f"low {vals['low']:g} is not below high {vals['high']:g}", "low < high")
    if dname == "loguniform" and vals["low"] <= 0:
        raise r.fail(f"{path}.low", f"{vals['low']:g} is not positive", "low > 0 for a loguniform distribution")
    if dname == "triangular" and not vals["low"] <= vals["mode"] <= vals["high"]:
        raise r.fail(f"{path}.mode", f"{vals['mode']:g} is outside [low, high]", "low <= mode <= high")
    dist = Distribution(dname, clip_low=low, clip_high=high, **vals)
    return _stepped(r, Factor(name, target, kind, None, dist, "distribution"), node.get("steps"))


def _stepped(r: Reader, factor: Factor, steps: Any) -> Factor:
    """The continuous ``factor``, or ``steps`` levels of it: evenly spaced across a range, at the
    mid-quantiles of a distribution; integer parameters rounded (and repeated levels dropped)."""
    if steps is None:
        return factor
    dist, how = factor.distribution, factor.given
    steps = r.whole(steps, f"vary.{factor.name}.{how}.steps", 2, MAX_LEVELS)
    grid = np.linspace(dist.low, dist.high, steps) if how == "range" else dist.ppf((np.arange(steps) + 0.5) / steps)
    if factor.kind == "integer":
        values: list[Any] = list(dict.fromkeys(int(v) for v in np.rint(grid)))
    else:
        values = [float(v) for v in grid]
    return Factor(factor.name, factor.target, factor.kind, tuple(values), dist, how)


# --------------------------------------------------------------------------------------------------
# A file's vary: block
# --------------------------------------------------------------------------------------------------

def read_vary(r: Reader, node: Any) -> tuple[Factor, ...]:
    """The factors of a file's ``vary:`` block, in its order (``all_parameters`` where it stands)."""
    vary = r.mapping(node if node is not None else {}, "vary", optional=(*factor_names(), ALL_PARAMETERS))
    factors: list[Factor] = []
    for key, value in vary.items():
        if key == ALL_PARAMETERS:
            factors.extend(_all_parameters(r, value, [n for n in vary if n in SPECS]))
        else:
            factors.append(read_factor(r, key, value))
    return tuple(factors)


def read_factor(r: Reader, name: str, node: Any) -> Factor:
    """One entry of ``vary:``: exactly one of ``values``, ``range`` and ``distribution``."""
    path = f"vary.{name}"
    node = r.mapping(node, path, optional=("values", "range", "distribution"))
    given = [k for k in ("values", "range", "distribution") if k in node]
    if len(given) != 1:
        raise r.fail(path, "needs exactly one of values, range and distribution",
                     "values: [...], range: {low, high, steps} or distribution: {name, ...}")
    how = given[0]
    if how == "values":
        return levels(name, node["values"], r)
    if how == "distribution":
        return distributed(name, node["distribution"], r)
    if node["range"] in ("bounds", "prior"):
        return span(name, node["range"], r)
    _numeric(r, name, "range")
    rg = r.mapping(node["range"], f"{path}.range", required=("low", "high"), optional=("steps",))
    return uniform(name, rg["low"], rg["high"], rg.get("steps"), r)


def _all_parameters(r: Reader, node: Any, listed: list[str]) -> list[Factor]:
    path = f"vary.{ALL_PARAMETERS}"
    node = r.mapping(node, path, required=("range",), optional=("steps",))
    if node["range"] not in ("bounds", "prior"):
        raise r.fail(f"{path}.range", f"{node['range']!r} is not allowed", "bounds, prior")
    out = []
    for name in SPECS:
        if name in listed:
            continue
        try:
            factor = span(name, node["range"], r)
            if "steps" in node:
                factor = uniform(name, factor.distribution.low, factor.distribution.high, node["steps"], r)
        except InputError as exc:
            raise r.fail(path + exc.field.removeprefix(f"vary.{name}"), f"{name}: {exc.problem}", exc.allowed) from None
        out.append(factor)
    return out


# --------------------------------------------------------------------------------------------------
# Factors against the cases of an experiment
# --------------------------------------------------------------------------------------------------

def check_factors(r: Reader, factors: Sequence[Factor], cases: Sequence[Case]) -> tuple[Factor, ...]:
    """Factors made by this module, each named once, whose categorical facts apply to every case."""
    if isinstance(factors, (str, Factor)) or not isinstance(factors, Sequence):
        raise r.fail("vary", f"expected a list of factors, got {_kind(factors)}", "factors from model.sweep.factors")
    seen: set[str] = set()
    for f in factors:
        if not isinstance(f, Factor):
            raise r.fail("vary", f"expected a factor, got {_kind(f)}", "factors from model.sweep.factors")
        if f.name in seen:
            raise r.fail(f"vary.{f.name}", "is listed twice", "each factor once")
        seen.add(f.name)
        if f.target != "fact" or f.kind != "categorical":
            continue
        for i, v in enumerate(f.values):
            for case in cases:
                try:
                    with_facts(case, {f.name: v})
                except InputError as exc:
                    raise r.fail(f"vary.{f.name}.values[{i}]", f"{v!r} cannot apply to case {case.id}: {exc.problem}",
                                 exc.allowed) from None
    return tuple(factors)
