"""Where an experiment is made: which cases, which factors vary and how, the design, the seed.

An experiment is data: an experiment file (``experiments/*.yaml``, format in ``docs/sweeps.md``) read by
:func:`load_experiment`, or built in code with :meth:`Experiment.build` (factors from
``model.sweep.factors``). Both go through :meth:`Experiment.build`, so both are checked the same way:
every problem is raised as :class:`~model.errors.InputError` naming the file, the field path
(``vary.influence.range.high``), what is wrong and what is allowed, before anything runs or is written.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import did_you_mean, quote
from ..files.fields import Reader
from ..files.fields import kind as _kind
from ..files.formats import EXPERIMENT_FORMAT as FORMAT
from ..files.yamlsafe import read_yaml
from ..params import MAX_REPLICATIONS
from ..posterior import NONE, SHIPPED, Posterior, load_posterior
from ..scenario import Case, list_case_files, load_scenario, scenarios_root
from ..statistics import DEFAULT_SWEEP_STATISTICS, SWEEP_STATISTICS
from .design import design_size
from .factors import ALL_PARAMETERS, MAX_LEVELS, ExperimentReader, check_factors, factor_names, read_vary
from .types import DESIGNS, DISTRIBUTIONS, GIVEN, DesignSpec, Distribution, Factor

__all__ = ["ALL_PARAMETERS", "DESIGNS", "DISTRIBUTIONS", "FORMAT", "GIVEN", "MAX_LEVELS", "DesignSpec", "Distribution",
           "Experiment", "Factor", "factor_names", "load_experiment"]

#: Figures a sweep can record per point, and the default selection (from the statistics' registry).
FIGURES = SWEEP_STATISTICS
DEFAULT_FIGURES = DEFAULT_SWEEP_STATISTICS
#: The ``record:`` entry that adds per-replication rows (``replications/`` folder of Parquet chunks).
PER_REPLICATION = "per_replication"

MAX_POINTS = 50_000_000  # points of a sweep (scenarios x design points)
MAX_SAMPLED_POINTS = 1_000_000  # a Latin hypercube holds its sample matrix in memory (8 bytes per factor and point)
MAX_CHUNK_POINTS = 100_000
#: Default chunk: about this many runs (points x replications), at most 1,000 points. A chunk's points of one case
#: run side by side in a few vectorised passes (one per ``rounds`` value and coding of the case), so larger
#: chunks mean larger passes; a chunk's results are about 25 MB at this size.
CHUNK_RUNS = 200_000
SCENARIO_SETS = ("historical", "all")
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"

TOP_REQUIRED = ("format", "scenarios", "design", "replications", "seed")
TOP_OPTIONAL = ("name", "description", "vary", "record", "chunk_points", "posterior", "mark")
#: ``load_experiment``'s ``posterior`` when the command line does not set it: as the file says.
FROM_FILE = "from file"


@dataclass(frozen=True)
class Experiment:
    """A checked experiment: cases, factors, design, replications per point, seed, what to record."""

    path: str
    name: str
    description: str
    text: str | None  # the file as read, copied into the manifest (None: built in code without one)
    sha256: str  # of the text; of the experiment's content when it has no text
    scenarios: tuple[Case, ...]
    factors: tuple[Factor, ...]
    design: DesignSpec
    replications: int
    seed: int
    figures: tuple[str, ...]
    per_replication: bool
    chunk_points: int
    design_points: int  # points per scenario
    #: Each point's replications draw the parameters it does not set from this posterior (None: the defaults).
    posterior: Posterior | None = None
    #: Cases the sweep's figures place on their maps (``mark:``): recorded in the manifest, never run.
    marked: tuple[Case, ...] = ()
    #: Whether uncertain points (a posterior, or cases with codings) record their probabilities' intervals too
    #: (``statistics.sweep_figures``); a calibration's prior sample, which reads only the probabilities, does not.
    #: Extra columns only: not part of what the experiment is (its file, its points and seeds).
    intervals: bool = field(default=True, compare=False)

    @classmethod
    def build(cls, *, scenarios: str | Sequence[str | Case], design: DesignSpec | str, replications: int, seed: int,
              factors: Sequence[Factor] = (), figures: Sequence[str] = DEFAULT_FIGURES, per_replication: bool = False,
              name: str = "experiment", description: str = "", chunk_points: int | None = None,
              text: str | None = None, path: str | os.PathLike[str] | None = None,
              posterior: str | os.PathLike[str] | Posterior | None = None,
              mark: str | Sequence[str | Case] = (), intervals: bool = True) -> Experiment:
        """An experiment from its parts, checked as an experiment file is (the file reader builds it here).

        ``scenarios``: cases, case ids, case files, ``historical`` or ``all``; ``factors``: made by
        ``model.sweep.factors``; ``design``: a :class:`DesignSpec` (or a method's name); ``text``: the
        experiment file it comes from, copied into the results folder; ``path``: where that file is (case
        files named relative to it are found there), and what errors name (else ``experiment <name>``);
        ``posterior``: a calibration's folder (relative to ``path``'s folder or the working folder), ``shipped``,
        ``none`` or a read :class:`Posterior`: each point's replications draw the parameters the point does not
        set from it (``model/posterior.py``); ``mark``: cases (as ``scenarios``) the figures place on their maps at
        their coded facts, recorded in the manifest and never run; ``intervals``: whether uncertain points record
        their probabilities' intervals too.
        """
        r = ExperimentReader(str(path) if path is not None else f"experiment {name!r}")
        name, description = _check_name(r, name, description)
        replications = r.whole(replications, "replications", 1, MAX_REPLICATIONS)
        seed = _check_seed(r, seed)
        cases = read_cases(r, scenarios, Path(path).parent if path is not None else Path.cwd())
        factors = check_factors(r, factors, cases)
        design = check_design(r, DesignSpec(design) if isinstance(design, str) else design, factors)
        per_case = _check_size(r, design, factors, len(cases))
        figures, per_replication = read_record(r, [*figures, *([PER_REPLICATION] if per_replication else [])])
        chunk_points = (default_chunk_points(replications) if chunk_points is None
                        else r.whole(chunk_points, "chunk_points", 1, MAX_CHUNK_POINTS))
        parts = dict(name=name, description=description, scenarios=cases, factors=factors, design=design,
                     replications=replications, seed=seed, figures=figures, per_replication=per_replication,
                     chunk_points=chunk_points, design_points=per_case)
        sha = hashlib.sha256((text if text is not None else _content(parts)).encode("utf-8")).hexdigest()
        where = str(path) if path is not None else f"(built in code: {name})"
        post = _read_posterior(r, posterior, Path(path).parent if path is not None else Path.cwd())
        marked = read_cases(r, mark, Path(path).parent if path is not None else Path.cwd(), "mark") if mark else ()
        return cls(path=where, text=text, sha256=sha, posterior=post, marked=marked, intervals=intervals, **parts)

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
        if self.posterior is not None:
            h.update(f"\nposterior {self.posterior.sha256}".encode())
        return h.hexdigest()


def _content(parts: dict[str, Any]) -> str:
    """What an experiment built in code without a file consists of, as text to hash."""
    cases = [(c.id, c.sha256, c.organisation.sha256) for c in parts["scenarios"]]
    return repr({**parts, "scenarios": cases})


def _read_posterior(r: Reader, node: Any, base: Path) -> Posterior | None:
    """The experiment's posterior: ``none``, ``shipped`` or a calibration's folder (see :meth:`Experiment.build`)."""
    if node is None or isinstance(node, Posterior):
        return node
    if not isinstance(node, (str, os.PathLike)) or not str(node).strip():
        raise r.fail("posterior", f"expected a folder, got {_kind(node)}",
                     f"{NONE}, {SHIPPED} or a folder written by 'csto-sim calibrate'")
    if str(node) not in (NONE, SHIPPED) and not Path(node).is_absolute() and (base / node).is_dir():
        node = base / node
    return load_posterior(node, "posterior", r.where)


def default_chunk_points(replications: int) -> int:
    return max(1, min(1000, CHUNK_RUNS // replications))


# --------------------------------------------------------------------------------------------------
# The experiment file
# --------------------------------------------------------------------------------------------------

def load_experiment(path: str | os.PathLike[str], posterior: Any = FROM_FILE) -> Experiment:
    """Read and check an experiment file (see ``docs/sweeps.md``); InputError on any problem. ``posterior``
    (the command line's ``--posterior``) replaces the file's ``posterior:`` unless it is :data:`FROM_FILE`."""
    path = find_experiment(path)
    data = read_yaml(path)
    r = ExperimentReader(str(path))
    top = r.mapping(data, "", required=TOP_REQUIRED, optional=TOP_OPTIONAL)
    if top["format"] != FORMAT:
        raise r.fail("format", f"{quote(top['format'])} is not supported", FORMAT)
    figures, per_replication = read_record(r, top["record"]) if "record" in top else (DEFAULT_FIGURES, False)
    return Experiment.build(
        scenarios=top["scenarios"], factors=read_vary(r, top.get("vary")), design=read_design(r, top["design"]),
        replications=top["replications"], seed=top["seed"], figures=figures, per_replication=per_replication,
        name=top.get("name", path.stem), description=top.get("description") or "",
        chunk_points=top.get("chunk_points"), text=path.read_bytes().decode("utf-8"), path=path,
        posterior=top.get("posterior") if posterior == FROM_FILE else posterior, mark=top.get("mark") or ())


def find_experiment(path: str | os.PathLike[str]) -> Path:
    """The file itself, or ``experiments/NAME.yaml`` for a bare name (here, or shipped with the package)."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml") and not path.exists() and os.sep not in str(path):
        for folder in (Path("experiments"), Path(__file__).resolve().parents[2] / "experiments"):
            if (folder / f"{path}.yaml").is_file():
                return folder / f"{path}.yaml"
    return path


def _check_name(r: Reader, name: Any, description: Any) -> tuple[str, str]:
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        raise r.fail("name", f"{name!r} is not allowed", "letters, digits, '.', '_' and '-' (a folder name)")
    if not isinstance(description, str):
        raise r.fail("description", f"expected text, got {_kind(description)}", "text")
    return name, description.strip()


def _check_seed(r: Reader, seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**128:
        raise r.fail("seed", f"expected a whole number, got {_kind(seed)}", "a whole number from 0 to 2**128 - 1")
    return int(seed)


def read_record(r: Reader, rec: Any) -> tuple[tuple[str, ...], bool]:
    """What ``record:`` asks for: the figures (in the order of :data:`FIGURES`) and per-replication rows."""
    allowed = ", ".join((*FIGURES, PER_REPLICATION))
    if not isinstance(rec, list) or not rec:
        raise r.fail("record", f"expected a non-empty list, got {_kind(rec)}", allowed)
    for i, item in enumerate(rec):
        if item not in (*FIGURES, PER_REPLICATION):
            raise r.fail(f"record[{i}]", f"{item!r} is not a figure", allowed)
        if rec.index(item) != i:
            raise r.fail(f"record[{i}]", f"{item!r} is listed twice", allowed)
    return tuple(f for f in FIGURES if f in rec), PER_REPLICATION in rec


# --------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------

def read_cases(r: Reader, node: Any, base: Path, key: str = "scenarios") -> tuple[Case, ...]:
    """The cases of ``scenarios:`` (or ``mark:``, as ``key`` says): loaded cases, case ids, case files (relative
    to ``base``, the working folder or the repository), ``historical`` (the training cases, by date) or ``all``;
    each once."""
    if isinstance(node, (str, Case)):
        node = [node]
    allowed = "case ids, case file paths, 'historical' (the training cases) or 'all'"
    if not isinstance(node, (list, tuple)) or not node:
        raise r.fail(key, f"expected a non-empty list, got {_kind(node)}", allowed)
    found: list[tuple[Case | None, Path]] = []
    for i, item in enumerate(node):
        field = f"{key}[{i}]"
        if isinstance(item, Case):
            found.append((item, Path(item.path or ".")))
        elif not isinstance(item, str) or not item.strip():
            raise r.fail(field, f"expected a case id or file, got {_kind(item)}", allowed)
        elif item in SCENARIO_SETS:
            found.extend(_case_set(item))
        else:
            found.append((None, _resolve_case(r, item, field, base)))
    seen: set[str] = set()
    cases: list[Case] = []
    for case, p in found:  # a file once; a case given loaded once (its what-if variants are other cases)
        key = str(p.resolve())
        twice = (case in cases) if case is not None else (key in seen)
        if twice:
            raise r.fail(key, f"{p if case is None else case.id} is listed twice", "each case once")
        if case is None:
            seen.add(key)
        cases.append(case if case is not None else load_scenario(p))
    if not cases:
        raise r.fail(key, "names no case", allowed)
    return tuple(cases)


def _case_set(which: str) -> list[tuple[Case | None, Path]]:
    loaded = [(load_scenario(p), p) for p in list_case_files()]
    if which == "historical":
        loaded = sorted(((c, p) for c, p in loaded if c.kind == "historical"), key=lambda cp: (cp[0].date, cp[0].id))
    return [(None, p) for _, p in loaded]


def _resolve_case(r: Reader, ref: str, field: str, base: Path) -> Path:
    known = ", ".join(sorted(p.stem for p in list_case_files()))
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or "/" in ref or os.sep in ref:
        candidates = [p] if p.is_absolute() else [base / p, Path.cwd() / p, scenarios_root().parent / p]
        for c in candidates:
            if c.is_file():
                return c
        raise r.fail(field, f"no such case file {ref!r}", f"an existing case file, or a case id: {known}")
    matches = sorted(scenarios_root().rglob(f"{ref}.yaml"))
    if len(matches) != 1:
        problem = "no such case id" if not matches else "ambiguous case id"
        hint = "" if matches else did_you_mean(ref, known.split(", "))
        raise r.fail(field, f"{problem} {ref!r}{hint}", known)
    return matches[0]


# --------------------------------------------------------------------------------------------------
# The design
# --------------------------------------------------------------------------------------------------

def read_design(r: Reader, node: Any) -> DesignSpec:
    """The ``design:`` of a file, as given (:func:`check_design` checks its values)."""
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
    return DesignSpec(method=method, n=node.get("n"), second_order=node.get("second_order", True))


def check_design(r: Reader, spec: Any, factors: tuple[Factor, ...]) -> DesignSpec:
    """A design that the factors can take: ``n`` for sampled designs (a power of 2 for Sobol'), at
    least one factor to sample, discrete levels for the designs that enumerate them."""
    if not isinstance(spec, DesignSpec):
        raise r.fail("design", f"expected a DesignSpec, got {_kind(spec)}", ", ".join(DESIGNS))
    if spec.method == GIVEN:
        return _check_points(r, spec, factors)
    method = spec.method
    if method not in DESIGNS:
        raise r.fail("design.method", f"{method!r} is not a design", ", ".join(DESIGNS))
    n = None
    if method in ("latin_hypercube", "sobol"):
        n = r.whole(spec.n, "design.n", 1, MAX_SAMPLED_POINTS)
        if method == "sobol" and n & (n - 1):
            raise r.fail("design.n", f"{n:,} is not a power of 2", "a power of 2 (Sobol' sequences): 64, 128, 256, ...")
    elif spec.n is not None:
        raise r.fail("design.n", f"a {method} design takes no n", "latin_hypercube or sobol designs")
    if not isinstance(spec.second_order, bool):
        raise r.fail("design.second_order", f"expected true or false, got {_kind(spec.second_order)}", "true, false")
    if method != "full_factorial" and not factors:
        raise r.fail("vary", f"the {method} design needs at least one factor", ", ".join(factor_names()))
    if method in ("full_factorial", "one_at_a_time"):
        for f in factors:
            if not f.discrete:
                raise r.fail(f"vary.{f.name}.{f.given}", f"a {method} design needs discrete levels: steps is missing",
                             f"{f.given}: {{..., steps: N}} or values: [...]")
    return DesignSpec(method=method, n=n, second_order=spec.second_order)


def _check_points(r: Reader, spec: DesignSpec, factors: tuple[Factor, ...]) -> DesignSpec:
    points = spec.points
    if not isinstance(points, Sequence) or not points:
        raise r.fail("design.points", f"expected a non-empty list of points, got {_kind(points)}",
                     "one value per factor for each point")
    for j, p in enumerate(points):
        if not isinstance(p, Sequence) or len(p) != len(factors):
            raise r.fail(f"design.points[{j}]", f"expected {len(factors)} values, got {_kind(p)}",
                         f"one value per factor: {', '.join(f.name for f in factors)}")
    return DesignSpec(method=GIVEN, n=len(points), second_order=False, points=tuple(tuple(p) for p in points))


def _check_size(r: Reader, design: DesignSpec, factors: tuple[Factor, ...], cases: int) -> int:
    """The points of the design for one case; an error if the sweep would be too large."""
    per_case = design_size(design, factors)
    total = per_case * cases
    if total > MAX_POINTS:
        raise r.fail("design", f"the sweep has {total:,} points ({cases} case(s) x {per_case:,})",
                     f"at most {MAX_POINTS:,} points")
    if design.method in ("latin_hypercube", "sobol") and total > MAX_SAMPLED_POINTS:
        raise r.fail("design.n", f"the {design.method} sample has {total:,} points",
                     f"at most {MAX_SAMPLED_POINTS:,} points in a sampled design")
    return per_case
