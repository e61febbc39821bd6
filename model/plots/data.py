"""Reading saved results for plotting: a ``run --out`` folder or a sweep folder, checked before use.

A folder that is missing, incomplete, corrupt or of another format version is an InputError (one line,
exit status 2). Plots read these files only: they never rerun the model, and never re-open the case files
a manifest names (what the figures need of a case, its observed values and coded facts, is in the
manifest; a folder written before they were recorded is drawn without them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, quote
from ..files.formats import MANIFEST, RUN_FORMAT, SWEEP_FORMAT
from ..ladder import LEVELS, STANCES

FORMATS = (RUN_FORMAT, SWEEP_FORMAT)


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


def load(folder: str | Path) -> RunData | SweepData:
    """Read a results folder written by ``csto-sim run --out`` or ``csto-sim sweep``."""
    folder = Path(folder)
    where = str(folder)
    if not folder.exists():
        raise InputError(where, "", "no such folder", "a folder written by 'csto-sim run --out' or 'csto-sim sweep'")
    if not folder.is_dir():
        raise InputError(where, "", "is not a folder", "a folder written by 'csto-sim run --out' or 'csto-sim sweep'")
    manifest = _read_json(folder / MANIFEST, where)
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
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
    return RunData(folder, summary, manifest, members, outcome, days, troops, trace, _observed(manifest, where))


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


__all__ = ["STANCES", "RunData", "SweepData", "load"]
