"""Where an experiment file is read: which cases, which factors vary and how, the design, the seed.

An experiment is data (``experiments/*.yaml``, format in ``docs/sweeps.md``). Every problem is raised
as :class:`~model.errors.InputError` naming the file, the field path (``vary.influence.range.high``),
what is wrong and what is allowed, before anything runs or is written.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, quote
from ..files.fields import Reader
from ..files.fields import kind as _kind
from ..files.formats import EXPERIMENT_FORMAT as FORMAT
from ..files.yamlsafe import read_yaml
from ..params import SPECS
from ..rules import RULES
from ..scenario import CATEGORIES, NUMERIC, Case, list_case_files, load_scenario, scenarios_root, with_facts
from ..simulate import MAX_REPLICATIONS
from ..statistics import DEFAULT_SWEEP_STATISTICS, SWEEP_STATISTICS

#: Figures a sweep can record per point, and the default selection (from the statistics' registry).
FIGURES = SWEEP_STATISTICS
DEFAULT_FIGURES = DEFAULT_SWEEP_STATISTICS
#: The ``record:`` entry that adds per-replication rows (``replications/`` folder of Parquet chunks).
PER_REPLICATION = "per_replication"

DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "one_at_a_time")
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "triangular")

MAX_POINTS = 50_000_000  # points of a sweep (scenarios x design points)
MAX_SAMPLED_POINTS = 1_000_000  # sampled designs hold their sample matrix in memory
MAX_LEVELS = 10_000  # values or steps of one factor
MAX_CHUNK_POINTS = 100_000
CHUNK_RUNS = 50_000  # default chunk: about this many runs (points x replications), at most 1,000 points
SCENARIO_SETS = ("historical", "all")
#: The ``vary:`` key that varies every global parameter not listed on its own: ``{range: bounds}``,
#: ``{range: prior}``, with ``steps: N`` for the designs that need levels.
ALL_PARAMETERS = "all_parameters"

TOP_REQUIRED = ("format", "scenarios", "design", "replications", "seed")
TOP_OPTIONAL = ("name", "description", "vary", "record", "chunk_points")


# --------------------------------------------------------------------------------------------------
# Factors
# --------------------------------------------------------------------------------------------------

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
    for sampled designs only.
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


# --------------------------------------------------------------------------------------------------
# The experiment
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DesignSpec:
    method: str
    n: int | None = None
    second_order: bool = True


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: cases, factors, design, replications per point, seed, what to record."""

    path: str
    name: str
    description: str
    text: str  # the file as read, copied into the manifest
    sha256: str
    scenarios: tuple[Case, ...]
    factors: tuple[Factor, ...]
    design: DesignSpec
    replications: int
    seed: int
    figures: tuple[str, ...]
    per_replication: bool
    chunk_points: int
    design_points: int  # points per scenario

    @property
    def points(self) -> int:
        """Number of parameter points: scenarios x design points."""
        return len(self.scenarios) * self.design_points

    @property
    def runs(self) -> int:
        return self.points * self.replications

    @property
    def chunks(self) -> int:
        return -(-self.points // self.chunk_points)

    def chunk_range(self, chunk: int) -> range:
        """The point indices of a chunk (a fixed range, whatever the workers)."""
        return range(chunk * self.chunk_points, min(self.points, (chunk + 1) * self.chunk_points))

    @property
    def members(self) -> tuple[str, ...]:
        """Every member that sits on the council in at least one of the cases, sorted."""
        return tuple(sorted({m.name for c in self.scenarios for m in c.roster}))

    @property
    def fingerprint(self) -> str:
        """What must match for a results folder to be resumed: the file, the cases it reads and the format."""
        h = hashlib.sha256(f"{FORMAT}\n{self.sha256}\n".encode())
        for c in self.scenarios:
            h.update(f"{c.id} {c.sha256} {c.organisation.sha256}\n".encode())
        h.update(" ".join(f.name for f in self.factors).encode())
        return h.hexdigest()


class _Reader(Reader):
    doc = "docs/sweeps.md"


def factor_names() -> tuple[str, ...]:
    """Every name ``vary:`` accepts: global parameters, ``rule``, categorical and numeric case facts."""
    return (*SPECS, "rule", *CATEGORIES, *NUMERIC)


def default_chunk_points(replications: int) -> int:
    return max(1, min(1000, CHUNK_RUNS // replications))


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read and validate an experiment file (see ``docs/sweeps.md``); InputError on any problem."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml") and not path.exists() and os.sep not in str(path):
        for folder in (Path("experiments"), Path(__file__).resolve().parents[2] / "experiments"):
            if (folder / f"{path}.yaml").is_file():
                path = folder / f"{path}.yaml"
                break
    data = read_yaml(path)
    raw = path.read_bytes()
    r = _Reader(str(path))
    top = r.mapping(data, "", required=TOP_REQUIRED, optional=TOP_OPTIONAL)
    if top["format"] != FORMAT:
        raise r.fail("format", f"{quote(top['format'])} is not supported", FORMAT)
    name = top.get("name", path.stem)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise r.fail("name", f"{name!r} is not allowed", "letters, digits, '.', '_' and '-' (a folder name)")
    description = top.get("description") or ""
    if not isinstance(description, str):
        raise r.fail("description", f"expected text, got {_kind(description)}", "text")

    replications = r.whole(top["replications"], "replications", 1, MAX_REPLICATIONS)
    seed = top["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**128:
        raise r.fail("seed", f"expected a whole number, got {_kind(seed)}", "a whole number from 0 to 2**128 - 1")

    scenarios = _read_scenarios(r, top["scenarios"], path)
    vary = r.mapping(top.get("vary") if top.get("vary") is not None else {}, "vary",
                     optional=(*factor_names(), ALL_PARAMETERS))
    factors = []
    for key, node in vary.items():
        if key == ALL_PARAMETERS:
            factors.extend(_all_parameters(r, node, [n for n in vary if n in SPECS], scenarios))
        else:
            factors.append(_read_factor(r, key, node, scenarios))
    factors = tuple(factors)
    design = _read_design(r, top["design"], factors)

    from .design import design_size

    per_scenario = design_size(design, factors)
    total = per_scenario * len(scenarios)
    if total > MAX_POINTS:
        raise r.fail("design", f"the sweep has {total:,} points ({len(scenarios)} case(s) x {per_scenario:,})",
                     f"at most {MAX_POINTS:,} points")
    if design.method in ("latin_hypercube", "sobol") and total > MAX_SAMPLED_POINTS:
        raise r.fail("design.n", f"the {design.method} sample has {total:,} points",
                     f"at most {MAX_SAMPLED_POINTS:,} points in a sampled design")

    figures, per_rep = DEFAULT_FIGURES, False
    if "record" in top:
        rec = top["record"]
        allowed = ", ".join((*FIGURES, PER_REPLICATION))
        if not isinstance(rec, list) or not rec:
            raise r.fail("record", f"expected a non-empty list, got {_kind(rec)}", allowed)
        for i, item in enumerate(rec):
            if item not in (*FIGURES, PER_REPLICATION):
                raise r.fail(f"record[{i}]", f"{item!r} is not a figure", allowed)
            if rec.index(item) != i:
                raise r.fail(f"record[{i}]", f"{item!r} is listed twice", allowed)
        figures = tuple(f for f in FIGURES if f in rec)
        per_rep = PER_REPLICATION in rec
    chunk_points = default_chunk_points(replications)
    if "chunk_points" in top:
        chunk_points = r.whole(top["chunk_points"], "chunk_points", 1, MAX_CHUNK_POINTS)
    return Experiment(
        path=str(path), name=name, description=description.strip(), text=raw.decode("utf-8"),
        sha256=hashlib.sha256(raw).hexdigest(), scenarios=scenarios, factors=factors, design=design,
        replications=replications, seed=int(seed), figures=figures, per_replication=per_rep,
        chunk_points=chunk_points, design_points=per_scenario)


def _read_scenarios(r: _Reader, node: Any, exp_path: Path) -> tuple[Case, ...]:
    if isinstance(node, str):
        node = [node]
    allowed = "case ids, case file paths, 'historical' (the training cases) or 'all'"
    if not isinstance(node, list) or not node:
        raise r.fail("scenarios", f"expected a non-empty list, got {_kind(node)}", allowed)
    paths: list[Path] = []
    for i, item in enumerate(node):
        field = f"scenarios[{i}]"
        if not isinstance(item, str) or not item.strip():
            raise r.fail(field, f"expected a case id or file, got {_kind(item)}", allowed)
        if item in SCENARIO_SETS:
            loaded = [(load_scenario(p), p) for p in list_case_files()]
            if item == "historical":
                loaded = sorted(((c, p) for c, p in loaded if c.kind == "historical"), key=lambda cp: (cp[0].date, cp[0].id))
            paths.extend(p for _, p in loaded)
            continue
        paths.append(_resolve_case(r, item, field, exp_path))
    seen: dict[str, int] = {}
    cases = []
    for i, p in enumerate(paths):
        key = str(p.resolve())
        if key in seen:
            raise r.fail("scenarios", f"{p} is listed twice", "each case once")
        seen[key] = i
        cases.append(load_scenario(p))
    if not cases:
        raise r.fail("scenarios", "names no case", allowed)
    return tuple(cases)


def _resolve_case(r: _Reader, ref: str, field: str, exp_path: Path) -> Path:
    known = ", ".join(sorted(p.stem for p in list_case_files()))
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or "/" in ref or os.sep in ref:
        candidates = [p] if p.is_absolute() else [exp_path.parent / p, Path.cwd() / p, scenarios_root().parent / p]
        for c in candidates:
            if c.is_file():
                return c
        raise r.fail(field, f"no such case file {ref!r}", f"an existing case file, or a case id: {known}")
    matches = sorted(scenarios_root().rglob(f"{ref}.yaml"))
    if len(matches) != 1:
        problem = "no such case id" if not matches else "ambiguous case id"
        raise r.fail(field, f"{problem} {ref!r}", known)
    return matches[0]


def _all_parameters(r: _Reader, node: Any, listed: list[str], cases: tuple[Case, ...]) -> list[Factor]:
    path = f"vary.{ALL_PARAMETERS}"
    node = r.mapping(node, path, required=("range",), optional=("steps",))
    if node["range"] not in ("bounds", "prior"):
        raise r.fail(f"{path}.range", f"{node['range']!r} is not allowed", "bounds, prior")
    out = []
    for name in SPECS:
        if name in listed:
            continue
        spec: dict[str, Any] = {"range": node["range"]}
        try:
            factor = _read_factor(r, name, spec, cases)
            if "steps" in node:
                lo, hi = factor.distribution.low, factor.distribution.high
                factor = _read_factor(r, name, {"range": {"low": lo, "high": hi, "steps": node["steps"]}}, cases)
        except InputError as exc:
            raise r.fail(path + exc.field.removeprefix(f"vary.{name}"), f"{name}: {exc.problem}", exc.allowed) from None
        out.append(factor)
    return out


def _read_factor(r: _Reader, name: str, node: Any, cases: tuple[Case, ...]) -> Factor:
    path = f"vary.{name}"
    node = r.mapping(node, path, optional=("values", "range", "distribution"))
    given = [k for k in ("values", "range", "distribution") if k in node]
    if len(given) != 1:
        raise r.fail(path, "needs exactly one of values, range and distribution",
                     "values: [...], range: {low, high, steps} or distribution: {name, ...}")
    how = given[0]
    if name == "rule" or name in CATEGORIES:
        options = tuple(RULES) if name == "rule" else CATEGORIES[name]
        target = "rule" if name == "rule" else "fact"
        if how != "values":
            raise r.fail(f"{path}.{how}", "a categorical factor takes values", "values: [...] or values: all")
        values = node["values"]
        if values == "all":
            values = list(options)
        if not isinstance(values, list) or not values:
            raise r.fail(f"{path}.values", f"expected a non-empty list, got {_kind(values)}",
                         f"a list of: {', '.join(options)}; or all")
        for i, v in enumerate(values):
            if not isinstance(v, str) or v not in options:
                raise r.fail(f"{path}.values[{i}]", f"{v!r} is not allowed", ", ".join(options))
            if values.index(v) != i:
                raise r.fail(f"{path}.values[{i}]", f"{v!r} is listed twice", "each value once")
            if target == "fact":
                for case in cases:
                    try:
                        with_facts(case, {name: v})
                    except InputError as exc:
                        raise r.fail(f"{path}.values[{i}]", f"{v!r} cannot apply to case {case.id}: {exc.problem}",
                                     exc.allowed) from None
        return Factor(name, target, "categorical", tuple(values))

    if name in SPECS:
        spec = SPECS[name]
        target, kind, low, high = "param", ("integer" if spec.kind is int else "real"), spec.low, spec.high
    else:
        target, kind = "fact", "real"
        low, high = NUMERIC[name]
    bounds = f"{low:g} to {high:g}"

    if how == "values":
        values = node["values"]
        if not isinstance(values, list) or not values or len(values) > MAX_LEVELS:
            raise r.fail(f"{path}.values", f"expected a list of 1 to {MAX_LEVELS:,} numbers, got {_kind(values)}",
                         f"numbers from {bounds}")
        out = []
        for i, v in enumerate(values):
            x = r.number(v, f"{path}.values[{i}]", low, high)
            if kind == "integer":
                if x != int(x):
                    raise r.fail(f"{path}.values[{i}]", f"{x:g} is not a whole number", f"whole numbers from {bounds}")
                x = int(x)
            out.append(x)
        return Factor(name, target, kind, tuple(out))

    if how == "range" and node["range"] in ("bounds", "prior"):
        if node["range"] == "prior" and target != "param":
            raise r.fail(f"{path}.range", "only global parameters have a prior", "bounds, or {low, high, steps}")
        lo, hi = SPECS[name].prior if node["range"] == "prior" else (low, high)
        node = {"range": {"low": lo, "high": hi}}
    if how == "range":
        rg = r.mapping(node["range"], f"{path}.range", required=("low", "high"), optional=("steps",))
        lo = r.number(rg["low"], f"{path}.range.low", low, high)
        hi = r.number(rg["high"], f"{path}.range.high", low, high)
        if lo >= hi:
            raise r.fail(f"{path}.range", f"low {lo:g} is not below high {hi:g}", "low < high")
        dist = Distribution("uniform", low=lo, high=hi, clip_low=low, clip_high=high)
        steps = node["range"].get("steps")
    else:
        dist, steps = _read_distribution(r, node["distribution"], f"{path}.distribution", low, high)
    if steps is None:
        return Factor(name, target, kind, None, dist, how)
    field = f"{path}.range.steps" if how == "range" else f"{path}.distribution.steps"
    steps = r.whole(steps, field, 2, MAX_LEVELS)
    grid = np.linspace(dist.low, dist.high, steps) if how == "range" else dist.ppf((np.arange(steps) + 0.5) / steps)
    if kind == "integer":
        levels: list[Any] = list(dict.fromkeys(int(v) for v in np.rint(grid)))
    else:
        levels = [float(v) for v in grid]
    return Factor(name, target, kind, tuple(levels), dist, how)


def _read_distribution(r: _Reader, node: Any, path: str, low: float, high: float) -> tuple[Distribution, Any]:
    shapes = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "normal": ("mean", "sd"),
              "triangular": ("low", "mode", "high")}
    if not isinstance(node, dict) or "name" not in node:
        raise r.fail(path, f"expected a mapping with a name, got {_kind(node)}",
                     "{name: uniform|loguniform|normal|triangular, ...}")
    dname = node["name"]
    if dname not in DISTRIBUTIONS:
        raise r.fail(f"{path}.name", f"{dname!r} is not a distribution", ", ".join(DISTRIBUTIONS))
    node = r.mapping(node, path, required=("name", *shapes[dname]), optional=("steps",))
    vals = {}
    for key in shapes[dname]:
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
    return Distribution(dname, clip_low=low, clip_high=high, **vals), node.get("steps")


def _read_design(r: _Reader, node: Any, factors: tuple[Factor, ...]) -> DesignSpec:
    if isinstance(node, str):
        node = {"method": node}
    if not isinstance(node, dict) or "method" not in node:
        raise r.fail("design", f"expected a design name or {{method: ...}}, got {_kind(node)}", ", ".join(DESIGNS))
    method = node["method"]
    if method not in DESIGNS:
        raise r.fail("design.method" if len(node) > 1 else "design", f"{method!r} is not a design", ", ".join(DESIGNS))
    if method == "latin_hypercube":
        node = r.mapping(node, "design", required=("method", "n"))
    elif method == "sobol":
        node = r.mapping(node, "design", required=("method", "n"), optional=("second_order",))
    else:
        node = r.mapping(node, "design", required=("method",))
    n = None
    if "n" in node:
        n = r.whole(node["n"], "design.n", 1, MAX_SAMPLED_POINTS)
        if method == "sobol" and n & (n - 1):
            raise r.fail("design.n", f"{n:,} is not a power of 2", "a power of 2 (Sobol' sequences): 64, 128, 256, ...")
    second_order = node.get("second_order", True)
    if not isinstance(second_order, bool):
        raise r.fail("design.second_order", f"expected true or false, got {_kind(second_order)}", "true, false")
    if method != "full_factorial" and not factors:
        raise r.fail("vary", f"the {method} design needs at least one factor", ", ".join(factor_names()))
    if method in ("full_factorial", "one_at_a_time"):
        for f in factors:
            if not f.discrete:
                raise r.fail(f"vary.{f.name}.{f.given}", f"a {method} design needs discrete levels: steps is missing",
                             f"{f.given}: {{..., steps: N}} or values: [...]")
    return DesignSpec(method=method, n=n, second_order=second_order)
