"""What a run yields: per-replication arrays, the figures analysts read, and the files written.

Members are reported by name in alphabetical order. Every output records the seed it came from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .ladder import LEVELS, STANCES
from .params import Parameters
from .scenario import Case
from .statistics import STATISTICS
from .terms import REASONS

VERSION = "0.1.0"
RESULTS_FORMAT = "csto-sim/run-1"


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version, with the git commit when run from a checkout."""
    here = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        return f"{VERSION}+g{sha}" if sha else VERSION
    except (OSError, subprocess.SubprocessError):
        return VERSION


def _statistic(name: str) -> property:
    """A result's figure: the statistic of that name (``model/statistics.py``), rounded as reports show it."""
    stat = STATISTICS[name]
    return property(stat.report, doc=stat.meaning)


@dataclass
class SimulationResult:
    """The outcome of ``replications`` runs of one case, with the seed and settings that produced it."""

    case: Case
    seed: int
    rule: str
    params: Parameters
    members: list[str]
    lead_state: str | None
    outcome: np.ndarray  # (R,) Level codes
    days: np.ndarray  # (R,) days to decision, NaN when no measure passed
    stance: np.ndarray  # (R, n) Stance codes on the measure requested (ABSENT: no request)
    reason: np.ndarray  # (R, n) codes into REASONS
    objected: np.ndarray  # (R, n) bool: objected to the measure requested
    vetoed: np.ndarray  # (R, n) bool: formally objected to a measure on the table
    contribution: np.ndarray  # (R, n) troops
    trace: list[dict[str, list[float]]] | None = None

    @property
    def replications(self) -> int:
        return int(self.outcome.shape[0])

    # -- the figures (each defined once in model/statistics.py) -------------------------------------

    @property
    def observed(self) -> str | None:
        """The observed outcome of a historical case, else None."""
        return self.case.observed.outcome if self.case.observed else None

    outcome_probabilities = _statistic("outcome_probabilities")
    modal_outcome = _statistic("modal_outcome")
    match = _statistic("match")
    days_to_decision = _statistic("days_to_decision")
    objection_rate = _statistic("objection_rate")
    dominant_reason = _statistic("dominant_reason")
    stance_rates = _statistic("stance_rates")
    mean_contribution = _statistic("mean_contribution")
    lead_state_share = _statistic("lead_state_share")

    def to_dict(self) -> dict[str, Any]:
        """The run as one JSON-ready object (the ``--json`` output)."""
        return {
            "scenario": self.case.id,
            "title": self.case.title,
            "kind": self.case.kind,
            "replications": self.replications,
            "seed": self.seed,
            "rule": self.rule,
            "outcome_probabilities": self.outcome_probabilities,
            "modal_outcome": self.modal_outcome,
            "observed": self.observed,
            "match": self.match,
            "days_to_decision": self.days_to_decision,
            "objection_rate": self.objection_rate,
            "dominant_reason": self.dominant_reason,
            "mean_contribution": self.mean_contribution,
            "lead_state": self.lead_state,
            "lead_state_share": self.lead_state_share,
            "parameters": self.params.as_dict(),
            "code_version": code_version(),
        }

    # -- files --------------------------------------------------------------------------------------

    def table(self) -> Any:
        """Per-replication results as a pyarrow Table (one row per replication)."""
        import pyarrow as pa

        cols: dict[str, Any] = {
            "replication": pa.array(np.arange(self.replications, dtype=np.int64)),
            "outcome": pa.DictionaryArray.from_arrays(pa.array(self.outcome.astype(np.int32)), pa.array(LEVELS)),
            "days_to_decision": pa.array(self.days, from_pandas=True),
        }
        stance_names = pa.array(["absent", *STANCES])
        for i, m in enumerate(self.members):
            cols[f"stance.{m}"] = pa.DictionaryArray.from_arrays(
                pa.array(self.stance[:, i].astype(np.int32) + 1), stance_names)
            cols[f"reason.{m}"] = pa.DictionaryArray.from_arrays(
                pa.array(self.reason[:, i].astype(np.int32)), pa.array(REASONS))
            cols[f"objected.{m}"] = pa.array(self.objected[:, i])
            cols[f"vetoed.{m}"] = pa.array(self.vetoed[:, i])
            cols[f"troops.{m}"] = pa.array(self.contribution[:, i].astype(np.float64))
        return pa.table(cols)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": RESULTS_FORMAT,
            "scenario": {"id": self.case.id, "path": self.case.path, "sha256": self.case.sha256,
                         "organisation": self.case.organisation.path,
                         "organisation_sha256": self.case.organisation.sha256},
            "seed": self.seed,
            "replications": self.replications,
            "rule": self.rule,
            "parameters": self.params.as_dict(),
            "code_version": code_version(),
            "files": {"replications": "replications.parquet", "summary": "summary.json",
                      "trace": "trace.json" if self.trace is not None else None},
        }

    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Write ``replications.parquet``, ``summary.json`` and ``manifest.json`` to ``out_dir``, atomically:
        everything goes to a temporary folder that replaces ``out_dir`` only once complete."""
        import pyarrow.parquet as pq

        out = Path(out_dir)
        prepare_out_dir(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            pq.write_table(self.table(), tmp / "replications.parquet", compression="zstd")
            (tmp / "summary.json").write_text(json.dumps(self.to_dict(), indent=2) + "\n")
            if self.trace is not None:
                trace = {"replication": 0, "measures": list(LEVELS[1:]), "rounds": self.trace,
                         "note": "each member's position (utility) on each measure; round 0 is its own assessment"}
                (tmp / "trace.json").write_text(json.dumps(trace, indent=2) + "\n")
            (tmp / "manifest.json").write_text(json.dumps(self.manifest(), indent=2) + "\n")
            replace_dir(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out


RESULT_FILES = frozenset({"replications.parquet", "summary.json", "trace.json", "manifest.json"})


def _is_results_dir(out: Path) -> bool:
    """Whether ``out`` holds only an earlier run's files (so that replacing it loses nothing else)."""
    names = {p.name for p in out.iterdir()} - {"figures"}  # figures drawn from it by 'csto-sim plot'
    if not names or not names <= RESULT_FILES or "manifest.json" not in names:
        return not names
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == RESULTS_FORMAT


def prepare_out_dir(out: Path) -> None:
    """Check that ``out`` can receive results: new, empty, or a previous results folder of ours."""
    if out.is_symlink() and not out.exists():
        raise InputError(str(out), "--out", "is a broken symbolic link", "a new folder or an earlier results folder")
    if out.exists():
        if not out.is_dir():
            raise InputError(str(out), "--out", "exists and is not a folder", "a new folder or an earlier results folder")
        try:
            ours = _is_results_dir(out)
        except OSError as exc:
            raise InputError(str(out), "--out", f"cannot be read ({exc.strerror})", "a readable folder") from None
        if not ours:
            raise InputError(str(out), "--out", "is a non-empty folder that holds other files than csto-sim results",
                             "a new or empty folder, or an earlier results folder")
    parent = out.parent if str(out.parent) else Path(".")
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # missing folders are created when the results are written
    if not existing.is_dir():
        raise InputError(str(out), "--out", f"{existing} is not a folder", "a path under a folder")
    if not os.access(existing, os.W_OK):
        raise InputError(str(out), "--out", f"folder {existing} is not writable", "a writable location")


def replace_dir(new: Path, out: Path) -> None:
    """Move ``new`` into place as ``out``, replacing an earlier ``out`` only after ``new`` is complete."""
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(out)
