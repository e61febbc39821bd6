"""Reading saved results for plotting: a ``run --out`` folder or a sweep folder, checked before use.

A folder that is missing, incomplete, corrupt or of another format version is an InputError (one line,
exit status 2). Plots read these files only; they never rerun the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..ladder import LEVELS, STANCES

RUN_FORMAT = "csto-sim/run-1"
SWEEP_FORMAT = "csto-sim/sweep-1"
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
    observed: dict[str, Any] | None  # from the case file when still readable: days range, troops ranges


@dataclass
class SweepData:
    folder: Path
    manifest: dict[str, Any]
    table: Any  # pyarrow Table sorted by point
    factors: list[dict[str, Any]]

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
    manifest = _read_json(folder / "manifest.json", where)
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
    if fmt not in FORMATS:
        raise InputError(where, "manifest.json: format", f"{fmt!r} is not a results format this version reads",
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
    return RunData(folder, summary, manifest, members, outcome, days, troops, trace, _observed(manifest))


def _observed(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The observed days and troops of a historical case, from its case file when it is still there."""
    path = manifest.get("scenario", {}).get("path")
    if not path or not Path(path).is_file():
        return None
    from ..scenario import load_scenario

    try:
        case = load_scenario(path)
    except InputError:
        return None
    if case.observed is None:
        return None
    days = case.observed.days_to_decision
    out: dict[str, Any] = {"days": None, "troops": {}}
    if days is not None:
        out["days"] = (days.low, days.high) if days.is_range else (float(days.value), float(days.value))
    for m, f in case.observed.contributions.items():
        out["troops"][m] = (f.low, f.high) if f.is_range else (float(f.value), float(f.value))
    return out


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
    return SweepData(folder, manifest, table.sort_by("point"), factors)


__all__ = ["STANCES", "RunData", "SweepData", "load"]
