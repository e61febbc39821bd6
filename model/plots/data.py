"""Reading saved results for plotting: a ``run --out`` folder or a sweep folder, checked before use.

A folder that is missing, incomplete, corrupt or of another format version is an InputError (one line,
exit status 2). Plots read these files only: they never rerun the model, and never re-open the case files
a manifest names (what the figures need of a case, its observed values and coded facts, is in the
manifest; a folder written before they were recorded is drawn without them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, quote
from ..files.formats import ANALYSIS_FORMAT, MANIFEST, RUN_FORMAT, SWEEP_FORMAT
from ..ladder import LEVELS, STANCES

FORMATS = (RUN_FORMAT, SWEEP_FORMAT)
#: The report ``csto-sim explain --plot DIR`` writes next to its figure.
EXPLAIN_REPORT = "explain.json"



@dataclass
class RunData:
    """A single case's run: its summary, per-replication arrays and the trace of replication 0."""

    folder: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    members: list[str]
    outcome: np.ndarray  # Level codes
    days: np.ndarray
    troops: np.ndarray  # (R, n)
    trace: list[dict[str, list[float]]] | None
    observed: dict[str, Any] | None  # the case's observed days and troops ([low, high]), from the manifest
    objecting_reason: dict[str, str | None] = field(default_factory=dict)  # over the replications it objected in
    objecting_share: dict[str, float | None] = field(default_factory=dict)  # share of those giving that reason

    @property
    def case_id(self) -> str:
        return str(self.summary["scenario"])

    def observed_record(self) -> dict[str, Any]:
        """The case's observed record as its manifest keeps it (outcome, days, reasons, sources); {} for a what-if."""
        scenario = self.manifest.get("scenario")
        observed = scenario.get("observed") if isinstance(scenario, dict) else None
        return observed if isinstance(observed, dict) else {}


@dataclass
class SweepData:
    folder: Path
    manifest: dict[str, Any]
    table: Any  # pyarrow Table sorted by point
    factors: list[dict[str, Any]]
    cases: dict[str, dict[str, Any]]  # case id -> its record in the manifest (observed values, coded facts)

    def observed_outcome(self, case_id: str) -> str | None:
        """The observed outcome of a historical case (None for a what-if, or when not recorded)."""
        observed = self.cases.get(case_id, {}).get("observed")
        return observed.get("outcome") if isinstance(observed, dict) else None

    def coded(self, case_id: str, fact: str) -> float | None:
        """The coded (central) value of a numeric fact of a case (None when not recorded)."""
        value = (self.cases.get(case_id, {}).get("coded") or {}).get(fact)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def column(self, name: str) -> np.ndarray:
        col = self.table.column(name)
        return np.array(col.to_pylist(), dtype=object if str(col.type) == "string" else float)

    @property
    def method(self) -> str:
        """The design's method: full_factorial, one_at_a_time, latin_hypercube, sobol or given."""
        return str(self.manifest.get("design", {}).get("method", ""))

    def categorical(self) -> list[str]:
        """The columns of the categorical factors (the rule's column for a rule factor) that take more than
        one value, and ``scenario`` when the sweep ran several cases."""
        out = []
        for f in self.factors:
            name = "rule" if f.get("target") == "rule" else f["name"]
            if (f.get("kind") == "categorical" or f.get("target") == "rule") and name in self.table.column_names \
                    and len(set(self.table.column(name).to_pylist())) > 1:
                out.append(name)
        if len(set(self.table.column("scenario").to_pylist())) > 1:
            out.insert(0, "scenario")
        return list(dict.fromkeys(out))


@dataclass
class CasesData:
    """A folder of run folders (``csto-sim run CASE --out DIR/CASE`` for each case): the cases side by side."""

    folder: Path
    runs: list[RunData]


@dataclass
class CalibrationData:
    """A folder written by ``csto-sim calibrate``: its record (``calibration.json``) and accepted sets
    (``posterior.parquet``, with their weights)."""

    folder: Path
    record: dict[str, Any]
    table: Any  # pyarrow Table

    @property
    def calibrated(self) -> list[str]:
        return list(self.record["parameters"]["calibrated"])

    def values(self) -> np.ndarray:
        """(sets, calibrated parameters) of the accepted sets."""
        return np.column_stack([np.asarray(self.table.column(n).to_numpy(), dtype=float) for n in self.calibrated])

    def weights(self) -> np.ndarray:
        return np.asarray(self.table.column("weight").to_numpy(), dtype=float)


@dataclass
class ExplainData:
    """A folder written by ``csto-sim explain --plot``: the explanation's report (``explain.json``)."""

    folder: Path
    report: dict[str, Any]


@dataclass
class DiscoverData:
    """A folder written by ``csto-sim discover``: the boxes (``prim.json``) and the sweep they were found in."""

    folder: Path
    report: dict[str, Any]
    sweep: SweepData


def _read_json(path: Path, where: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(where, path.name, "missing", "a complete results folder") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(where, path.name, "is not valid JSON (corrupt or truncated)", "a complete results folder") from None
    except OSError as exc:
        raise InputError(where, path.name, f"cannot be read ({exc.strerror})", "a readable results folder") from None


def _read_parquet(path: Path, where: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise InputError(where, path.name, "missing", "a complete results folder")
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError):
        raise InputError(where, path.name, "cannot be read as Parquet (corrupt or truncated)",
                         "a complete results folder") from None


def load(folder: str | Path) -> RunData | SweepData | CasesData | ExplainData | DiscoverData | CalibrationData:
    """Read a results folder: written by ``csto-sim run --out`` or ``csto-sim sweep``, a folder of run
    folders, a folder written by ``csto-sim explain --plot`` or by ``csto-sim discover``."""
    folder = Path(folder)
    where = str(folder)
    if not folder.exists():
        raise InputError(where, "", "no such folder", "a folder written by 'csto-sim run --out' or 'csto-sim sweep'")
    if not folder.is_dir():
        raise InputError(where, "", "is not a folder", "a folder written by 'csto-sim run --out' or 'csto-sim sweep'")
    if (folder / EXPLAIN_REPORT).is_file():
        return ExplainData(folder, _read_json(folder / EXPLAIN_REPORT, where))
    if (folder / "calibration.json").is_file() and (folder / "posterior.parquet").is_file():
        return CalibrationData(folder, _read_json(folder / "calibration.json", where),
                               _read_parquet(folder / "posterior.parquet", where))
    if not (folder / MANIFEST).is_file() and _run_folders(folder):
        return CasesData(folder, [_load_run(f, _read_json(f / MANIFEST, str(f))) for f in _run_folders(folder)])
    manifest = _read_json(folder / MANIFEST, where)
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
    if fmt == ANALYSIS_FORMAT and manifest.get("analysis") == "discover":
        return _load_discover(folder)
    if fmt not in FORMATS:
        raise InputError(where, "manifest.json: format", f"{quote(fmt)} is not a results format this version reads",
                         ", ".join(FORMATS))
    if fmt == RUN_FORMAT:
        return _load_run(folder, manifest)
    return _load_sweep(folder, manifest)


def _load_run(folder: Path, manifest: dict[str, Any]) -> RunData:
    where = str(folder)
    summary = _read_json(folder / "summary.json", where)
    table = _read_parquet(folder / "replications.parquet", where)
    try:
        members = sorted(name.split(".", 1)[1] for name in table.column_names if name.startswith("troops."))
        outcome = np.array([LEVELS.index(x) for x in table.column("outcome").to_pylist()], dtype=np.int8)
        days = np.array(table.column("days_to_decision").to_pylist(), dtype=float)
        troops = np.stack([np.array(table.column(f"troops.{m}").to_pylist(), dtype=float) for m in members], axis=1) \
            if members else np.zeros((len(outcome), 0))
        if len(outcome) != summary["replications"] or not set(summary["objection_rate"]) == set(members):
            raise ValueError("mismatch")
    except (KeyError, ValueError, TypeError):
        raise InputError(where, "replications.parquet", "does not match summary.json (corrupt or another version)",
                         "a complete results folder") from None
    trace = None
    if (folder / "trace.json").is_file():
        trace = _read_json(folder / "trace.json", where).get("rounds")
    reasons, shares = objecting_reasons(table, members)
    return RunData(folder, summary, manifest, members, outcome, days, troops, trace, _observed(manifest, where),
                   reasons, shares)


def objecting_reasons(table: Any, members: list[str]) -> tuple[dict[str, str | None], dict[str, float | None]]:
    """Each member's most frequent reason over the replications in which it objected (the first in the
    order of ``model.terms.REASONS`` on a tie; None when it never objected), and the share of those
    replications that give it. From the columns ``reason.M`` and ``objected.M`` of replications.parquet."""
    from ..terms import REASONS

    reasons: dict[str, str | None] = {}
    shares: dict[str, float | None] = {}
    for m in members:
        if f"reason.{m}" not in table.column_names or f"objected.{m}" not in table.column_names:
            reasons[m] = shares[m] = None
            continue
        objected = np.array(table.column(f"objected.{m}").to_pylist(), dtype=bool)
        given = [r for r, o in zip(table.column(f"reason.{m}").to_pylist(), objected, strict=True) if o]
        if not given:
            reasons[m] = shares[m] = None
            continue
        counts = {r: given.count(r) for r in dict.fromkeys(given)}
        top = max(counts.values())
        reasons[m] = min((r for r, c in counts.items() if c == top),
                         key=lambda r: REASONS.index(r) if r in REASONS else len(REASONS))
        shares[m] = top / len(given)
    return reasons, shares


def _run_folders(folder: Path) -> list[Path]:
    """The subfolders of ``folder`` that hold a run's manifest, by name."""
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        try:
            manifest = json.loads((sub / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("format") == RUN_FORMAT:
            out.append(sub)
    return out


def _load_discover(folder: Path) -> DiscoverData:
    where = str(folder)
    report = _read_json(folder / "prim.json", where)
    try:
        sweep_folder = Path(report["results"])
        boxes = report["boxes"]
        if not isinstance(boxes, list):
            raise TypeError
    except (KeyError, TypeError):
        raise InputError(where, "prim.json", "lacks results or boxes (corrupt or another version)",
                         "a folder written by 'csto-sim discover'") from None
    if not sweep_folder.is_absolute() and not sweep_folder.exists() and (folder.parent / MANIFEST).is_file():
        sweep_folder = folder.parent  # the default: RESULTS/discover
    sweep = load(sweep_folder)
    if not isinstance(sweep, SweepData):
        raise InputError(where, "prim.json: results", f"{sweep_folder} is not a sweep folder",
                         "the sweep folder the boxes were found in")
    return DiscoverData(folder, report, sweep)


def _observed(manifest: dict[str, Any], where: str) -> dict[str, Any] | None:
    """The observed days and troops of a historical case, as its manifest records them."""
    scenario = manifest.get("scenario")
    observed = scenario.get("observed") if isinstance(scenario, dict) else None
    if observed is None:
        return None
    try:
        days = observed["days"]
        return {"days": None if days is None else _bounds(days),
                "troops": {str(m): _bounds(v) for m, v in observed["troops"].items()}}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(where, f"{MANIFEST}: scenario.observed", "is not [low, high] values (corrupt or another version)",
                         "a complete results folder") from None


def _bounds(value: Any) -> tuple[float, float]:
    low, high = value
    return float(low), float(high)


def _load_sweep(folder: Path, manifest: dict[str, Any]) -> SweepData:
    where = str(folder)
    if (folder / "results.parquet").is_file():
        table = _read_parquet(folder / "results.parquet", where)
    else:
        raise InputError(where, "results.parquet", "missing: the sweep has not finished (run it again to resume)",
                         "a finished sweep folder")
    try:
        factors = manifest["design"]["factors"]
        needed = {"point", "scenario"} | {f"p_{lvl}" for lvl in LEVELS}
        missing = needed - set(table.column_names)
        if missing:
            raise KeyError(sorted(missing)[0])
    except (KeyError, TypeError) as exc:
        raise InputError(where, "results.parquet", f"lacks {exc} (corrupt or another version)",
                         "a complete sweep folder recording outcome_probabilities") from None
    listed = manifest.get("scenarios")
    cases = {str(c["id"]): c for c in listed if isinstance(c, dict) and "id" in c} if isinstance(listed, list) else {}
    return SweepData(folder, manifest, table.sort_by("point"), factors, cases)


# --- what the sweep figures draw, computed from the results table ---------------------------------------

def usable(sweep: SweepData) -> np.ndarray:
    """The rows of points that ran (no error)."""
    if "error" in sweep.table.column_names:
        return np.array([e is None for e in sweep.table.column("error").to_pylist()])
    return np.ones(sweep.table.num_rows, dtype=bool)


def factor_column(f: dict[str, Any]) -> str:
    return "rule" if f.get("target") == "rule" else str(f["name"])


def _mode(values: np.ndarray) -> Any:
    """The most frequent value (the first in sorted order on a tie)."""
    uniq, counts = np.unique(values, return_counts=True)
    return uniq[np.argmax(counts)] if uniq.size else None


def baseline_rows(columns: dict[str, np.ndarray], factor: str) -> np.ndarray:
    """In a one-at-a-time design every factor sits at its baseline (its most frequent value) in the rows that
    vary another: the rows where every factor but ``factor`` is at its baseline."""
    n = len(next(iter(columns.values())))
    sel = np.ones(n, dtype=bool)
    for other, values in columns.items():
        if other != factor:
            sel &= values == _mode(values)
    return sel


def swings(sweep: SweepData, outcome: str = "p_deployment") -> dict[str, list[dict[str, Any]]]:
    """One-at-a-time sweeps: per case, each factor's lowest and highest ``outcome`` over its levels (the
    other factors at baseline), the value at the baseline and the swing (highest - lowest), largest first."""
    ok = usable(sweep)
    scenarios = sweep.column("scenario")
    y = sweep.column(outcome)
    names = [factor_column(f) for f in sweep.factors if factor_column(f) in sweep.table.column_names]
    out: dict[str, list[dict[str, Any]]] = {}
    for case in dict.fromkeys(scenarios[ok]):
        rows = ok & (scenarios == case) & ~np.isnan(y)
        columns = {n: sweep.column(n)[rows] for n in names}
        yc = y[rows]
        bars = []
        for n in names:
            sel = baseline_rows(columns, n)
            if not sel.any():
                continue
            at_base = baseline_rows(columns, "")
            bars.append({"factor": n, "low": float(yc[sel].min()), "high": float(yc[sel].max()),
                         "swing": float(yc[sel].max() - yc[sel].min()),
                         "baseline": float(yc[at_base].mean()) if at_base.any() else None,
                         "levels": int(len(set(columns[n][sel].tolist())))})
        out[str(case)] = sorted(bars, key=lambda b: (-b["swing"], b["factor"]))
    return out


def sobol_indices(sweep: SweepData, outcome: str = "p_deployment", resamples: int = 1000,
                  ) -> dict[str, list[dict[str, Any]]]:
    """Sobol' sweeps: per case, S1 and ST of ``outcome`` with 95% bootstrap half-widths
    (``SALib.analyze.sobol`` on the points in design order, with the design's second-order setting and the
    sweep's seed), largest ST first."""
    import warnings

    from SALib.analyze import sobol

    design = sweep.manifest.get("design", {})
    names = [factor_column(f) for f in sweep.factors]
    seed = int(sweep.manifest.get("seeds", {}).get("seed") or 0)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    scenarios = sweep.column("scenario")
    y = sweep.column(outcome)
    out: dict[str, list[dict[str, Any]]] = {}
    for case in dict.fromkeys(scenarios):
        yc = y[scenarios == case]
        if np.isnan(yc).any():
            raise InputError(str(sweep.folder), f"results.parquet: {outcome}",
                             f"has missing values for {case} (Sobol' indices need every point)",
                             "a finished Sobol' sweep, or another outcome")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(problem, yc, calc_second_order=bool(design.get("second_order", True)),
                                num_resamples=resamples, conf_level=0.95, seed=seed)
        rows = [{"factor": n, "S1": float(res["S1"][k]), "S1_conf": float(np.nan_to_num(res["S1_conf"][k])),
                 "ST": float(res["ST"][k]), "ST_conf": float(np.nan_to_num(res["ST_conf"][k]))}
                for k, n in enumerate(names)]
        out[str(case)] = sorted(rows, key=lambda r: (-r["ST"], r["factor"]))
    return out


def partial_dependence(x: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, np.ndarray]:
    """The mean of ``y`` in ``bins`` equal-width bins of ``x`` (over the sampled range), with 95% normal
    intervals of each mean (1.96 standard errors) and the points per bin; empty bins are NaN."""
    edges = np.linspace(np.min(x), np.max(x), bins + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    count = np.bincount(idx, minlength=bins).astype(float)
    total = np.bincount(idx, weights=y, minlength=bins)
    squares = np.bincount(idx, weights=y * y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
        var = np.where(count > 1, (squares - count * mean**2) / (count - 1), np.nan)
        half = 1.96 * np.sqrt(np.maximum(var, 0) / count)
    return {"centre": (edges[:-1] + edges[1:]) / 2, "mean": mean, "low": mean - half, "high": mean + half,
            "count": count, "edges": edges}


__all__ = ["STANCES", "CasesData", "DiscoverData", "ExplainData", "RunData", "SweepData", "load"]
